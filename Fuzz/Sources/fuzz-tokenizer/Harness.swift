import RecurText

/// Any bytes as text: tokens keep exact, ordered offsets inside the text, and sentences
/// cover token ranges in order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let tokens = Tokenizer().tokenize(text)
  let scalars = text.unicodeScalars.count
  var last = 0
  for token in tokens {
    precondition(token.start >= last && token.start <= token.end && token.end <= scalars, "token offsets")
    last = token.end
  }
  var previous = 0
  for sentence in SentenceSplitter().split(tokens) {
    precondition(sentence.lowerBound == previous && sentence.upperBound <= tokens.count, "sentence ranges")
    previous = sentence.upperBound
  }
  return 0
}
