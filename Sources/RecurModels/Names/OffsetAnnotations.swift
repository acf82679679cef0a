import Foundation
import RecurText

/// Texts whose names are marked by character offsets, one JSON object a line, as annotation
/// tools export them (doccano, spaCy's and Prodigy's JSONL): `text`, and the names under
/// `label`, `labels`, `entities` or `spans`, each `[start, end, "TYPE"]` or `{"start": …,
/// "end": …, "label": "TYPE"}`, offsets counting Unicode scalars (Python's string indices),
/// end exclusive. Each text is tokenized and cut into sentences as Recur reads a page, and a
/// name's tokens are tagged `B-`/`I-`.
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
}

extension NamesData {
  static let offsetKeys = ["label", "labels", "entities", "spans"]

  /// Reads a JSON-lines file of offset-marked texts (`OffsetAnnotations`). A line that is no
  /// JSON object, lacks `text`, or marks a name outside its text or with no type, is refused
  /// with its line number.
  public static func parseOffsets(_ contents: String, name: String) throws(DataFileError) -> OffsetAnnotations {
    let tokenizer = Tokenizer()
    var result = OffsetAnnotations(sentences: [])
    for (offset, rawLine) in contents.fileLines.enumerated() {
      let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !line.isEmpty else { continue }
      let at = "\(name):\(offset + 1)"
      guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
        throw DataFileError(
          "\(at): not a JSON object (one text a line: {\"text\": …, \"label\": [[start, end, TYPE]]})")
      }
      guard let text = object["text"] as? String else { throw DataFileError("\(at): no \"text\" string") }
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
        guard let start = wholeNumber(fields.0), let end = wholeNumber(fields.1), 0 <= start, start < end,
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
        let touched = tokens.indices.filter { tokens[$0].end > name.start && tokens[$0].start < name.end }
        guard let first = touched.first, let last = touched.last else { continue }
        guard touched.allSatisfy({ tags[$0] == "O" }) else {
          result.overlapping += 1
          continue
        }
        if tokens[first].start != name.start || tokens[last].end != name.end { result.widened += 1 }
        for index in touched { tags[index] = (index == first ? "B-" : "I-") + name.type }
      }
      for range in Segmentation.sentences(tokens, in: scalars) {
        var sentence = TaggedSentence(tokens: tokens[range].map(\.text), tags: Array(tags[range]))
        if let tag = sentence.tags.first, tag.hasPrefix("I-") {
          sentence.tags[0] = "B-" + tag.dropFirst(2)
          result.split += 1
        }
        result.sentences.append(sentence)
      }
    }
    guard !result.sentences.isEmpty else { throw DataFileError("\(name) holds no text") }
    return result
  }

  /// A JSON number that is a whole number, as an Int (`true` is none).
  static func wholeNumber(_ value: Any?) -> Int? {
    // JSONSerialization gives `true` and `false` as numbers that also read as 1 and 0; their
    // Objective-C type is `c` (char), a number's `i`, `q` or `d`.
    guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
    return value as? Int
  }
}
