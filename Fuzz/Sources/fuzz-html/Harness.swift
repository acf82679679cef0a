import RecurText

/// Any bytes as a fetched page: decode, parse, find comments and reviews, extract.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let document = DocumentParser().parse(bytes, url: "https://fuzz.example/page")
  _ = document.text.count + document.comments.count + document.reviews.count
  return 0
}
