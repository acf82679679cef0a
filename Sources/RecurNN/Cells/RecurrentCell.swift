/// The cell types the engine offers; every place that uses a cell takes any of them.
public enum CellKind: String, CaseIterable, Codable, Sendable {
  /// The founding document's basic cell: `a_t = tanh(W_x x_t + W_a a_(t-1) + b_a)`.
  case rnn
  case gru
  case lstm
}

/// One step of a recurrent network. The input projection `x · W_x (+ b)` is done for
/// every step of a sequence at once (one large product) before the time loop, and
/// `step` does the recurrent part.
public protocol RecurrentCell: Layer {
  var kind: CellKind { get }
  var inputSize: Int { get }
  var hiddenSize: Int { get }
  /// State tensors carried between steps: 1 (`a`/`h`) or 2 for the LSTM (`h`, `c`).
  /// The first is always the output.
  var stateCount: Int { get }
  /// `[rows, inputSize]` → `[rows, gates × hiddenSize]`.
  func projectInputs(_ x: Variable) -> Variable
  /// One step: the projected input `[batch, gates × hidden]` and the state → new state.
  /// (Decoders step one token at a time; `Recurrent` runs whole sequences in one
  /// operation, `runSequence`, with the same arithmetic.)
  func step(_ projected: Variable, _ state: [Variable]) -> [Variable]
  /// `[input, gates × hidden]`: the input projection's weight.
  var inputWeight: Variable { get }
  /// `[gates × hidden]`: the input projection's bias.
  var inputBias: Variable { get }
  /// Gates per unit: 1 (basic), 3 (GRU), 4 (LSTM).
  var gateCount: Int { get }
  /// `[hidden, gates × hidden]`: the step's product with the previous output.
  var recurrentWeight: Variable { get }
  /// `[gates × hidden]` added to the recurrent product apart from the input's bias (the
  /// GRU's `b_h`, which the reset gate scales); nil for the others.
  var stepBias: Variable? { get }
  /// Buffers for whole-sequence runs, reused across calls.
  var workspaces: WorkspacePool { get }
}

extension RecurrentCell {
  /// Zero state for `batch` sequences.
  public func initialState(batch: Int) -> [Variable] {
    (0..<stateCount).map { _ in Variable(Tensor(zeros: [batch, hiddenSize])) }
  }
}

/// Builds a cell of the chosen kind.
public func makeCell(_ kind: CellKind, input: Int, hidden: Int, rng: inout SeededGenerator) -> any RecurrentCell {
  switch kind {
  case .rnn: ElmanCell(input: input, hidden: hidden, rng: &rng)
  case .gru: GRUCell(input: input, hidden: hidden, rng: &rng)
  case .lstm: LSTMCell(input: input, hidden: hidden, rng: &rng)
  }
}

/// The basic (Elman) cell, exactly as the founding document gives it:
/// `a_t = tanh(W_x x_t + W_a a_(t-1) + b_a)`. The output `y_t = softmax(W_y a_t + b_y)` is
/// the `Dense` layer (and loss) the structure puts on top.
public final class ElmanCell: RecurrentCell {
  public let kind = CellKind.rnn
  public let inputSize: Int
  public let hiddenSize: Int
  public let stateCount = 1
  public let gateCount = 1
  public let workspaces = WorkspacePool()
  public var stepBias: Variable? { nil }
  public var inputBias: Variable { bias }
  /// `[input, hidden]`
  public let inputWeight: Variable
  /// `[hidden, hidden]`
  public let recurrentWeight: Variable
  /// `[hidden]`
  public let bias: Variable

  public init(input: Int, hidden: Int, rng: inout SeededGenerator) {
    inputSize = input
    hiddenSize = hidden
    inputWeight = Variable(Initializer.recurrent([input, hidden], hidden: hidden, rng: &rng), requiresGradient: true)
    recurrentWeight = Variable(
      Initializer.recurrent([hidden, hidden], hidden: hidden, rng: &rng), requiresGradient: true)
    bias = Variable(Tensor(zeros: [hidden]), requiresGradient: true)
  }

  public func projectInputs(_ x: Variable) -> Variable {
    affine(x, inputWeight, bias)
  }

  public func step(_ projected: Variable, _ state: [Variable]) -> [Variable] {
    [tanh(addProduct(projected, state[0], recurrentWeight))]
  }

  public func parameters() -> [Parameter] {
    [Parameter("W_x", inputWeight), Parameter("W_a", recurrentWeight), Parameter("b_a", bias)]
  }
}

/// Gated recurrent unit (Cho et al. 2014), gates in the order update z, reset r, candidate n:
/// `n = tanh(x W_n + b_n + r ⊙ (h U_n + c_n))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
public final class GRUCell: RecurrentCell {
  public let kind = CellKind.gru
  public let inputSize: Int
  public let hiddenSize: Int
  public let stateCount = 1
  public let gateCount = 3
  public let workspaces = WorkspacePool()
  public var stepBias: Variable? { recurrentBias }
  /// `[input, 3·hidden]`
  public let inputWeight: Variable
  /// `[hidden, 3·hidden]`
  public let recurrentWeight: Variable
  /// `[3·hidden]`
  public let inputBias: Variable
  /// `[3·hidden]`
  public let recurrentBias: Variable

  public init(input: Int, hidden: Int, rng: inout SeededGenerator) {
    inputSize = input
    hiddenSize = hidden
    inputWeight = Variable(
      Initializer.recurrent([input, 3 * hidden], hidden: hidden, rng: &rng), requiresGradient: true)
    recurrentWeight = Variable(
      Initializer.recurrent([hidden, 3 * hidden], hidden: hidden, rng: &rng), requiresGradient: true)
    inputBias = Variable(Tensor(zeros: [3 * hidden]), requiresGradient: true)
    recurrentBias = Variable(Tensor(zeros: [3 * hidden]), requiresGradient: true)
  }

  public func projectInputs(_ x: Variable) -> Variable {
    affine(x, inputWeight, inputBias)
  }

  public func step(_ projected: Variable, _ state: [Variable]) -> [Variable] {
    [gruStep(projected, affine(state[0], recurrentWeight, recurrentBias), state[0])]
  }

  public func parameters() -> [Parameter] {
    [
      Parameter("W_x", inputWeight), Parameter("W_h", recurrentWeight), Parameter("b_x", inputBias),
      Parameter("b_h", recurrentBias),
    ]
  }
}

/// Long short-term memory (Hochreiter & Schmidhuber 1997), gates in the order input i,
/// forget f, candidate g, output o: `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
/// The forget-gate bias starts at 1 so early training keeps memory.
public final class LSTMCell: RecurrentCell {
  public let kind = CellKind.lstm
  public let inputSize: Int
  public let hiddenSize: Int
  public let stateCount = 2
  public let gateCount = 4
  public let workspaces = WorkspacePool()
  public var stepBias: Variable? { nil }
  public var inputBias: Variable { bias }
  /// `[input, 4·hidden]`
  public let inputWeight: Variable
  /// `[hidden, 4·hidden]`
  public let recurrentWeight: Variable
  /// `[4·hidden]`
  public let bias: Variable

  public init(input: Int, hidden: Int, rng: inout SeededGenerator) {
    inputSize = input
    hiddenSize = hidden
    inputWeight = Variable(
      Initializer.recurrent([input, 4 * hidden], hidden: hidden, rng: &rng), requiresGradient: true)
    recurrentWeight = Variable(
      Initializer.recurrent([hidden, 4 * hidden], hidden: hidden, rng: &rng), requiresGradient: true)
    var biasValues = [Float](repeating: 0, count: 4 * hidden)
    for index in hidden..<(2 * hidden) { biasValues[index] = 1 }
    bias = Variable(Tensor(shape: [4 * hidden], data: biasValues), requiresGradient: true)
  }

  public func projectInputs(_ x: Variable) -> Variable {
    affine(x, inputWeight, bias)
  }

  public func step(_ projected: Variable, _ state: [Variable]) -> [Variable] {
    let gates = addProduct(projected, state[0], recurrentWeight)
    let c = lstmCellState(gates, state[1])
    return [lstmHidden(gates, c), c]
  }

  public func parameters() -> [Parameter] {
    [Parameter("W_x", inputWeight), Parameter("W_h", recurrentWeight), Parameter("b", bias)]
  }
}
