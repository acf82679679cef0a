import Foundation

/// The census name lists (`names/dist.male.first`, `dist.female.first`, `dist.all.last`:
/// fixed-width `NAME freq cumulative rank`, upper-case). Used as features, never as rules:
/// many surnames are ordinary words.
public struct NameLists: Sendable, Equatable {
  public var first: Set<String>
  public var last: Set<String>
  /// Words (upper-case, as the census lists) that cased text mostly writes with a capital
  /// inside a sentence (`CapitalisationCounts`): a name's words, wherever they are written in
  /// lower case or capitals. `nil`: models without the feature.
  public var capitalised: Set<String>?
  /// The `capitalised` words are a feature only where a token is written without a
  /// capital or all in capitals, where its writing says nothing of its case; a token written
  /// capitalised then reads as it would without the words.
  public var capitalisedWhereUncased = false

  public init(
    first: Set<String>, last: Set<String>, capitalised: Set<String>? = nil, capitalisedWhereUncased: Bool = false
  ) {
    self.first = first
    self.last = last
    self.capitalised = capitalised
    self.capitalisedWhereUncased = capitalisedWhereUncased
  }

  /// The `usually_capitalised` feature of a token looked up by `key` (`NameFeatures.listKey`)
  /// and written in lower case or all capitals (`uncased`) or not; `nil` for lists without
  /// the words.
  func usuallyCapitalised(_ key: String, uncased: Bool) -> Bool? {
    guard let capitalised else { return nil }
    return (!capitalisedWhereUncased || uncased) && capitalised.contains(key)
  }

  /// Reads the three lists from `directory`, keeping the `maxLast` most frequent surnames
  /// (the list is ranked) so a model that stores them stays small.
  public static func load(directory: String, maxLast: Int = 20_000) throws(DataFileError) -> NameLists {
    func names(_ file: String, limit: Int) throws(DataFileError) -> [String] {
      let path = directory + "/" + file
      var result: [String] = []
      for (offset, line) in try readTextFile(path).split(separator: "\n").enumerated() where result.count < limit {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 4, fields[0].allSatisfy({ $0.isLetter || $0 == "'" || $0 == "-" }),
          Double(fields[1]) != nil
        else {
          throw DataFileError("\(path):\(offset + 1): expected NAME frequency cumulative rank")
        }
        result.append(String(fields[0]))
      }
      guard !result.isEmpty else { throw DataFileError("\(path) lists no names") }
      return result
    }
    let first = try names("dist.male.first", limit: .max) + names("dist.female.first", limit: .max)
    return NameLists(first: Set(first), last: Set(try names("dist.all.last", limit: maxLast)))
  }
}

/// How often each word of cased text is written capitalised — `Dana`, not `DANA` or
/// `dana` — inside a sentence, and how often in lower case there. A sentence's first word
/// and a word after a mark that starts a phrase (a quote, a colon, a bracket, a dash) are
/// not counted: a capital there says nothing of the word. Counted sentence by sentence, so
/// a large text need not be held.
public struct CapitalisationCounts {
  var counts: [String: (capitalised: Int, lower: Int)] = [:]

  public init() {}

  public mutating func add(_ sentence: [String]) {
    for index in sentence.indices.dropFirst() {
      let before = sentence[index - 1]
      guard before.contains(where: { $0.isLetter || $0.isNumber || $0 == "," }) else { continue }
      let token = sentence[index]
      guard let initial = token.first, initial.isLetter else { continue }
      let letters = token.filter(\.isLetter)
      let upper = letters.filter(\.isUppercase).count
      let key = NameFeatures.listKey(token)
      if initial.isUppercase && upper < letters.count {
        counts[key, default: (0, 0)].capitalised += 1
      } else if upper == 0 {
        counts[key, default: (0, 0)].lower += 1
      }
    }
  }

  /// The words (keys as the name lists': upper-case, no final `'s`) written capitalised at
  /// least `minimum` times and at least `share` of the times they are written capitalised
  /// or in lower case.
  public func words(minimum: Int, share: Double) -> Set<String> {
    var words: Set<String> = []
    for (word, count) in counts
    where count.capitalised >= minimum && Double(count.capitalised) >= share * Double(count.capitalised + count.lower) {
      words.insert(word)
    }
    return words
  }
}

/// Per-token features beside the word and character readings: the word's shape and
/// whether the name lists know it (and, for models that have it, whether cased text
/// usually writes it capitalised).
public enum NameFeatures {
  public static let names = [
    "all_caps", "capitalised", "lower", "has_digit", "no_letters", "inner_hyphen_or_apostrophe", "sentence_start",
    "first_name", "last_name", "usually_capitalised",
  ]

  /// How many features a token has: the last, `usually_capitalised`, only for lists that
  /// hold those words (`NameLists.capitalised`).
  public static func count(readingCapitalisation: Bool) -> Int { names.count - (readingCapitalisation ? 0 : 1) }

  /// The key a token is looked up by in the lists: upper-case, without a final `'s`.
  static func listKey(_ token: String) -> String {
    var key = token.uppercased()
    if key.hasSuffix("'S") || key.hasSuffix("’S") { key = String(key.dropLast(2)) }
    return key
  }

  /// Features of each token of a sentence.
  public static func features(_ tokens: [String], lists: NameLists?) -> [[Float]] {
    tokens.enumerated().map { index, token in tokenFeatures(token, first: index == 0, lists: lists) }
  }

  /// The position of the sentence-start feature in a token's features.
  static let sentenceStart = names.firstIndex(of: "sentence_start")!

  /// Lower-case words (and marks) that join the parts of a name (`Bank of America`,
  /// `Leonardo da Vinci`, `Tom & Jerry`): inside a name, not a sign that a span is a
  /// phrase; in training, the only lower-case tokens a hidden name may continue over.
  static let joiningWords: Set<String> = [
    "of", "the", "and", "de", "del", "der", "des", "du", "da", "di", "la", "le", "van", "von", "for", "in", "on",
    "at", "a", "an", "to", "&", "-", "'s", "'", ":", ".", "'n'", "n'",
  ]

  /// One token's features: from its bytes when it is printable ASCII, else character by
  /// character.
  static func tokenFeatures(_ token: String, first: Bool, lists: NameLists?) -> [Float] {
    printableASCIIFeatures(token, first: first, lists: lists) ?? characterFeatures(token, first: first, lists: lists)
  }

  /// A token's features, character by character (any text).
  static func characterFeatures(_ token: String, first: Bool, lists: NameLists?) -> [Float] {
    let letters = token.filter(\.isLetter)
    let upper = letters.filter(\.isUppercase).count
    let allCaps = !letters.isEmpty && upper == letters.count && letters.count > 1
    let capitalised = token.first.map { $0.isUppercase } == true && !allCaps
    let lower = !letters.isEmpty && upper == 0
    let digit = token.contains(where: \.isNumber)
    let inner = token.dropFirst().dropLast().contains { $0 == "-" || $0 == "'" || $0 == "’" }
    let key = listKey(token)
    let firstName = lists?.first.contains(key) == true
    let lastName = lists?.last.contains(key) == true
    var values = [allCaps, capitalised, lower, digit, letters.isEmpty, inner, first, firstName, lastName]
    if let usually = lists?.usuallyCapitalised(key, uncased: allCaps || lower) { values.append(usually) }
    return values.map { $0 ? 1 : 0 }
  }

  /// The same features for a token of printable ASCII (most tokens), from its bytes: each
  /// byte is one character there, and letters, capitals and digits are the ASCII ones.
  static func printableASCIIFeatures(_ token: String, first: Bool, lists: NameLists?) -> [Float]? {
    var letters = 0
    var upper = 0
    var digit = false
    var inner = false
    let count = token.utf8.count
    var key = [UInt8]()
    key.reserveCapacity(count)
    for (offset, byte) in token.utf8.enumerated() {
      guard byte > 0x20 && byte < 0x7F else { return nil }
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"):
        letters += 1
        upper += 1
        key.append(byte)
      case UInt8(ascii: "a")...UInt8(ascii: "z"):
        letters += 1
        key.append(byte - 32)
      default:
        if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digit = true }
        if (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "'")) && offset > 0 && offset < count - 1 { inner = true }
        key.append(byte)
      }
    }
    let allCaps = letters > 1 && upper == letters
    let firstByte = token.utf8.first ?? 0
    let capitalised = firstByte >= UInt8(ascii: "A") && firstByte <= UInt8(ascii: "Z") && !allCaps
    let lower = letters > 0 && upper == 0
    if key.count >= 2 && key[key.count - 2] == UInt8(ascii: "'") && key[key.count - 1] == UInt8(ascii: "S") {
      key.removeLast(2)
    }
    let name = String(decoding: key, as: UTF8.self)
    let firstName = lists?.first.contains(name) == true
    let lastName = lists?.last.contains(name) == true
    var values = [allCaps, capitalised, lower, digit, letters == 0, inner, first, firstName, lastName]
    if let usually = lists?.usuallyCapitalised(name, uncased: allCaps || lower) { values.append(usually) }
    return values.map { $0 ? 1 : 0 }
  }
}
