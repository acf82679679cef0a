import Foundation
import RecurNN

/// How a names model is trained. The defaults are the shipped model's settings.
public struct NamesTrainingOptions: Sendable, Equatable {
  public var cell: CellKind = .lstm
  public var hidden = 100
  public var useCharacters = true
  public var characterWidth = 25
  public var characterHidden = 25
  public var useCRF = true
  public var useNameLists = true
  public var epochs = 12
  public var batchSize = 16
  public var learningRate: Float = 0.003
  public var dropout: Float = 0.5
  public var seed: UInt64 = 1
  /// The pretrained vectors' most frequent words are kept even when training never saw them.
  public var pretrainedWords = 50_000
  public var maxGradientNorm: Float = 5
  /// The share of training sentences shown all lower-case or all upper-case (half each,
  /// drawn afresh every epoch; tags unchanged), so names are still found where the
  /// capitals that mark them are missing.
  public var caseVariants: Float = 0.2

  public init() {}
}

public enum NamesTrainingEvent: Sendable {
  case started(sentences: Int, tokens: Int, vocabulary: Int, parameters: Int)
  case progress(epoch: Int, batch: Int, batches: Int, loss: Double, tokensPerSecond: Double)
  case checked(epoch: Int, f1: Double, perF1: Double, best: Bool)
}

/// Trains a `NamesModel` with Adam on length-bucketed batches; after each epoch it tags
/// the dev sentences and keeps the weights with the best overall entity F1.
public struct NamesTrainer {
  public let options: NamesTrainingOptions

  public init(options: NamesTrainingOptions) { self.options = options }

  public func train(
    sentences: [TaggedSentence], dev: [TaggedSentence], vectors: WordVectors, lists: NameLists?,
    progress: (NamesTrainingEvent) -> Void
  ) -> (model: NamesModel, scores: [String: Double], seconds: Double) {
    let started = Date()
    let types = NamesData.types(sentences)
    let tags = NamesModel.tags(types: types)
    let tagIndex = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($0.element, $0.offset) })
    var counts: [String: Int] = [:]
    var characterCounts: [String: Int] = [:]
    for sentence in sentences {
      for token in sentence.tokens {
        counts[token.lowercased(), default: 0] += 1
        for character in token { characterCounts[String(character), default: 0] += 1 }
      }
    }
    let trainingWords = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    let words = Vocabulary(words: trainingWords + vectors.words.prefix(options.pretrainedWords))
    let characters = Vocabulary(
      words: characterCounts.filter { $0.value >= 2 }.sorted {
        $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
      }
      .map(\.key))
    let useLists = options.useNameLists && lists != nil
    let architecture = [
      "cell": options.cell.rawValue, "hidden": String(options.hidden), "width": String(vectors.width),
      "characters": String(options.useCharacters), "char_width": String(options.characterWidth),
      "char_hidden": String(options.characterHidden), "crf": String(options.useCRF), "features": String(useLists),
      "dropout": String(options.dropout),
    ]
    var rng = SeededGenerator(seed: options.seed)
    let network = try! NamesModel.network(
      architecture, words: words.count, characters: characters.count, tags: tags, rng: &rng)
    network.embedding.table.value = words.embeddingTable(from: vectors, rng: &rng)
    var vocabularies = ["words": words.words, "characters": characters.words, "tags": tags]
    if useLists, let lists {
      vocabularies["first_names"] = lists.first.sorted()
      vocabularies["last_names"] = lists.last.sorted()
    }
    let card = ModelCard(
      name: "names", version: "1", created: "", architecture: architecture, vocabularies: vocabularies, command: "",
      seed: options.seed)
    let model = NamesModel(
      network: network, words: words, characters: characters, tags: tags, lists: useLists ? lists : nil, card: card)

    let gold = sentences.map { $0.tags.map { tagIndex[$0] ?? 0 } }
    let parameters = network.parameters()
    progress(
      .started(
        sentences: sentences.count, tokens: sentences.reduce(0) { $0 + $1.tokens.count }, vocabulary: words.count,
        parameters: parameters.reduce(0) { $0 + $1.variable.value.count }))
    let optimizer = Adam(learningRate: options.learningRate)
    var stopping = EarlyStopping(patience: Int.max)
    var bestScores: [String: Double] = [:]
    for epoch in 0..<options.epochs {
      optimizer.learningRate = LearningRateSchedule.inverseTime(decay: 0.1).rate(
        base: options.learningRate, epoch: epoch)
      let batches = lengthBucketedBatches(
        lengths: sentences.map(\.tokens.count), batchSize: options.batchSize, rng: &rng)
      var windowLoss = 0.0
      var windowTokens = 0
      var windowBatches = 0
      var windowStart = Date()
      for (number, batch) in batches.enumerated() {
        let input = model.input(
          batch.map { index in
            let draw = rng.nextUnit()
            let tokens = sentences[index].tokens
            if draw < options.caseVariants / 2 { return tokens.map { $0.lowercased() } }
            if draw < options.caseVariants { return tokens.map { $0.uppercased() } }
            return tokens
          })
        let loss = network.loss(input, gold: batch.map { gold[$0] }, rng: &rng)
        loss.backward()
        clipGradientNorm(parameters, maxNorm: options.maxGradientNorm)
        optimizer.update(parameters)
        windowLoss += Double(loss.value.data[0])
        windowTokens += batch.reduce(0) { $0 + sentences[$1].tokens.count }
        windowBatches += 1
        if windowBatches == 50 || number == batches.count - 1 {
          progress(
            .progress(
              epoch: epoch + 1, batch: number + 1, batches: batches.count, loss: windowLoss / Double(windowBatches),
              tokensPerSecond: Double(windowTokens) / max(1e-9, Date().timeIntervalSince(windowStart))))
          windowLoss = 0
          windowTokens = 0
          windowBatches = 0
          windowStart = Date()
        }
      }
      guard !dev.isEmpty else { continue }
      let evaluation = Self.evaluate(model, on: dev, types: Set(types))
      let improved = evaluation.overall.f1 > stopping.best
      _ = stopping.observe(evaluation.overall.f1, epoch: epoch, parameters: parameters)
      if improved {
        bestScores = ["f1 overall": evaluation.overall.f1]
        for (type, counts) in evaluation.perType { bestScores["f1 " + type] = counts.f1 }
      }
      progress(
        .checked(
          epoch: epoch + 1, f1: evaluation.overall.f1, perF1: evaluation.perType["PER"]?.f1 ?? 0, best: improved))
    }
    if !dev.isEmpty { stopping.restoreBest(parameters) }
    return (model, bestScores, Date().timeIntervalSince(started))
  }

  /// Entity-level scores of `model` on tagged sentences, on the types they use.
  public static func evaluate(_ model: NamesModel, on sentences: [TaggedSentence], types: Set<String>? = nil)
    -> EntityEvaluation
  {
    let predicted = model.tag(sentences.map(\.tokens))
    var evaluation = EntityEvaluation()
    let scored = types ?? Set(NamesData.types(sentences))
    for (sentence, prediction) in zip(sentences, predicted) {
      evaluation.add(gold: sentence.tags, predicted: prediction.tags, types: scored)
    }
    return evaluation
  }
}
