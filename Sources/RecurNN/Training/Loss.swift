#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Row-wise softmax of a `[rows, classes]` tensor (no gradient: for predictions).
public func softmax(_ logits: Tensor) -> Tensor {
  let classes = logits.columns
  var out = logits.data
  for row in 0..<logits.rows {
    let base = row * classes
    var largest = -Float.infinity
    for column in 0..<classes { largest = max(largest, out[base + column]) }
    var total: Float = 0
    for column in 0..<classes {
      out[base + column] = expf(out[base + column] - largest)
      total += out[base + column]
    }
    for column in 0..<classes { out[base + column] /= total }
  }
  return Tensor(shape: logits.shape, data: out)
}

/// Mean softmax cross-entropy over the rows of `logits` (`[rows, classes]`).
///
/// - targets: the class of each row; −1 marks a row that does not count (padding).
/// - classWeights: per-class weights (for imbalanced data); nil means all 1.
/// - rowWeights: per-row weights, multiplying the class weight (how much each example
///   counts); nil means all 1.
/// The mean is over the total weight of the counted rows, so padding never changes it.
public func softmaxCrossEntropy(
  _ logits: Variable, targets: [Int], classWeights: [Float]? = nil, rowWeights givenRowWeights: [Float]? = nil
) -> Variable {
  let classes = logits.columns
  precondition(targets.count == logits.rows, "softmaxCrossEntropy: \(targets.count) targets for \(logits.shape)")
  precondition(givenRowWeights.map { $0.count == targets.count } ?? true, "softmaxCrossEntropy: row weights")
  let probabilities = softmax(logits.value)
  var loss: Float = 0
  var totalWeight: Float = 0
  var rowWeights = [Float](repeating: 0, count: targets.count)
  for (row, target) in targets.enumerated() where target >= 0 {
    precondition(target < classes, "softmaxCrossEntropy: class \(target) of \(classes)")
    let weight = (classWeights?[target] ?? 1) * (givenRowWeights?[row] ?? 1)
    rowWeights[row] = weight
    totalWeight += weight
    loss -= weight * logf(max(probabilities.data[row * classes + target], 1e-30))
  }
  let denominator = max(totalWeight, 1e-12)
  return Variable(Tensor(shape: [1, 1], data: [loss / denominator]), inputs: [logits]) { result in
    let scale = result.gradient![0] / denominator
    var delta = [Float](repeating: 0, count: logits.value.count)
    for (row, target) in targets.enumerated() where target >= 0 {
      let weight = rowWeights[row] * scale
      for column in 0..<classes {
        delta[row * classes + column] = weight * probabilities.data[row * classes + column]
      }
      delta[row * classes + target] -= weight
    }
    logits.accumulate(delta)
  }
}

/// Mean softmax cross-entropy of `logits` (`[rows, classes]`) against target distributions
/// `targets` (`rows × classes` values, each row summing to 1): −Σ q·log p per row. With a
/// one-hot row it is `softmaxCrossEntropy`; with a teacher's probabilities mixed in, the
/// loss of knowledge distillation. The gradient of a row is p − q.
public func softTargetCrossEntropy(_ logits: Variable, targets: [Float]) -> Variable {
  let classes = logits.columns
  let rows = logits.rows
  precondition(targets.count == rows * classes, "softTargetCrossEntropy: \(targets.count) targets for \(logits.shape)")
  let probabilities = softmax(logits.value)
  var loss: Float = 0
  for index in 0..<(rows * classes) where targets[index] > 0 {
    loss -= targets[index] * logf(max(probabilities.data[index], 1e-30))
  }
  let denominator = Float(max(rows, 1))
  return Variable(Tensor(shape: [1, 1], data: [loss / denominator]), inputs: [logits]) { result in
    let scale = result.gradient![0] / denominator
    var delta = [Float](repeating: 0, count: rows * classes)
    for index in 0..<(rows * classes) { delta[index] = scale * (probabilities.data[index] - targets[index]) }
    logits.accumulate(delta)
  }
}
