/// N → N (equal length): one output per input step — name tagging with BIO tags.
///
/// Per token: a word embedding, optionally a character encoder's reading of the word and
/// optionally extra per-token features (casing, name-list hits), side by side → a
/// recurrent encoder (usually bidirectional) → `Dense` → per-tag scores, decoded by a CRF
/// or by softmax with constrained Viterbi.
public final class ManyToMany: Layer {
  /// One padded batch of input: word ids, optionally characters and features per token.
  public struct Input {
    public var words: [[Int]]
    /// Character ids of each token, per sequence; nil when the model has no character encoder.
    public var characters: [[[Int]]]?
    /// Extra features of each token, per sequence (`featureCount` each); nil when none.
    public var features: [[[Float]]]?

    public init(words: [[Int]], characters: [[[Int]]]? = nil, features: [[[Float]]]? = nil) {
      self.words = words
      self.characters = characters
      self.features = features
    }
  }

  public let embedding: Embedding
  public let characterEncoder: CharacterEncoder?
  public let featureCount: Int
  public let encoder: RecurrentEncoder
  public let output: Dense
  public let crf: CRF?
  /// Further output layers (and CRFs) over the same encoder, for training sources whose
  /// labelling conventions differ: each source trains its own head, the encoder learns from
  /// all. Decoding reads head 0 (`output`, `crf`).
  public let extraHeads: [(output: Dense, crf: CRF?)]
  public let constraints: TagConstraints?
  public var dropout: Dropout

  public init(
    embedding: Embedding, characterEncoder: CharacterEncoder? = nil, featureCount: Int = 0, cell: CellKind,
    hidden: Int, tags: Int, layers: Int = 1, bidirectional: Bool = true, useCRF: Bool,
    constraints: TagConstraints? = nil, dropout: Float = 0, heads: Int = 1, rng: inout SeededGenerator
  ) {
    self.embedding = embedding
    self.characterEncoder = characterEncoder
    self.featureCount = featureCount
    let width = embedding.width + (characterEncoder?.outputSize ?? 0) + featureCount
    encoder = RecurrentEncoder(
      kind: cell, input: width, hidden: hidden, layers: layers, bidirectional: bidirectional, rng: &rng)
    output = Dense(input: encoder.outputSize, output: tags, rng: &rng)
    crf = useCRF ? CRF(tags: tags, constraints: constraints) : nil
    var extra: [(output: Dense, crf: CRF?)] = []
    for _ in 1..<max(1, heads) {
      extra.append(
        (
          Dense(input: encoder.outputSize, output: tags, rng: &rng),
          useCRF ? CRF(tags: tags, constraints: constraints) : nil
        ))
    }
    extraHeads = extra
    self.constraints = constraints
    self.dropout = Dropout(rate: dropout)
  }

  /// Per-token tag scores `[time × batch, tags]`, time-major, of head `head`.
  public func emissions(_ input: Input, training: Bool = false, head: Int = 0, rng: inout SeededGenerator) -> (
    scores: Variable, batch: SequenceBatch
  ) {
    let (batch, ids, rest) = read(input)
    if !(training && dropout.rate > 0) && !GradientMode.isEnabled && head == 0 {
      // Inference: the output layer reads the two directions where they are.
      let directions = encoder.lastOutputs(ids: ids, table: embedding.table, rest: rest, batch: batch)
      return (affine(parts: directions, output.weight, output.bias), batch)
    }
    let encoded = encode(ids: ids, rest: rest, batch: batch, training: training, rng: &rng)
    return (scores(encoded, head: head, training: training, rng: &rng), batch)
  }

  /// Head `head`'s tag scores of the encoder's outputs (with dropout when training).
  private func scores(_ encoded: Variable, head: Int, training: Bool, rng: inout SeededGenerator) -> Variable {
    let layer = head == 0 ? output : extraHeads[head - 1].output
    return layer(dropout(encoded, training: training, rng: &rng))
  }

  /// The loss of `objective` on the encoder's outputs (read as in training, with dropout):
  /// pretraining the encoder on text without tags.
  public func neighbourWordLoss(_ input: Input, objective: NeighbourWordPrediction, rng: inout SeededGenerator)
    -> Variable
  {
    let (batch, ids, rest) = read(input)
    let outputs = encode(ids: ids, rest: rest, batch: batch, training: true, rng: &rng)
    return objective.loss(dropout(outputs, training: true, rng: &rng), ids: ids, batch: batch, rng: &rng)
  }

  /// The batch, the time-major word ids and what is read beside each word (its characters'
  /// encoding and its features, joined), if anything.
  func read(_ input: Input) -> (batch: SequenceBatch, ids: [Int], rest: Variable?) {
    let batch = SequenceBatch(lengths: input.words.map(\.count))
    let ids = batch.timeMajor(input.words, pad: -1)
    var parts: [Variable] = []
    if let characterEncoder {
      let characters = input.characters ?? input.words.map { $0.map { _ in [] } }
      parts.append(characterEncoder(batch.timeMajor(characters, pad: [])))
    }
    if featureCount > 0 { parts.append(batch.featureRows(input.features, width: featureCount)) }
    return (batch, ids, parts.isEmpty ? nil : parts.count == 1 ? parts[0] : concatColumns(parts))
  }

  /// The encoder's outputs: in training with dropout on the word vectors and `rest`
  /// joined, otherwise straight from the word table.
  func encode(ids: [Int], rest: Variable?, batch: SequenceBatch, training: Bool, rng: inout SeededGenerator)
    -> Variable
  {
    guard training && dropout.rate > 0 else {
      return encoder(ids: ids, table: embedding.table, rest: rest, batch: batch).outputs
    }
    return encode(joined: joined(ids: ids, rest: rest), batch: batch, training: training, rng: &rng)
  }

  /// Each token's word vector beside `rest`, with gradients: the encoder's input.
  private func joined(ids: [Int], rest: Variable?) -> Variable {
    let words = embedding(ids)
    return rest.map { concatColumns([words, $0]) } ?? words
  }

  /// The encoder's outputs for its input rows `joined`, with dropout on them when training.
  private func encode(joined: Variable, batch: SequenceBatch, training: Bool, rng: inout SeededGenerator)
    -> Variable
  {
    encoder(dropout(joined, training: training, rng: &rng), batch: batch).outputs
  }

  /// Training loss: CRF negative log-likelihood, or masked softmax cross-entropy.
  /// `allowed`: per sequence, empty or a set of possible tags a step (bit t: tag t), for
  /// partially labelled sequences (CRF only; softmax reads the `gold` tags).
  public func loss(
    _ input: Input, gold: [[Int]], allowed: [[UInt64]]? = nil, classWeights: [Float]? = nil, head: Int = 0,
    rng: inout SeededGenerator
  ) -> Variable {
    let (scores, batch) = emissions(input, training: true, head: head, rng: &rng)
    return loss(scores, batch: batch, gold: gold, allowed: allowed, classWeights: classWeights, head: head)
  }

  /// The loss of head `head`'s tag `scores`: its CRF's negative log-likelihood, or without
  /// one masked softmax cross-entropy.
  private func loss(
    _ scores: Variable, batch: SequenceBatch, gold: [[Int]], allowed: [[UInt64]]?, classWeights: [Float]?, head: Int
  ) -> Variable {
    if let crf = head == 0 ? crf : extraHeads[head - 1].crf {
      return crf.negativeLogLikelihood(scores, gold: gold, allowed: allowed, batch: batch)
    }
    return softmaxCrossEntropy(scores, targets: batch.timeMajor(gold, pad: -1), classWeights: classWeights)
  }

  /// One training step's gradients with adversarial training (`adversarialPush`): the
  /// loss of the batch's tags is back-propagated, then each token's input (its word vector
  /// and what is read beside it) is pushed `epsilon` (L2 over each sentence) along that
  /// loss's gradient, and the loss of the pushed reading is back-propagated too. Returns
  /// the two losses.
  public func backwardWithAdversary(
    _ input: Input, gold: [[Int]], allowed: [[UInt64]]? = nil, head: Int = 0, epsilon: Float,
    rng: inout SeededGenerator
  ) -> (clean: Float, adversarial: Float) {
    let (batch, ids, rest) = read(input)
    return RecurNN.backwardWithAdversary(
      inputs: joined(ids: ids, rest: rest), batch: batch, epsilon: epsilon, rng: &rng
    ) { input, rng in
      let encoded = self.encode(joined: input, batch: batch, training: true, rng: &rng)
      return self.loss(
        self.scores(encoded, head: head, training: true, rng: &rng), batch: batch, gold: gold, allowed: allowed,
        classWeights: nil, head: head)
    }
  }

  /// The best tags of each sequence and each tag's probability.
  public func decode(_ input: Input) -> [(tags: [Int], confidence: [Float])] {
    withoutGradients { decodeWithoutGradients(input) }
  }

  private func decodeWithoutGradients(_ input: Input) -> [(tags: [Int], confidence: [Float])] {
    var unused = SeededGenerator(seed: 0)
    let (scores, batch) = emissions(input, rng: &unused)
    if let crf { return crf.decode(scores.value, batch: batch) }
    let probabilities = softmax(scores.value)
    let tags = scores.columns
    return (0..<batch.size).map { index in
      let rows = (0..<batch.lengths[index]).map { step -> [Float] in
        let row = step * batch.size + index
        return Array(probabilities.data[(row * tags)..<((row + 1) * tags)])
      }
      let path = viterbi(emissions: rows.map { $0.map { logf(max($0, 1e-30)) } }, constraints: constraints)
      return (path, path.enumerated().map { rows[$0.offset][$0.element] })
    }
  }

  public func parameters() -> [Parameter] {
    var all = embedding.parameters().prefixed("embedding")
    if let characterEncoder { all += characterEncoder.parameters().prefixed("characters") }
    all += encoder.parameters().prefixed("encoder") + output.parameters().prefixed("output")
    if let crf { all += crf.parameters().prefixed("crf") }
    for (index, head) in extraHeads.enumerated() {
      all += head.output.parameters().prefixed("head\(index + 1).output")
      if let crf = head.crf { all += crf.parameters().prefixed("head\(index + 1).crf") }
    }
    return all
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
