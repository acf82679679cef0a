import Foundation
import RecurNN
import RecurText

/// The shipped N → 1 sentiment classifier: RecurText tokens, lower-cased, → word ids (and
/// the card's word features) → `ManyToOne` → P(negative), P(positive). A model is a
/// directory holding `model.safetensors` and `card.json` (architecture, vocabulary, data,
/// command, seed, scores).
public final class SentimentModel {
  public static let weightsFile = ModelFolder.weightsFile
  public static let cardFile = ModelFolder.cardFile

  public let network: ManyToOne
  public let vocabulary: Vocabulary
  /// The features read beside each word (the card's `features`).
  public let features: [SentimentFeature]
  public var card: ModelCard
  let tokenizer = Tokenizer()

  /// A text as the network reads it: word ids, each word's feature values, and the
  /// spelling of each word outside the vocabulary.
  public struct Input: Sendable {
    public var ids: [Int]
    /// `features.count` values a word; empty when the model reads none.
    public var features: [[Float]]
    /// Position → n-gram rows of the words the vocabulary does not hold, when the model
    /// reads spellings.
    public var spellings: [Int: [Int32]] = [:]

    /// The words of `range`.
    public subscript(range: Range<Int>) -> Input {
      var spelled: [Int: [Int32]] = [:]
      for (position, grams) in spellings where range.contains(position) { spelled[position - range.lowerBound] = grams }
      return Input(ids: Array(ids[range]), features: features.isEmpty ? [] : Array(features[range]), spellings: spelled)
    }

    /// The first `head` words and the last `limit − head` when longer than `limit`.
    func cut(to limit: Int, head: Int) -> Input {
      guard ids.count > limit else { return self }
      return self[0..<head].followed(by: self[(ids.count - (limit - head))..<ids.count])
    }

    /// These words, then `next`'s.
    func followed(by next: Input) -> Input {
      var spelled = spellings
      for (position, grams) in next.spellings { spelled[ids.count + position] = grams }
      return Input(ids: ids + next.ids, features: features + next.features, spellings: spelled)
    }
  }

  init(network: ManyToOne, vocabulary: Vocabulary, features: [SentimentFeature], card: ModelCard) {
    precondition(network.featureCount == features.count, "the network reads \(network.featureCount) features")
    self.network = network
    self.vocabulary = vocabulary
    self.features = features
    self.card = card
  }

  /// The architecture a card describes (reading `features` beside the words), with
  /// freshly initialised weights.
  static func network(
    for architecture: [String: String], features: [SentimentFeature], vocabulary: Vocabulary
  ) throws(DataFileError) -> ManyToOne {
    func integer(_ key: String, _ range: ClosedRange<Int>) throws(DataFileError) -> Int {
      guard let text = architecture[key], let value = Int(text), range.contains(value) else {
        throw DataFileError(
          "the model card's architecture has no valid '\(key)' (\(range.lowerBound)…\(range.upperBound))")
      }
      return value
    }
    guard let cell = architecture["cell"].flatMap(CellKind.init(rawValue:)) else {
      throw DataFileError("the model card's architecture names no known cell (rnn, gru, lstm)")
    }
    guard let pooling = architecture["pooling"].flatMap(ManyToOne.Pooling.init(rawValue:)) else {
      throw DataFileError("the model card's architecture names no known pooling (last, mean, max, max+mean, attention)")
    }
    let width = try integer("width", 1...4096)
    let hidden = try integer("hidden", 1...4096)
    let layers = try integer("layers", 1...8)
    let bidirectional = architecture["bidirectional"] == "true"
    let heads = architecture["heads"] ?? "polarity"
    guard heads == "polarity" || heads == "polarity,opinion" else {
      throw DataFileError("the model card's architecture names unknown heads '\(heads)' (polarity[,opinion])")
    }
    var rng = SeededGenerator(seed: 0)
    var spelling: SpellingEmbedding?
    if architecture["spelling_buckets"] != nil || architecture["spelling_width"] != nil {
      let knownWords = architecture["spelling_known_words"] != "false"
      spelling = SpellingEmbedding(
        table: Tensor(
          zeros: [try integer("spelling_buckets", 1...(1 << 24)), try integer("spelling_width", 1...1024)]),
        // A model that spells only unknown words never reads the vocabulary's spellings.
        output: width, vocabulary: knownWords ? vocabulary.words : [], readsKnownWords: knownWords)
    }
    return ManyToOne(
      // The weights file fills every value: no time spent drawing random ones first.
      embedding: Embedding(vectors: Tensor(zeros: [vocabulary.count, width]), trainable: true),
      featureCount: features.count, spelling: spelling, cell: cell, hidden: hidden, classes: 2,
      extraHeads: heads == "polarity" ? [] : [2],
      layers: layers, bidirectional: bidirectional,
      pooling: pooling, rng: &rng)
  }

  /// Whether the model also says how much a text is opinion rather than fact.
  public var readsOpinion: Bool { network.headCount > 1 }

  /// Loads `directory/card.json` and `directory/model.safetensors`, checking that the
  /// weights are exactly the tensors the card's architecture needs.
  public static func load(directory: String) throws(DataFileError) -> SentimentModel {
    let card = try ModelFolder.card(directory, name: "sentiment")
    let vocabulary = try Vocabulary(stored: card.vocabularies["words"] ?? [])
    let features = try SentimentFeature.parse(card.architecture["features"])
    let network = try network(for: card.architecture, features: features, vocabulary: vocabulary)
    try ModelFolder.loadWeights(directory, card: card, into: network.parameters())
    // Known words' spelling vectors go into the table they are read from now, once.
    network.prepareForReading()
    return SentimentModel(network: network, vocabulary: vocabulary, features: features, card: card)
  }

  public func save(directory: String) throws(DataFileError) {
    try ModelFolder.save(directory, parameters: network.parameters(), card: card)
  }

  /// Lower-cased tokens of `text`, as the model reads them.
  public func words(_ text: String) -> [String] {
    tokenizer.tokenize(text).map { $0.text.lowercased() }
  }

  /// Lower-cased words (`words(_:)`) as the network reads them.
  public func input(_ words: [String]) -> Input {
    let ids = words.map(vocabulary.id)
    var spellings: [Int: [Int32]] = [:]
    if let buckets = network.spelling?.buckets {
      for (position, id) in ids.enumerated() where id == 0 && words[position] != Vocabulary.unknown {
        spellings[position] = SpellingEmbedding.grams(of: words[position], buckets: buckets)
      }
    }
    return Input(
      ids: ids, features: features.isEmpty ? [] : SentimentFeature.values(features, words: words),
      spellings: spellings)
  }

  /// The input of `text` (`input(words(text))`).
  public func input(text: String) -> Input {
    input(words(text))
  }

  /// P(class 1) of each of `heads` for each input, `[head][input]`, scored in batches of
  /// similar lengths with one encoder pass per batch. The result does not depend on how
  /// inputs are batched.
  func headProbabilities(_ inputs: [Input], heads: [Int], batchSize: Int) -> [[Double]] {
    var result = heads.map { _ in [Double](repeating: 0.5, count: inputs.count) }
    // Longest first: each batch is then in the order its recurrent runs take (no copies).
    let order = inputs.indices.sorted { inputs[$0].ids.count > inputs[$1].ids.count }
    var start = 0
    while start < order.count {
      let chunk = Array(order[start..<min(start + batchSize, order.count)])
      let probabilities = network.everyHeadProbabilities(
        chunk.map { inputs[$0].ids }, features: features.isEmpty ? nil : chunk.map { inputs[$0].features },
        spellings: network.spelling == nil ? nil : chunk.map { inputs[$0].spellings }, heads: heads)
      for head in heads.indices {
        for (position, index) in chunk.enumerated() { result[head][index] = Double(probabilities[head][position][1]) }
      }
      start += batchSize
    }
    return result
  }

  /// P(positive) of each input.
  public func positiveProbabilities(_ inputs: [Input], batchSize: Int = 64) -> [Double] {
    headProbabilities(inputs, heads: [0], batchSize: batchSize)[0]
  }

  /// P(positive) and, when the model has the head, P(subjective) of each input, from one
  /// encoder pass per batch.
  public func scores(_ inputs: [Input], batchSize: Int = 64) -> (positive: [Double], opinion: [Double]?) {
    let scores = headProbabilities(inputs, heads: readsOpinion ? [0, 1] : [0], batchSize: batchSize)
    return (scores[0], readsOpinion ? scores[1] : nil)
  }

  /// P(subjective) of each input; nil when the model has no opinion head.
  public func opinionProbabilities(_ inputs: [Input], batchSize: Int = 64) -> [Double]? {
    guard readsOpinion else { return nil }
    return headProbabilities(inputs, heads: [1], batchSize: batchSize)[0]
  }

  /// P(positive) of each text as one sequence (the evaluation's binary decision).
  public func positiveProbabilities(texts: [String]) -> [Double] {
    positiveProbabilities(texts.map { input(text: $0) })
  }
}
