import Foundation
import RecurNN
import RecurText

/// How a sentiment model is trained. The defaults are the shipped model's settings.
public struct SentimentTrainingOptions: Sendable, Equatable {
  public var cell: CellKind = .gru
  public var bidirectional = true
  public var hidden = 64
  /// Stacked recurrent layers.
  public var layers = 1
  public var pooling: ManyToOne.Pooling = .max
  public var epochs = 4
  public var batchSize = 32
  public var learningRate: Float = 0.002
  public var dropout: Float = 0.3
  public var seed: UInt64 = 1
  /// Longer training texts keep their first third and last two thirds of this many tokens
  /// (a review's verdict is usually at its end). Evaluation and use read whole texts.
  public var maxTrainingTokens = 256
  /// Training words outside the pretrained vectors need this many occurrences to get their own row.
  public var minimumCount = 2
  /// The pretrained vectors' most frequent words are kept even when training never saw them.
  public var pretrainedWords = 20_000
  /// Dev evaluations per epoch; the best is kept.
  public var checksPerEpoch = 2
  public var maxGradientNorm: Float = 5

  public init() {}
}

/// A labelled set the trainer scores while it trains (accuracy, binary).
public struct DevSet: Sendable {
  public var name: String
  public var examples: [SentimentExample]
  public init(name: String, examples: [SentimentExample]) {
    self.name = name
    self.examples = examples
  }
}

/// What the trainer reports as it goes.
public enum TrainingEvent: Sendable {
  case started(examples: Int, tokens: Int, vocabulary: Int, parameters: Int)
  case progress(epoch: Int, batch: Int, batches: Int, loss: Double, tokensPerSecond: Double)
  case checked(epoch: Double, accuracies: [String: Double], best: Bool)
}

/// Trains a `SentimentModel` with Adam on length-bucketed batches, checking the dev sets
/// `checksPerEpoch` times an epoch and keeping the weights with the best mean dev accuracy.
public struct SentimentTrainer {
  public let options: SentimentTrainingOptions

  public init(options: SentimentTrainingOptions) { self.options = options }

  public func train(
    examples: [SentimentExample], dev: [DevSet], vectors: WordVectors, progress: (TrainingEvent) -> Void
  ) -> (model: SentimentModel, scores: [String: Double], seconds: Double) {
    let started = Date()
    let tokenizer = Tokenizer()
    let tokenized = examples.map { tokenizer.tokenize($0.text).map { $0.text.lowercased() } }
    let vocabulary = buildVocabulary(tokenized, vectors: vectors)
    var rng = SeededGenerator(seed: options.seed)
    let embedding = Embedding(vectors: vocabulary.embeddingTable(from: vectors, rng: &rng), trainable: true)
    let network = ManyToOne(
      embedding: embedding, cell: options.cell, hidden: options.hidden, classes: 2, layers: options.layers,
      bidirectional: options.bidirectional, pooling: options.pooling, dropout: options.dropout, rng: &rng)
    let architecture = [
      "cell": options.cell.rawValue, "bidirectional": String(options.bidirectional), "hidden": String(options.hidden),
      "layers": String(options.layers), "pooling": options.pooling.rawValue, "width": String(vectors.width),
    ]
    let card = ModelCard(
      name: "sentiment", version: "1", created: "", architecture: architecture,
      vocabularies: ["words": vocabulary.words, "labels": SentimentData.labels], command: "", seed: options.seed)
    let model = SentimentModel(network: network, vocabulary: vocabulary, card: card)

    let sequences = tokenized.map { truncated(model.ids($0)) }
    let labels = examples.map(\.label)
    let parameters = network.parameters()
    progress(
      .started(
        examples: examples.count, tokens: sequences.reduce(0) { $0 + $1.count }, vocabulary: vocabulary.count,
        parameters: parameters.reduce(0) { $0 + $1.variable.value.count }))
    let devIDs = dev.map { set in set.examples.map { model.ids(model.words($0.text)) } }
    let optimizer = Adam(learningRate: options.learningRate)
    var stopping = EarlyStopping(patience: Int.max)
    var bestScores: [String: Double] = [:]
    for epoch in 0..<options.epochs {
      optimizer.learningRate = LearningRateSchedule.linear(epochs: options.epochs + 1)
        .rate(base: options.learningRate, epoch: epoch)
      let batches = lengthBucketedBatches(lengths: sequences.map(\.count), batchSize: options.batchSize, rng: &rng)
      let checkEvery = max(1, batches.count / max(1, options.checksPerEpoch))
      var windowLoss = 0.0
      var windowTokens = 0
      var windowBatches = 0
      var windowStart = Date()
      for (number, batch) in batches.enumerated() {
        let loss = network.loss(batch.map { sequences[$0] }, labels: batch.map { labels[$0] }, rng: &rng)
        loss.backward()
        clipGradientNorm(parameters, maxNorm: options.maxGradientNorm)
        optimizer.update(parameters)
        windowLoss += Double(loss.value.data[0])
        windowTokens += batch.reduce(0) { $0 + sequences[$1].count }
        windowBatches += 1
        if windowBatches == 20 || number == batches.count - 1 {
          let elapsed = max(1e-9, Date().timeIntervalSince(windowStart))
          progress(
            .progress(
              epoch: epoch + 1, batch: number + 1, batches: batches.count, loss: windowLoss / Double(windowBatches),
              tokensPerSecond: Double(windowTokens) / elapsed))
          windowLoss = 0
          windowTokens = 0
          windowBatches = 0
          windowStart = Date()
        }
        let isCheck = (number + 1) % checkEvery == 0 && (batches.count - number - 1) >= checkEvery / 2
        if isCheck || number == batches.count - 1 {
          var accuracies: [String: Double] = [:]
          for (set, ids) in zip(dev, devIDs) {
            let probabilities = model.positiveProbabilities(ids: ids)
            let correct = zip(probabilities, set.examples).filter { ($0 >= 0.5 ? 1 : 0) == $1.label }.count
            accuracies[set.name] = Double(correct) / Double(max(1, set.examples.count))
          }
          let mean = accuracies.isEmpty ? 0 : accuracies.values.reduce(0, +) / Double(accuracies.count)
          let improved = mean > stopping.best
          _ = stopping.observe(mean, epoch: epoch, parameters: parameters)
          if improved { bestScores = accuracies }
          progress(
            .checked(
              epoch: Double(epoch) + Double(number + 1) / Double(batches.count), accuracies: accuracies, best: improved)
          )
          windowStart = Date()
        }
      }
    }
    if !dev.isEmpty { stopping.restoreBest(parameters) }
    return (model, bestScores, Date().timeIntervalSince(started))
  }

  /// Training words that the vectors know, or that occur `minimumCount` times, plus the
  /// vectors' most frequent words; in a fixed order (by frequency, then spelling).
  func buildVocabulary(_ tokenized: [[String]], vectors: WordVectors) -> Vocabulary {
    var counts: [String: Int] = [:]
    for words in tokenized { for word in words { counts[word, default: 0] += 1 } }
    let kept = counts.filter { vectors.index[$0.key] != nil || $0.value >= options.minimumCount }
    let trainingWords = kept.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    return Vocabulary(words: trainingWords + vectors.words.prefix(options.pretrainedWords))
  }

  func truncated(_ ids: [Int]) -> [Int] {
    let limit = options.maxTrainingTokens
    guard ids.count > limit else { return ids }
    let head = limit / 3
    return Array(ids.prefix(head)) + Array(ids.suffix(limit - head))
  }
}
