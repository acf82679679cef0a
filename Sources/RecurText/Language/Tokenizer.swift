/// A token and where it stands in the text: `start` and `end` are offsets in Unicode
/// scalars (code points), so spans map back exactly in any language's string indexing.
public struct Token: Sendable, Equatable {
  public var text: String
  public var start: Int
  public var end: Int

  public init(text: String, start: Int, end: Int) {
    self.text = text
    self.start = start
    self.end = end
  }
}

/// Splits text into tokens the way the training data is tokenized (Penn Treebank
/// style: `do n't`, `John 's`, punctuation apart), keeping URLs, e-mail addresses,
/// @handles, #hashtags, numbers, abbreviations and hyphenated words whole. Ideographic scripts (CJK) become
/// one token per character; nothing makes it fail.
public struct Tokenizer: Sendable {
  public init() {}

  /// Abbreviations whose final period belongs to the word (lower-cased, without the period).
  static let abbreviations: Set<String> = [
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "vs", "etc", "e.g", "i.e", "no", "vol", "inc",
    "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen",
    "col", "lt", "sgt", "capt", "gov", "sen", "rep", "rev", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "approx",
    "dept", "est", "fig", "al", "ave", "blvd",
  ]
  static let clitics = ["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"]
  static let openingPunctuation: Set<Character> = ["\"", "'", "(", "[", "{", "«", "“", "‘", "¿", "¡", "‹", "„", "`"]
  static let closingPunctuation: Set<Character> = [
    "\"", "'", ")", "]", "}", "»", "”", "’", ",", ";", ":", "!", "?", ".", "…", "›",
  ]
  /// The two sets for the ASCII scalars, looked up without hashing a `Character` (every
  /// token asks both).
  static let openingASCII: [Bool] = (0..<128).map { openingPunctuation.contains(Character(Unicode.Scalar(UInt8($0)))) }
  static let closingASCII: [Bool] = (0..<128).map { closingPunctuation.contains(Character(Unicode.Scalar(UInt8($0)))) }

  static func isOpening(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 128 ? openingASCII[Int(scalar.value)] : openingPunctuation.contains(Character(scalar))
  }

  static func isClosing(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 128 ? closingASCII[Int(scalar.value)] : closingPunctuation.contains(Character(scalar))
  }

  /// The text of `scalars[range]`, written as UTF-8 in one go (building a
  /// `String.UnicodeScalarView` scalar by scalar was the tokenizer's largest cost).
  static func string(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> String {
    var count = 0
    for index in range { count += UTF8.width(scalars[index]) }
    return String(unsafeUninitializedCapacity: count) { buffer in
      var offset = 0
      for index in range {
        UTF8.encode(scalars[index]) { unit in
          buffer[offset] = unit
          offset += 1
        }
      }
      return offset
    }
  }

  public func tokenize(_ text: String) -> [Token] {
    let scalars = Array(text.unicodeScalars)
    var tokens: [Token] = []
    var index = 0
    while index < scalars.count {
      if Self.isWhitespace(scalars[index]) {
        index += 1
        continue
      }
      if Self.isIdeographic(scalars[index]) {
        tokens.append(Token(text: String(scalars[index]), start: index, end: index + 1))
        index += 1
        continue
      }
      var end = index
      while end < scalars.count && !Self.isWhitespace(scalars[end]) && !Self.isIdeographic(scalars[end]) {
        end += 1
      }
      splitChunk(scalars, start: index, end: end, into: &tokens)
      index = end
    }
    return tokens
  }

  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.value < 0x80 { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
    return scalar.properties.isWhitespace
  }

  static func isIdeographic(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.value < 0x2E80 { return false }
    return scalar.properties.isIdeographic || (0x3040...0x30FF).contains(scalar.value)  // kana too
  }

  /// Splits one whitespace-free chunk `[start, end)`.
  private func splitChunk(_ scalars: [Unicode.Scalar], start: Int, end: Int, into tokens: inout [Token]) {
    var low = start
    var high = end
    var trailing: [Token] = []
    // Leading quotes and brackets.
    while low < high, Self.isOpening(scalars[low]) {
      if scalars[low] == "'" && low + 1 < high && scalars[low + 1].properties.isAlphabetic
        && Self.clitics.contains(
          "'" + Self.string(scalars, (low + 1)..<min(high, low + 3)).lowercased())
      {
        break  // a bare clitic such as 's
      }
      tokens.append(Token(text: String(scalars[low]), start: low, end: low + 1))
      low += 1
    }
    // Trailing punctuation, keeping an abbreviation's or initial's period and an ellipsis whole.
    while high > low {
      let last = scalars[high - 1]
      guard Self.isClosing(last) else { break }
      if last == "." {
        if high - low >= 3, scalars[high - 2] == ".", scalars[high - 3] == "." {
          trailing.insert(Token(text: "...", start: high - 3, end: high), at: 0)
          high -= 3
          continue
        }
        let word = Self.string(scalars, low..<(high - 1))
        if Self.keepsPeriod(word) { break }
      }
      if (last == "'" || last == "’") && high - low >= 2 && (scalars[high - 2] == "s" || scalars[high - 2] == "S")
        && high - low > 2
      {
        // `players'` : the possessive apostrophe is its own token.
        trailing.insert(Token(text: String(scalars[high - 1]), start: high - 1, end: high), at: 0)
        high -= 1
        break
      }
      trailing.insert(Token(text: String(scalars[high - 1]), start: high - 1, end: high), at: 0)
      high -= 1
    }
    if low < high, scalars[low..<high].allSatisfy(Self.isASCIILetter) {
      // Most words: plain letters, nothing to split.
      tokens.append(Token(text: Self.string(scalars, low..<high), start: low, end: high))
    } else if low < high {
      let core = Self.string(scalars, low..<high)
      if Self.isWhole(core) || (core.count > 1 && core.hasSuffix(".") && Self.keepsPeriod(String(core.dropLast()))) {
        tokens.append(Token(text: core, start: low, end: high))
      } else {
        splitCore(scalars, start: low, end: high, into: &tokens)
      }
    }
    tokens.append(contentsOf: trailing)
  }

  static func keepsPeriod(_ word: String) -> Bool {
    let lower = word.lowercased()
    if abbreviations.contains(lower) { return true }
    // Initials and dotted abbreviations: `J`, `U.S`, `e.g`.
    let letters = word.unicodeScalars.filter { $0 != "." }
    if word.count == 1, let first = letters.first, first.properties.isUppercase { return true }
    if word.contains("."), word.split(separator: ".").allSatisfy({ $0.count == 1 }) { return true }
    return false
  }

  static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
    (0x61...0x7A).contains(scalar.value) || (0x41...0x5A).contains(scalar.value)
  }

  static let numberCharacters = Set("0123456789.,:/-+%$€£")

  /// URLs, e-mail addresses and numbers stay one token.
  static func isWhole(_ text: String) -> Bool {
    if let first = text.first, "hHwW".contains(first) {
      let lower = text.prefix(8).lowercased()
      if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("www.") { return true }
    }
    if let at = text.firstIndex(of: "@"), at != text.startIndex, text[text.index(after: at)...].contains(".") {
      return true
    }
    if text.first?.isNumber == true && text.allSatisfy({ numberCharacters.contains($0) }) { return true }
    return false
  }

  /// Splits a core word: clitics off the end (`do|n't`, `John|'s`), other punctuation
  /// apart, but hyphens, apostrophes and periods inside words kept (`Jean-Luc`, `O'Brien`).
  private func splitCore(_ scalars: [Unicode.Scalar], start: Int, end: Int, into tokens: inout [Token]) {
    let word = Self.string(scalars, start..<end)
    let normalised = String(word.lowercased().map { $0 == "’" ? "'" : $0 })
    for clitic in Self.clitics where normalised.hasSuffix(clitic) && normalised.count > clitic.count {
      let split = end - clitic.unicodeScalars.count
      if clitic == "n't" || scalars[split - 1].properties.isAlphabetic {
        splitCore(scalars, start: start, end: split, into: &tokens)
        tokens.append(Token(text: Self.string(scalars, split..<end), start: split, end: end))
        return
      }
    }
    var pieceStart = start
    var index = start
    while index < end {
      let scalar = scalars[index]
      // A handle or hashtag keeps its sign: `@anna_k`, `#NFL`.
      let startsHandle =
        (scalar == "@" || scalar == "#") && index == start && index + 1 < end
        && (scalars[index + 1].properties.isAlphabetic || scalars[index + 1].properties.numericType != nil
          || scalars[index + 1] == "_")
      let isWordPart =
        startsHandle || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
        || scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .spacingMark
      let joins =
        (scalar == "-" || scalar == "'" || scalar == "’" || scalar == "." || scalar == "&" || scalar == "_")
        && index > start && index + 1 < end
        && (scalars[index - 1].properties.isAlphabetic || scalars[index - 1].properties.numericType != nil)
        && (scalars[index + 1].properties.isAlphabetic || scalars[index + 1].properties.numericType != nil)
      if isWordPart || joins {
        index += 1
        continue
      }
      if pieceStart < index {
        tokens.append(
          Token(text: Self.string(scalars, pieceStart..<index), start: pieceStart, end: index))
      }
      tokens.append(Token(text: String(scalar), start: index, end: index + 1))
      index += 1
      pieceStart = index
    }
    if pieceStart < end {
      tokens.append(
        Token(text: Self.string(scalars, pieceStart..<end), start: pieceStart, end: end))
    }
  }
}

/// Splits tokens into sentences: a sentence ends at `.`, `!`, `?` or `…` (with any
/// closing quotes or brackets after it) when what follows starts a new sentence. The
/// tokenizer has already kept abbreviation and initial periods (`Mr.`, `U.S.`, `J.`),
/// decimals and URLs inside their tokens, so those never end one.
public struct SentenceSplitter: Sendable {
  public init() {}

  static let enders: Set<String> = [".", "!", "?", "...", "…", "!!", "?!"]
  static let closers: Set<String> = ["\"", "'", ")", "]", "”", "’", "»"]

  /// Sentences as ranges of `tokens`.
  public func split(_ tokens: [Token]) -> [Range<Int>] {
    var sentences: [Range<Int>] = []
    var start = 0
    var index = 0
    while index < tokens.count {
      if Self.enders.contains(tokens[index].text) {
        var end = index + 1
        // A closing quote or bracket joins the sentence when it touches the ender; a
        // spaced straight quote opens the next one.
        while end < tokens.count, Self.closers.contains(tokens[end].text), tokens[end].start == tokens[end - 1].end {
          end += 1
        }
        if end == tokens.count || startsSentence(tokens[end]) {
          sentences.append(start..<end)
          start = end
        }
        index = end
        continue
      }
      index += 1
    }
    if start < tokens.count { sentences.append(start..<tokens.count) }
    return sentences
  }

  private func startsSentence(_ token: Token) -> Bool {
    guard let first = token.text.unicodeScalars.first else { return false }
    if first.properties.isLowercase { return false }
    return first.properties.isUppercase || first.properties.numericType != nil
      || Tokenizer.openingPunctuation.contains(Character(first)) || !first.properties.isAlphabetic
      || first.properties.isIdeographic || !first.properties.changesWhenCaseMapped
  }
}
