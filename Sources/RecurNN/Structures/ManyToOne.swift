import Foundation

/// N → 1: a sequence in, one output (a class) out — document or sentence sentiment.
///
/// Tokens (each a word and, optionally, `featureCount` feature values read beside it) →
/// embedding → recurrent encoder (any cell, one or two directions, stacked) →
/// the final state, the mean or the maximum of the outputs → `Dense` → class logits.
///
/// With `spelling`, each word's vector is its table row plus its spelling vector (the sum
/// of its character n-grams' vectors): a word outside the vocabulary comes with id 0 (the
/// unknown word) and its n-gram rows in `spellings` (position → rows), and is read by them.
/// Without gradients the known words' sums are added to a copy of the table once (while
/// the weights stay as they are), so reading a known word costs what it did without.
///
/// Extra heads (`extraHeads`) read the same pooled vector with a `Dense` of their own: one
/// encoder pass scores several questions of a text (sentiment, and whether it is opinion at
/// all). Head 0 is `output`; head `i` is `extraOutputs[i - 1]`.
public final class ManyToOne: Layer {
  public enum Pooling: String, Codable, Sendable {
    /// The final state (both directions' final states when bidirectional).
    case last
    /// The mean of the outputs over the sequence's real steps.
    case mean
    /// The largest value of each output over the sequence's real steps.
    case max
    /// The largest value and the mean of each output, side by side.
    case maxMean = "max+mean"
    /// The outputs weighted by a softmax over the steps of a learned score of each
    /// (`attention`: one linear unit reading the output).
    case attention
  }

  public let embedding: Embedding
  public let encoder: RecurrentEncoder
  public let output: Dense
  public let extraOutputs: [Dense]
  public let pooling: Pooling
  /// The score of each output step, for `.attention` pooling.
  public let attention: Dense?
  /// Feature values read beside each token's word vector (0: words only).
  public let featureCount: Int
  /// Vectors of the words' spellings, added to their table rows.
  public let spelling: SpellingEmbedding?
  public var dropout: Dropout
  /// With `spelling`, the share of known words read as unknown during training (their table
  /// row replaced by the unknown word's, their spelling kept): practice for words outside
  /// the vocabulary.
  public var unknownRate: Float = 0
  /// The table plus each known word's spelling vector, for the weights it was made from.
  private var spelledTable: (key: [UInt64], table: Variable)?
  private let spelledTableLock = NSLock()

  public init(
    embedding: Embedding, featureCount: Int = 0, spelling: SpellingEmbedding? = nil, cell: CellKind, hidden: Int,
    classes: Int, extraHeads: [Int] = [],
    layers: Int = 1, bidirectional: Bool = false, pooling: Pooling = .last, dropout: Float = 0,
    rng: inout SeededGenerator
  ) {
    precondition(
      spelling.map {
        $0.output == embedding.width
          && ($0.vocabularyGrams.count == embedding.vocabulary || ($0.vocabularyGrams.isEmpty && !$0.readsKnownWords))
      } ?? true,
      "ManyToOne: the spelling vectors do not match the word table")
    self.embedding = embedding
    self.featureCount = featureCount
    self.spelling = spelling
    encoder = RecurrentEncoder(
      kind: cell, input: embedding.width + featureCount, hidden: hidden, layers: layers, bidirectional: bidirectional,
      rng: &rng)
    let width = Self.pooledSize(pooling, encoderOutput: encoder.outputSize)
    output = Dense(input: width, output: classes, rng: &rng)
    var extra: [Dense] = []
    for classes in extraHeads { extra.append(Dense(input: width, output: classes, rng: &rng)) }
    extraOutputs = extra
    self.pooling = pooling
    attention = pooling == .attention ? Dense(input: encoder.outputSize, output: 1, rng: &rng) : nil
    self.dropout = Dropout(rate: dropout)
  }

  /// The number of heads (1 + `extraOutputs.count`).
  public var headCount: Int { 1 + extraOutputs.count }

  func head(_ index: Int) -> Dense {
    precondition((0..<headCount).contains(index), "head \(index) of \(headCount)")
    return index == 0 ? output : extraOutputs[index - 1]
  }

  /// Token ids of each sequence (and each token's features, zeros when nil) → logits
  /// `[batch, classes]` of `head`. An empty sequence scores from the zero state.
  public func callAsFunction(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil, training: Bool = false,
    head: Int = 0, rng: inout SeededGenerator
  ) -> Variable {
    self.head(head)(
      dropout(
        pooled(sequences, features: features, spellings: spellings, training: training, rng: &rng),
        training: training, rng: &rng))
  }

  /// The width of the pooled vector the heads read.
  public var pooledSize: Int { Self.pooledSize(pooling, encoderOutput: encoder.outputSize) }

  static func pooledSize(_ pooling: Pooling, encoderOutput: Int) -> Int {
    pooling == .maxMean ? 2 * encoderOutput : encoderOutput
  }

  /// The pooled encoder vector `[batch, pooledSize]` of each sequence.
  func pooled(
    _ sequences: [[Int]], features: [[[Float]]]?, spellings: [[Int: [Int32]]]?, training: Bool,
    rng: inout SeededGenerator
  ) -> Variable {
    let batch = SequenceBatch(lengths: sequences.map(\.count))
    guard batch.steps > 0 else { return Variable(Tensor(zeros: [sequences.count, pooledSize])) }
    let ids = batch.timeMajor(sequences, pad: -1)
    let rest = featureCount > 0 ? batch.featureRows(features, width: featureCount) : nil
    let spelled = SpelledWords(spellings, batch: batch)
    if pooling != .last && pooling != .mean && !training && !GradientMode.isEnabled {
      // Inference: each direction's outputs pooled where they are (the same values as
      // pooling the two side by side).
      let directions = encoder.lastOutputs(
        ids: ids, table: inputTable(), rest: rest, given: givenRows(ids: ids, spelled: spelled), batch: batch)
      var pooled: [Variable]
      if let attention {
        let weights = attentionWeights(
          affine(parts: directions, attention.weight, attention.bias).value.data, batch: batch)
        pooled = directions.map { sumOverTime(scaleRows($0, weights), batch: batch) }
      } else {
        pooled = directions.map { maxOverTime($0, batch: batch) }
        if pooling == .maxMean { pooled += directions.map { meanOverTime($0, batch: batch) } }
      }
      return pooled.count == 1 ? pooled[0] : concatColumns(pooled)
    }
    return pool(
      encode(ids: ids, rest: rest, spelled: spelled, batch: batch, training: training, rng: &rng), batch: batch)
  }

  /// The pooled vector of the encoder's reading.
  private func pool(
    _ encoded: (outputs: Variable, summary: Variable, finalState: [Variable]), batch: SequenceBatch
  ) -> Variable {
    switch pooling {
    case .last:
      return encoded.summary
    case .mean:
      return meanOverTime(encoded.outputs, batch: batch)
    case .max:
      return maxOverTime(encoded.outputs, batch: batch)
    case .maxMean:
      return concatColumns([maxOverTime(encoded.outputs, batch: batch), meanOverTime(encoded.outputs, batch: batch)])
    case .attention:
      return attentionOverTime(encoded.outputs, scores: attention!(encoded.outputs), batch: batch)
    }
  }

  /// The encoder's reading of time-major `ids` (and feature rows `rest`), with dropout on
  /// its input when training.
  private func encode(
    ids: [Int], rest: Variable?, spelled: SpelledWords, batch: SequenceBatch, training: Bool,
    rng: inout SeededGenerator
  ) -> (outputs: Variable, summary: Variable, finalState: [Variable]) {
    // The graph: when training with dropout, and whenever spellings are read with
    // gradients (the cached projections know no spellings).
    if (training && dropout.rate > 0) || (spelling != nil && (training || GradientMode.isEnabled)) {
      let words = wordVectors(ids: ids, spelled: spelled, training: training, rng: &rng)
      return encode(words: words, rest: rest, batch: batch, training: training, rng: &rng)
    }
    return encoder(
      ids: ids, table: inputTable(), rest: rest, given: givenRows(ids: ids, spelled: spelled), batch: batch)
  }

  /// The word vectors of time-major `ids`, with gradients: table rows, plus spelling
  /// vectors with `spelling`.
  private func wordVectors(ids: [Int], spelled: SpelledWords, training: Bool, rng: inout SeededGenerator) -> Variable {
    spelling.map { spelledWordVectors(ids: ids, spelled: spelled, spelling: $0, training: training, rng: &rng) }
      ?? embedding(ids)
  }

  /// The encoder's reading of word vectors `words` beside feature rows `rest`, with dropout
  /// on its input when training.
  private func encode(
    words: Variable, rest: Variable?, batch: SequenceBatch, training: Bool, rng: inout SeededGenerator
  ) -> (outputs: Variable, summary: Variable, finalState: [Variable]) {
    let joined = rest.map { concatColumns([words, $0]) } ?? words
    return encoder(dropout(joined, training: training, rng: &rng), batch: batch)
  }

  /// One training step's gradients with adversarial training (Miyato, Dai and Goodfellow
  /// 2017): `loss` of the batch's logits is back-propagated, then the word vectors are
  /// pushed `epsilon` (L2 over each sequence's vectors) along that loss's gradient — the
  /// small change of the input that hurts most — and `loss` of the logits read from the
  /// pushed vectors is back-propagated too. Parameters receive both gradients; the word
  /// ids, spellings and unknown words drawn for the batch are the same in both readings,
  /// dropout is drawn afresh. Returns the two losses.
  ///
  /// With `virtualEpsilon` above 0 the batch is also read with its word vectors pushed that
  /// far the way that changes the network's output distribution most
  /// (`virtualAdversarialPush`; no label needed), and the cross-entropy between the clean
  /// reading's distribution (held fixed) and the pushed one's is back-propagated as well:
  /// virtual adversarial training, which asks the output to stay put near each text. With
  /// `epsilon` 0 beside it, the labelled loss is read once, from the clean vectors.
  public func backwardWithAdversary(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil, head: Int = 0,
    epsilon: Float, virtualEpsilon: Float = 0, rng: inout SeededGenerator, loss: (Variable) -> Variable
  ) -> (clean: Float, adversarial: Float) {
    let batch = SequenceBatch(lengths: sequences.map(\.count))
    guard batch.steps > 0 else {
      let clean = loss(self(sequences, features: features, spellings: spellings, training: true, head: head, rng: &rng))
      clean.backward()
      return (clean.value.data[0], clean.value.data[0])
    }
    let ids = batch.timeMajor(sequences, pad: -1)
    let rest = featureCount > 0 ? batch.featureRows(features, width: featureCount) : nil
    let words = wordVectors(
      ids: ids, spelled: SpelledWords(spellings, batch: batch), training: true, rng: &rng)
    let reading = { (input: Variable, rng: inout SeededGenerator) -> Variable in
      let encoded = self.encode(words: input, rest: rest, batch: batch, training: true, rng: &rng)
      return self.head(head)(self.dropout(self.pool(encoded, batch: batch), training: true, rng: &rng))
    }
    // The virtual push is found first, while the parameters hold no gradient of this batch.
    var virtual: (target: [Float], push: [Float])?
    if virtualEpsilon > 0 {
      let target = softmax(withoutGradients { reading(words, &rng) }.value).data
      let push = virtualAdversarialPush(
        inputs: words, batch: batch, target: target, epsilon: virtualEpsilon, xi: virtualEpsilon / 50,
        parameters: parameters(), rng: &rng, reading: reading)
      virtual = (target, push)
    }
    let losses: (clean: Float, adversarial: Float)
    if epsilon > 0 || virtual == nil {
      losses = RecurNN.backwardWithAdversary(inputs: words, batch: batch, epsilon: epsilon, rng: &rng) {
        input, rng in loss(reading(input, &rng))
      }
    } else {
      let clean = loss(reading(words, &rng))
      clean.backward()
      losses = (clean.value.data[0], clean.value.data[0])
    }
    if let (target, push) = virtual {
      let pushed = add(words, Variable(Tensor(shape: words.shape, data: push)))
      softTargetCrossEntropy(reading(pushed, &rng), targets: target).backward()
    }
    return losses
  }

  /// Each row's table vector plus its spelling vector, with gradients; when training, a
  /// share (`unknownRate`) of the known words read as the unknown word.
  private func spelledWordVectors(
    ids: [Int], spelled: SpelledWords, spelling: SpellingEmbedding, training: Bool, rng: inout SeededGenerator
  ) -> Variable {
    precondition(
      !(training && unknownRate > 0) || !spelling.vocabularyGrams.isEmpty,
      "ManyToOne: reading known words as unknown needs the vocabulary's spellings")
    var wordIDs = ids
    if training && unknownRate > 0 {
      for index in wordIDs.indices where wordIDs[index] > 0 && rng.nextUnit() < unknownRate { wordIDs[index] = 0 }
    }
    let lists = spelled.lists(
      ids: ids, vocabulary: spelling.vocabularyGrams, readAsUnknown: spelling.readsKnownWords ? nil : wordIDs)
    return add(embedding(wordIDs), spelling(lists))
  }

  /// Makes what reading without gradients needs for the weights as they are (with
  /// `spelling`, the table of known words with their spelling vectors added), so that the
  /// first texts read do not wait for it.
  public func prepareForReading() {
    _ = inputTable()
  }

  /// The table known words are read from without gradients: the word table, or with
  /// `spelling` a copy with each word's spelling vector added (made once for the weights
  /// as they are).
  func inputTable() -> Variable {
    guard let spelling, spelling.readsKnownWords else { return embedding.table }
    let key = [embedding.table.version, spelling.table.version, spelling.projection.version]
    spelledTableLock.lock()
    defer { spelledTableLock.unlock() }
    if let spelledTable, spelledTable.key == key { return spelledTable.table }
    let table = Variable(spelling.addingSpellings(to: embedding.table.value))
    spelledTable = (key, table)
    return table
  }

  /// The input rows of the words given by their spelling (table row plus spelling vector),
  /// one for each distinct word of the batch, without gradients; nil when there are none.
  func givenRows(ids: [Int], spelled: SpelledWords) -> GivenRows? {
    guard let spelling, !spelled.positions.isEmpty else { return nil }
    var rowOf: [[Int32]: Int] = [:]
    var distinct: [(id: Int, grams: [Int32])] = []
    var rowOfPosition: [Int] = []
    rowOfPosition.reserveCapacity(spelled.positions.count)
    for (position, grams) in zip(spelled.positions, spelled.grams) {
      // The word id joins the key as one more value (every spelled word is the unknown
      // word in practice).
      let key = grams + [Int32(truncatingIfNeeded: -1 - ids[position])]
      if let row = rowOf[key] {
        rowOfPosition.append(row)
      } else {
        rowOf[key] = distinct.count
        rowOfPosition.append(distinct.count)
        distinct.append((ids[position], grams))
      }
    }
    let vectors = withoutGradients {
      add(gatherRows(embedding.table, distinct.map(\.id)), spelling(distinct.map(\.grams))).value
    }
    return GivenRows(positions: spelled.positions, rows: vectors, rowOfPosition: rowOfPosition)
  }

  /// The loss of `objective` on the encoder's outputs for `sequences`: pretraining the
  /// word vectors and the encoder on text without labels.
  public func neighbourWordLoss(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil,
    objective: NeighbourWordPrediction, rng: inout SeededGenerator
  ) -> Variable {
    let batch = SequenceBatch(lengths: sequences.map(\.count))
    let ids = batch.timeMajor(sequences, pad: -1)
    let rest = featureCount > 0 ? batch.featureRows(features, width: featureCount) : nil
    let spelled = SpelledWords(spellings, batch: batch)
    let outputs = encode(ids: ids, rest: rest, spelled: spelled, batch: batch, training: true, rng: &rng).outputs
    return objective.loss(dropout(outputs, training: true, rng: &rng), ids: ids, batch: batch, rng: &rng)
  }

  /// The mean of time-major rows over each sequence's real steps.
  func meanOverTime(_ rows: Variable, batch: SequenceBatch) -> Variable {
    var weights = [Float](repeating: 0, count: batch.rows)
    for step in 0..<batch.steps {
      for (index, length) in batch.lengths.enumerated() where step < length {
        weights[step * batch.size + index] = 1 / Float(length)
      }
    }
    return sumOverTime(scaleRows(rows, weights), batch: batch)
  }

  /// Class probabilities `[batch][classes]` of `head`, no gradient kept.
  public func probabilities(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil, head: Int = 0
  ) -> [[Float]] {
    everyHeadProbabilities(sequences, features: features, spellings: spellings, heads: [head])[0]
  }

  /// Class probabilities of each of `heads` (every head by default) from one encoder pass:
  /// `[head][sequence][class]`, no gradient kept.
  public func everyHeadProbabilities(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil, heads: [Int]? = nil
  ) -> [[[Float]]] {
    guard !sequences.isEmpty else { return (heads ?? Array(0..<headCount)).map { _ in [] } }
    var unused = SeededGenerator(seed: 0)
    return withoutGradients {
      let pooled = self.pooled(sequences, features: features, spellings: spellings, training: false, rng: &unused)
      return (heads ?? Array(0..<headCount)).map { index in
        let probabilities = softmax(self.head(index)(pooled).value)
        return (0..<sequences.count).map {
          Array(probabilities.data[($0 * probabilities.columns)..<(($0 + 1) * probabilities.columns)])
        }
      }
    }
  }

  /// Mean cross-entropy of the batch against `labels`.
  public func loss(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil, labels: [Int],
    head: Int = 0, classWeights: [Float]? = nil, rng: inout SeededGenerator
  ) -> Variable {
    softmaxCrossEntropy(
      self(sequences, features: features, spellings: spellings, training: true, head: head, rng: &rng),
      targets: labels, classWeights: classWeights)
  }

  /// Mean cross-entropy of the batch against target distributions (`batch × classes`
  /// values): a teacher's probabilities mixed with the labels, for distillation.
  public func loss(
    _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil, targets: [Float],
    head: Int = 0, rng: inout SeededGenerator
  ) -> Variable {
    softTargetCrossEntropy(
      self(sequences, features: features, spellings: spellings, training: true, head: head, rng: &rng),
      targets: targets)
  }

  public func parameters() -> [Parameter] {
    embedding.parameters().prefixed("embedding") + (spelling?.parameters().prefixed("spelling") ?? [])
      + encoder.parameters().prefixed("encoder") + (attention?.parameters().prefixed("attention") ?? [])
      + output.parameters().prefixed("output")
      + extraOutputs.enumerated().flatMap { $0.element.parameters().prefixed("output\($0.offset + 1)") }
  }
}

/// The words of a batch given by their spelling, by time-major position.
struct SpelledWords {
  /// Time-major positions, in order.
  let positions: [Int]
  /// The n-gram rows of the word at each position.
  let grams: [[Int32]]

  init(_ spellings: [[Int: [Int32]]]?, batch: SequenceBatch) {
    var pairs: [(Int, [Int32])] = []
    for (sequence, words) in (spellings ?? []).enumerated() where sequence < batch.size {
      for (step, grams) in words where step < batch.lengths[sequence] {
        pairs.append((step * batch.size + sequence, grams))
      }
    }
    pairs.sort { $0.0 < $1.0 }
    positions = pairs.map(\.0)
    grams = pairs.map(\.1)
  }

  /// The n-gram rows of every time-major row: the spelling given, or the vocabulary
  /// word's (none for padding). With `readAsUnknown` (the ids as read), a known word has
  /// its spelling only where it is read as the unknown word (id 0).
  func lists(ids: [Int], vocabulary: [[Int32]], readAsUnknown: [Int]? = nil) -> [[Int32]] {
    let index = Dictionary(uniqueKeysWithValues: positions.enumerated().map { ($0.element, $0.offset) })
    return ids.enumerated().map { position, id in
      if let slot = index[position] { return grams[slot] }
      guard id >= 0 else { return [] }
      if let readAsUnknown, readAsUnknown[position] != 0 { return [] }
      // Without the vocabulary's spellings (a loaded model that spells unknown words only),
      // a word read as unknown is the unknown word itself, which has none.
      return id < vocabulary.count ? vocabulary[id] : []
    }
  }
}
