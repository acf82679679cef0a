import Foundation
import RecurText

/// One sentence of a tagged file: tokens and their IOB2 tags.
public struct TaggedSentence: Sendable, Equatable {
  public var tokens: [String]
  public var tags: [String]
  public init(tokens: [String], tags: [String]) {
    self.tokens = tokens
    self.tags = tags
  }
}

/// A name in a sentence: its type and token range `[start, end)`.
public struct EntitySpan: Sendable, Hashable {
  public var type: String
  public var start: Int
  public var end: Int
  public init(type: String, start: Int, end: Int) {
    self.type = type
    self.start = start
    self.end = end
  }
}

/// CoNLL-style files: `token<TAB>tag` a line (further columns before the tag are ignored;
/// a line without a tab is split at spaces, as in the original CoNLL-2003 files' `token POS
/// chunk tag`), a blank line between sentences, tags `O`, `B-TYPE`, `I-TYPE` (IOB2, or IOB1
/// where `I-` after `O` begins a name; BIOES's and BILOU's `S-`/`U-` are read as `B-`, their
/// `E-`/`L-` as `I-`). Lines starting
/// `-DOCSTART-` are skipped. HTML character references left in tokens of text taken from
/// web pages (`&amp;`, `&quot;`, `&#39;` …, as in WNUT-17) are read as the characters
/// they stand for, as Recur sees them on a page.
public enum NamesData {
  /// A tagged file's sentences; a `.jsonl` file is read as texts marked by offsets
  /// (`parseOffsets`).
  public static func load(_ path: String) throws(DataFileError) -> [TaggedSentence] {
    isOffsetFile(path) ? try loadOffsets(path).sentences : try parse(readTextFile(path), name: path)
  }

  /// Whether a file is read as JSON lines of texts marked by offsets: its name ends `.jsonl`.
  public static func isOffsetFile(_ path: String) -> Bool { path.lowercased().hasSuffix(".jsonl") }

  public static func loadOffsets(_ path: String) throws(DataFileError) -> OffsetAnnotations {
    try parseOffsets(readTextFile(path), name: path)
  }

  /// Each sentence of a file of untagged text in turn: one text a line (of a
  /// `label<TAB>…<TAB>text` line, the part after the last tab; `<br />` read as a paragraph
  /// break), cut into sentences as documents are (`Segmentation`), each as its tokens.
  public static func forEachUntaggedSentence(inFile path: String, _ body: ([String]) -> Void) throws(DataFileError) {
    forEachUntaggedSentence(try readTextFile(path), body)
  }

  /// Each sentence of untagged text in turn, none kept: one text a line, of a
  /// `label<TAB>text` line the text.
  public static func forEachUntaggedSentence(_ contents: String, _ body: ([String]) -> Void) {
    let tokenizer = Tokenizer()
    for line in contents.split(whereSeparator: \.isNewline) {
      let field = line.split(separator: "\t", omittingEmptySubsequences: false).last ?? ""
      let text = SentimentData.plainReview(String(field))
      let tokens = tokenizer.tokenize(text)
      for range in Segmentation.sentences(tokens, in: Array(text.unicodeScalars)) {
        body(tokens[range].map(\.text))
      }
    }
  }

  public static func parse(_ contents: String, name: String) throws(DataFileError) -> [TaggedSentence] {
    var sentences: [TaggedSentence] = []
    var current = TaggedSentence(tokens: [], tags: [])
    for (offset, rawLine) in contents.fileLines.enumerated() {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      if line.allSatisfy(\.isWhitespace) {
        if !current.tokens.isEmpty { sentences.append(current) }
        current = TaggedSentence(tokens: [], tags: [])
        continue
      }
      if line.hasPrefix("-DOCSTART-") { continue }
      let fields =
        line.contains("\t")
        ? line.split(separator: "\t", omittingEmptySubsequences: false) : line.split(separator: " ")
      guard fields.count >= 2, !fields[0].isEmpty else {
        throw DataFileError("\(name):\(offset + 1): expected token<TAB>tag")
      }
      let tag = try iob2(String(fields[fields.count - 1]), at: "\(name):\(offset + 1)")
      current.tokens.append(unescaped(fields[0]))
      current.tags.append(tag)
    }
    if !current.tokens.isEmpty { sentences.append(current) }
    guard !sentences.isEmpty else { throw DataFileError("\(name) holds no tagged sentences") }
    return sentences
  }

  /// A tag as IOB2 reads it: BIOES's and BILOU's single-token name (`S-`, `U-`) begins one,
  /// its last token (`E-`, `L-`) continues it; anything but `O`, `B-TYPE` and `I-TYPE` then is
  /// refused (`at` names the line).
  static func iob2(_ written: String, at: String) throws(DataFileError) -> String {
    var tag = written.trimmingCharacters(in: .whitespaces)
    if tag.count > 2, let scheme = tag.first, "SUEL".contains(scheme), tag.dropFirst().first == "-" {
      tag = ("SU".contains(scheme) ? "B" : "I") + tag.dropFirst()
    }
    guard tag == "O" || ((tag.hasPrefix("B-") || tag.hasPrefix("I-")) && tag.count > 2) else {
      throw DataFileError("\(at): tag '\(tag.prefix(20))' is not O, B-TYPE or I-TYPE (nor BIOES's S- and E-)")
    }
    return tag
  }

  static let references: [(String, String)] = [
    ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#39;", "'"), ("&amp;", "&"),
  ]

  /// A token with the common HTML character references replaced (`&amp;` last, so `&amp;lt;` reads `&lt;`).
  static func unescaped(_ token: Substring) -> String {
    guard token.contains("&"), token.count > 1 else { return String(token) }
    var text = String(token)
    for (reference, character) in references where text.contains(reference) {
      text = text.replacingOccurrences(of: reference, with: character)
    }
    return text
  }

  /// Sentences with their entity types renamed by `map` (types it does not name are kept;
  /// a type mapped to `-` is dropped: its tags become `O`).
  public static func renamingTypes(_ sentences: [TaggedSentence], _ map: [String: String]) -> [TaggedSentence] {
    guard !map.isEmpty else { return sentences }
    return sentences.map { sentence in
      var renamed = sentence
      renamed.tags = sentence.tags.map { tag in
        guard tag != "O", let type = map[String(tag.dropFirst(2))] else { return tag }
        return type == "-" ? "O" : String(tag.prefix(2)) + type
      }
      return renamed
    }
  }

  /// WNUT-17's six entity types onto the CoNLL types the shipped tagger uses (as
  /// `training/names.mix` maps them): a corporation or group is ORG, a product or creative
  /// work MISC.
  public static let wnut17Types: [String: String] = [
    "person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG", "product": "MISC",
    "creative-work": "MISC",
  ]

  /// OntoNotes' eighteen entity types (spaCy's English pipelines tag them) onto the CoNLL
  /// types, as the CoNLL guidelines place them: a nationality, religious or political group
  /// (NORP), event, product, work, law or language is MISC, a building or facility (FAC) and a
  /// country, city or state (GPE) a place; dates, times and amounts are no names (`-`).
  public static let ontoNotesTypes: [String: String] = [
    "PERSON": "PER", "NORP": "MISC", "FAC": "LOC", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "PRODUCT": "MISC",
    "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC", "DATE": "-", "TIME": "-",
    "PERCENT": "-", "MONEY": "-", "QUANTITY": "-", "ORDINAL": "-", "CARDINAL": "-",
  ]

  /// The entity types a set of sentences uses, sorted.
  public static func types(_ sentences: [TaggedSentence]) -> [String] {
    Set(sentences.flatMap { $0.tags.filter { $0 != "O" }.map { String($0.dropFirst(2)) } }).sorted()
  }

  /// Entities of a tag sequence by the CoNLL evaluation's rules: an entity starts at `B-X`,
  /// or at `I-X` after `O` or after a tag of another type; it continues over `I-X`.
  public static func entities(_ tags: [String]) -> [EntitySpan] {
    var spans: [EntitySpan] = []
    var open: EntitySpan?
    for (index, tag) in tags.enumerated() {
      let type = tag == "O" ? nil : String(tag.dropFirst(2))
      let continues = tag.hasPrefix("I-") && open?.type == type
      if !continues {
        if let span = open { spans.append(span) }
        open = type.map { EntitySpan(type: $0, start: index, end: index + 1) }
      } else {
        open?.end = index + 1
      }
    }
    if let span = open { spans.append(span) }
    return spans
  }
}

/// Entity-level precision, recall and F1 (exact span and type), per type and overall.
public struct EntityEvaluation: Sendable, Equatable {
  public struct Counts: Sendable, Equatable {
    public init() {}
    public var truePositives = 0
    public var predicted = 0
    public var gold = 0
    public var precision: Double { predicted == 0 ? 0 : Double(truePositives) / Double(predicted) }
    public var recall: Double { gold == 0 ? 0 : Double(truePositives) / Double(gold) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
  }

  public private(set) var perType: [String: Counts] = [:]
  public private(set) var overall = Counts()

  public init() {}

  /// Adds one sentence. Only the `types` given count (a file with other type names is
  /// scored on its own types); predicted entities of other types are ignored.
  public mutating func add(gold: [String], predicted: [String], types: Set<String>) {
    let goldSpans = Set(NamesData.entities(gold).filter { types.contains($0.type) })
    let predictedSpans = Set(NamesData.entities(predicted).filter { types.contains($0.type) })
    for span in goldSpans {
      perType[span.type, default: Counts()].gold += 1
      overall.gold += 1
    }
    for span in predictedSpans {
      perType[span.type, default: Counts()].predicted += 1
      overall.predicted += 1
      if goldSpans.contains(span) {
        perType[span.type, default: Counts()].truePositives += 1
        overall.truePositives += 1
      }
    }
  }
}
