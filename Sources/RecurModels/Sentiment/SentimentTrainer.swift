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
  /// Features read beside each word vector.
  public var features: [SentimentFeature] = []
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
  /// Whether the word vectors are fine-tuned with the rest (false: they stay as loaded).
  public var trainableVectors = true
  /// Dev evaluations per epoch; the best is kept.
  public var checksPerEpoch = 2
  public var maxGradientNorm: Float = 5
  /// Decay of the moving average of the weights that is checked and kept (0: the weights
  /// as trained; 0.999: about the last thousand steps).
  public var averaging: Float = 0.999
  /// With teacher models, the share of their mean probabilities in each training target
  /// (the rest is the row's label): knowledge distillation.
  public var distillation: Float = 0.5
  /// Passes of language-model pretraining over the training texts (labels unused) before
  /// the labelled epochs: the encoder learns to tell each word's neighbours
  /// (`NeighbourWordPrediction`). 0: none.
  public var pretrainEpochs = 0
  /// The most frequent training words that pretraining predicts.
  public var pretrainTargets = 20_000
  /// Rows of the character n-gram table that reads each word's spelling (0: words are
  /// read by their vectors alone).
  public var spellingBuckets = 0
  /// The width of an n-gram's vector (projected to the word vectors' width).
  public var spellingWidth = 16
  /// With spellings, the share of known training words read as unknown (by their spelling).
  public var unknownRate: Float = 0
  /// With spellings, whether known words are read by their spelling too (false: only words
  /// outside the vocabulary and those read as unknown).
  public var spellKnownWords = true
  /// Adversarial training: each batch is read a second time with its word vectors pushed
  /// this far (L2 over each text) the way that raises its loss most, and that loss is
  /// learned too (`ManyToOne.backwardWithAdversary`; 0: no second reading).
  public var adversarialEpsilon: Float = 0
  /// Virtual adversarial training: each batch is also read with its word vectors pushed this
  /// far the way that changes the output distribution most, and taught to keep the clean
  /// reading's distribution there (`ManyToOne.backwardWithAdversary`; 0: off).
  public var virtualAdversarialEpsilon: Float = 0

  public init() {}
}

/// A labelled set the trainer scores while it trains. `selects` sets take part in model
/// selection; the others are only reported (a domain left out of training, say).
public struct DevSet: Sendable {
  public var name: String
  public var examples: [SentimentExample]
  public var selects: Bool
  public init(name: String, examples: [SentimentExample], selects: Bool = true) {
    self.name = name
    self.examples = examples
    self.selects = selects
  }

  /// The selection score: accuracy, or for a set whose smaller class is under a fifth of
  /// its rows the mean of the per-class recalls (accuracy would reward always saying the
  /// larger class).
  public static func score(gold: [Int], predicted: [Int]) -> (accuracy: Double, balanced: Double, usesBalanced: Bool) {
    var right = [0, 0]
    var count = [0, 0]
    for (label, guess) in zip(gold, predicted) {
      count[label] += 1
      if label == guess { right[label] += 1 }
    }
    let total = max(1, count[0] + count[1])
    let accuracy = Double(right[0] + right[1]) / Double(total)
    let recalls = (0..<2).filter { count[$0] > 0 }.map { Double(right[$0]) / Double(count[$0]) }
    let balanced = recalls.isEmpty ? 0 : recalls.reduce(0, +) / Double(recalls.count)
    let usesBalanced = Double(min(count[0], count[1])) < 0.2 * Double(total)
    return (accuracy, balanced, usesBalanced)
  }

  /// This set scored by `model`, its rows read as `inputs`: polarity rows by P(positive)
  /// ≥ 0.5, subjective/objective rows by the opinion output's P(opinion) ≥ 0.5 (none right
  /// without that output). `selected` is the score selection uses.
  public func scored(by model: SentimentModel, inputs: [SentimentModel.Input]) -> (
    accuracy: Double, balanced: Double, usesBalanced: Bool, selected: Double
  ) {
    let probabilities =
      examples.first?.task == .opinion
      ? model.opinionProbabilities(inputs) ?? [] : model.positiveProbabilities(inputs)
    let score = Self.score(gold: examples.map(\.label), predicted: probabilities.map { $0 >= 0.5 ? 1 : 0 })
    return (score.accuracy, score.balanced, score.usesBalanced, score.usesBalanced ? score.balanced : score.accuracy)
  }
}

/// Training rows from one file, used `weight` times an epoch: the whole part of the weight
/// as whole copies, the fraction as a fresh random share of the rows each epoch.
public struct TrainingSource: Sendable {
  public var name: String
  public var examples: [SentimentExample]
  public var weight: Double
  /// The share of each row's target spread evenly over the classes (label smoothing,
  /// Szegedy et al. 2016): for a source whose labels are noisy (a sentence labelled by its
  /// review's stars), a row is taught as `1 − smoothing/2` its label, not certainly.
  public var smoothing: Float
  public init(name: String, examples: [SentimentExample], weight: Double = 1, smoothing: Float = 0) {
    self.name = name
    self.examples = examples
    self.weight = weight
    self.smoothing = smoothing
  }

  /// A source of rows made from this one's (its negated copies, titles, sentences, a
  /// share of its rows): named after it, taught as it is (its smoothing).
  public func derived(_ suffix: String, examples: [SentimentExample], weight: Double) -> TrainingSource {
    TrainingSource(name: name + suffix, examples: examples, weight: weight, smoothing: smoothing)
  }
}

/// What the trainer reports as it goes.
public enum TrainingEvent: Sendable {
  case started(examples: Int, tokens: Int, vocabulary: Int, parameters: Int)
  case progress(epoch: Int, batch: Int, batches: Int, loss: Double, tokensPerSecond: Double)
  /// A pretraining pass's progress (`loss`: the neighbour-word loss).
  case pretraining(epoch: Int, batch: Int, batches: Int, loss: Double, tokensPerSecond: Double)
  case checked(epoch: Double, accuracies: [String: Double], best: Bool)
}

/// What a training run gives back: the model, its dev scores at the kept check
/// (`accuracy NAME`, and `balanced accuracy NAME` where selection used it), and the time.
public struct SentimentTrainingResult {
  public var model: SentimentModel
  public var scores: [String: Double]
  public var seconds: Double
}

/// Trains a `SentimentModel` with Adam on length-bucketed batches, checking the dev sets
/// `checksPerEpoch` times an epoch and keeping the weights with the best mean dev accuracy.
public struct SentimentTrainer {
  public let options: SentimentTrainingOptions

  public init(options: SentimentTrainingOptions) { self.options = options }

  public func train(
    examples: [SentimentExample], dev: [DevSet], vectors: WordVectors, progress: (TrainingEvent) -> Void
  ) -> (model: SentimentModel, scores: [String: Double], seconds: Double) {
    let result = train(
      sources: [TrainingSource(name: "training", examples: examples)], dev: dev, vectors: vectors, progress: progress)
    var accuracies: [String: Double] = [:]
    for (key, value) in result.scores where key.hasPrefix("accuracy ") { accuracies[String(key.dropFirst(9))] = value }
    return (result.model, accuracies, result.seconds)
  }

  /// Trains on weighted sources. Polarity rows train head 0; opinion rows (when any) a
  /// second head on the same encoder. Each batch holds rows of one task.
  ///
  /// With `teachers`, each row's target is `distillation` of the teachers' mean probability
  /// for the row (as the student reads it: the same cut) and the rest its label.
  public func train(
    sources: [TrainingSource], dev: [DevSet], vectors: WordVectors, teachers: [SentimentModel] = [],
    progress: (TrainingEvent) -> Void
  ) -> SentimentTrainingResult {
    let started = Date()
    let tokenizer = Tokenizer()
    let examples = sources.flatMap(\.examples)
    let tokenized = examples.map { tokenizer.tokenize($0.text).map { $0.text.lowercased() } }
    let vocabulary = buildVocabulary(tokenized, vectors: vectors)
    var rng = SeededGenerator(seed: options.seed)
    let embedding = Embedding(
      vectors: vocabulary.embeddingTable(from: vectors, rng: &rng), trainable: options.trainableVectors)
    let opinion = examples.contains { $0.task == .opinion } || dev.contains { $0.examples.first?.task == .opinion }
    let spelling =
      options.spellingBuckets > 0
      ? SpellingEmbedding(
        buckets: options.spellingBuckets, width: options.spellingWidth, output: vectors.width,
        vocabulary: vocabulary.words, readsKnownWords: options.spellKnownWords, rng: &rng) : nil
    let network = ManyToOne(
      embedding: embedding, featureCount: options.features.count, spelling: spelling, cell: options.cell,
      hidden: options.hidden,
      classes: 2, extraHeads: opinion ? [2] : [],
      layers: options.layers, bidirectional: options.bidirectional, pooling: options.pooling,
      dropout: options.dropout, rng: &rng)
    network.unknownRate = spelling == nil ? 0 : options.unknownRate
    var architecture = [
      "cell": options.cell.rawValue, "bidirectional": String(options.bidirectional), "hidden": String(options.hidden),
      "layers": String(options.layers), "pooling": options.pooling.rawValue, "width": String(vectors.width),
    ]
    if !options.features.isEmpty { architecture["features"] = options.features.map(\.rawValue).joined(separator: ",") }
    if let spelling {
      architecture["spelling_buckets"] = String(spelling.buckets)
      architecture["spelling_width"] = String(spelling.width)
      if !spelling.readsKnownWords { architecture["spelling_known_words"] = "false" }
    }
    var vocabularies = ["words": vocabulary.words, "labels": SentimentData.labels]
    if opinion {
      architecture["heads"] = "polarity,opinion"
      vocabularies["opinion_labels"] = SentimentData.opinionLabels
    }
    let card = ModelCard(
      name: "sentiment", version: opinion ? "2" : "1", created: "", architecture: architecture,
      vocabularies: vocabularies, command: "", seed: options.seed)
    let model = SentimentModel(network: network, vocabulary: vocabulary, features: options.features, card: card)

    let inputs = tokenized.map { truncated(model.input($0)) }
    let sequences = inputs.map(\.ids)
    let features = options.features.isEmpty ? nil : inputs.map(\.features)
    let spellings = spelling == nil ? nil : inputs.map(\.spellings)
    let labels = examples.map(\.label)
    let heads = examples.map(\.task.rawValue)
    let taught = smoothedTargets(
      teachers.isEmpty ? nil : teacherTargets(teachers, tokenized: tokenized, labels: labels, heads: heads),
      labels: labels, smoothing: sources.flatMap { Array(repeating: $0.smoothing, count: $0.examples.count) })
    var sourceRanges: [(range: Range<Int>, weight: Double)] = []
    var offset = 0
    for source in sources {
      sourceRanges.append((offset..<(offset + source.examples.count), source.weight))
      offset += source.examples.count
    }
    let parameters = network.parameters()
    progress(
      .started(
        examples: examples.count, tokens: sequences.reduce(0) { $0 + $1.count }, vocabulary: vocabulary.count,
        parameters: parameters.reduce(0) { $0 + $1.variable.value.count }))
    if options.pretrainEpochs > 0 {
      pretrain(network, sequences: sequences, features: features, spellings: spellings, rng: &rng, progress: progress)
    }
    let devInputs = dev.map { set in set.examples.map { model.input(text: $0.text) } }
    let optimizer = Adam(learningRate: options.learningRate)
    var average = options.averaging > 0 ? WeightAverage(parameters, decay: options.averaging, warmUp: true) : nil
    var stopping = EarlyStopping(patience: Int.max)
    var bestScores: [String: Double] = [:]
    for epoch in 0..<options.epochs {
      optimizer.learningRate = LearningRateSchedule.linear(epochs: options.epochs + 1)
        .rate(base: options.learningRate, epoch: epoch)
      let batches = epochBatches(sourceRanges, heads: heads, lengths: sequences.map(\.count), rng: &rng)
      let checkEvery = max(1, batches.count / max(1, options.checksPerEpoch))
      var window = ProgressWindow(every: 20)
      for (number, batch) in batches.enumerated() {
        let batchSequences = batch.map { sequences[$0] }
        let batchFeatures = features.map { all in batch.map { all[$0] } }
        let batchSpellings = spellings.map { all in batch.map { all[$0] } }
        let objective: (Variable) -> Variable =
          taught.map { targets in
            let batchTargets = batch.flatMap { targets[$0] }
            return { softTargetCrossEntropy($0, targets: batchTargets) }
          } ?? { [batchLabels = batch.map { labels[$0] }] in softmaxCrossEntropy($0, targets: batchLabels) }
        let loss: Float
        if options.adversarialEpsilon > 0 || options.virtualAdversarialEpsilon > 0 {
          loss =
            network.backwardWithAdversary(
              batchSequences, features: batchFeatures, spellings: batchSpellings, head: heads[batch[0]],
              epsilon: options.adversarialEpsilon, virtualEpsilon: options.virtualAdversarialEpsilon, rng: &rng,
              loss: objective
            ).clean
        } else {
          let logits = network(
            batchSequences, features: batchFeatures, spellings: batchSpellings, training: true, head: heads[batch[0]],
            rng: &rng)
          let graph = objective(logits)
          graph.backward()
          loss = graph.value.data[0]
        }
        clipGradientNorm(parameters, maxNorm: options.maxGradientNorm)
        optimizer.update(parameters)
        average?.update(parameters)
        if let report = window.add(
          loss: Double(loss), tokens: batch.reduce(0) { $0 + sequences[$1].count },
          last: number == batches.count - 1)
        {
          progress(
            .progress(
              epoch: epoch + 1, batch: number + 1, batches: batches.count, loss: report.loss,
              tokensPerSecond: report.tokensPerSecond))
        }
        let isCheck = (number + 1) % checkEvery == 0 && (batches.count - number - 1) >= checkEvery / 2
        if isCheck || number == batches.count - 1 {
          // The check (and the snapshot it may keep) reads the averaged weights.
          average?.swap(parameters)
          defer { average?.swap(parameters) }
          var scores: [String: Double] = [:]
          var shown: [String: Double] = [:]
          var selection: [Double] = []
          for (set, inputs) in zip(dev, devInputs) {
            guard !set.examples.isEmpty else { continue }
            let score = set.scored(by: model, inputs: inputs)
            scores["accuracy " + set.name] = score.accuracy
            if score.usesBalanced { scores["balanced accuracy " + set.name] = score.balanced }
            shown[set.name] = score.selected
            if set.selects { selection.append(score.selected) }
          }
          let mean = selection.isEmpty ? 0 : selection.reduce(0, +) / Double(selection.count)
          let improved = mean > stopping.best
          _ = stopping.observe(mean, epoch: epoch, parameters: parameters)
          if improved {
            bestScores = scores
            bestScores["selection mean"] = mean
          }
          progress(
            .checked(
              epoch: Double(epoch) + Double(number + 1) / Double(batches.count), accuracies: shown, best: improved))
          window.restartClock()
        }
      }
    }
    if !dev.isEmpty {
      stopping.restoreBest(parameters)
    } else {
      average?.swap(parameters)
    }
    return SentimentTrainingResult(model: model, scores: bestScores, seconds: Date().timeIntervalSince(started))
  }

  /// Language-model pretraining of `network`'s word vectors and encoder on each distinct
  /// training sequence, `pretrainEpochs` passes, Adam at the learning rate decaying linearly.
  func pretrain(
    _ network: ManyToOne, sequences: [[Int]], features: [[[Float]]]?, spellings: [[Int: [Int32]]]?,
    rng: inout SeededGenerator, progress: (TrainingEvent) -> Void
  ) {
    precondition(network.encoder.bidirectional, "pretraining needs a bidirectional encoder")
    var seen = Set<[Int]>()
    let rows = sequences.indices.filter { sequences[$0].count > 1 && seen.insert(sequences[$0]).inserted }
    // The vocabulary lists training words by frequency, so the first ids are the commonest.
    var counts = [Int](repeating: 0, count: min(options.pretrainTargets, network.embedding.vocabulary))
    for row in rows { for id in sequences[row] where id < counts.count { counts[id] += 1 } }
    pretrainNeighbourWords(
      network.parameters(), hidden: network.encoder.hiddenSize, counts: counts,
      lengths: rows.map { sequences[$0].count }, passes: options.pretrainEpochs, batchSize: options.batchSize,
      maxGradientNorm: options.maxGradientNorm,
      learningRate: {
        LearningRateSchedule.linear(epochs: options.pretrainEpochs + 1).rate(base: options.learningRate, epoch: $0)
      }, reportEvery: 20, rng: &rng,
      loss: { batch, objective, rng in
        let picked = batch.map { rows[$0] }
        return network.neighbourWordLoss(
          picked.map { sequences[$0] }, features: features.map { all in picked.map { all[$0] } },
          spellings: spellings.map { all in picked.map { all[$0] } }, objective: objective, rng: &rng)
      },
      progress: { progress(.pretraining(epoch: $0, batch: $1, batches: $2, loss: $3, tokensPerSecond: $4)) })
  }

  /// A label as a target over the two classes.
  static func oneHot(_ label: Int) -> [Float] { label == 1 ? [0, 1] : [1, 0] }

  /// The rows' targets with each row's `smoothing` share spread evenly over the two
  /// classes: the teachers' targets when there are any, else the one-hot labels; nil
  /// (plain labels) when there are no teachers and no row is smoothed.
  func smoothedTargets(_ taught: [[Float]]?, labels: [Int], smoothing: [Float]) -> [[Float]]? {
    guard taught != nil || smoothing.contains(where: { $0 > 0 }) else { return nil }
    return labels.indices.map { row in
      let target = taught?[row] ?? Self.oneHot(labels[row])
      return target.map { (1 - smoothing[row]) * $0 + smoothing[row] / 2 }
    }
  }

  /// Each row's training target, `[negative, positive]` or `[objective, subjective]`: the
  /// teachers' mean probability for the row's cut text (on the head of the row's task)
  /// mixed with the one-hot label. A task no teacher reads keeps its labels.
  func teacherTargets(_ teachers: [SentimentModel], tokenized: [[String]], labels: [Int], heads: [Int]) -> [[Float]] {
    var targets = labels.map(Self.oneHot)
    for head in Set(heads).sorted() {
      let readers = teachers.filter { head == 0 || $0.readsOpinion }
      guard !readers.isEmpty else { continue }
      let rows = heads.indices.filter { heads[$0] == head }
      var sum = [Double](repeating: 0, count: rows.count)
      for teacher in readers {
        let inputs = rows.map { truncated(teacher.input(tokenized[$0])) }
        let probabilities = teacher.headProbabilities(inputs, heads: [head], batchSize: 64)[0]
        for index in sum.indices { sum[index] += probabilities[index] }
      }
      let share = options.distillation
      for (index, row) in rows.enumerated() {
        let positive = share * Float(sum[index] / Double(readers.count)) + (1 - share) * Float(labels[row])
        targets[row] = [1 - positive, positive]
      }
    }
    return targets
  }

  /// One epoch's batches: each source's rows `weight` times (whole copies, then a fresh
  /// random share for the fraction), bucketed by length per task, batches shuffled together.
  func epochBatches(
    _ sources: [(range: Range<Int>, weight: Double)], heads: [Int], lengths: [Int], rng: inout SeededGenerator
  ) -> [[Int]] {
    let rows = weightedRows(sources, rng: &rng)
    var batches: [[Int]] = []
    let tasks = Set(rows.map { heads[$0] }).sorted()
    for head in tasks {
      let taskRows = rows.filter { heads[$0] == head }
      guard !taskRows.isEmpty else { continue }
      let buckets = lengthBucketedBatches(
        lengths: taskRows.map { lengths[$0] }, batchSize: options.batchSize, rng: &rng)
      batches += buckets.map { $0.map { taskRows[$0] } }
    }
    // One task's batches are already shuffled; several are mixed so that neither comes last.
    if tasks.count > 1 { rng.shuffle(&batches) }
    return batches
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

  func truncated(_ input: SentimentModel.Input) -> SentimentModel.Input {
    input.cut(to: options.maxTrainingTokens, head: options.maxTrainingTokens / 3)
  }
}
