import RecurText

/// One sentence's score, with where it stands in the text (Unicode scalar offsets).
public struct SentenceSentiment: Sendable, Equatable {
  public var start: Int
  public var end: Int
  public var text: String
  public var positive: Double
  /// P(the sentence expresses an opinion rather than states a fact); nil when the model
  /// has no opinion head.
  public var opinion: Double?
}

/// A text's sentiment: its label, the probability that goes with it, P(positive), and the
/// per-sentence scores that drove it.
public struct SentimentResult: Sendable, Equatable {
  public enum Label: String, Sendable, Codable, CaseIterable {
    case positive
    case negative
    /// Opinions both ways, or an opinion that leans neither way.
    case mixed
    /// Little opinion at all: facts, instructions, news reporting.
    case neutral
    case unsupported
  }

  public var label: Label
  /// The label's probability: P(positive) for positive, P(negative) for negative, for
  /// mixed 1 − |P(positive) − P(negative)| (1 when the evidence is evenly split), and for
  /// neutral 1 − the text's opinion share. Nil for unsupported.
  public var probability: Double?
  /// P(positive) of the whole text; nil for unsupported.
  public var positive: Double?
  /// The text's opinion share: its sentences' P(opinion), weighted by their tokens; nil
  /// for unsupported or a model without the opinion head.
  public var opinion: Double?
  public var sentences: [SentenceSentiment]
  /// The language the text was judged to be in, when known.
  public var language: String?
  /// Why the text was not scored (unsupported only).
  public var reason: String?
}

/// Labels whole documents with a `SentimentModel`:
///
/// 1. Text the model was not trained for is `unsupported`: a declared or guessed language
///    other than English, or no words at all.
/// 2. Every sentence is scored on its own (kept for the report); a blank line ends a sentence too.
/// 3. The document's P(positive) is the model's reading of the whole text when it has at most
///    `wholeTextLimit` tokens (as the model was trained, on whole reviews); a longer text is
///    cut into passages of whole sentences of up to `passageTokens` tokens, and the passages'
///    scores are averaged weighted by their token counts.
/// 4. With a model that reads opinion: the text is `neutral` when its opinion share (the
///    sentences' P(opinion), weighted by tokens) is below `neutralBelow`.
/// 5. Otherwise the label is `positive` when P(positive) ≥ `decisive`, `negative` when ≤
///    1 − `decisive`, and `mixed` in between — or when the evidence is split: at least
///    `splitMinimumSentences` sentences are confident (P ≥ 0.8 or ≤ 0.2) and each side holds
///    at least `splitShare` of them, while the document score is below 0.85 and above 0.15.
public struct DocumentSentiment {
  public let model: SentimentModel
  public var decisive = 0.6
  public var neutralBelow = 0.2
  public var wholeTextLimit = 1_000
  public var passageTokens = 400
  public var splitMinimumSentences = 4
  public var splitShare = 0.3
  let tokenizer = Tokenizer()

  public init(model: SentimentModel) { self.model = model }

  /// Labels each text; `languages[i]` is text i's declared language when known. Batching
  /// every sentence of every text together gives the same results as one text at a time.
  public func label(_ texts: [String], languages: [String?]? = nil) -> [SentimentResult] {
    struct Plan {
      var scalars: [Unicode.Scalar]
      var tokens: [Token]
      var sentences: [Range<Int>]
      var whole: Bool
      var passages: [Range<Int>]
      var language: String?
      var unsupported: String?
    }
    var plans: [Plan] = []
    var sequences: [SentimentModel.Input] = []
    for (index, text) in texts.enumerated() {
      let language = LanguageGuesser.language(of: text, declared: languages?[index])
      let tokens = tokenizer.tokenize(text)
      var plan = Plan(
        scalars: Array(text.unicodeScalars), tokens: tokens, sentences: [], whole: true, passages: [],
        language: language)
      if let other = LanguageGuesser.otherThanEnglish(language) {
        plan.unsupported = "language '\(other)' is not one the model was trained for (English)"
      } else if tokens.isEmpty {
        plan.unsupported = "no text to score"
      } else {
        plan.sentences = Segmentation.sentences(tokens, in: plan.scalars)
        plan.whole = tokens.count <= wholeTextLimit
        plan.passages = plan.whole ? [0..<tokens.count] : passages(plan.sentences)
      }
      plans.append(plan)
      guard plan.unsupported == nil else { continue }
      let input = model.input(tokens.map { $0.text.lowercased() })
      for range in plan.sentences + plan.passages { sequences.append(input[range]) }
    }
    let (scores, opinions) = model.scores(sequences)
    var next = 0
    return plans.map { plan in
      guard plan.unsupported == nil else {
        return SentimentResult(
          label: .unsupported, probability: nil, positive: nil, opinion: nil, sentences: [], language: plan.language,
          reason: plan.unsupported)
      }
      var sentences: [SentenceSentiment] = []
      for range in plan.sentences {
        let start = plan.tokens[range.lowerBound].start
        let end = plan.tokens[range.upperBound - 1].end
        sentences.append(
          SentenceSentiment(
            start: start, end: end, text: Segmentation.text(plan.scalars, start, end), positive: scores[next],
            opinion: opinions?[next]))
        next += 1
      }
      var opinion: Double?
      if opinions != nil {
        var weighted = 0.0
        var tokens = 0.0
        for (range, sentence) in zip(plan.sentences, sentences) {
          weighted += (sentence.opinion ?? 0) * Double(range.count)
          tokens += Double(range.count)
        }
        opinion = weighted / max(tokens, 1)
      }
      var weighted = 0.0
      var weight = 0.0
      for range in plan.passages {
        weighted += scores[next] * Double(range.count)
        weight += Double(range.count)
        next += 1
      }
      let positive = weighted / max(weight, 1)
      return decide(positive: positive, opinion: opinion, sentences: sentences, language: plan.language)
    }
  }

  func decide(positive: Double, opinion: Double?, sentences: [SentenceSentiment], language: String?) -> SentimentResult
  {
    if let opinion, opinion < neutralBelow {
      return SentimentResult(
        label: .neutral, probability: 1 - opinion, positive: positive, opinion: opinion, sentences: sentences,
        language: language, reason: nil)
    }
    let confidentPositive = sentences.filter { $0.positive >= 0.8 }.count
    let confidentNegative = sentences.filter { $0.positive <= 0.2 }.count
    let confident = confidentPositive + confidentNegative
    let split =
      confident >= splitMinimumSentences
      && Double(min(confidentPositive, confidentNegative)) >= splitShare * Double(confident) && positive < 0.85
      && positive > 0.15
    let label: SentimentResult.Label
    let probability: Double
    if !split && positive >= decisive {
      label = .positive
      probability = positive
    } else if !split && positive <= 1 - decisive {
      label = .negative
      probability = 1 - positive
    } else {
      label = .mixed
      probability = 1 - abs(2 * positive - 1)
    }
    return SentimentResult(
      label: label, probability: probability, positive: positive, opinion: opinion, sentences: sentences,
      language: language, reason: nil)
  }

  /// Consecutive sentences packed into passages of at most `passageTokens` tokens (a longer
  /// sentence is a passage of its own).
  func passages(_ sentences: [Range<Int>]) -> [Range<Int>] {
    var result: [Range<Int>] = []
    var current: Range<Int>?
    for sentence in sentences {
      if let open = current, sentence.upperBound - open.lowerBound <= passageTokens {
        current = open.lowerBound..<sentence.upperBound
      } else {
        if let open = current { result.append(open) }
        current = sentence
      }
    }
    if let open = current { result.append(open) }
    return result
  }
}
