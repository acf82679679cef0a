import RecurText

/// How both models cut a document: RecurText's tokens, then its sentences, also ended at a
/// paragraph break (a blank line), so a heading never runs into the paragraph after it,
/// and cut after `maximumTokens` tokens.
public enum Segmentation {
  static let splitter = SentenceSplitter()
  /// The longest sentence read as one; a longer run of tokens is cut into pieces this long.
  public static let maximumTokens = 150

  /// Sentences as ranges of `tokens`; `scalars` is the text the tokens' offsets point into.
  public static func sentences(_ tokens: [Token], in scalars: [Unicode.Scalar]) -> [Range<Int>] {
    var paragraphs: [Range<Int>] = []
    var start = 0
    for index in tokens.indices.dropFirst() {
      let gap = scalars[tokens[index - 1].end..<tokens[index].start]
      if gap.lazy.filter({ $0 == "\n" }).count >= 2 {
        paragraphs.append(start..<index)
        start = index
      }
    }
    if !tokens.isEmpty { paragraphs.append(start..<tokens.count) }
    return paragraphs.flatMap { paragraph in
      splitter.split(Array(tokens[paragraph])).flatMap { sentence in
        // Text without sentence ends (tables, lists, run-on text) is read in pieces.
        stride(from: sentence.lowerBound, to: sentence.upperBound, by: maximumTokens).map { start in
          (start + paragraph.lowerBound)..<(min(start + maximumTokens, sentence.upperBound) + paragraph.lowerBound)
        }
      }
    }
  }

  /// The text between two scalar offsets.
  public static func text(_ scalars: [Unicode.Scalar], _ start: Int, _ end: Int) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars[start..<end])
    return String(view)
  }
}
