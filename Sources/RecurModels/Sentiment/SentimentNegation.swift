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
    guard tokens.count <= maximumTokens else { return nil }
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

extension SentimentNegation {
  /// Whether a polarity row holds a negation (`SentimentFeature.negationCues`, as the
  /// model reads words: lower-cased RecurText tokens).
  public static func holdsNegation(_ example: SentimentExample, tokenizer: Tokenizer = Tokenizer()) -> Bool {
    tokenizer.tokenize(example.text).contains { SentimentFeature.negationCues.contains($0.text.lowercased()) }
  }

  /// `source` split so that its rows holding a negation are positive as often as its rows
  /// overall, by weight: the rows without a negation keep the source's weight, and of the
  /// rows with one, the class that is commoner among them than in the whole source weighs
  /// less by the factor that evens them out (the other keeps the source's weight). In the
  /// Yelp sentences a sentence with a negation is negative 9 times in 10 (the whole file:
  /// 4 in 10), so a model learns the negation itself as a verdict; balanced, the words
  /// around it have to tell. A source without negations on both sides comes back whole; a
  /// part with no rows is left out.
  public static func balanced(_ source: TrainingSource, tokenizer: Tokenizer = Tokenizer()) -> [TrainingSource] {
    guard source.examples.allSatisfy({ $0.task == .polarity }) else { return [source] }
    var plain: [SentimentExample] = []
    var negated: [[SentimentExample]] = [[], []]
    var positives = 0
    for example in source.examples {
      positives += example.label
      if holdsNegation(example, tokenizer: tokenizer) {
        negated[example.label].append(example)
      } else {
        plain.append(example)
      }
    }
    // Both classes hold a negated row, so the source's positive share is strictly between 0 and 1.
    guard !negated[0].isEmpty, !negated[1].isEmpty else { return [source] }
    let share = Double(positives) / Double(source.examples.count)
    // Weights w0, w1 (the larger 1) with w1·n1 / (w0·n0 + w1·n1) = share.
    let ratio = share / (1 - share) * Double(negated[0].count) / Double(negated[1].count)
    let weights = ratio >= 1 ? [1 / ratio, 1] : [1, ratio]
    var parts = [source.derived("", examples: plain, weight: source.weight)]
    for label in [1, 0] {
      parts.append(
        source.derived(
          label == 1 ? " (positive rows with a negation)" : " (negative rows with a negation)",
          examples: negated[label], weight: source.weight * weights[label]))
    }
    return parts.filter { !$0.examples.isEmpty }
  }
}
