#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Generates a sequence one token at a time, each step fed the token before it: the
/// shared half of 1 → N and N → M. The vocabulary holds the start and end tokens.
/// An optional condition vector is fed beside the token at every step.
public final class SequenceDecoder: Layer {
  public let embedding: Embedding
  public let cell: any RecurrentCell
  public let output: Dense
  public let conditionSize: Int
  public let startToken: Int
  public let endToken: Int

  public init(
    vocabulary: Int, width: Int, hidden: Int, cell: CellKind, conditionSize: Int = 0, startToken: Int,
    endToken: Int, rng: inout SeededGenerator
  ) {
    embedding = Embedding(vocabulary: vocabulary, width: width, rng: &rng)
    self.cell = makeCell(cell, input: width + conditionSize, hidden: hidden, rng: &rng)
    output = Dense(input: hidden, output: vocabulary, rng: &rng)
    self.conditionSize = conditionSize
    self.startToken = startToken
    self.endToken = endToken
  }

  private func stepInput(_ tokens: [Int], condition: Variable?) -> Variable {
    let embedded = embedding(tokens)
    guard let condition else { return embedded }
    return concatColumns([embedded, condition])
  }

  /// One step for a batch: previous tokens and state → logits `[batch, vocabulary]`, new state.
  public func step(_ tokens: [Int], state: [Variable], condition: Variable?) -> (logits: Variable, state: [Variable]) {
    let next = cell.step(cell.projectInputs(stepInput(tokens, condition: condition)), state)
    return (output(next[0]), next)
  }

  /// Teacher forcing: the decoder is fed the gold previous token, and scored on
  /// predicting each target token and then the end token.
  /// - Returns: the mean cross-entropy over the real steps.
  public func teacherForcedLoss(initial: [Variable], condition: Variable?, targets: [[Int]]) -> Variable {
    let inputs = targets.map { [startToken] + $0 }
    let expected = targets.map { $0 + [endToken] }
    let batch = SequenceBatch(lengths: inputs.map(\.count))
    let tokens = batch.timeMajor(inputs, pad: -1)
    var conditionRows: Variable?
    if let condition {
      conditionRows = concatRows(Array(repeating: condition, count: batch.steps))
    }
    var embedded = embedding(tokens)
    if let conditionRows { embedded = concatColumns([embedded, conditionRows]) }
    let outputs = Recurrent(cell: cell)(embedded, batch: batch, initialState: initial).outputs
    return softmaxCrossEntropy(output(outputs), targets: batch.timeMajor(expected, pad: -1))
  }

  /// Greedy decoding of a batch: at each step the likeliest token, until the end token
  /// or `maxLength` tokens. The end token is not included.
  public func greedy(initial: [Variable], condition: Variable?, maxLength: Int) -> [[Int]] {
    let size = initial[0].rows
    var tokens = [Int](repeating: startToken, count: size)
    var state = initial
    var results = [[Int]](repeating: [], count: size)
    var finished = [Bool](repeating: false, count: size)
    for _ in 0..<maxLength {
      let (logits, next) = step(tokens, state: state, condition: condition)
      state = next
      let vocabulary = logits.columns
      for row in 0..<size {
        let scores = logits.value.data[(row * vocabulary)..<((row + 1) * vocabulary)]
        let best = scores.indices.max { scores[$0] < scores[$1] }! - row * vocabulary
        tokens[row] = best
        if finished[row] { continue }
        if best == endToken { finished[row] = true } else { results[row].append(best) }
      }
      if finished.allSatisfy({ $0 }) { break }
    }
    return results
  }

  /// Sampled decoding of one sequence: each token drawn from the softmax at `temperature`.
  public func sample(
    initial: [Variable], condition: Variable?, maxLength: Int, temperature: Float = 1, rng: inout SeededGenerator
  ) -> [Int] {
    var token = startToken
    var state = initial
    var result: [Int] = []
    for _ in 0..<maxLength {
      let (logits, next) = step([token], state: state, condition: condition)
      state = next
      let scaled = Tensor(shape: logits.shape, data: logits.value.data.map { $0 / max(temperature, 1e-3) })
      let probabilities = softmax(scaled).data
      var draw = rng.nextUnit()
      token = probabilities.count - 1
      for (index, probability) in probabilities.enumerated() {
        draw -= probability
        if draw < 0 {
          token = index
          break
        }
      }
      if token == endToken { break }
      result.append(token)
    }
    return result
  }

  /// Beam search for one sequence: keeps the `width` likeliest partial sequences and
  /// returns the likeliest finished one (by total log-probability divided by length).
  public func beam(initial: [Variable], condition: Variable?, width: Int, maxLength: Int) -> [Int] {
    struct Hypothesis {
      var tokens: [Int]
      var score: Float
      var state: [Variable]
    }
    var live = [Hypothesis(tokens: [], score: 0, state: initial)]
    var done: [Hypothesis] = []
    for _ in 0..<maxLength {
      var candidates: [Hypothesis] = []
      for hypothesis in live {
        let previous = hypothesis.tokens.last ?? startToken
        let (logits, next) = step([previous], state: hypothesis.state, condition: condition)
        let logProbabilities = softmax(logits.value).data.map { logf(max($0, 1e-30)) }
        let best = logProbabilities.indices.sorted { logProbabilities[$0] > logProbabilities[$1] }.prefix(width)
        for token in best {
          candidates.append(
            Hypothesis(
              tokens: hypothesis.tokens + [token], score: hypothesis.score + logProbabilities[token], state: next))
        }
      }
      candidates.sort { $0.score > $1.score }
      live = []
      for candidate in candidates.prefix(width) {
        if candidate.tokens.last == endToken { done.append(candidate) } else { live.append(candidate) }
      }
      if live.isEmpty { break }
    }
    let pool = done.isEmpty ? live : done
    let best = pool.max { $0.score / Float($0.tokens.count) < $1.score / Float($1.tokens.count) }
    return (best?.tokens ?? []).filter { $0 != endToken }
  }

  public func parameters() -> [Parameter] {
    embedding.parameters().prefixed("embedding") + cell.parameters().prefixed("cell")
      + output.parameters().prefixed("output")
  }
}

/// 1 → N: one input vector, a sequence out. The vector sets the decoder's first state
/// (through a `Dense` and tanh) and is fed beside the previous token at every step.
public final class OneToMany: Layer {
  public let initialState: Dense
  public let decoder: SequenceDecoder

  public init(
    inputSize: Int, vocabulary: Int, width: Int, hidden: Int, cell: CellKind, startToken: Int, endToken: Int,
    rng: inout SeededGenerator
  ) {
    decoder = SequenceDecoder(
      vocabulary: vocabulary, width: width, hidden: hidden, cell: cell, conditionSize: inputSize,
      startToken: startToken, endToken: endToken, rng: &rng)
    initialState = Dense(input: inputSize, output: hidden * decoder.cell.stateCount, rng: &rng)
  }

  private func start(_ vectors: [[Float]]) -> (state: [Variable], condition: Variable) {
    let condition = constant(Tensor(shape: [vectors.count, decoder.conditionSize], data: vectors.flatMap { $0 }))
    let projected = tanh(initialState(condition))
    let hidden = decoder.cell.hiddenSize
    let state = (0..<decoder.cell.stateCount).map { sliceColumns(projected, start: $0 * hidden, count: hidden) }
    return (state, condition)
  }

  public func loss(_ vectors: [[Float]], targets: [[Int]]) -> Variable {
    let (state, condition) = start(vectors)
    return decoder.teacherForcedLoss(initial: state, condition: condition, targets: targets)
  }

  public func greedy(_ vectors: [[Float]], maxLength: Int) -> [[Int]] {
    withoutGradients {
      let (state, condition) = start(vectors)
      return decoder.greedy(initial: state, condition: condition, maxLength: maxLength)
    }
  }

  public func sample(_ vector: [Float], maxLength: Int, temperature: Float = 1, rng: inout SeededGenerator) -> [Int] {
    withoutGradients {
      let (state, condition) = start([vector])
      return decoder.sample(
        initial: state, condition: condition, maxLength: maxLength, temperature: temperature, rng: &rng)
    }
  }

  public func parameters() -> [Parameter] {
    initialState.parameters().prefixed("initial") + decoder.parameters().prefixed("decoder")
  }
}

/// N → M (encoder–decoder): the encoder reads the source into a context C (its final
/// state), which is the decoder's initial state; the decoder generates the target.
public final class Seq2Seq: Layer {
  public let sourceEmbedding: Embedding
  public let encoder: RecurrentEncoder
  public let decoder: SequenceDecoder

  public init(
    sourceVocabulary: Int, targetVocabulary: Int, width: Int, hidden: Int, cell: CellKind, startToken: Int,
    endToken: Int, rng: inout SeededGenerator
  ) {
    sourceEmbedding = Embedding(vocabulary: sourceVocabulary, width: width, rng: &rng)
    encoder = RecurrentEncoder(kind: cell, input: width, hidden: hidden, bidirectional: false, rng: &rng)
    decoder = SequenceDecoder(
      vocabulary: targetVocabulary, width: width, hidden: hidden, cell: cell, startToken: startToken,
      endToken: endToken, rng: &rng)
  }

  /// The context C: the encoder's final state for each source `[batch, hidden]` (× 2 for LSTM).
  public func context(_ sources: [[Int]]) -> [Variable] {
    let batch = SequenceBatch(lengths: sources.map(\.count))
    guard batch.steps > 0 else { return decoder.cell.initialState(batch: sources.count) }
    return encoder(sourceEmbedding(batch.timeMajor(sources, pad: -1)), batch: batch).finalState
  }

  public func loss(_ sources: [[Int]], targets: [[Int]]) -> Variable {
    decoder.teacherForcedLoss(initial: context(sources), condition: nil, targets: targets)
  }

  public func greedy(_ sources: [[Int]], maxLength: Int) -> [[Int]] {
    withoutGradients { decoder.greedy(initial: context(sources), condition: nil, maxLength: maxLength) }
  }

  public func beam(_ source: [Int], width: Int, maxLength: Int) -> [Int] {
    withoutGradients { decoder.beam(initial: context([source]), condition: nil, width: width, maxLength: maxLength) }
  }

  public func parameters() -> [Parameter] {
    sourceEmbedding.parameters().prefixed("source_embedding") + encoder.parameters().prefixed("encoder")
      + decoder.parameters().prefixed("decoder")
  }
}
