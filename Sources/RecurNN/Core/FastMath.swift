/// Vectorisable tanh and logistic functions. glibc's `tanhf` costs about 20 ns a call
/// and does not vectorise, which made it the largest cost of a recurrent step.
///
/// The tanh is the rational (13/6) minimax approximation Eigen publishes for float
/// (`generic_fast_tanh_float`); its relative error is within a few float ulps over the
/// clamped range, and beyond ±7.9 tanh rounds to ±1 in float anyway.
@inline(__always)
public func fastTanh(_ value: Float) -> Float {
  let x = min(max(value, -7.905_311_107_635_498), 7.905_311_107_635_498)
  let x2 = x * x
  var p: Float = -2.760_768_477_423_55e-16
  p = x2 * p + 2.000_187_904_824_77e-13
  p = x2 * p + -8.604_671_522_137_35e-11
  p = x2 * p + 5.122_297_090_371_14e-08
  p = x2 * p + 1.485_722_357_179_79e-05
  p = x2 * p + 6.372_619_288_754_36e-04
  p = x2 * p + 4.893_524_558_917_86e-03
  p = x * p
  var q: Float = 1.198_258_394_667_02e-06
  q = x2 * q + 1.185_347_056_866_54e-04
  q = x2 * q + 2.268_434_632_439_00e-03
  q = x2 * q + 4.893_525_185_543_85e-03
  return p / q
}

/// `1 / (1 + e^(−x))`, as `(1 + tanh(x / 2)) / 2`.
@inline(__always)
public func fastSigmoid(_ value: Float) -> Float {
  0.5 + 0.5 * fastTanh(0.5 * value)
}

/// Whether operations record how to back-propagate. Off inside `withoutGradients`,
/// where inference builds no graph even through trainable parameters.
public enum GradientMode {
  @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients (inference).
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
  try GradientMode.$isEnabled.withValue(false) { try body() }
}

/// `fastTanh` on eight lanes at once: the same operations in the same order as the scalar
/// function, so each lane's result is bit-for-bit the scalar one.
@inline(__always)
public func fastTanh(_ value: SIMD8<Float>) -> SIMD8<Float> {
  let limit = SIMD8<Float>(repeating: 7.905_311_107_635_498)
  // The scalar min(max(v, −limit), limit), lane by lane, written with masks (the generic
  // pointwiseMin/Max were not inlined).
  let raised = value.replacing(with: -limit, where: value .< -limit)
  let x = raised.replacing(with: limit, where: raised .> limit)
  let x2 = x * x
  var p = SIMD8<Float>(repeating: -2.760_768_477_423_55e-16)
  p = x2 * p + 2.000_187_904_824_77e-13
  p = x2 * p + -8.604_671_522_137_35e-11
  p = x2 * p + 5.122_297_090_371_14e-08
  p = x2 * p + 1.485_722_357_179_79e-05
  p = x2 * p + 6.372_619_288_754_36e-04
  p = x2 * p + 4.893_524_558_917_86e-03
  p = x * p
  var q = SIMD8<Float>(repeating: 1.198_258_394_667_02e-06)
  q = x2 * q + 1.185_347_056_866_54e-04
  q = x2 * q + 2.268_434_632_439_00e-03
  q = x2 * q + 4.893_525_185_543_85e-03
  return p / q
}

@inline(__always)
public func fastSigmoid(_ value: SIMD8<Float>) -> SIMD8<Float> {
  0.5 + 0.5 * fastTanh(0.5 * value)
}

/// Eight floats from `pointer + offset`.
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
  UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats at `pointer + offset`.
@inline(__always)
func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int) {
  UnsafeMutableRawPointer(pointer + offset).storeBytes(of: value, as: SIMD8<Float>.self)
}
