import Foundation
import RecurText

/// Texts whose names are marked by character offsets, one JSON object a line, as annotation
/// tools export them (doccano, spaCy's and Prodigy's JSONL): `text`, and the names under
/// `label`, `labels`, `entities` or `spans`, each `[start, end, "TYPE"]` or `{"start": …,
/// "end": …, "label": "TYPE"}`, offsets counting Unicode scalars (Python's string indices),
/// end exclusive. Each text is tokenized and cut into sentences as Recur reads a page, and a
/// name's tokens are tagged `B-`/`I-`. A line may instead give a tokenized sentence and its
/// tags (`{"tokens": [...], "ner_tags": ["B-PER", ...]}`), read as it is.
public struct OffsetAnnotations: Sendable, Equatable {
  public var sentences: [TaggedSentence]
  /// Names that begin or end inside a token (`Smith` marked in `Smiths`): tagged on every
  /// token they touch.
  public var widened = 0
  /// Names that overlap a name marked before them: left out (a tag sequence holds one name a
  /// token).
  public var overlapping = 0
  /// Names cut by a sentence boundary: each part is scored as a name of its own.
  public var split = 0
  /// Each text as read: its tokens, and which of `sentences` it became (a line of tokens and
  /// tags is no text, and has none).
  public var texts: [MarkedText] = []

  public struct MarkedText: Sendable, Equatable {
    public var text: String
    public var tokens: [Token]
    /// Its sentences in `sentences`, and each one's tokens in `tokens`.
    public var sentences: Range<Int>
    public var tokenRanges: [Range<Int>]
  }
}

extension NamesData {
  static let offsetKeys = ["label", "labels", "entities", "spans"]

  /// Reads a JSON-lines file of offset-marked texts (`OffsetAnnotations`). A line that is no
  /// JSON object, lacks `text`, or marks a name outside its text, over spaces only or with no
  /// type, is refused with its line number.
  public static func parseOffsets(_ contents: String, name: String) throws(DataFileError) -> OffsetAnnotations {
    let tokenizer = Tokenizer()
    var result = OffsetAnnotations(sentences: [])
    let example = #"{"text": …, "label": [[start, end, TYPE]]}"#
    for (line, object) in try jsonLineObjects(contents, name: name, example: example) {
      let at = "\(name):\(line)"
      if let tokens = object["tokens"] as? [Any] {
        result.sentences.append(try taggedTokens(tokens, object["ner_tags"] ?? object["tags"], at: at))
        continue
      }
      guard let text = object["text"] as? String else {
        throw DataFileError("\(at): no \"text\" string (nor \"tokens\" and \"ner_tags\")")
      }
      let marks = offsetKeys.lazy.compactMap { object[$0] as? [Any] }.first ?? []
      let scalars = Array(text.unicodeScalars)
      var names: [(start: Int, end: Int, type: String)] = []
      for mark in marks {
        let fields: (Any?, Any?, Any?)
        if let array = mark as? [Any], array.count >= 3 {
          fields = (array[0], array[1], array[2])
        } else if let dictionary = mark as? [String: Any] {
          fields = (dictionary["start"], dictionary["end"], dictionary["label"] ?? dictionary["type"])
        } else {
          throw DataFileError("\(at): a name is neither [start, end, TYPE] nor {start, end, label}")
        }
        guard let start = jsonWholeNumber(fields.0), let end = jsonWholeNumber(fields.1), 0 <= start, start < end,
          end <= scalars.count
        else {
          throw DataFileError("\(at): a name's start and end are not offsets 0 ≤ start < end ≤ \(scalars.count)")
        }
        guard let type = fields.2 as? String, !type.isEmpty, !type.contains(where: \.isWhitespace) else {
          throw DataFileError("\(at): a name at \(start)–\(end) has no type (one word)")
        }
        names.append((start, end, type))
      }
      names.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
      let tokens = tokenizer.tokenize(text)
      var tags = [String](repeating: "O", count: tokens.count)
      for name in names {
        let touched = tokens.touching(name.start, name.end)
        guard let first = touched.first, let last = touched.last else {
          throw DataFileError("\(at): the name at \(name.start)–\(name.end) marks no word, only spaces")
        }
        guard touched.allSatisfy({ tags[$0] == "O" }) else {
          result.overlapping += 1
          continue
        }
        if tokens[first].start != name.start || tokens[last].end != name.end { result.widened += 1 }
        for index in touched { tags[index] = (index == first ? "B-" : "I-") + name.type }
      }
      let first = result.sentences.count
      let ranges = Segmentation.sentences(tokens, in: scalars)
      for range in ranges {
        var sentence = TaggedSentence(tokens: tokens[range].map(\.text), tags: Array(tags[range]))
        if let tag = sentence.tags.first, tag.hasPrefix("I-") {
          sentence.tags[0] = "B-" + tag.dropFirst(2)
          result.split += 1
        }
        result.sentences.append(sentence)
      }
      result.texts.append(
        OffsetAnnotations.MarkedText(
          text: text, tokens: tokens, sentences: first..<result.sentences.count, tokenRanges: ranges))
    }
    guard !result.sentences.isEmpty else { throw DataFileError("\(name) holds no text") }
    return result
  }

  /// A sentence given as its tokens and their tags (`{"tokens": [...], "ner_tags": [...]}`,
  /// as dataset libraries export tagged sets), the tags as strings. HTML character references
  /// left in tokens (`&amp;`) are read as the TSV reader reads them.
  static func taggedTokens(_ tokens: [Any], _ tags: Any?, at: String) throws(DataFileError) -> TaggedSentence {
    guard let words = tokens as? [String], !words.isEmpty else {
      throw DataFileError("\(at): \"tokens\" is not a list of strings")
    }
    guard let written = tags as? [Any], written.count == words.count else {
      throw DataFileError("\(at): \"ner_tags\" (or \"tags\") is not a list of one tag a token")
    }
    guard let strings = written as? [String] else {
      throw DataFileError(
        "\(at): the tags are numbers, whose names depend on the data set: write them as O, B-TYPE, I-TYPE")
    }
    var sentence = TaggedSentence(tokens: words.map { unescaped(Substring($0)) }, tags: [])
    for tag in strings { sentence.tags.append(try iob2(tag, at: at)) }
    return sentence
  }
}
