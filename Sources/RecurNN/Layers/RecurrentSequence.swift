import CRecurKernels
import Foundation

/// A cell's whole run over a padded batch as one operation: the time loop, its
/// backward pass through time and their buffers live here, not in a graph of per-step
/// operations.
///
/// The batch's sequences are put in order of length, longest first, so at each step the
/// sequences still running are the first rows: the step's product and cell kernel cover
/// those rows alone, and the others carry their state unchanged (padding never changes a
/// result). Every buffer comes from a workspace the cell keeps and reuses, so a steady
/// stream of calls of one shape allocates nothing but the outputs.
///
/// Per step and cell, on the running rows `r` (`P` = the projected input of the step):
/// - basic: `a = tanh(P + a_prev · W_a)`
/// - GRU: `R = h_prev · W_h + b_h`, then `gruStep(P, R, h_prev)`
/// - LSTM: `G = P + h_prev · W_h`, then `c = σ(f) c_prev + σ(i) tanh(g)`, `h = σ(o) tanh(c)`
func runSequence(
  _ cell: any RecurrentCell, projected: Variable, batch: SequenceBatch, initialState: [Variable]?, reverse: Bool
) -> (outputs: Variable, final: [Variable]) {
  let run = SequenceRun(cell: cell, batch: batch, reverse: reverse)
  let initial = initialState ?? cell.initialState(batch: batch.size)
  var inputs = [projected, cell.recurrentWeight] + initial
  if let bias = cell.stepBias { inputs.append(bias) }
  let saving = GradientMode.isEnabled && inputs.contains { $0.requiresGradient }
  let outputs = projected.value.data.withUnsafeBufferPointer { pp in
    run.forward(
      .rows((0..<batch.rows).map { pp.baseAddress! + $0 * run.width }), initial: initial.map(\.value.data),
      saving: saving)
  }
  let result = Variable(Tensor(shape: [batch.rows, cell.hiddenSize], data: outputs), inputs: inputs) { result in
    run.backward(outputGradient: result.gradient!, projected: projected, initial: initial)
  }
  return (result, run.finalStates(result))
}

/// Where a run reads its projected inputs (`gates × hidden` floats per row).
enum ProjectedInputs {
  /// Each row's projection, time-major in the batch's order, read where it is (a cache
  /// of word projections) and copied into the step's gates.
  case rows([UnsafePointer<Float>])
  /// Each step's projections written by a function of (time, running rows, gates) when
  /// the step runs, into its gates: the step's first rows in the batch's order, which
  /// must be the run's (`SequenceRun.inOrder`). A step's rows stay in cache from their
  /// projection to their cell. Without gradients only.
  case eachStep((_ time: Int, _ rows: Int, _ gates: UnsafeMutablePointer<Float>) -> Void)
}

/// `runSequence` without gradients, the projected inputs given by `project` (which may
/// use the run's workspace), valid while the object it returns lives.
func runSequenceWithoutGradients(
  _ cell: any RecurrentCell, batch: SequenceBatch, initialState: [Variable]?, reverse: Bool,
  project: (SequenceRun) -> (inputs: ProjectedInputs, keepAlive: AnyObject)
) -> (outputs: Variable, final: [Variable]) {
  let run = SequenceRun(cell: cell, batch: batch, reverse: reverse)
  let initial = initialState ?? cell.initialState(batch: batch.size)
  let projected = project(run)
  let outputs = withExtendedLifetime(projected.keepAlive) {
    run.forward(projected.inputs, initial: initial.map(\.value.data), saving: false)
  }
  let result = Variable(Tensor(shape: [batch.rows, cell.hiddenSize], data: outputs))
  return (result, run.finalStates(result))
}

/// The state of one run between its forward and backward passes.
final class SequenceRun {
  let cell: any RecurrentCell
  let kind: CellKind
  let batch: SequenceBatch
  let reverse: Bool
  let hidden: Int
  /// Gate columns per row: `gates × hidden`.
  let width: Int
  /// Sequence indices from the longest to the shortest (ties by index).
  let order: [Int]
  /// The batch's sequences are already longest first: `order` is every index in turn.
  let inOrder: Bool
  /// The time step of each processing step (backwards for a reverse run).
  let times: [Int]
  /// How many of the ordered rows are running at each processing step.
  let running: [Int]
  /// Taken from the cell's pool; back when this run ends.
  let lease: WorkspaceLease
  var finalCell: [Float] = []
  var finalCellGradient: [Float]?

  init(cell: any RecurrentCell, batch: SequenceBatch, reverse: Bool) {
    self.cell = cell
    kind = cell.kind
    self.batch = batch
    self.reverse = reverse
    hidden = cell.hiddenSize
    width = cell.gateCount * cell.hiddenSize
    let lengths = batch.lengths
    order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
    inOrder = order.elementsEqual(lengths.indices)
    times = reverse ? Array((0..<batch.steps).reversed()) : Array(0..<batch.steps)
    let sortedLengths = order.map { lengths[$0] }
    running = times.map { time in sortedLengths.firstIndex { $0 <= time } ?? sortedLengths.count }
    lease = cell.workspaces.lease()
  }

  var workspace: SequenceWorkspace { lease.workspace }

  /// The final state from the run's outputs: the output of the last step run (carried
  /// through padding), and for an LSTM the cell state, whose gradient is handed to the
  /// run (its backward runs after this one's, the outputs being this value's input).
  func finalStates(_ outputs: Variable) -> [Variable] {
    let lastStep = reverse ? 0 : batch.steps - 1
    var final = [sliceRows(outputs, start: lastStep * batch.size, count: batch.size)]
    if kind == .lstm {
      final.append(
        Variable(Tensor(shape: [batch.size, hidden], data: finalCell), inputs: [outputs]) { cellState in
          self.finalCellGradient = cellState.gradient!
          outputs.accumulate { _ in }
        })
    }
    return final
  }

  /// - Returns: the outputs `[time × batch, hidden]`, time-major in the batch's own order.
  ///
  /// Without saving, in a batch already in order, each step writes its outputs where they
  /// go and the next step reads them there (the rows not running carry theirs over): the
  /// state is never copied.
  func forward(_ projected: ProjectedInputs, initial: [[Float]], saving: Bool) -> [Float] {
    let size = batch.size
    let steps = batch.steps
    let hidden = hidden
    let width = width
    let space = workspace
    let direct = inOrder && !saving
    if case .eachStep = projected { precondition(direct, "SequenceRun: projections by step need an ordered run") }
    let state = space.state.reserve(size * hidden)
    let cellState = space.cellState.reserve(size * hidden)
    let gates = space.gates.reserve(size * width)
    let recurrent = space.recurrent.reserve(size * width)
    // Saved for the backward pass, per processing step, in the ordered rows.
    let savedGates = saving ? space.savedGates.reserve(steps * size * width) : gates
    let savedRecurrent = saving && kind == .gru ? space.savedRecurrent.reserve(steps * size * width) : recurrent
    let savedState = saving ? space.savedState.reserve(steps * size * hidden) : state
    let savedCell = saving && kind == .lstm ? space.savedCell.reserve(steps * size * hidden) : cellState
    initial[0].withUnsafeBufferPointer { h0 in
      for (row, sequence) in order.enumerated() {
        (state + row * hidden).update(from: h0.baseAddress! + sequence * hidden, count: hidden)
      }
    }
    if kind == .lstm {
      initial[1].withUnsafeBufferPointer { c0 in
        for (row, sequence) in order.enumerated() {
          (cellState + row * hidden).update(from: c0.baseAddress! + sequence * hidden, count: hidden)
        }
      }
    }
    let weight = cell.recurrentWeight.value.data
    let bias = cell.stepBias?.value.data
    // A step with one running row reads W_h packed for one-row products (inference).
    let packed = !saving && running.contains(1) ? cell.workspaces.packedWeights.packed(cell.recurrentWeight) : nil
    // The outputs array is the workspace's, shared with the result: once the result is
    // gone the next run writes into the same storage (a copy is made only while a
    // caller still holds the last one).
    if space.outputs.count != steps * size * hidden {
      // Every row is written at every step, so the new array needs no zeros first.
      space.outputs = [Float](unsafeUninitializedCapacity: steps * size * hidden) { $1 = $0.count }
    }
    do {
      weight.withUnsafeBufferPointer { pw in
        space.outputs.withUnsafeMutableBufferPointer { po in
          let weight = pw.baseAddress!
          for (step, time) in times.enumerated() {
            let rows = running[step]
            // This step's outputs, and the state it starts from.
            let block = po.baseAddress! + time * size * hidden
            let previous = direct && step > 0 ? po.baseAddress! + times[step - 1] * size * hidden : state
            let next = direct ? block : state
            let stepGates: UnsafeMutablePointer<Float>
            switch projected {
            case .eachStep(let project):
              stepGates = gates
              project(time, rows, gates)
            case .rows(let projectedRows):
              stepGates = saving ? savedGates + step * size * width : gates
              // The step's input rows, in the running order.
              for row in 0..<rows {
                (stepGates + row * width).update(from: projectedRows[time * size + order[row]], count: width)
              }
            }
            if saving {
              (savedState + step * size * hidden).update(from: state, count: size * hidden)
            }
            let stepProduct = { (output: UnsafeMutablePointer<Float>) in
              if rows == 1, let packed {
                CRecurKernels_rowProduct(hidden, width, previous, weight, packed.pointer, output, 1)
              } else {
                product(previous, weight, output, m: rows, n: width, k: hidden, accumulate: true)
              }
            }
            switch kind {
            case .rnn:
              stepProduct(stepGates)
              CRecurKernels_rnnForward(rows, hidden, stepGates)
              next.update(from: stepGates, count: rows * hidden)
            case .gru:
              let stepRecurrent = saving ? savedRecurrent + step * size * width : recurrent
              bias!.withUnsafeBufferPointer { pb in
                for row in 0..<rows { (stepRecurrent + row * width).update(from: pb.baseAddress!, count: width) }
              }
              stepProduct(stepRecurrent)
              // The gates' slots keep z, ρ, n once the input part has been read.
              CRecurKernels_gruForward(
                rows, hidden, stepGates, stepRecurrent, previous, next, saving ? stepGates : nil)
            case .lstm:
              stepProduct(stepGates)
              CRecurKernels_lstmForward(rows, hidden, stepGates, cellState, cellState, next)
              if saving {
                (savedCell + step * size * hidden).update(from: cellState, count: size * hidden)
              }
            }
            if direct {
              (block + rows * hidden).update(from: previous + rows * hidden, count: (size - rows) * hidden)
            } else {
              for (row, sequence) in order.enumerated() {
                (po.baseAddress! + (time * size + sequence) * hidden).update(from: state + row * hidden, count: hidden)
              }
            }
          }
        }
      }
    }
    if kind == .lstm {
      finalCell = [Float](repeating: 0, count: size * hidden)
      for (row, sequence) in order.enumerated() {
        for unit in 0..<hidden { finalCell[sequence * hidden + unit] = cellState[row * hidden + unit] }
      }
    }
    return space.outputs
  }

  /// Back-propagates through time from the outputs' gradient (and the final cell
  /// state's, for an LSTM) into the projected inputs, the recurrent weights and bias and
  /// the initial state.
  func backward(outputGradient: [Float], projected: Variable, initial: [Variable]) {
    let size = batch.size
    let steps = batch.steps
    let hidden = hidden
    let width = width
    let space = workspace
    let weight = cell.recurrentWeight
    // W_hᵀ `[width, hidden]`, so the step's product runs on the same kernel as the forward one.
    let transposed = space.transposed.reserve(width * hidden)
    weight.value.data.withUnsafeBufferPointer { pw in
      for row in 0..<hidden {
        for column in 0..<width { transposed[column * hidden + row] = pw[row * width + column] }
      }
    }
    let savedGates = space.savedGates.pointer
    let savedRecurrent = space.savedRecurrent.pointer
    let savedState = space.savedState.pointer
    let savedCell = space.savedCell.pointer
    let stateGradient = space.stateGradient.zeros(size * hidden)
    let cellGradient = space.cellGradient.zeros(size * hidden)
    // Pre-activation gradients per processing step, ordered rows; zero where not running.
    let gateGradient = space.gateGradient.zeros(steps * size * width)
    let recurrentGradient = kind == .gru ? space.recurrentGradient.zeros(steps * size * width) : gateGradient
    if let finalCellGradient {
      for (row, sequence) in order.enumerated() {
        for unit in 0..<hidden { cellGradient[row * hidden + unit] = finalCellGradient[sequence * hidden + unit] }
      }
    }
    let initialCell = space.initialCell.reserve(size * hidden)
    if kind == .lstm {
      initial[1].value.data.withUnsafeBufferPointer { c0 in
        for (row, sequence) in order.enumerated() {
          (initialCell + row * hidden).update(from: c0.baseAddress! + sequence * hidden, count: hidden)
        }
      }
    }
    outputGradient.withUnsafeBufferPointer { pg in
      let outputGradient = pg.baseAddress!
      for step in (0..<steps).reversed() {
        let time = times[step]
        let rows = running[step]
        for (row, sequence) in order.enumerated() {
          CRecurKernels_add(
            hidden, outputGradient + (time * size + sequence) * hidden, stateGradient + row * hidden)
        }
        guard rows > 0 else { continue }
        let stepGates = savedGates + step * size * width
        let stepGradient = gateGradient + step * size * width
        let previous = savedState + step * size * hidden
        switch kind {
        case .rnn:
          // The saved gates hold a = the state after the step.
          CRecurKernels_rnnBackward(rows, hidden, stepGates, stateGradient, stepGradient)
          product(stepGradient, transposed, stateGradient, m: rows, n: hidden, k: width, accumulate: false)
        case .gru:
          let stepRecurrentGradient = recurrentGradient + step * size * width
          CRecurKernels_gruBackward(
            rows, hidden, stepGates, savedRecurrent + step * size * width, previous, stateGradient, stepGradient,
            stepRecurrentGradient, stateGradient)
          product(stepRecurrentGradient, transposed, stateGradient, m: rows, n: hidden, k: width, accumulate: true)
        case .lstm:
          let cellBefore = step == 0 ? initialCell : savedCell + (step - 1) * size * hidden
          CRecurKernels_lstmBackward(
            rows, hidden, stepGates, cellBefore, savedCell + step * size * hidden, stateGradient, cellGradient,
            stepGradient)
          product(stepGradient, transposed, stateGradient, m: rows, n: hidden, k: width, accumulate: false)
        }
      }
    }
    if projected.requiresGradient {
      projected.accumulate { target in
        for (step, time) in times.enumerated() {
          for (row, sequence) in order.enumerated() {
            CRecurKernels_add(
              width, gateGradient + (step * size + row) * width, target.baseAddress! + (time * size + sequence) * width)
          }
        }
      }
    }
    if weight.requiresGradient {
      // dW_h = Σ_steps h_prevᵀ · dR, one product over every step's rows.
      weight.accumulate { target in
        gemm(
          savedState, recurrentGradient, target.baseAddress!, m: hidden, n: width, k: steps * size, transposeA: true,
          beta: 1)
      }
    }
    if let bias = cell.stepBias, bias.requiresGradient {
      bias.accumulate { target in
        for row in 0..<(steps * size) { CRecurKernels_add(width, recurrentGradient + row * width, target.baseAddress!) }
      }
    }
    let initialGradients = kind == .lstm ? [stateGradient, cellGradient] : [stateGradient]
    for (variable, gradient) in zip(initial, initialGradients) where variable.requiresGradient {
      variable.accumulate { target in
        for (row, sequence) in order.enumerated() {
          CRecurKernels_add(hidden, gradient + row * hidden, target.baseAddress! + sequence * hidden)
        }
      }
    }
  }
}

/// The buffers of one run of a cell (see `SequenceRun`).
final class SequenceWorkspace {
  var outputs: [Float] = []
  var projected = ScratchBuffer()
  var overflow = ScratchBuffer()
  /// The distinct feature rows beside a batch's words (inference).
  var distinctRest = ScratchBuffer()
  /// The projections of rows given in place of table rows (inference).
  var given = ScratchBuffer()
  var state = ScratchBuffer()
  var cellState = ScratchBuffer()
  var gates = ScratchBuffer()
  var recurrent = ScratchBuffer()
  var savedGates = ScratchBuffer()
  var savedRecurrent = ScratchBuffer()
  var savedState = ScratchBuffer()
  var savedCell = ScratchBuffer()
  var transposed = ScratchBuffer()
  var stateGradient = ScratchBuffer()
  var cellGradient = ScratchBuffer()
  var gateGradient = ScratchBuffer()
  var recurrentGradient = ScratchBuffer()
  var initialCell = ScratchBuffer()

  /// Frees the buffers holding more than `bytes`.
  func trim(above bytes: Int) {
    if outputs.capacity * MemoryLayout<Float>.size > bytes { outputs = [] }
    for path in Self.buffers { self[keyPath: path].trim(above: bytes) }
  }

  nonisolated(unsafe) static let buffers: [ReferenceWritableKeyPath<SequenceWorkspace, ScratchBuffer>] = [
    \.projected, \.overflow, \.distinctRest, \.given, \.state, \.cellState, \.gates, \.recurrent, \.savedGates,
    \.savedRecurrent,
    \.savedState, \.savedCell, \.transposed, \.stateGradient, \.cellGradient, \.gateGradient, \.recurrentGradient,
    \.initialCell,
  ]

  deinit {
    for path in Self.buffers { self[keyPath: path].free() }
  }
}

/// The workspaces a cell keeps for its runs: one per run in flight (label workers run a
/// model on several threads at once), back in the pool when the run ends.
public final class WorkspacePool: @unchecked Sendable {
  private var idle: [SequenceWorkspace] = []
  private let lock = NSLock()
  /// Idle workspaces kept; more are freed.
  private let keep = 4
  /// The recurrent weight packed for one-row products.
  let packedWeights = PackedRows()

  public init() {}

  func lease() -> WorkspaceLease {
    lock.lock()
    let workspace = idle.popLast() ?? SequenceWorkspace()
    lock.unlock()
    return WorkspaceLease(workspace: workspace, pool: self)
  }

  /// A workspace keeps buffers up to this size between runs (the steady shapes of a
  /// stream of batches); larger ones, from a rare long batch, are freed.
  static let keptBufferBytes = 8 << 20

  fileprivate func giveBack(_ workspace: SequenceWorkspace) {
    workspace.trim(above: Self.keptBufferBytes)
    lock.lock()
    defer { lock.unlock() }
    if idle.count < keep { idle.append(workspace) }
  }
}

/// A workspace on loan from a pool; it goes back when the lease ends (when the run and
/// any graph holding its backward pass are gone).
final class WorkspaceLease {
  let workspace: SequenceWorkspace
  private let pool: WorkspacePool

  init(workspace: SequenceWorkspace, pool: WorkspacePool) {
    self.workspace = workspace
    self.pool = pool
  }

  deinit { pool.giveBack(workspace) }
}

/// A weight `[k, n]` packed for the kernels' one-row product (`CRecurKernels_packRows`),
/// made once per weight version and kernel path and shared by every run.
final class PackedRows: @unchecked Sendable {
  final class Packed {
    let version: UInt64
    let path: Int32
    let pointer: UnsafeMutablePointer<Float>

    init(_ weight: Variable) {
      version = weight.version
      path = CRecurKernels_path()
      let size = CRecurKernels_packedRowsSize(weight.rows, weight.columns)
      pointer = .allocate(capacity: max(1, size))
      weight.value.data.withUnsafeBufferPointer { pw in
        CRecurKernels_packRows(weight.rows, weight.columns, pw.baseAddress!, pointer)
      }
    }

    deinit { pointer.deallocate() }
  }

  private var current: Packed?
  private let lock = NSLock()

  func packed(_ weight: Variable) -> Packed {
    lock.lock()
    defer { lock.unlock() }
    if let current, current.version == weight.version, current.path == CRecurKernels_path() { return current }
    let fresh = Packed(weight)
    current = fresh
    return fresh
  }
}
