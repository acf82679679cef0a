import RecurText

/// Negated copies of short polarity rows: `The staff was rude.` (negative) becomes `The
/// staff was not rude.` (positive). Every training source the project has uses a negation
/// far more often in its negative rows than in its positive ones (MPQA: 601 against 77), so a
/// model learns a `not`, `no` or `never` as a sign of a negative verdict and reads `not bad`,
/// `no complaints` and `never disappointed` as negative. A copy with the verdict turned
/// around by one inserted `not` shows the negation doing what it says; only rows where that
/// one word plausibly turns the whole verdict are copied (`negated(_:)`).
public enum SentimentNegation {
  /// The verbs a `not` is put after.
  static let copulas: Set<String> = ["is", "was", "are", "were"]
  /// Rows longer than this many tokens are not copied (their verdict rests on more than
  /// one clause too often).
  public static let maximumTokens = 15

  /// The row with `not` inserted after its copula and the other polarity label, or nil when
  /// the row is not a polarity row, is longer than `maximumTokens`, is a question, holds a
  /// negation already (`SentimentFeature.negationCues`), has no copula or more than one, or
  /// goes on after it with a turn (`but`, `though`, …) or a comma or semicolon.
  public static func negated(_ example: SentimentExample, tokenizer: Tokenizer = Tokenizer()) -> SentimentExample? {
    guard example.task == .polarity else { return nil }
    let tokens = tokenizer.tokenize(example.text)
    guard !tokens.isEmpty, tokens.count <= maximumTokens else { return nil }
    let words = tokens.map { $0.text.lowercased() }
    guard !words.contains(where: { SentimentFeature.negationCues.contains($0) || $0 == "?" }) else { return nil }
    let copulas = words.indices.filter { Self.copulas.contains(words[$0]) }
    guard copulas.count == 1, let copula = copulas.first else { return nil }
    let rest = words[(copula + 1)...]
    guard !rest.isEmpty, !rest.contains(where: { SentimentFeature.scopeEnds.contains($0) || $0 == "," || $0 == ";" })
    else { return nil }
    var scalars = Array(example.text.unicodeScalars)
    scalars.insert(contentsOf: " not".unicodeScalars, at: tokens[copula].end)
    var text = ""
    text.unicodeScalars.append(contentsOf: scalars)
    return SentimentExample(label: 1 - example.label, text: text, task: .polarity)
  }
}
