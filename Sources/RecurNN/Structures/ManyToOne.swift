/// N → 1: a sequence in, one output (a class) out — document or sentence sentiment.
///
/// Tokens → embedding → recurrent encoder (any cell, one or two directions, stacked) →
/// the final state, the mean or the maximum of the outputs → `Dense` → class logits.
public final class ManyToOne: Layer {
  public enum Pooling: String, Codable, Sendable {
    /// The final state (both directions' final states when bidirectional).
    case last
    /// The mean of the outputs over the sequence's real steps.
    case mean
    /// The largest value of each output over the sequence's real steps.
    case max
  }

  public let embedding: Embedding
  public let encoder: RecurrentEncoder
  public let output: Dense
  public let pooling: Pooling
  public var dropout: Dropout

  public init(
    embedding: Embedding, cell: CellKind, hidden: Int, classes: Int, layers: Int = 1, bidirectional: Bool = false,
    pooling: Pooling = .last, dropout: Float = 0, rng: inout SeededGenerator
  ) {
    self.embedding = embedding
    encoder = RecurrentEncoder(
      kind: cell, input: embedding.width, hidden: hidden, layers: layers, bidirectional: bidirectional, rng: &rng)
    output = Dense(input: encoder.outputSize, output: classes, rng: &rng)
    self.pooling = pooling
    self.dropout = Dropout(rate: dropout)
  }

  /// Token ids of each sequence → logits `[batch, classes]`. An empty sequence scores
  /// from the zero state.
  public func callAsFunction(_ sequences: [[Int]], training: Bool = false, rng: inout SeededGenerator) -> Variable {
    let batch = SequenceBatch(lengths: sequences.map(\.count))
    guard batch.steps > 0 else {
      return output(Variable(Tensor(zeros: [sequences.count, encoder.outputSize])))
    }
    let ids = batch.timeMajor(sequences, pad: -1)
    let encoded: (outputs: Variable, summary: Variable, finalState: [Variable])
    if training && dropout.rate > 0 {
      encoded = encoder(dropout(embedding(ids), training: training, rng: &rng), batch: batch)
    } else {
      encoded = encoder(ids: ids, table: embedding.table, batch: batch)
    }
    let pooled: Variable
    switch pooling {
    case .last:
      pooled = encoded.summary
    case .mean:
      var weights = [Float](repeating: 0, count: batch.rows)
      for step in 0..<batch.steps {
        for (index, length) in batch.lengths.enumerated() where step < length {
          weights[step * batch.size + index] = 1 / Float(length)
        }
      }
      pooled = sumOverTime(scaleRows(encoded.outputs, weights), batch: batch)
    case .max:
      pooled = maxOverTime(encoded.outputs, batch: batch)
    }
    return output(dropout(pooled, training: training, rng: &rng))
  }

  /// Class probabilities `[batch][classes]`, no gradient kept.
  public func probabilities(_ sequences: [[Int]]) -> [[Float]] {
    var unused = SeededGenerator(seed: 0)
    let probabilities = withoutGradients { softmax(self(sequences, rng: &unused).value) }
    return (0..<sequences.count).map {
      Array(probabilities.data[($0 * probabilities.columns)..<(($0 + 1) * probabilities.columns)])
    }
  }

  /// Mean cross-entropy of the batch against `labels`.
  public func loss(
    _ sequences: [[Int]], labels: [Int], classWeights: [Float]? = nil, rng: inout SeededGenerator
  ) -> Variable {
    softmaxCrossEntropy(self(sequences, training: true, rng: &rng), targets: labels, classWeights: classWeights)
  }

  public func parameters() -> [Parameter] {
    embedding.parameters().prefixed("embedding") + encoder.parameters().prefixed("encoder")
      + output.parameters().prefixed("output")
  }
}
