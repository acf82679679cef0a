import RecurNN
import XCTest

/// Compares every backward pass with central finite differences on a sample of each
/// parameter's entries.
func assertGradientsMatch(
  _ parameters: [Parameter], samples: Int = 10, epsilon: Float = 1e-2, tolerance: Float = 2e-2,
  file: StaticString = #filePath, line: UInt = #line, loss: () -> Variable
) {
  for parameter in parameters { parameter.variable.zeroGradient() }
  let value = loss()
  value.backward()
  var checked = 0
  for parameter in parameters where parameter.variable.requiresGradient {
    let variable = parameter.variable
    let analytic = variable.gradient ?? [Float](repeating: 0, count: variable.value.count)
    let count = variable.value.count
    let stride = max(1, count / samples)
    for index in Swift.stride(from: (count / 2) % stride, to: count, by: stride).prefix(samples) {
      let original = variable.value.data[index]
      variable.value.data[index] = original + epsilon
      let plus = loss().value.data[0]
      variable.value.data[index] = original - epsilon
      let minus = loss().value.data[0]
      variable.value.data[index] = original
      let numeric = (plus - minus) / (2 * epsilon)
      let scale = max(abs(numeric), abs(analytic[index]), 1e-1)
      XCTAssertLessThanOrEqual(
        abs(numeric - analytic[index]), tolerance * scale,
        "\(parameter.key)[\(index)]: analytic \(analytic[index]) numeric \(numeric)", file: file, line: line)
      checked += 1
    }
  }
  XCTAssertGreaterThan(checked, 0, "no parameter was checked", file: file, line: line)
  for parameter in parameters { parameter.variable.zeroGradient() }
}

func randomTensor(_ shape: [Int], _ rng: inout SeededGenerator, scale: Float = 1) -> Tensor {
  Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-scale, scale) })
}

func trainable(_ shape: [Int], _ rng: inout SeededGenerator, scale: Float = 1) -> Variable {
  Variable(randomTensor(shape, &rng, scale: scale), requiresGradient: true)
}
