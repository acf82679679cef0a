/// A table of vectors, one row per vocabulary entry.
public final class Embedding: Layer {
  /// `[vocabulary, width]`.
  public let table: Variable
  public let trainable: Bool

  public init(vocabulary: Int, width: Int, trainable: Bool = true, rng: inout SeededGenerator) {
    self.table = Variable(Initializer.normal([vocabulary, width], std: 0.1, rng: &rng), requiresGradient: trainable)
    self.trainable = trainable
  }

  /// A table initialised from `vectors` (for example pretrained word vectors).
  public init(vectors: Tensor, trainable: Bool) {
    self.table = Variable(vectors, requiresGradient: trainable)
    self.trainable = trainable
  }

  public var vocabulary: Int { table.rows }
  public var width: Int { table.columns }

  /// Ids → `[ids.count, width]`; id −1 gives zeros.
  public func callAsFunction(_ ids: [Int]) -> Variable {
    gatherRows(table, ids)
  }

  public func parameters() -> [Parameter] {
    // A frozen table is still written to the model file; it just receives no updates.
    [Parameter("table", table)]
  }
}

/// `y = x · W + b`.
public final class Dense: Layer {
  /// `[input, output]`.
  public let weight: Variable
  /// `[output]`.
  public let bias: Variable

  public init(input: Int, output: Int, rng: inout SeededGenerator) {
    weight = Variable(Initializer.glorot([input, output], rng: &rng), requiresGradient: true)
    bias = Variable(Tensor(zeros: [output]), requiresGradient: true)
  }

  /// `[rows, input]` → `[rows, output]`.
  public func callAsFunction(_ x: Variable) -> Variable {
    affine(x, weight, bias)
  }

  public func parameters() -> [Parameter] {
    [Parameter("W", weight), Parameter("b", bias)]
  }
}

/// Inverted dropout: during training each value is zeroed with probability `rate` and
/// the rest scaled by 1/(1 − rate); at inference it passes values through.
public struct Dropout: Sendable {
  public var rate: Float

  public init(rate: Float) { self.rate = rate }

  public func callAsFunction(_ x: Variable, training: Bool, rng: inout SeededGenerator) -> Variable {
    guard training, rate > 0 else { return x }
    let keep = 1 - rate
    let mask = (0..<x.value.count).map { _ in rng.nextUnit() < keep ? 1 / keep : 0 }
    return multiply(x, constant: mask)
  }
}
