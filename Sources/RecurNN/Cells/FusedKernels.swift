// Whole-cell kernels: one pass over the gate pre-activations instead of a chain of
// slices and elementwise operations, each with its hand-derived backward pass (checked
// against finite differences in GradientTests).

/// LSTM cell state `c = σ(f) ⊙ c_prev + σ(i) ⊙ tanh(g)` from gate pre-activations
/// `gates` `[batch, 4·hidden]` (order i, f, g, o) and `previous` `[batch, hidden]`.
func lstmCellState(_ gates: Variable, _ previous: Variable) -> Variable {
  let rows = previous.rows
  let hidden = previous.columns
  var out = [Float](repeating: 0, count: rows * hidden)
  gates.value.data.withUnsafeBufferPointer { g in
    previous.value.data.withUnsafeBufferPointer { c in
      out.withUnsafeMutableBufferPointer { o in
        let gates = g.baseAddress!
        let previous = c.baseAddress!
        let result = o.baseAddress!
        let lanes = hidden - hidden % 8
        for row in 0..<rows {
          let base = row * 4 * hidden
          let cell = row * hidden
          // Eight units at a time (bit-for-bit the scalar arithmetic), then the rest.
          for unit in stride(from: 0, to: lanes, by: 8) {
            let i = fastSigmoid(load8(gates, base + unit))
            let f = fastSigmoid(load8(gates, base + hidden + unit))
            let candidate = fastTanh(load8(gates, base + 2 * hidden + unit))
            store8(f * load8(previous, cell + unit) + i * candidate, result, cell + unit)
          }
          for unit in lanes..<hidden {
            let i = fastSigmoid(gates[base + unit])
            let f = fastSigmoid(gates[base + hidden + unit])
            let candidate = fastTanh(gates[base + 2 * hidden + unit])
            result[cell + unit] = f * previous[cell + unit] + i * candidate
          }
        }
      }
    }
  }
  return Variable(Tensor(shape: [rows, hidden], data: out), inputs: [gates, previous]) { result in
    let grad = result.gradient!
    var gateDelta = [Float](repeating: 0, count: rows * 4 * hidden)
    var previousDelta = [Float](repeating: 0, count: rows * hidden)
    let g = gates.value.data
    let c = previous.value.data
    for row in 0..<rows {
      let base = row * 4 * hidden
      for unit in 0..<hidden {
        let d = grad[row * hidden + unit]
        let i = fastSigmoid(g[base + unit])
        let f = fastSigmoid(g[base + hidden + unit])
        let candidate = fastTanh(g[base + 2 * hidden + unit])
        gateDelta[base + unit] = d * candidate * i * (1 - i)
        gateDelta[base + hidden + unit] = d * c[row * hidden + unit] * f * (1 - f)
        gateDelta[base + 2 * hidden + unit] = d * i * (1 - candidate * candidate)
        previousDelta[row * hidden + unit] = d * f
      }
    }
    if gates.requiresGradient { gates.accumulate(gateDelta) }
    if previous.requiresGradient { previous.accumulate(previousDelta) }
  }
}

/// LSTM output `h = σ(o) ⊙ tanh(c)` from the gate pre-activations and the new cell state.
func lstmHidden(_ gates: Variable, _ cell: Variable) -> Variable {
  let rows = cell.rows
  let hidden = cell.columns
  var out = [Float](repeating: 0, count: rows * hidden)
  gates.value.data.withUnsafeBufferPointer { g in
    cell.value.data.withUnsafeBufferPointer { c in
      out.withUnsafeMutableBufferPointer { o in
        let gates = g.baseAddress!
        let state = c.baseAddress!
        let result = o.baseAddress!
        let lanes = hidden - hidden % 8
        for row in 0..<rows {
          let base = row * 4 * hidden + 3 * hidden
          let offset = row * hidden
          for unit in stride(from: 0, to: lanes, by: 8) {
            store8(
              fastSigmoid(load8(gates, base + unit)) * fastTanh(load8(state, offset + unit)), result, offset + unit)
          }
          for unit in lanes..<hidden {
            result[offset + unit] = fastSigmoid(gates[base + unit]) * fastTanh(state[offset + unit])
          }
        }
      }
    }
  }
  return Variable(Tensor(shape: [rows, hidden], data: out), inputs: [gates, cell]) { result in
    let grad = result.gradient!
    var gateDelta = [Float](repeating: 0, count: rows * 4 * hidden)
    var cellDelta = [Float](repeating: 0, count: rows * hidden)
    let g = gates.value.data
    let c = cell.value.data
    for row in 0..<rows {
      let base = row * 4 * hidden + 3 * hidden
      for unit in 0..<hidden {
        let d = grad[row * hidden + unit]
        let o = fastSigmoid(g[base + unit])
        let t = fastTanh(c[row * hidden + unit])
        gateDelta[base + unit] = d * t * o * (1 - o)
        cellDelta[row * hidden + unit] = d * o * (1 - t * t)
      }
    }
    if gates.requiresGradient { gates.accumulate(gateDelta) }
    if cell.requiresGradient { cell.accumulate(cellDelta) }
  }
}

/// One GRU step from the input projection `x` `[batch, 3·hidden]` (x·W_x + b_x), the
/// recurrent projection `r` `[batch, 3·hidden]` (h·W_h + b_h) and `h` `[batch, hidden]`:
/// `z = σ(x_z + r_z)`, `ρ = σ(x_r + r_r)`, `n = tanh(x_n + ρ ⊙ r_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`.
func gruStep(_ x: Variable, _ r: Variable, _ h: Variable) -> Variable {
  let rows = h.rows
  let hidden = h.columns
  var out = [Float](repeating: 0, count: rows * hidden)
  guard GradientMode.isEnabled else {
    // Inference: nothing to keep for a backward pass.
    x.value.data.withUnsafeBufferPointer { px in
      r.value.data.withUnsafeBufferPointer { pr in
        h.value.data.withUnsafeBufferPointer { ph in
          out.withUnsafeMutableBufferPointer { o in
            let x = px.baseAddress!
            let r = pr.baseAddress!
            let h = ph.baseAddress!
            let out = o.baseAddress!
            let lanes = hidden - hidden % 8
            for row in 0..<rows {
              let base = row * 3 * hidden
              let offset = row * hidden
              // Eight units at a time (bit-for-bit the scalar arithmetic), then the rest.
              for unit in stride(from: 0, to: lanes, by: 8) {
                let z = fastSigmoid(load8(x, base + unit) + load8(r, base + unit))
                let reset = fastSigmoid(load8(x, base + hidden + unit) + load8(r, base + hidden + unit))
                let n = fastTanh(load8(x, base + 2 * hidden + unit) + reset * load8(r, base + 2 * hidden + unit))
                store8((1 - z) * n + z * load8(h, offset + unit), out, offset + unit)
              }
              for unit in lanes..<hidden {
                let z = fastSigmoid(x[base + unit] + r[base + unit])
                let reset = fastSigmoid(x[base + hidden + unit] + r[base + hidden + unit])
                let n = fastTanh(x[base + 2 * hidden + unit] + reset * r[base + 2 * hidden + unit])
                out[offset + unit] = (1 - z) * n + z * h[offset + unit]
              }
            }
          }
        }
      }
    }
    return Variable(Tensor(shape: [rows, hidden], data: out))
  }
  // Gate values kept for the backward pass: z, ρ, n per unit.
  var saved = [Float](repeating: 0, count: rows * 3 * hidden)
  x.value.data.withUnsafeBufferPointer { px in
    r.value.data.withUnsafeBufferPointer { pr in
      h.value.data.withUnsafeBufferPointer { ph in
        out.withUnsafeMutableBufferPointer { o in
          saved.withUnsafeMutableBufferPointer { keep in
            for row in 0..<rows {
              let base = row * 3 * hidden
              let offset = row * hidden
              for unit in 0..<hidden {
                let z = fastSigmoid(px[base + unit] + pr[base + unit])
                let reset = fastSigmoid(px[base + hidden + unit] + pr[base + hidden + unit])
                let n = fastTanh(px[base + 2 * hidden + unit] + reset * pr[base + 2 * hidden + unit])
                o[offset + unit] = (1 - z) * n + z * ph[offset + unit]
                keep[base + unit] = z
                keep[base + hidden + unit] = reset
                keep[base + 2 * hidden + unit] = n
              }
            }
          }
        }
      }
    }
  }
  let keep = saved
  return Variable(Tensor(shape: [rows, hidden], data: out), inputs: [x, r, h]) { result in
    let grad = result.gradient!
    var xDelta = [Float](repeating: 0, count: rows * 3 * hidden)
    var rDelta = [Float](repeating: 0, count: rows * 3 * hidden)
    var hDelta = [Float](repeating: 0, count: rows * hidden)
    let recurrent = r.value.data
    let previous = h.value.data
    for row in 0..<rows {
      let base = row * 3 * hidden
      for unit in 0..<hidden {
        let d = grad[row * hidden + unit]
        let z = keep[base + unit]
        let reset = keep[base + hidden + unit]
        let n = keep[base + 2 * hidden + unit]
        let dn = d * (1 - z) * (1 - n * n)
        let dz = d * (previous[row * hidden + unit] - n) * z * (1 - z)
        let dReset = dn * recurrent[base + 2 * hidden + unit] * reset * (1 - reset)
        xDelta[base + unit] = dz
        rDelta[base + unit] = dz
        xDelta[base + hidden + unit] = dReset
        rDelta[base + hidden + unit] = dReset
        xDelta[base + 2 * hidden + unit] = dn
        rDelta[base + 2 * hidden + unit] = dn * reset
        hDelta[row * hidden + unit] = d * z
      }
    }
    if x.requiresGradient { x.accumulate(xDelta) }
    if r.requiresGradient { r.accumulate(rDelta) }
    if h.requiresGradient { h.accumulate(hDelta) }
  }
}
