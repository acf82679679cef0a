import CRecurKernels
import Foundation

/// What every layer shares: its trainable parameters under stable keys, relative to
/// the layer. A composite layer prefixes its children's keys (`encoder.forward.W_x`).
public protocol Layer: AnyObject {
  func parameters() -> [Parameter]
}

extension Array where Element == Parameter {
  /// The same parameters with `prefix.` before each key.
  public func prefixed(_ prefix: String) -> [Parameter] {
    map { Parameter(prefix + "." + $0.key, $0.variable) }
  }
}

/// The rows of a padded batch of sequences, time-major: row `t × batch + i` is step `t`
/// of sequence `i`. Steps past a sequence's length are padding.
public struct SequenceBatch: Sendable, Equatable {
  public let lengths: [Int]
  public let steps: Int

  public init(lengths: [Int]) {
    self.lengths = lengths
    self.steps = lengths.max() ?? 0
  }

  public var size: Int { lengths.count }
  public var rows: Int { steps * size }

  /// 1 for sequences that have step `t`, 0 for padding.
  public func mask(at step: Int) -> [Float] {
    lengths.map { step < $0 ? 1 : 0 }
  }

  /// Lays out per-sequence values time-major, `pad` where a sequence has ended.
  public func timeMajor<T>(_ sequences: [[T]], pad: T) -> [T] {
    var out = [T](repeating: pad, count: rows)
    for (index, sequence) in sequences.enumerated() {
      for (step, value) in sequence.enumerated() where step < steps { out[step * size + index] = value }
    }
    return out
  }

  /// Per-token feature vectors (`width` each, per sequence) as a time-major constant
  /// `[rows, width]`; zeros for padding, and for every token when `features` is nil.
  public func featureRows(_ features: [[[Float]]]?, width: Int) -> Variable {
    var data = [Float](repeating: 0, count: rows * width)
    for (index, sequence) in (features ?? []).enumerated() where index < size {
      for (step, values) in sequence.enumerated() where step < steps {
        precondition(values.count == width, "a token has \(values.count) features, not \(width)")
        let start = (step * size + index) * width
        data.replaceSubrange(start..<(start + width), with: values)
      }
    }
    return constant(Tensor(shape: [rows, width], data: data))
  }
}

/// Sums a time-major `[time × batch, width]` over time → `[batch, width]`.
public func sumOverTime(_ x: Variable, batch: SequenceBatch) -> Variable {
  let width = x.columns
  let size = batch.size
  var out = [Float](repeating: 0, count: size * width)
  for step in 0..<batch.steps {
    for row in 0..<size {
      for column in 0..<width { out[row * width + column] += x.value.data[(step * size + row) * width + column] }
    }
  }
  return Variable(Tensor(shape: [size, width], data: out), inputs: [x]) { result in
    let grad = result.gradient!
    var delta = [Float](repeating: 0, count: x.value.count)
    for step in 0..<batch.steps {
      for index in 0..<(size * width) { delta[step * size * width + index] = grad[index] }
    }
    x.accumulate(delta)
  }
}

/// Attention weights over each sequence's real steps: a softmax of the time-major
/// `scores` (one a row) per sequence; padding rows weigh 0.
public func attentionWeights(_ scores: [Float], batch: SequenceBatch) -> [Float] {
  var weights = [Float](repeating: 0, count: batch.rows)
  for (sequence, length) in batch.lengths.enumerated() where length > 0 {
    let steps = min(length, batch.steps)
    var largest = -Float.infinity
    for step in 0..<steps { largest = max(largest, scores[step * batch.size + sequence]) }
    var total: Float = 0
    for step in 0..<steps {
      let row = step * batch.size + sequence
      weights[row] = expf(scores[row] - largest)
      total += weights[row]
    }
    for step in 0..<steps { weights[step * batch.size + sequence] /= total }
  }
  return weights
}

/// Attention pooling: each sequence's rows of the time-major `x` `[time × batch, width]`
/// summed with the softmax of its `scores` (`[time × batch, 1]`) over its real steps →
/// `[batch, width]`; gradients to both. An empty sequence gives zeros.
public func attentionOverTime(_ x: Variable, scores: Variable, batch: SequenceBatch) -> Variable {
  precondition(scores.rows == x.rows && scores.columns == 1, "attentionOverTime: scores \(scores.shape), x \(x.shape)")
  let width = x.columns
  let size = batch.size
  let weights = attentionWeights(scores.value.data, batch: batch)
  var out = [Float](repeating: 0, count: size * width)
  for step in 0..<batch.steps {
    for sequence in 0..<size where weights[step * size + sequence] != 0 {
      let row = step * size + sequence
      for column in 0..<width { out[sequence * width + column] += weights[row] * x.value.data[row * width + column] }
    }
  }
  return Variable(Tensor(shape: [size, width], data: out), inputs: [x, scores]) { result in
    let grad = result.gradient!
    var inputDelta = [Float](repeating: 0, count: x.value.count)
    // d/dweight of each row: the pooled gradient · the row; then through the softmax.
    var weightDelta = [Float](repeating: 0, count: batch.rows)
    for row in 0..<batch.rows where weights[row] != 0 {
      let sequence = row % size
      var dot: Float = 0
      for column in 0..<width {
        inputDelta[row * width + column] = weights[row] * grad[sequence * width + column]
        dot += grad[sequence * width + column] * x.value.data[row * width + column]
      }
      weightDelta[row] = dot
    }
    var expected = [Float](repeating: 0, count: size)
    for row in 0..<batch.rows { expected[row % size] += weights[row] * weightDelta[row] }
    var scoreDelta = [Float](repeating: 0, count: batch.rows)
    for row in 0..<batch.rows where weights[row] != 0 {
      scoreDelta[row] = weights[row] * (weightDelta[row] - expected[row % size])
    }
    if x.requiresGradient { x.accumulate(inputDelta) }
    if scores.requiresGradient { scores.accumulate(scoreDelta) }
  }
}

/// The largest value of each column over each sequence's real steps: time-major
/// `[time × batch, width]` → `[batch, width]`. The gradient goes to the step that held
/// the maximum; an empty sequence gives zeros.
public func maxOverTime(_ x: Variable, batch: SequenceBatch) -> Variable {
  let width = x.columns
  let size = batch.size
  var out = [Float](repeating: 0, count: size * width)
  guard GradientMode.isEnabled && x.requiresGradient else {
    // Without gradients nothing needs to know which step won: a vector maximum per row.
    x.value.data.withUnsafeBufferPointer { values in
      out.withUnsafeMutableBufferPointer { best in
        for (sequence, length) in batch.lengths.enumerated() where length > 0 {
          let target = best.baseAddress! + sequence * width
          target.update(from: values.baseAddress! + sequence * width, count: width)
          for step in 1..<max(1, min(length, batch.steps)) {
            CRecurKernels_maxInto(width, values.baseAddress! + (step * size + sequence) * width, target)
          }
        }
      }
    }
    return Variable(Tensor(shape: [size, width], data: out))
  }
  // Row by row over the steps (contiguous reads); the first step holding the maximum
  // wins, as a strict `>` keeps it.
  var winners = [Int](repeating: -1, count: size * width)
  x.value.data.withUnsafeBufferPointer { values in
    out.withUnsafeMutableBufferPointer { best in
      winners.withUnsafeMutableBufferPointer { winner in
        for (sequence, length) in batch.lengths.enumerated() where length > 0 {
          let base = sequence * width
          for column in 0..<width { best[base + column] = -Float.infinity }
          for step in 0..<min(length, batch.steps) {
            let row = step * size + sequence
            let source = values.baseAddress! + row * width
            for column in 0..<width where source[column] > best[base + column] {
              best[base + column] = source[column]
              winner[base + column] = row
            }
          }
        }
      }
    }
  }
  return Variable(Tensor(shape: [size, width], data: out), inputs: [x]) { result in
    let grad = result.gradient!
    x.accumulate { target in
      for index in 0..<(size * width) where winners[index] >= 0 {
        target[winners[index] * width + index % width] += grad[index]
      }
    }
  }
}
