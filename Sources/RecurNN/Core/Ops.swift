import CRecurKernels
import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Differentiable operations on matrices. Each computes its value and, when an input
// needs a gradient, records how to pass the output's gradient back. Shapes are
// `[rows, columns]`; a sequence is time-major `[time × batch, features]`.

/// `C = op(A) · op(B) + beta · C` on raw buffers (row-major, contiguous), `beta` 0 or 1.
///
/// Every product runs on the engine's own kernels: their speed does not depend on the
/// CPU paths of a BLAS build, and each element is one sum over k in order whatever the
/// row count, the CPU (AVX2 or AVX-512) and the thread count, so a sequence gets the same
/// result alone or in a batch, and a training run the same weights on every such machine.
/// A transposed A (the gradients' `Xᵀ · dY`) is read in place, a transposed B (`dY · Wᵀ`)
/// copied in order first. Products of at least `parallelWork` multiply-adds are split by
/// rows over `setProductThreads`' threads.
func gemm(
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
  m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, beta: Float = 0
) {
  guard m > 0, n > 0 else { return }
  precondition(beta == 0 || beta == 1, "gemm: beta \(beta)")
  let product = Product(
    a: a, b: transposeB ? CRecurKernels_transposed(n, k, b)! : b, c: c, m: m, n: n, k: k,
    transposedA: transposeA, accumulate: beta == 1)
  let parts = min(productThreads, m / 8)
  guard parts > 1, m * n * k >= parallelWork else {
    product.rows(0..<m)
    return
  }
  // Row blocks of a multiple of six (the kernel's block height) per thread.
  let rowsPerPart = ((m + parts - 1) / parts + 5) / 6 * 6
  DispatchQueue.concurrentPerform(iterations: parts) { part in
    let start = part * rowsPerPart
    guard start < m else { return }
    product.rows(start..<min(m, start + rowsPerPart))
  }
}

/// One product's buffers and shape, shared by the threads of a split product: each writes
/// its own rows of `c` and only reads `a` and `b`.
private struct Product: @unchecked Sendable {
  let a: UnsafePointer<Float>
  let b: UnsafePointer<Float>
  let c: UnsafeMutablePointer<Float>
  let m: Int
  let n: Int
  let k: Int
  /// A is stored `[k, m]` and read in place.
  let transposedA: Bool
  let accumulate: Bool

  /// Rows `range` of C.
  func rows(_ range: Range<Int>) {
    let start = range.lowerBound
    if transposedA {
      CRecurKernels_gemmTransposedA(range.count, n, k, a + start, m, b, n, c + start * n, n, accumulate ? 1 : 0)
    } else {
      CRecurKernels_gemm(range.count, n, k, a + start * k, k, b, n, c + start * n, n, accumulate ? 1 : 0)
    }
  }
}

/// Products below this many multiply-adds stay on the calling thread.
let parallelWork = 1 << 22

nonisolated(unsafe) private var productThreads = 1

/// Sets how many threads the engine's large matrix products use (1 by default). The
/// results are the same at every count.
public func setProductThreads(_ count: Int) {
  productThreads = max(1, count)
}

/// `[m, k] · [k, n] → [m, n]`.
public func matmul(_ a: Variable, _ b: Variable) -> Variable {
  let m = a.rows
  let k = a.columns
  let n = b.columns
  precondition(b.rows == k, "matmul: [\(m), \(k)] by \(b.shape)")
  var out = [Float](repeating: 0, count: m * n)
  a.value.data.withUnsafeBufferPointer { pa in
    b.value.data.withUnsafeBufferPointer { pb in
      out.withUnsafeMutableBufferPointer { pc in
        gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k)
      }
    }
  }
  return Variable(Tensor(shape: [m, n], data: out), inputs: [a, b]) { result in
    accumulateProductGradients(result.gradient!, a, b)
  }
}

/// Gradients of `C = A · B` from `dC`: `dA += dC · Bᵀ`, `dB += Aᵀ · dC`.
private func accumulateProductGradients(_ grad: [Float], _ a: Variable, _ b: Variable) {
  let m = a.rows
  let k = a.columns
  let n = b.columns
  if a.requiresGradient {
    a.accumulate { target in
      grad.withUnsafeBufferPointer { pg in
        b.value.data.withUnsafeBufferPointer { pb in
          gemm(pg.baseAddress!, pb.baseAddress!, target.baseAddress!, m: m, n: k, k: n, transposeB: true, beta: 1)
        }
      }
    }
  }
  if b.requiresGradient {
    b.accumulate { target in
      a.value.data.withUnsafeBufferPointer { pa in
        grad.withUnsafeBufferPointer { pg in
          gemm(pa.baseAddress!, pg.baseAddress!, target.baseAddress!, m: k, n: n, k: m, transposeA: true, beta: 1)
        }
      }
    }
  }
}

/// `base + a · w`: the product accumulated onto a copy of `base` in one kernel call
/// (a recurrent step adds `h · W_h` to the precomputed input projection this way).
public func addProduct(_ base: Variable, _ a: Variable, _ w: Variable) -> Variable {
  let m = a.rows
  let k = a.columns
  let n = w.columns
  precondition(
    w.rows == k && base.rows == m && base.columns == n, "addProduct: \(base.shape) + \(a.shape) · \(w.shape)")
  var out = base.value.data
  a.value.data.withUnsafeBufferPointer { pa in
    w.value.data.withUnsafeBufferPointer { pw in
      out.withUnsafeMutableBufferPointer { po in
        gemm(pa.baseAddress!, pw.baseAddress!, po.baseAddress!, m: m, n: n, k: k, beta: 1)
      }
    }
  }
  return Variable(Tensor(shape: [m, n], data: out), inputs: [base, a, w]) { result in
    let grad = result.gradient!
    if base.requiresGradient { base.accumulate(grad) }
    accumulateProductGradients(grad, a, w)
  }
}

/// `[x₁ x₂ …] · weight + bias` for inference, with the column blocks `parts` never copied
/// side by side: each part multiplies its own rows of `weight`. No gradient is kept.
public func affine(parts: [Variable], _ weight: Variable, _ bias: Variable) -> Variable {
  Variable(Tensor(shape: [parts[0].rows, weight.columns], data: affineValues(parts, weight, bias)))
}

/// The bias rows with each part's product accumulated onto them, part by part.
func affineValues(_ parts: [Variable], _ weight: Variable, _ bias: Variable) -> [Float] {
  let count = parts[0].rows * weight.columns
  return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
    if count > 0 { affineRows(parts, weight, bias, rows: 0..<parts[0].rows, into: buffer.baseAddress!) }
    initialized = count
  }
}

/// `affineValues`' rows `rows` written to `out` (`rows.count × weight.columns` floats):
/// each the same bits as among all the rows.
func affineRows(
  _ parts: [Variable], _ weight: Variable, _ bias: Variable, rows: Range<Int>, into out: UnsafeMutablePointer<Float>
) {
  let n = weight.columns
  precondition(
    parts.allSatisfy { $0.rows == parts[0].rows } && rows.upperBound <= parts[0].rows
      && parts.reduce(0) { $0 + $1.columns } == weight.rows && bias.value.count == n,
    "affine: \(parts.map(\.shape)) · \(weight.shape) + \(bias.shape), rows \(rows)")
  let m = rows.count
  bias.value.data.withUnsafeBufferPointer { pb in
    for row in 0..<m { (out + row * n).update(from: pb.baseAddress!, count: n) }
  }
  guard m > 0 && n > 0 else { return }
  var offset = 0
  for part in parts {
    let k = part.columns
    part.value.data.withUnsafeBufferPointer { px in
      weight.value.data.withUnsafeBufferPointer { pw in
        gemm(px.baseAddress! + rows.lowerBound * k, pw.baseAddress! + offset * n, out, m: m, n: n, k: k, beta: 1)
      }
    }
    offset += k
  }
}

/// `x · W + b`: `[m, k] · [k, n] + [n]`, the product accumulated onto the bias rows.
public func affine(_ x: Variable, _ weight: Variable, _ bias: Variable) -> Variable {
  let m = x.rows
  let n = weight.columns
  let out = affineValues([x], weight, bias)
  return Variable(Tensor(shape: [m, n], data: out), inputs: [x, weight, bias]) { result in
    let grad = result.gradient!
    accumulateProductGradients(grad, x, weight)
    if bias.requiresGradient { accumulateColumnSums(grad, rows: m, into: bias) }
  }
}

/// Adds the column sums of `grad` (`[rows, n]`) into the gradient of the vector `target`.
func accumulateColumnSums(_ grad: [Float], rows: Int, into target: Variable) {
  let n = target.value.count
  target.accumulate { sums in
    grad.withUnsafeBufferPointer { pg in
      for row in 0..<rows { CRecurKernels_add(n, pg.baseAddress! + row * n, sums.baseAddress!) }
    }
  }
}

/// Adds the vector `b` (`[n]`) to every row of `a` (`[m, n]`).
public func addRow(_ a: Variable, _ b: Variable) -> Variable {
  let n = a.columns
  precondition(b.value.count == n, "addRow: \(a.shape) plus \(b.shape)")
  var out = a.value.data
  b.value.data.withUnsafeBufferPointer { pb in
    out.withUnsafeMutableBufferPointer { po in
      for row in 0..<a.rows {
        let base = row * n
        for column in 0..<n { po[base + column] += pb[column] }
      }
    }
  }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a, b]) { result in
    let grad = result.gradient!
    if a.requiresGradient { a.accumulate(grad) }
    if b.requiresGradient {
      b.accumulate { target in
        grad.withUnsafeBufferPointer { pg in
          for row in 0..<(grad.count / max(n, 1)) {
            for column in 0..<n { target[column] += pg[row * n + column] }
          }
        }
      }
    }
  }
}

/// Applies `f` elementwise; `derivative(x, y)` gives dy/dx from input and output.
func elementwise(
  _ a: Variable, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float
) -> Variable {
  let out = a.value.data.map(f)
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a]) { result in
    let grad = result.gradient!
    var delta = [Float](repeating: 0, count: grad.count)
    let input = a.value.data
    let output = result.value.data
    for index in 0..<grad.count { delta[index] = grad[index] * derivative(input[index], output[index]) }
    a.accumulate(delta)
  }
}

public func tanh(_ a: Variable) -> Variable {
  var out = a.value.data
  out.withUnsafeMutableBufferPointer { values in
    for index in 0..<values.count { values[index] = fastTanh(values[index]) }
  }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a]) { result in
    var delta = result.gradient!
    let y = result.value.data
    for index in 0..<delta.count { delta[index] *= 1 - y[index] * y[index] }
    a.accumulate(delta)
  }
}

public func sigmoid(_ a: Variable) -> Variable {
  var out = a.value.data
  out.withUnsafeMutableBufferPointer { values in
    for index in 0..<values.count { values[index] = fastSigmoid(values[index]) }
  }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a]) { result in
    var delta = result.gradient!
    let y = result.value.data
    for index in 0..<delta.count { delta[index] *= y[index] * (1 - y[index]) }
    a.accumulate(delta)
  }
}

public func relu(_ a: Variable) -> Variable {
  elementwise(a, { max(0, $0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
}

/// Elementwise `a + b`.
public func add(_ a: Variable, _ b: Variable) -> Variable {
  precondition(a.value.count == b.value.count, "add: \(a.shape) and \(b.shape)")
  var out = a.value.data
  for index in 0..<out.count { out[index] += b.value.data[index] }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a, b]) { result in
    if a.requiresGradient { a.accumulate(result.gradient!) }
    if b.requiresGradient { b.accumulate(result.gradient!) }
  }
}

/// Elementwise `a ⊙ b`.
public func multiply(_ a: Variable, _ b: Variable) -> Variable {
  precondition(a.value.count == b.value.count, "multiply: \(a.shape) and \(b.shape)")
  var out = a.value.data
  for index in 0..<out.count { out[index] *= b.value.data[index] }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a, b]) { result in
    let grad = result.gradient!
    if a.requiresGradient {
      var delta = grad
      for index in 0..<delta.count { delta[index] *= b.value.data[index] }
      a.accumulate(delta)
    }
    if b.requiresGradient {
      var delta = grad
      for index in 0..<delta.count { delta[index] *= a.value.data[index] }
      b.accumulate(delta)
    }
  }
}

/// `(1 − z) ⊙ n + z ⊙ h`: the GRU's interpolation, one op instead of four.
public func interpolate(_ z: Variable, _ n: Variable, _ h: Variable) -> Variable {
  let count = z.value.count
  var out = [Float](repeating: 0, count: count)
  for index in 0..<count {
    let gate = z.value.data[index]
    out[index] = (1 - gate) * n.value.data[index] + gate * h.value.data[index]
  }
  return Variable(Tensor(shape: z.shape, data: out), inputs: [z, n, h]) { result in
    let grad = result.gradient!
    if z.requiresGradient {
      var delta = grad
      for index in 0..<count { delta[index] *= h.value.data[index] - n.value.data[index] }
      z.accumulate(delta)
    }
    if n.requiresGradient {
      var delta = grad
      for index in 0..<count { delta[index] *= 1 - z.value.data[index] }
      n.accumulate(delta)
    }
    if h.requiresGradient {
      var delta = grad
      for index in 0..<count { delta[index] *= z.value.data[index] }
      h.accumulate(delta)
    }
  }
}

/// Row-wise choice by a constant mask: row r is `new` where `mask[r] == 1`, else `old`.
/// This is how padding leaves a recurrent state untouched.
public func blendRows(_ new: Variable, _ old: Variable, mask: [Float]) -> Variable {
  let columns = new.columns
  precondition(mask.count == new.rows && old.value.count == new.value.count, "blendRows: shapes")
  if mask.allSatisfy({ $0 == 1 }) { return new }
  var out = new.value.data
  for row in 0..<mask.count where mask[row] != 1 {
    let keep = mask[row]
    for column in 0..<columns {
      let index = row * columns + column
      out[index] = keep * new.value.data[index] + (1 - keep) * old.value.data[index]
    }
  }
  return Variable(Tensor(shape: new.shape, data: out), inputs: [new, old]) { result in
    let grad = result.gradient!
    if new.requiresGradient {
      var delta = grad
      for row in 0..<mask.count where mask[row] != 1 {
        for column in 0..<columns { delta[row * columns + column] *= mask[row] }
      }
      new.accumulate(delta)
    }
    if old.requiresGradient {
      var delta = grad
      for row in 0..<mask.count {
        for column in 0..<columns { delta[row * columns + column] *= 1 - mask[row] }
      }
      old.accumulate(delta)
    }
  }
}

/// Scales each row by a constant: row r times `scale[r]` (masks, dropout by row, pooling weights).
public func scaleRows(_ a: Variable, _ scale: [Float]) -> Variable {
  let columns = a.columns
  precondition(scale.count == a.rows, "scaleRows: \(scale.count) scales for \(a.shape)")
  var out = a.value.data
  for row in 0..<scale.count {
    for column in 0..<columns { out[row * columns + column] *= scale[row] }
  }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a]) { result in
    var delta = result.gradient!
    for row in 0..<scale.count {
      for column in 0..<columns { delta[row * columns + column] *= scale[row] }
    }
    a.accumulate(delta)
  }
}

/// Multiplies elementwise by a constant (a dropout mask).
public func multiply(_ a: Variable, constant: [Float]) -> Variable {
  precondition(constant.count == a.value.count)
  var out = a.value.data
  for index in 0..<out.count { out[index] *= constant[index] }
  return Variable(Tensor(shape: a.shape, data: out), inputs: [a]) { result in
    var delta = result.gradient!
    for index in 0..<delta.count { delta[index] *= constant[index] }
    a.accumulate(delta)
  }
}

/// Columns `[start, start + count)` of `a`.
public func sliceColumns(_ a: Variable, start: Int, count: Int) -> Variable {
  let columns = a.columns
  let rows = a.rows
  precondition(start >= 0 && start + count <= columns, "sliceColumns out of range")
  var out = [Float](repeating: 0, count: rows * count)
  a.value.data.withUnsafeBufferPointer { pa in
    for row in 0..<rows {
      for column in 0..<count { out[row * count + column] = pa[row * columns + start + column] }
    }
  }
  return Variable(Tensor(shape: [rows, count], data: out), inputs: [a]) { result in
    let grad = result.gradient!
    a.accumulate { target in
      for row in 0..<rows {
        for column in 0..<count { target[row * columns + start + column] += grad[row * count + column] }
      }
    }
  }
}

/// Rows `[start, start + count)` of `a` (one time step of a time-major sequence).
public func sliceRows(_ a: Variable, start: Int, count: Int) -> Variable {
  let columns = a.columns
  precondition(start >= 0 && start + count <= a.rows, "sliceRows out of range")
  let out = Array(a.value.data[(start * columns)..<((start + count) * columns)])
  return Variable(Tensor(shape: [count, columns], data: out), inputs: [a]) { result in
    let grad = result.gradient!
    a.accumulate { target in
      for index in 0..<grad.count { target[start * columns + index] += grad[index] }
    }
  }
}

/// Side by side: `[m, n1] | [m, n2] | … → [m, n1 + n2 + …]`.
public func concatColumns(_ parts: [Variable]) -> Variable {
  precondition(!parts.isEmpty)
  let rows = parts[0].rows
  let widths = parts.map(\.columns)
  let total = widths.reduce(0, +)
  let out = [Float](unsafeUninitializedCapacity: rows * total) { buffer, initialized in
    var offset = 0
    for (part, width) in zip(parts, widths) {
      precondition(part.rows == rows, "concatColumns: row counts differ")
      part.value.data.withUnsafeBufferPointer { source in
        for row in 0..<rows {
          (buffer.baseAddress! + row * total + offset).update(from: source.baseAddress! + row * width, count: width)
        }
      }
      offset += width
    }
    initialized = rows * total
  }
  return Variable(Tensor(shape: [rows, total], data: out), inputs: parts) { result in
    let grad = result.gradient!
    var offset = 0
    for (part, width) in zip(parts, widths) {
      if part.requiresGradient {
        part.accumulate { target in
          grad.withUnsafeBufferPointer { pg in
            for row in 0..<rows {
              CRecurKernels_add(width, pg.baseAddress! + row * total + offset, target.baseAddress! + row * width)
            }
          }
        }
      }
      offset += width
    }
  }
}

/// One above the other: `[m1, n]` over `[m2, n]` … → `[m1 + m2 + …, n]`.
public func concatRows(_ parts: [Variable]) -> Variable {
  precondition(!parts.isEmpty)
  let columns = parts[0].columns
  var out: [Float] = []
  out.reserveCapacity(parts.reduce(0) { $0 + $1.value.count })
  for part in parts {
    precondition(part.columns == columns || part.value.count == 0, "concatRows: column counts differ")
    out.append(contentsOf: part.value.data)
  }
  let rows = out.count / max(columns, 1)
  return Variable(Tensor(shape: [rows, columns], data: out), inputs: parts) { result in
    let grad = result.gradient!
    var offset = 0
    for part in parts {
      let count = part.value.count
      if part.requiresGradient { part.accumulate(Array(grad[offset..<(offset + count)])) }
      offset += count
    }
  }
}

/// Rows of `table` (`[vocabulary, width]`) picked by `indices` → `[indices.count, width]`.
/// Index −1 gives a zero row (padding).
public func gatherRows(_ table: Variable, _ indices: [Int]) -> Variable {
  let width = table.columns
  var out = [Float](repeating: 0, count: indices.count * width)
  table.value.data.withUnsafeBufferPointer { pt in
    for (row, index) in indices.enumerated() where index >= 0 {
      for column in 0..<width { out[row * width + column] = pt[index * width + column] }
    }
  }
  return Variable(Tensor(shape: [indices.count, width], data: out), inputs: [table]) { result in
    let grad = result.gradient!
    table.accumulate { target in
      for (row, index) in indices.enumerated() where index >= 0 {
        for column in 0..<width { target[index * width + column] += grad[row * width + column] }
      }
    }
  }
}

/// A constant (no gradient) matrix.
public func constant(_ tensor: Tensor) -> Variable {
  Variable(tensor)
}

/// Sum of all elements, as a `[1, 1]` scalar.
public func sum(_ a: Variable) -> Variable {
  let total = a.value.data.reduce(0, +)
  return Variable(Tensor(shape: [1, 1], data: [total]), inputs: [a]) { result in
    a.accumulate([Float](repeating: result.gradient![0], count: a.value.count))
  }
}
