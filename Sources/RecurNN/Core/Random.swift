/// A seeded generator (SplitMix64): the same seed gives the same numbers on every
/// machine, which keeps initialisation, shuffling and dropout reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  public mutating func nextUnit() -> Float {
    Float(next() >> 40) / Float(1 << 24)
  }

  public mutating func uniform(_ low: Float, _ high: Float) -> Float {
    low + (high - low) * nextUnit()
  }

  /// A standard normal draw (Box–Muller).
  public mutating func normal() -> Float {
    let u1 = max(nextUnit(), 1e-7)
    let u2 = nextUnit()
    return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
  }

  /// A seeded Fisher–Yates shuffle.
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for index in stride(from: array.count - 1, to: 0, by: -1) {
      let other = Int(next() % UInt64(index + 1))
      array.swapAt(index, other)
    }
  }
}

/// Parameter initialisers.
public enum Initializer {
  /// Uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot), for input and output weights.
  public static func glorot(_ shape: [Int], rng: inout SeededGenerator) -> Tensor {
    let fanIn = shape.count > 1 ? shape[0] : 1
    let fanOut = shape.count > 1 ? shape[1] : shape[0]
    let limit = (6 / Float(fanIn + fanOut)).squareRoot()
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-limit, limit) })
  }

  /// Uniform in ±1/sqrt(hidden), as the usual recurrent-cell initialisation.
  public static func recurrent(_ shape: [Int], hidden: Int, rng: inout SeededGenerator) -> Tensor {
    let limit = 1 / Float(hidden).squareRoot()
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-limit, limit) })
  }

  public static func normal(_ shape: [Int], std: Float, rng: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.normal() * std })
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
