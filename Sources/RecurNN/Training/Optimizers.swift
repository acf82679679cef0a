import CRecurKernels

/// Updates parameters from their gradients, then clears the gradients.
public protocol Optimizer: AnyObject {
  var learningRate: Float { get set }
  func update(_ parameters: [Parameter])
}

/// Stochastic gradient descent with momentum: `v = μ v + g`, `w -= lr · v`.
public final class SGD: Optimizer {
  public var learningRate: Float
  public let momentum: Float
  private var velocity: [ObjectIdentifier: [Float]] = [:]

  public init(learningRate: Float, momentum: Float = 0.9) {
    self.learningRate = learningRate
    self.momentum = momentum
  }

  public func update(_ parameters: [Parameter]) {
    for parameter in parameters {
      let variable = parameter.variable
      guard variable.requiresGradient, let gradient = variable.gradient else { continue }
      let key = ObjectIdentifier(variable)
      var moving = velocity[key] ?? [Float](repeating: 0, count: gradient.count)
      for index in 0..<gradient.count {
        moving[index] = momentum * moving[index] + gradient[index]
        variable.value.data[index] -= learningRate * moving[index]
      }
      velocity[key] = moving
      variable.zeroGradient()
    }
  }
}

/// Adam (Kingma & Ba 2015); with `decoupledWeightDecay` it is AdamW (Loshchilov &
/// Hutter 2019): the decay shrinks weights directly instead of joining the gradient.
public final class Adam: Optimizer {
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  public let decoupledWeightDecay: Float
  private var moments: [ObjectIdentifier: (first: [Float], second: [Float])] = [:]
  private var stepCount = 0

  public init(
    learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
    decoupledWeightDecay: Float = 0
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.decoupledWeightDecay = decoupledWeightDecay
  }

  /// AdamW with the usual decay of 0.01.
  public static func adamW(learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
    Adam(learningRate: learningRate, decoupledWeightDecay: weightDecay)
  }

  public func update(_ parameters: [Parameter]) {
    stepCount += 1
    let correction1 = 1 - powf(beta1, Float(stepCount))
    let correction2 = 1 - powf(beta2, Float(stepCount))
    let rate = learningRate * correction2.squareRoot() / correction1
    for parameter in parameters {
      let variable = parameter.variable
      guard variable.requiresGradient, let gradient = variable.gradient else { continue }
      let key = ObjectIdentifier(variable)
      // Taken out of the table while updated, so the arrays are not copied.
      var (first, second) =
        moments.removeValue(forKey: key) ?? (
          [Float](repeating: 0, count: gradient.count), [Float](repeating: 0, count: gradient.count)
        )
      let decay = decoupledWeightDecay != 0 ? 1 - learningRate * decoupledWeightDecay : 1
      variable.value.data.withUnsafeMutableBufferPointer { weights in
        gradient.withUnsafeBufferPointer { g in
          first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
              CRecurKernels_adam(
                weights.count, weights.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!, beta1, beta2, rate,
                epsilon, decay)
            }
          }
        }
      }
      moments[key] = (first, second)
      variable.zeroGradient()
    }
  }
}

/// Scales all gradients down together when their global L2 norm exceeds `maxNorm`.
/// Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
  var total: Float = 0
  for parameter in parameters {
    guard let gradient = parameter.variable.gradient else { continue }
    for value in gradient { total += value * value }
  }
  let norm = total.squareRoot()
  guard norm > maxNorm, norm > 0 else { return norm }
  let scale = maxNorm / norm
  for parameter in parameters where parameter.variable.gradient != nil {
    parameter.variable.accumulate { target in
      for index in 0..<target.count { target[index] *= scale }
    }
  }
  return norm
}

/// Learning rate as a function of the epoch.
public enum LearningRateSchedule: Sendable, Equatable {
  case constant
  /// Multiplied by `factor` every `every` epochs.
  case stepDecay(every: Int, factor: Float)
  /// `base / (1 + decay × epoch)`.
  case inverseTime(decay: Float)
  /// Linear from the base rate to zero over `epochs`.
  case linear(epochs: Int)

  public func rate(base: Float, epoch: Int) -> Float {
    switch self {
    case .constant: base
    case .stepDecay(let every, let factor): base * powf(factor, Float(epoch / max(1, every)))
    case .inverseTime(let decay): base / (1 + decay * Float(epoch))
    case .linear(let epochs): base * max(0, 1 - Float(epoch) / Float(max(1, epochs)))
    }
  }
}

/// Stops training when the dev metric has not improved for `patience` evaluations, and
/// keeps a copy of the best parameters to restore.
public struct EarlyStopping {
  public let patience: Int
  public private(set) var best: Double = -.infinity
  public private(set) var bestEpoch = -1
  public private(set) var sinceBest = 0
  private var snapshot: [[Float]] = []

  public init(patience: Int) { self.patience = patience }

  /// Records a metric (higher is better). Returns false when training should stop.
  public mutating func observe(_ metric: Double, epoch: Int, parameters: [Parameter]) -> Bool {
    if metric > best {
      best = metric
      bestEpoch = epoch
      sinceBest = 0
      snapshot = parameters.map(\.variable.value.data)
    } else {
      sinceBest += 1
    }
    return sinceBest < patience
  }

  /// Puts the best parameters seen back.
  public func restoreBest(_ parameters: [Parameter]) {
    guard snapshot.count == parameters.count else { return }
    for (parameter, values) in zip(parameters, snapshot) { parameter.variable.value.data = values }
  }
}

/// An exponential moving average of parameters over training steps (Polyak averaging):
/// `average = d · average + (1 − d) · value` after each step, where `d` is `decay` — or,
/// with `warmUp`, `(1 + n) / (10 + n)` after `n` steps while that is smaller, so a short run
/// averages its own steps rather than keeping its random start. `swap` exchanges the
/// averages and the live values, to check or save the averaged model and go back.
public struct WeightAverage {
  public let decay: Float
  public let warmUp: Bool
  private var values: [[Float]]
  private var updates = 0

  public init(_ parameters: [Parameter], decay: Float, warmUp: Bool = false) {
    self.decay = decay
    self.warmUp = warmUp
    values = parameters.map(\.variable.value.data)
  }

  public mutating func update(_ parameters: [Parameter]) {
    let keep = warmUp ? min(decay, Float(1 + updates) / Float(10 + updates)) : decay
    let take = 1 - keep
    updates += 1
    for (index, parameter) in parameters.enumerated() {
      parameter.variable.value.data.withUnsafeBufferPointer { live in
        values[index].withUnsafeMutableBufferPointer { average in
          for position in 0..<average.count { average[position] = keep * average[position] + take * live[position] }
        }
      }
    }
  }

  public mutating func swap(_ parameters: [Parameter]) {
    for (index, parameter) in parameters.enumerated() { Swift.swap(&values[index], &parameter.variable.value.data) }
  }
}

/// One epoch's rows of weighted sources: each source's rows `weight` times — whole copies,
/// then a fresh random share of them for the fraction (0.25: a quarter, drawn anew each epoch).
public func weightedRows(_ sources: [(range: Range<Int>, weight: Double)], rng: inout SeededGenerator) -> [Int] {
  var rows: [Int] = []
  for source in sources {
    let whole = Int(source.weight.rounded(.down))
    for _ in 0..<whole { rows += source.range }
    let share = Int(((source.weight - Double(whole)) * Double(source.range.count)).rounded())
    if share > 0 {
      var order = Array(source.range)
      rng.shuffle(&order)
      rows += order.prefix(share)
    }
  }
  return rows
}

/// Mini-batches of similar lengths, so little of each batch is padding. Indices are
/// shuffled by the seed, sorted by length within pools of `50 × batchSize`, cut into
/// batches, and the batches shuffled.
public func lengthBucketedBatches(lengths: [Int], batchSize: Int, rng: inout SeededGenerator) -> [[Int]] {
  var indices = Array(lengths.indices)
  rng.shuffle(&indices)
  let pool = max(1, batchSize) * 50
  var batches: [[Int]] = []
  var start = 0
  while start < indices.count {
    let chunk = indices[start..<min(start + pool, indices.count)].sorted { lengths[$0] < lengths[$1] }
    var offset = 0
    while offset < chunk.count {
      batches.append(Array(chunk[offset..<min(offset + batchSize, chunk.count)]))
      offset += batchSize
    }
    start += pool
  }
  rng.shuffle(&batches)
  return batches
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
