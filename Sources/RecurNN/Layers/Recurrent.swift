import Foundation

/// Input rows given in place of a word table's rows at some positions of a batch (words
/// the table does not hold), for a layer fed by the table.
public struct GivenRows {
  /// Time-major row positions, each at most once.
  public var positions: [Int]
  /// The distinct rows, `[k, table width]`.
  public var rows: Tensor
  /// The row of `rows` each position reads (positions holding the same word share one).
  public var rowOfPosition: [Int]

  public init(positions: [Int], rows: Tensor, rowOfPosition: [Int]) {
    precondition(
      rowOfPosition.count == positions.count && rowOfPosition.allSatisfy { (0..<rows.rows).contains($0) },
      "GivenRows: \(positions.count) positions, \(rows.rows) rows")
    self.positions = positions
    self.rows = rows
    self.rowOfPosition = rowOfPosition
  }
}

/// Runs a cell over a padded batch. Padding never changes a result: at a padded step
/// the state is carried through unchanged, so each sequence ends in the state of its
/// own last step, alone or in a batch.
public final class Recurrent: Layer {
  public let cell: any RecurrentCell
  /// Runs from the last step to the first (the backward half of a bidirectional layer).
  public let reverse: Bool

  public init(cell: any RecurrentCell, reverse: Bool = false) {
    self.cell = cell
    self.reverse = reverse
  }

  /// - x: `[time × batch, input]`, time-major.
  /// - Returns: outputs `[time × batch, hidden]` and the final state (each `[batch, hidden]`).
  public func callAsFunction(
    _ x: Variable, batch: SequenceBatch, initialState: [Variable]? = nil
  ) -> (outputs: Variable, final: [Variable]) {
    guard batch.steps > 0 else { return withoutSteps(batch: batch, initialState: initialState) }
    return runSequence(
      cell, projected: cell.projectInputs(x), batch: batch, initialState: initialState, reverse: reverse)
  }

  /// Without gradients, fed by the column blocks `parts` of the input (`[time × batch, …]`
  /// each, as a bidirectional layer below gives them), never put side by side: the same
  /// as `self(x, …)` with `x` the parts joined. When the batch is in order each step
  /// projects its own rows as it runs; otherwise every row is projected first.
  public func callAsFunction(parts: [Variable], batch: SequenceBatch, initialState: [Variable]? = nil) -> (
    outputs: Variable, final: [Variable]
  ) {
    precondition(!GradientMode.isEnabled, "Recurrent: parts are read only without gradients")
    guard batch.steps > 0 else { return withoutSteps(batch: batch, initialState: initialState) }
    let weight = cell.inputWeight
    let bias = cell.inputBias
    return runSequenceWithoutGradients(cell, batch: batch, initialState: initialState, reverse: reverse) { run in
      if run.inOrder {
        return (
          .eachStep { time, rows, gates in
            affineRows(parts, weight, bias, rows: (time * batch.size)..<(time * batch.size + rows), into: gates)
          }, run
        )
      }
      let width = weight.columns
      let out = run.workspace.projected.reserve(batch.rows * width)
      affineRows(parts, weight, bias, rows: 0..<batch.rows, into: out)
      return (.rows((0..<batch.rows).map { UnsafePointer(out + $0 * width) }), run)
    }
  }

  /// The result of a batch with no steps: no outputs, and the initial state as the final one.
  private func withoutSteps(batch: SequenceBatch, initialState: [Variable]?) -> (
    outputs: Variable, final: [Variable]
  ) {
    (Variable(Tensor(zeros: [0, cell.hiddenSize])), initialState ?? cell.initialState(batch: batch.size))
  }

  /// Input projections of word-table rows, remembered for inference.
  let projections = ProjectionCache()

  /// A layer fed by a word table: the same as `self(x, …)` with `x` the table's rows for
  /// `ids` (time-major, −1 for padding) beside `rest` (`[ids.count, features]`, optional).
  /// Without gradients each word's projection comes from `projections`, bit-identical to
  /// projecting it afresh. `given` rows stand in for the table's at their positions (words
  /// the table does not hold: read by their spelling); only without gradients.
  public func callAsFunction(
    ids: [Int], table: Variable, rest: Variable? = nil, given: GivenRows? = nil, batch: SequenceBatch,
    initialState: [Variable]? = nil
  ) -> (outputs: Variable, final: [Variable]) {
    guard !GradientMode.isEnabled else {
      precondition(given == nil, "Recurrent: given rows are read only without gradients")
      let words = gatherRows(table, ids)
      return self(rest.map { concatColumns([words, $0]) } ?? words, batch: batch, initialState: initialState)
    }
    guard batch.steps > 0 else { return withoutSteps(batch: batch, initialState: initialState) }
    let weight = cell.inputWeight
    let width = weight.columns
    let tableWidth = table.columns
    precondition(
      weight.rows == tableWidth + (rest?.columns ?? 0), "Recurrent: table \(table.shape), input weight \(weight.shape)")
    // A given row is no table word: a distinct negative id of its own keeps it out of the
    // cache and apart from every other row.
    var ids = ids
    if let given {
      precondition(given.rows.columns == tableWidth, "Recurrent: given rows \(given.rows.shape), table \(table.shape)")
      for (index, position) in given.positions.enumerated() { ids[position] = -2 - given.rowOfPosition[index] }
    }
    return runSequenceWithoutGradients(cell, batch: batch, initialState: initialState, reverse: reverse) {
      run in
      let space = run.workspace
      var words = projections.rows(
        ids: ids, table: table, weight: weight, bias: cell.inputBias, overflow: &space.overflow)
      if let given, !given.positions.isEmpty {
        let out = space.given.reserve(given.rows.rows * width)
        given.rows.data.withUnsafeBufferPointer { pg in
          projectInputRows(
            pg.baseAddress!, count: given.rows.rows, width: tableWidth, weight: weight, bias: cell.inputBias, into: out)
        }
        for (index, position) in given.positions.enumerated() {
          words.pointers[position] = UnsafePointer(out + given.rowOfPosition[index] * width)
        }
      }
      guard let rest, rest.columns > 0 else { return (.rows(words.pointers), words.keepAlive) }
      // Features beside the words: the rest of the sum, continued in the same order
      // (rows tableWidth… of W_x) onto a copy of the words' rows — once for each distinct
      // word-and-features row (a word form read the same way projects the same), which
      // every row like it then shares.
      let columns = rest.columns
      return rest.value.data.withUnsafeBufferPointer { pr in
        let (firsts, slots) = Self.distinctRows(ids: ids, rest: pr.baseAddress!, columns: columns)
        let out = space.projected.reserve(firsts.count * width)
        let packed = space.distinctRest.reserve(firsts.count * columns)
        for (slot, row) in firsts.enumerated() {
          (out + slot * width).update(from: words.pointers[row], count: width)
          (packed + slot * columns).update(from: pr.baseAddress! + row * columns, count: columns)
        }
        weight.value.data.withUnsafeBufferPointer { pw in
          product(
            packed, pw.baseAddress! + tableWidth * width, out, m: firsts.count, n: width, k: columns, accumulate: true)
        }
        return (.rows(slots.map { UnsafePointer(out + $0 * width) }), words.keepAlive)
      }
    }
  }

  /// The distinct rows of (`ids[i]`, `rest` row `i`), compared bit for bit: the first row
  /// of each, in order, and each row's index among them.
  static func distinctRows(ids: [Int], rest: UnsafePointer<Float>, columns: Int) -> (firsts: [Int], slots: [Int]) {
    var capacity = 16
    while capacity < 2 * ids.count { capacity *= 2 }
    // Open addressing: each bucket holds a slot + 1, 0 when empty.
    var buckets = [Int32](repeating: 0, count: capacity)
    var firsts: [Int] = []
    var slots = [Int](repeating: 0, count: ids.count)
    let bytes = columns * MemoryLayout<Float>.size
    rest.withMemoryRebound(to: UInt32.self, capacity: ids.count * columns) { bits in
      for row in ids.indices {
        let values = bits + row * columns
        var hash = (0xcbf2_9ce4_8422_2325 ^ UInt64(bitPattern: Int64(ids[row]))) &* 0x100_0000_01b3
        for column in 0..<columns { hash = (hash ^ UInt64(values[column])) &* 0x100_0000_01b3 }
        var bucket = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & (capacity - 1)
        while true {
          let held = Int(buckets[bucket]) - 1
          if held < 0 {
            buckets[bucket] = Int32(firsts.count + 1)
            slots[row] = firsts.count
            firsts.append(row)
            break
          }
          let first = firsts[held]
          if ids[first] == ids[row] && memcmp(bits + first * columns, values, bytes) == 0 {
            slots[row] = held
            break
          }
          bucket = (bucket + 1) & (capacity - 1)
        }
      }
    }
    return (firsts, slots)
  }

  public func parameters() -> [Parameter] {
    cell.parameters()
  }
}

/// One or more recurrent layers, each optionally bidirectional (forward and backward
/// outputs side by side), the outputs of one feeding the next.
public final class RecurrentEncoder: Layer {
  public let kind: CellKind
  public let bidirectional: Bool
  public let hiddenSize: Int
  public let forwardLayers: [Recurrent]
  public let backwardLayers: [Recurrent]

  public init(
    kind: CellKind, input: Int, hidden: Int, layers: Int = 1, bidirectional: Bool, rng: inout SeededGenerator
  ) {
    self.kind = kind
    self.bidirectional = bidirectional
    self.hiddenSize = hidden
    var forward: [Recurrent] = []
    var backward: [Recurrent] = []
    var width = input
    for _ in 0..<max(1, layers) {
      forward.append(Recurrent(cell: makeCell(kind, input: width, hidden: hidden, rng: &rng)))
      if bidirectional {
        backward.append(Recurrent(cell: makeCell(kind, input: width, hidden: hidden, rng: &rng), reverse: true))
      }
      width = bidirectional ? 2 * hidden : hidden
    }
    forwardLayers = forward
    backwardLayers = backward
  }

  /// Width of each output row.
  public var outputSize: Int { bidirectional ? 2 * hiddenSize : hiddenSize }

  /// - x: `[time × batch, input]`.
  /// - Returns: outputs `[time × batch, outputSize]`; the summary `[batch, outputSize]` (the
  ///   forward final state, beside the backward final state — the state after step 0);
  ///   and the last layer's forward final state (for a decoder to start from).
  public func callAsFunction(_ x: Variable, batch: SequenceBatch) -> (
    outputs: Variable, summary: Variable, finalState: [Variable]
  ) {
    encode(batch: batch) { layer in layer(x, batch: batch) }
  }

  /// Fed by a word table: the same as `self(x, …)` with `x` the table's rows for `ids`
  /// (time-major, −1 for padding) beside `rest`; the first layer projects the words
  /// through its cache when there are no gradients (see `Recurrent`).
  public func callAsFunction(
    ids: [Int], table: Variable, rest: Variable? = nil, given: GivenRows? = nil, batch: SequenceBatch
  ) -> (outputs: Variable, summary: Variable, finalState: [Variable]) {
    encode(batch: batch) { layer in layer(ids: ids, table: table, rest: rest, given: given, batch: batch) }
  }

  /// Fed by a word table, only the summary `[batch, outputSize]`: the last layer's two
  /// directions' outputs are never put side by side (a character encoder reads words for
  /// their summary alone).
  public func summary(ids: [Int], table: Variable, batch: SequenceBatch) -> Variable {
    encode(batch: batch, joinLast: false) { layer in layer(ids: ids, table: table, rest: nil, batch: batch) }.summary
  }

  /// Fed by a word table, the last layer's outputs one direction at a time (forward, then
  /// backward when bidirectional), for a caller that reads each half on its own instead
  /// of copying the two side by side.
  public func lastOutputs(
    ids: [Int], table: Variable, rest: Variable? = nil, given: GivenRows? = nil, batch: SequenceBatch
  ) -> [Variable] {
    encode(batch: batch, joinLast: false) { layer in
      layer(ids: ids, table: table, rest: rest, given: given, batch: batch)
    }.last
  }

  private func encode(
    batch: SequenceBatch, firstLayer: (Recurrent) -> (outputs: Variable, final: [Variable])
  ) -> (outputs: Variable, summary: Variable, finalState: [Variable]) {
    let encoded = encode(batch: batch, joinLast: true, firstLayer: firstLayer)
    return (encoded.last[0], encoded.summary, encoded.finalState)
  }

  /// `last` is the last layer's output: one element, or with `joinLast` false and two
  /// directions, the forward and backward outputs apart.
  private func encode(
    batch: SequenceBatch, joinLast: Bool, firstLayer: (Recurrent) -> (outputs: Variable, final: [Variable])
  ) -> (last: [Variable], summary: Variable, finalState: [Variable]) {
    var input: [Variable] = []
    var summary: Variable?
    var finalState: [Variable] = []
    // Without gradients a layer reads the two directions below where they are.
    let inference = !GradientMode.isEnabled
    for index in forwardLayers.indices {
      let below = input
      func run(_ layer: Recurrent) -> (outputs: Variable, final: [Variable]) {
        if below.isEmpty { return firstLayer(layer) }
        return inference ? layer(parts: below, batch: batch) : layer(below[0], batch: batch)
      }
      let forward = run(forwardLayers[index])
      finalState = forward.final
      if bidirectional {
        let backward = run(backwardLayers[index])
        let last = index == forwardLayers.count - 1
        input =
          (last ? !joinLast : inference)
          ? [forward.outputs, backward.outputs] : [concatColumns([forward.outputs, backward.outputs])]
        summary = concatColumns([forward.final[0], backward.final[0]])
      } else {
        input = [forward.outputs]
        summary = forward.final[0]
      }
    }
    return (input, summary!, finalState)
  }

  public func parameters() -> [Parameter] {
    var all: [Parameter] = []
    for (index, layer) in forwardLayers.enumerated() {
      all += layer.parameters().prefixed("layer\(index).forward")
      if bidirectional { all += backwardLayers[index].parameters().prefixed("layer\(index).backward") }
    }
    return all
  }
}

/// Reads each word from its characters with a bidirectional recurrent layer, for word
/// shapes (capitals, prefixes, suffixes, digits) that word vectors miss.
public final class CharacterEncoder: Layer {
  public let embedding: Embedding
  public let encoder: RecurrentEncoder
  public let maxCharacters: Int

  public init(
    alphabet: Int, width: Int, hidden: Int, kind: CellKind, maxCharacters: Int = 24, rng: inout SeededGenerator
  ) {
    embedding = Embedding(vocabulary: alphabet, width: width, rng: &rng)
    encoder = RecurrentEncoder(kind: kind, input: width, hidden: hidden, bidirectional: true, rng: &rng)
    self.maxCharacters = maxCharacters
  }

  public var outputSize: Int { encoder.outputSize }

  /// Character ids of each word → `[words, outputSize]`. Long words keep their first and
  /// last characters (prefix and suffix both matter); an empty word gives zeros.
  ///
  /// Without gradients (tagging), each distinct word is read once, in batches of words of
  /// one length (no padding steps), and remembered: a document's words repeat, and most
  /// words repeat across documents.
  public func callAsFunction(_ words: [[Int]]) -> Variable {
    let clipped = words.map(clip)
    guard GradientMode.isEnabled else { return Variable(inferenceRows(clipped)) }
    let batch = SequenceBatch(lengths: clipped.map(\.count))
    guard batch.steps > 0 else { return Variable(Tensor(zeros: [words.count, outputSize])) }
    let ids = batch.timeMajor(clipped, pad: -1)
    return encoder(embedding(ids), batch: batch).summary
  }

  func clip(_ word: [Int]) -> [Int] {
    guard word.count > maxCharacters else { return word }
    let half = maxCharacters / 2
    return Array(word.prefix(half) + word.suffix(maxCharacters - half))
  }

  /// Remembered readings of words (inference only); emptied when it grows past
  /// `cacheLimit`, and whenever the weights are not the ones it was filled with (training
  /// scores its dev set between steps).
  private let cache = ReadingCache()
  public var cacheLimit = 50_000

  /// A hash of every weight's bits: any change to the weights changes it.
  func weightsFingerprint() -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for parameter in parameters() {
      for value in parameter.variable.value.data {
        hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3
      }
    }
    return hash
  }

  func inferenceRows(_ words: [[Int]]) -> Tensor {
    let width = outputSize
    cache.validate(weightsFingerprint())
    // Each distinct word once: its slot, then its reading (remembered or read now).
    var slotOf: [[Int]: Int] = [:]
    var distinct: [[Int]] = []
    var rowSlots = [Int](repeating: -1, count: words.count)
    for (row, word) in words.enumerated() where !word.isEmpty {
      if let slot = slotOf[word] {
        rowSlots[row] = slot
      } else {
        slotOf[word] = distinct.count
        rowSlots[row] = distinct.count
        distinct.append(word)
      }
    }
    var readings = cache.lookup(distinct)
    let missing = distinct.indices.filter { readings[$0] == nil }
    // Words of one length together: every step of the batch is real.
    var byLength: [Int: [Int]] = [:]
    for slot in missing { byLength[distinct[slot].count, default: []].append(slot) }
    var fresh: [([Int], [Float])] = []
    for length in byLength.keys.sorted() {
      let group = byLength[length]!.sorted { distinct[$0].lexicographicallyPrecedes(distinct[$1]) }
      for start in stride(from: 0, to: group.count, by: 512) {
        let slots = Array(group[start..<min(group.count, start + 512)])
        let slice = slots.map { distinct[$0] }
        let batch = SequenceBatch(lengths: slice.map(\.count))
        let summary = encoder.summary(ids: batch.timeMajor(slice, pad: -1), table: embedding.table, batch: batch).value
        for (row, slot) in slots.enumerated() {
          let reading = Array(summary.data[(row * width)..<((row + 1) * width)])
          readings[slot] = reading
          fresh.append((distinct[slot], reading))
        }
      }
    }
    cache.store(fresh, limit: cacheLimit)
    var data = [Float](repeating: 0, count: words.count * width)
    data.withUnsafeMutableBufferPointer { out in
      for (row, slot) in rowSlots.enumerated() where slot >= 0 {
        readings[slot]!.withUnsafeBufferPointer {
          (out.baseAddress! + row * width).update(from: $0.baseAddress!, count: width)
        }
      }
    }
    return Tensor(shape: [words.count, width], data: data)
  }

  public func parameters() -> [Parameter] {
    embedding.parameters().prefixed("embedding") + encoder.parameters().prefixed("encoder")
  }
}

/// The character encoder's remembered word readings, shared safely between threads.
final class ReadingCache: @unchecked Sendable {
  private var readings: [[Int]: [Float]] = [:]
  private let lock = NSLock()

  /// The remembered reading of each word, nil where there is none.
  func lookup(_ words: [[Int]]) -> [[Float]?] {
    lock.lock()
    defer { lock.unlock() }
    return words.map { readings[$0] }
  }

  func store(_ fresh: [([Int], [Float])], limit: Int) {
    lock.lock()
    defer { lock.unlock() }
    if readings.count + fresh.count > limit { readings.removeAll(keepingCapacity: true) }
    for (word, reading) in fresh where readings[word] == nil { readings[word] = reading }
  }

  private var fingerprint: UInt64?

  /// Forgets every reading when the weights changed since they were read.
  func validate(_ current: UInt64) {
    lock.lock()
    defer { lock.unlock() }
    if fingerprint != current {
      readings.removeAll()
      fingerprint = current
    }
  }
}
