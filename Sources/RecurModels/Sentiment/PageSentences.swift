import Foundation
import RecurText

extension SentimentData {
  /// The sentences of the reference main texts in a folder of the WCXB layout: `index.tsv`
  /// (a header, then `file_id<TAB>page_type<TAB>…` a page) and `ground-truth/ID.json`
  /// (`ground_truth.main_content`), of the pages whose type is one of `pageTypes`. Each
  /// line of a main text is a paragraph. Kept: sentences of English pages with 5 to 60
  /// tokens, at least two thirds of them words with a letter, ending in `.`, `!`, `?` or `:`
  /// — prose, not menus, headings, tables or code.
  public static func pageSentences(index path: String, pageTypes: Set<String>) throws(DataFileError) -> [String] {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let rows = try readTextFile(path).split(whereSeparator: \.isNewline).dropFirst()
      .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    let tokenizer = Tokenizer()
    var sentences: [String] = []
    var pages = 0
    for (offset, row) in rows.enumerated() where row.count >= 2 && pageTypes.contains(String(row[1])) {
      let file = "\(folder)/ground-truth/\(row[0]).json"
      guard let data = FileManager.default.contents(atPath: file),
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
        let truth = object["ground_truth"] as? [String: Any], let text = truth["main_content"] as? String
      else {
        throw DataFileError("\(path):\(offset + 2): \(file) is missing or holds no ground_truth.main_content")
      }
      pages += 1
      guard LanguageGuesser.guess(text) == "en" else { continue }
      let paragraphs = text.replacingOccurrences(of: "\n", with: "\n\n")
      let scalars = Array(paragraphs.unicodeScalars)
      let tokens = tokenizer.tokenize(paragraphs)
      for range in Segmentation.sentences(tokens, in: scalars) where (5...60).contains(range.count) {
        let words = tokens[range].filter { $0.text.unicodeScalars.contains(where: \.properties.isAlphabetic) }
        guard words.count * 3 >= range.count * 2, let last = tokens[range].last?.text,
          [".", "!", "?", ":"].contains(last)
        else { continue }
        sentences.append(Segmentation.text(scalars, tokens[range.lowerBound].start, tokens[range.upperBound - 1].end))
      }
    }
    guard pages > 0 else {
      throw DataFileError("\(path): no page of type \(pageTypes.sorted().joined(separator: ", "))")
    }
    return sentences
  }
}
