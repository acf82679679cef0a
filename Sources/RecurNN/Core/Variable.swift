import Foundation

/// A value in a computation, with its gradient once `backward()` has run.
///
/// Operations on variables that need gradients record how to send a gradient back to
/// their inputs; operations on constants record nothing, so inference keeps no graph.
/// Parameters are variables created with `requiresGradient: true`; their gradients
/// accumulate across `backward()` calls until an optimizer clears them.
public final class Variable {
  public var value: Tensor {
    didSet { version = VersionCounter.next() }
  }
  /// Changes whenever `value` does (a number never given to another value), so a cache of
  /// results computed from the value can tell it is stale.
  public private(set) var version = VersionCounter.next()
  /// Same count as `value`; nil until a gradient arrives.
  public var gradient: [Float]?
  public let requiresGradient: Bool
  let inputs: [Variable]
  let backwardFunction: ((Variable) -> Void)?

  public init(_ value: Tensor, requiresGradient: Bool = false) {
    self.value = value
    self.requiresGradient = requiresGradient
    self.inputs = []
    self.backwardFunction = nil
  }

  /// An operation's result. When no input needs a gradient the backward function is dropped.
  init(_ value: Tensor, inputs: [Variable], backward: @escaping (Variable) -> Void) {
    self.value = value
    let needs = GradientMode.isEnabled && inputs.contains { $0.requiresGradient }
    self.requiresGradient = needs
    self.inputs = needs ? inputs : []
    self.backwardFunction = needs ? backward : nil
  }

  public var shape: [Int] { value.shape }
  public var rows: Int { value.rows }
  public var columns: Int { value.columns }

  /// Adds `delta` to the gradient, creating it when absent.
  func accumulate(_ delta: [Float]) {
    if gradient == nil {
      gradient = delta
      return
    }
    gradient!.withUnsafeMutableBufferPointer { target in
      delta.withUnsafeBufferPointer { source in
        for index in 0..<target.count { target[index] += source[index] }
      }
    }
  }

  /// Adds `delta` into the gradient through a closure over its storage (sparse updates).
  func accumulate(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
    if gradient == nil {
      if var spare = spareGradient, spare.count == value.count {
        spareGradient = nil
        spare.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        gradient = spare
      } else {
        gradient = [Float](repeating: 0, count: value.count)
      }
    }
    gradient!.withUnsafeMutableBufferPointer { body($0) }
  }

  /// A cleared gradient's storage, reused by the next one: a parameter's gradient is
  /// as large as the parameter (a word table's is megabytes) and comes back every step.
  private var spareGradient: [Float]?

  /// Clears the gradient (no gradient until the next backward pass), keeping its storage.
  public func zeroGradient() {
    if let gradient { spareGradient = gradient }
    gradient = nil
  }

  /// Back-propagates from this scalar: its gradient is set to `seed` and every
  /// variable it depends on receives its share.
  public func backward(seed: Float = 1) {
    var order: [Variable] = []
    var visited = Set<ObjectIdentifier>()
    // Iterative post-order walk: long sequences make deep graphs.
    var stack: [(Variable, Bool)] = [(self, false)]
    while let (node, expanded) = stack.popLast() {
      if expanded {
        order.append(node)
        continue
      }
      guard node.backwardFunction != nil, visited.insert(ObjectIdentifier(node)).inserted else { continue }
      stack.append((node, true))
      for input in node.inputs where input.backwardFunction != nil {
        stack.append((input, false))
      }
    }
    accumulate([Float](repeating: seed, count: value.count))
    for node in order.reversed() {
      guard node.gradient != nil, let backward = node.backwardFunction else { continue }
      backward(node)
      // Intermediate gradients are no longer needed once passed on.
      if node !== self { node.gradient = nil }
    }
  }
}

/// A trainable tensor under a stable key (the key written to the model file).
public struct Parameter {
  public var key: String
  public var variable: Variable
  public init(_ key: String, _ variable: Variable) {
    self.key = key
    self.variable = variable
  }
}

/// Version numbers for `Variable`, unique in the process.
enum VersionCounter {
  nonisolated(unsafe) private static var last: UInt64 = 0
  private static let lock = NSLock()

  static func next() -> UInt64 {
    lock.lock()
    defer { lock.unlock() }
    last += 1
    return last
  }
}
