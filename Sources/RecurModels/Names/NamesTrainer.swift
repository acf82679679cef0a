import Foundation
import RecurNN

/// How a names model is trained. The defaults are the shipped model's settings.
public struct NamesTrainingOptions: Sendable, Equatable {
  public var cell: CellKind = .lstm
  public var hidden = 100
  /// Stacked bidirectional layers.
  public var layers = 2
  /// Fine-tune the word vectors (false: they stay as loaded, so a word training never
  /// saw sits where the words it did see are).
  public var tuneVectors = false
  public var useCharacters = true
  public var characterWidth = 25
  public var characterHidden = 25
  public var useCRF = true
  public var useNameLists = true
  public var epochs = 30
  public var batchSize = 16
  public var learningRate: Float = 0.003
  public var dropout: Float = 0.5
  public var seed: UInt64 = 1
  /// The pretrained vectors' most frequent words are kept even when training never saw them.
  public var pretrainedWords = 50_000
  /// The pretrained vectors' most frequent words up to this rank that the vocabulary still
  /// lacks join it after training's random draws, with their vectors as loaded. Training
  /// sentences hold none of them — but for a case variant that spells another word
  /// (`Aydın` shown upper-case, `AYDIN`, reads as `aydin`) — so training runs as without
  /// them; the tagger then reads such a word (most often a rarer name) by its own vector
  /// instead of the unknown word's, a row training never shows. 0: none beyond
  /// `pretrainedWords`.
  public var readingWords = 0
  public var maxGradientNorm: Float = 5
  /// The share of training sentences shown all lower-case or all upper-case (half each,
  /// drawn afresh every epoch; tags unchanged), so names are still found where the
  /// capitals that mark them are missing.
  public var caseVariants: Float = 0.2
  /// Weight averaging: when above 0, dev checks and the saved model use an exponential
  /// moving average of the weights over training steps with this decay (0.999: about the
  /// last thousand steps), which evens out the step-to-step noise of the last epochs.
  public var averaging: Float = 0.999
  /// The chance that a word seen once in training is read as the unknown word, so that the
  /// unknown word's vector is trained and a name nobody has seen is still found from its
  /// letters and context (Lample et al. 2016 replaced singletons with p = 0.5).
  public var singletonUnknown: Float = 0
  /// Passes of language-model pretraining over untagged sentences before the tagged
  /// epochs: the encoder learns to tell each word's neighbours (`NeighbourWordPrediction`).
  public var pretrainEpochs = 0
  /// The most frequent training words that pretraining predicts.
  public var pretrainTargets = 20_000
  /// In a source that does not mark some types, any token it marks `O` may be a name of
  /// those types (true), or only a token written like part of a name (false:
  /// `HiddenNameMasks`).
  public var partialAnywhere = false
  /// Adversarial training: each batch is read a second time with every token's input pushed
  /// this far (L2 over each sentence) the way that raises its loss most, and that loss is
  /// learned too (`ManyToMany.backwardWithAdversary`; 0: no second reading).
  public var adversarialEpsilon: Float = 0
  /// The share of training sentences shown with each name replaced by another name of the
  /// same type from the same source (`MentionSwaps`; drawn afresh every epoch; 0: none).
  public var mentionSwaps: Float = 0
  /// Of the people those swaps put in, the share drawn from every source's people instead
  /// of the sentence's own source (`MentionSwaps.crossShare`; 0: all from its own).
  public var peopleSwappedAcross: Float = 0
  /// The share of training sentences shown with their names' tokens lower-cased and the
  /// rest as written (drawn afresh every epoch), so a name written in lower case amid
  /// capitals — common in comments and posts — is still found.
  public var lowerCaseNames: Float = 0

  public init() {}
}

public enum NamesTrainingEvent: Sendable {
  case started(sentences: Int, tokens: Int, vocabulary: Int, parameters: Int)
  case progress(epoch: Int, batch: Int, batches: Int, loss: Double, tokensPerSecond: Double)
  /// A pretraining pass's progress (`loss`: the neighbour-word loss).
  case pretraining(epoch: Int, batch: Int, batches: Int, loss: Double, tokensPerSecond: Double)
  /// `scores`: each dev set's selected score (`overall` or a type's F1), in source order.
  case checked(epoch: Int, selection: Double, scores: [(name: String, metric: String, f1: Double)], best: Bool)
}

/// One tagged training file of a mix, its types already renamed to the model's.
public struct NamesSource: Sendable {
  public var name: String
  public var sentences: [TaggedSentence]
  /// How many times an epoch its sentences are used (fractions: a fresh share each epoch).
  public var weight: Double
  /// Types of the model this file does not mark completely: where it says `O`, a name of
  /// these types may stand (its sentences are trained as partially labelled). Types the
  /// file never uses are added to these by the trainer.
  public var partialTypes: Set<String>
  public var dev: [TaggedSentence]
  public var devName: String
  /// What this dev set adds to the selection score: `overall` or a type's F1, and its weight.
  public var metric: String
  public var selectionWeight: Double
  /// The output head it trains: sources with the same head share it; the head of the first
  /// source is the one that tags.
  public var head: String

  public init(
    name: String, sentences: [TaggedSentence], weight: Double = 1, partialTypes: Set<String> = [],
    dev: [TaggedSentence] = [], devName: String = "", metric: String = "overall", selectionWeight: Double = 1,
    head: String = "main"
  ) {
    self.name = name
    self.sentences = sentences
    self.weight = weight
    self.partialTypes = partialTypes
    self.dev = dev
    self.devName = devName
    self.metric = metric
    self.selectionWeight = selectionWeight
    self.head = head
  }
}

/// Trains a `NamesModel` with Adam on length-bucketed batches drawn from weighted sources;
/// after each epoch it tags every source's dev sentences and keeps the weights with the best
/// selection score: the weighted mean of each dev set's chosen F1.
public struct NamesTrainer {
  public let options: NamesTrainingOptions

  public init(options: NamesTrainingOptions) { self.options = options }

  /// One training file checked on one dev file by overall F1.
  public func train(
    sentences: [TaggedSentence], dev: [TaggedSentence], vectors: WordVectors, lists: NameLists?,
    progress: (NamesTrainingEvent) -> Void
  ) -> (model: NamesModel, scores: [String: Double], seconds: Double) {
    train(
      sources: [NamesSource(name: "train", sentences: sentences, dev: dev, devName: "dev")], vectors: vectors,
      lists: lists, progress: progress)
  }

  /// `vocabulary` with those of `candidates` it lacks appended, and `network`'s word table
  /// with their rows from `vectors` (`readingWords`); nothing is drawn at random.
  static func adding(
    _ candidates: ArraySlice<String>, of vectors: WordVectors, to vocabulary: Vocabulary, network: ManyToMany
  ) -> Vocabulary {
    let table = network.embedding.table
    var values = table.value.data
    var added: [String] = []
    var seen = Set<String>()
    for word in candidates where !vocabulary.contains(word) && seen.insert(word).inserted {
      guard let vector = vectors.vector(word) else { continue }
      added.append(word)
      values += vector
    }
    guard !added.isEmpty else { return vocabulary }
    table.value = Tensor(shape: [vocabulary.count + added.count, vectors.width], data: values)
    return Vocabulary(words: Array(vocabulary.words.dropFirst()) + added)
  }

  /// Scores are keyed `f1 TYPE DEVNAME` (and `f1 overall DEVNAME`) for each dev set, plus
  /// `selection`, at the selected epoch. `untagged`: tokenized sentences for pretraining
  /// (with `pretrainEpochs` above 0).
  public func train(
    sources: [NamesSource], vectors: WordVectors, lists: NameLists?, untagged: [[String]] = [],
    progress: (NamesTrainingEvent) -> Void
  ) -> (model: NamesModel, scores: [String: Double], seconds: Double) {
    let started = Date()
    let sentences = sources.flatMap(\.sentences)
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
    let trainedWords = Vocabulary(words: trainingWords + vectors.words.prefix(options.pretrainedWords))
    let characters = Vocabulary(
      words: characterCounts.filter { $0.value >= 2 }.sorted {
        $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
      }
      .map(\.key))
    let useLists = options.useNameLists && lists != nil
    var headNames: [String] = []
    for source in sources where !headNames.contains(source.head) { headNames.append(source.head) }
    var architecture = [
      "cell": options.cell.rawValue, "hidden": String(options.hidden), "width": String(vectors.width),
      "characters": String(options.useCharacters), "char_width": String(options.characterWidth),
      "char_hidden": String(options.characterHidden), "crf": String(options.useCRF), "features": String(useLists),
      "dropout": String(options.dropout),
    ]
    if useLists, let lists, lists.capitalised != nil {
      architecture["capitalised"] = lists.capitalisedWhereUncased ? "uncased" : "true"
    }
    if headNames.count > 1 { architecture["heads"] = String(headNames.count) }
    if options.layers > 1 { architecture["layers"] = String(options.layers) }
    var rng = SeededGenerator(seed: options.seed)
    let network = try! NamesModel.network(
      architecture, words: trainedWords.count, characters: characters.count, tags: tags,
      tuneWords: options.tuneVectors, rng: &rng)
    network.embedding.table.value = trainedWords.embeddingTable(from: vectors, rng: &rng)
    let words = Self.adding(vectors.words.prefix(options.readingWords), of: vectors, to: trainedWords, network: network)
    var vocabularies = ["words": words.words, "characters": characters.words, "tags": tags]
    if useLists, let lists {
      vocabularies["first_names"] = lists.first.sorted()
      vocabularies["last_names"] = lists.last.sorted()
      if let capitalised = lists.capitalised { vocabularies["capitalised"] = capitalised.sorted() }
    }
    let card = ModelCard(
      name: "names", version: "1", created: "", architecture: architecture, vocabularies: vocabularies, command: "",
      seed: options.seed)
    let model = NamesModel(
      network: network, words: words, characters: characters, tags: tags, lists: useLists ? lists : nil, card: card)

    let singletons =
      options.singletonUnknown > 0 ? Set(counts.filter { $0.value == 1 }.map { words.id($0.key) }) : []
    func tagIDs(_ tags: [String]) -> [Int] { tags.map { tagIndex[$0] ?? 0 } }
    let gold = sentences.map { tagIDs($0.tags) }
    var allowed: [[UInt64]] = []
    var ranges: [(range: Range<Int>, weight: Double)] = []
    var headOf: [Int] = []
    var sourceOf: [Int] = []
    for (number, source) in sources.enumerated() {
      sourceOf += Array(repeating: number, count: source.sentences.count)
      headOf += Array(repeating: headNames.firstIndex(of: source.head) ?? 0, count: source.sentences.count)
      let hidden = Self.partialTypes(of: source, modelTypes: types)
      let masks = HiddenNameMasks(tags: tags, hidden: hidden, tagIndex: tagIndex, anywhere: options.partialAnywhere)
      ranges.append((allowed.count..<(allowed.count + source.sentences.count), source.weight))
      for sentence in source.sentences {
        guard !hidden.isEmpty else {
          allowed.append([])
          continue
        }
        allowed.append(
          zip(sentence.tokens, sentence.tags).map { token, tag in
            tag == "O" ? masks.atUnmarked(token) : UInt64(1) << UInt64(tagIndex[tag] ?? 0)
          })
      }
    }
    let anyPartial = allowed.contains { !$0.isEmpty }
    let swaps = options.mentionSwaps > 0 ? MentionSwaps(sources: sources, crossShare: options.peopleSwappedAcross) : nil
    let parameters = network.parameters()
    progress(
      .started(
        sentences: sentences.count, tokens: sentences.reduce(0) { $0 + $1.tokens.count }, vocabulary: words.count,
        parameters: parameters.reduce(0) { $0 + $1.variable.value.count }))
    if options.pretrainEpochs > 0 && !untagged.isEmpty {
      pretrain(model, sentences: untagged, rng: &rng, progress: progress)
    }
    let optimizer = Adam(learningRate: options.learningRate)
    var stopping = EarlyStopping(patience: Int.max)
    var bestScores: [String: Double] = [:]
    let checked = sources.filter { !$0.dev.isEmpty }
    var average = options.averaging > 0 ? WeightAverage(parameters, decay: options.averaging) : nil
    for epoch in 0..<options.epochs {
      optimizer.learningRate = LearningRateSchedule.inverseTime(decay: 0.1).rate(
        base: options.learningRate, epoch: epoch)
      let rows = weightedRows(ranges, rng: &rng)
      var batches: [[Int]] = []
      for head in headNames.indices {
        let headRows = rows.filter { headOf[$0] == head }
        batches += lengthBucketedBatches(
          lengths: headRows.map { sentences[$0].tokens.count }, batchSize: options.batchSize, rng: &rng
        ).map { $0.map { headRows[$0] } }
      }
      if headNames.count > 1 { rng.shuffle(&batches) }
      var window = ProgressWindow(every: 50)
      for (number, batch) in batches.enumerated() {
        var batchSentences = batch.map { sentences[$0] }
        var batchGold = batch.map { gold[$0] }
        var batchAllowed = anyPartial ? batch.map { allowed[$0] } : nil
        if let swaps {
          for (row, index) in batch.enumerated() where rng.nextUnit() < options.mentionSwaps {
            let swapped = swaps.swapped(
              batchSentences[row], allowed: allowed[index], source: sourceOf[index], tagIndex: tagIndex, rng: &rng)
            batchSentences[row] = swapped.sentence
            batchGold[row] = tagIDs(swapped.sentence.tags)
            batchAllowed?[row] = swapped.allowed
          }
        }
        if options.lowerCaseNames > 0 {
          for row in batchSentences.indices where rng.nextUnit() < options.lowerCaseNames {
            batchSentences[row] = Self.lowerCasingNames(batchSentences[row])
          }
        }
        var input = model.input(
          batchSentences.map { sentence in
            let draw = rng.nextUnit()
            let tokens = sentence.tokens
            if draw < options.caseVariants / 2 { return tokens.map { $0.lowercased() } }
            if draw < options.caseVariants { return tokens.map { $0.uppercased() } }
            return tokens
          })
        if options.singletonUnknown > 0 {
          for row in input.words.indices {
            for position in input.words[row].indices where singletons.contains(input.words[row][position]) {
              if rng.nextUnit() < options.singletonUnknown { input.words[row][position] = 0 }
            }
          }
        }
        let loss: Float
        if options.adversarialEpsilon > 0 {
          loss =
            network.backwardWithAdversary(
              input, gold: batchGold, allowed: batchAllowed, head: headOf[batch[0]],
              epsilon: options.adversarialEpsilon, rng: &rng
            ).clean
        } else {
          let graph = network.loss(input, gold: batchGold, allowed: batchAllowed, head: headOf[batch[0]], rng: &rng)
          graph.backward()
          loss = graph.value.data[0]
        }
        clipGradientNorm(parameters, maxNorm: options.maxGradientNorm)
        optimizer.update(parameters)
        average?.update(parameters)
        if let report = window.add(
          loss: Double(loss), tokens: batchSentences.reduce(0) { $0 + $1.tokens.count },
          last: number == batches.count - 1)
        {
          progress(
            .progress(
              epoch: epoch + 1, batch: number + 1, batches: batches.count, loss: report.loss,
              tokensPerSecond: report.tokensPerSecond))
        }
      }
      guard !checked.isEmpty else { continue }
      // The dev check (and the snapshot it may keep) reads the averaged weights.
      average?.swap(parameters)
      defer { average?.swap(parameters) }
      let (scores, selected) = Self.devScores(model, sources: checked)
      let selection = scores["selection"] ?? 0
      let improved = selection > stopping.best
      _ = stopping.observe(selection, epoch: epoch, parameters: parameters)
      if improved { bestScores = scores }
      progress(.checked(epoch: epoch + 1, selection: selection, scores: selected, best: improved))
    }
    if !checked.isEmpty {
      stopping.restoreBest(parameters)
    } else {
      average?.swap(parameters)
    }
    return (model, bestScores, Date().timeIntervalSince(started))
  }

  /// Each dev set's scores, keyed as `train` returns them (`selection` among them), and
  /// each dev set's selected F1.
  public static func devScores(_ model: NamesModel, sources: [NamesSource]) -> (
    scores: [String: Double], selected: [(name: String, metric: String, f1: Double)]
  ) {
    var scores: [String: Double] = [:]
    var selected: [(name: String, metric: String, f1: Double)] = []
    var total = 0.0
    var totalWeight = 0.0
    for source in sources where !source.dev.isEmpty {
      let evaluation = evaluate(model, on: source.dev)
      scores["f1 overall " + source.devName] = evaluation.overall.f1
      for (type, counts) in evaluation.perType { scores["f1 \(type) \(source.devName)"] = counts.f1 }
      let f1 = source.metric == "overall" ? evaluation.overall.f1 : evaluation.perType[source.metric]?.f1 ?? 0
      selected.append((source.devName, source.metric, f1))
      total += source.selectionWeight * f1
      totalWeight += source.selectionWeight
    }
    scores["selection"] = totalWeight > 0 ? total / totalWeight : 0
    return (scores, selected)
  }

  /// Language-model pretraining of the model's word vectors, character encoder and
  /// encoder on `sentences` (as written), `pretrainEpochs` passes, Adam at the learning
  /// rate decaying as in training.
  func pretrain(
    _ model: NamesModel, sentences: [[String]], rng: inout SeededGenerator, progress: (NamesTrainingEvent) -> Void
  ) {
    let network = model.network
    precondition(network.encoder.bidirectional, "pretraining needs a bidirectional encoder")
    let rows = sentences.indices.filter { sentences[$0].count > 1 }
    // The vocabulary lists training words by frequency, so the first ids are the commonest.
    var counts = [Int](repeating: 0, count: min(options.pretrainTargets, network.embedding.vocabulary))
    for row in rows {
      for id in model.input([sentences[row]]).words[0] where id < counts.count { counts[id] += 1 }
    }
    pretrainNeighbourWords(
      network.parameters(), hidden: network.encoder.hiddenSize, counts: counts,
      lengths: rows.map { sentences[$0].count }, passes: options.pretrainEpochs, batchSize: options.batchSize,
      maxGradientNorm: options.maxGradientNorm,
      learningRate: { LearningRateSchedule.inverseTime(decay: 0.1).rate(base: options.learningRate, epoch: $0) },
      reportEvery: 50, rng: &rng,
      loss: { batch, objective, rng in
        network.neighbourWordLoss(model.input(batch.map { sentences[rows[$0]] }), objective: objective, rng: &rng)
      },
      progress: { progress(.pretraining(epoch: $0, batch: $1, batches: $2, loss: $3, tokensPerSecond: $4)) })
  }

  /// `sentence` with its names' tokens in lower case and every other token as written.
  static func lowerCasingNames(_ sentence: TaggedSentence) -> TaggedSentence {
    TaggedSentence(
      tokens: zip(sentence.tokens, sentence.tags).map { $1 == "O" ? $0 : $0.lowercased() }, tags: sentence.tags)
  }

  /// The model types a source's `O` may hide: those it names as such and those it never uses.
  public static func partialTypes(of source: NamesSource, modelTypes: [String]) -> [String] {
    let used = Set(NamesData.types(source.sentences))
    return modelTypes.filter { !used.contains($0) || source.partialTypes.contains($0) }
  }

  /// The tags a token its source marks `O` may carry when the source does not mark some
  /// types (bit t: tag t). A hidden name is written like one: a token with a capital or a
  /// digit may begin or continue it; a joining word (`of`, `the`, `de`, `&`, …) may only
  /// continue one; any other token is `O`, so lower-case chatter in a source that marks no
  /// MISC is still taught as no name (`anywhere`: every token may be any hidden tag).
  struct HiddenNameMasks {
    let outside: UInt64
    let begin: UInt64
    let inside: UInt64
    let anywhere: Bool

    init(tags: [String], hidden: [String], tagIndex: [String: Int], anywhere: Bool) {
      outside = 1 << UInt64(tagIndex["O"] ?? 0)
      var begin: UInt64 = 0
      var inside: UInt64 = 0
      for type in hidden {
        if let index = tagIndex["B-" + type] { begin |= 1 << UInt64(index) }
        if let index = tagIndex["I-" + type] { inside |= 1 << UInt64(index) }
      }
      self.begin = begin
      self.inside = inside
      self.anywhere = anywhere
    }

    func atUnmarked(_ token: String) -> UInt64 {
      if anywhere || token.contains(where: { $0.isUppercase || $0.isNumber }) { return outside | begin | inside }
      if NameFeatures.joiningWords.contains(token.lowercased()) { return outside | inside }
      return outside
    }
  }

  /// Entity-level scores of `model` on tagged sentences, on the types they use.
  public static func evaluate(_ model: NamesModel, on sentences: [TaggedSentence], types: Set<String>? = nil)
    -> EntityEvaluation
  {
    tagAndEvaluate(model, on: sentences, types: types).evaluation
  }

  /// The scores and each sentence's predicted tags.
  public static func tagAndEvaluate(_ model: NamesModel, on sentences: [TaggedSentence], types: Set<String>? = nil)
    -> (evaluation: EntityEvaluation, predicted: [[String]])
  {
    let predicted = model.tag(sentences.map(\.tokens)).map(\.tags)
    var evaluation = EntityEvaluation()
    let scored = types ?? Set(NamesData.types(sentences))
    for (sentence, tags) in zip(sentences, predicted) {
      evaluation.add(gold: sentence.tags, predicted: tags, types: scored)
    }
    return (evaluation, predicted)
  }
}
