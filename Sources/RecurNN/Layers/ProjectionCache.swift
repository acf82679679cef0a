import Foundation

/// Remembered input projections of word-table rows, for inference.
///
/// A recurrent layer fed by a word table projects each token as `e_id · W_x + b`: the same
/// product for every occurrence of a word. Without gradients the layer looks the
/// projection up here instead, computed once per word by the same kernel in the same
/// order, so the result is bit-identical to projecting the token afresh. Features fed
/// beside the word (characters, casing) are projected as usual and added on, which
/// continues the same sum.
///
/// Rows are filled as words are first seen, while the process-wide budget
/// (`ProjectionCache.budgetBytes`, shared by every cache) has room; words past that are
/// projected each time. A change to the table, the weights or the bias (their `version`)
/// starts a new cache.
final class ProjectionCache: @unchecked Sendable {
  /// One generation of rows; written rows never change, so readers copy them unlocked.
  private final class Storage {
    let key: [UInt64]
    let width: Int
    let capacity: Int
    let rows: UnsafeMutablePointer<Float>
    /// The padding row: the bias alone.
    let bias: UnsafeMutablePointer<Float>
    /// Each table row's slot in `rows`, −1 when not yet projected.
    var slots: [Int32]
    var used = 0
    /// Rows paid for from the budget so far.
    var granted = 0

    init(key: [UInt64], vocabulary: Int, width: Int, capacity: Int, bias: [Float]) {
      self.key = key
      self.width = width
      self.capacity = capacity
      rows = .allocate(capacity: max(1, capacity * width))
      self.bias = .allocate(capacity: max(1, width))
      self.bias.initialize(from: bias, count: width)
      slots = [Int32](repeating: -1, count: vocabulary)
    }

    deinit {
      rows.deallocate()
      bias.deallocate()
      ProjectionCache.giveBack(granted * width * MemoryLayout<Float>.size)
    }

    /// Room for `count` more rows, paid from the budget a block of rows at a time.
    func room(_ count: Int) -> Int {
      let wanted = min(used + count, capacity)
      if wanted > granted {
        let block = max(wanted - granted, 1024)
        let rowBytes = width * MemoryLayout<Float>.size
        granted += ProjectionCache.take(rows: min(block, capacity - granted), of: rowBytes)
      }
      return max(0, min(granted, capacity) - used)
    }
  }

  private var storage: Storage?
  private let lock = NSLock()
  /// The most memory one cache's rows may take.
  var limitBytes = 48 << 20

  /// The most memory all caches' rows take together (the shipped models' word tables
  /// would take about 190 MB projected in full; a Zipfian text meets most of its tokens
  /// in its commonest words).
  nonisolated(unsafe) static var budgetBytes = 64 << 20
  nonisolated(unsafe) private static var spentBytes = 0
  private static let budgetLock = NSLock()

  /// Up to `rows` rows of `rowBytes` from the budget; returns how many were granted.
  static func take(rows: Int, of rowBytes: Int) -> Int {
    budgetLock.lock()
    defer { budgetLock.unlock() }
    let granted = max(0, min(rows, (budgetBytes - spentBytes) / max(1, rowBytes)))
    spentBytes += granted * rowBytes
    return granted
  }

  static func giveBack(_ bytes: Int) {
    budgetLock.lock()
    spentBytes -= bytes
    budgetLock.unlock()
  }

  /// The projection `b + table[id] · W_x[0..<tableWidth]` of each id (`b` alone for the
  /// padding id −1), as a pointer to its row of `width` floats: into the cache, or into
  /// `overflow` for words past the cache's room. The rows stay valid while `keepAlive` and
  /// `overflow` do.
  func rows(
    ids: [Int], table: Variable, weight: Variable, bias: Variable, overflow: inout ScratchBuffer
  ) -> (pointers: [UnsafePointer<Float>], keepAlive: AnyObject) {
    let width = weight.columns
    let vocabulary = table.rows
    let key = [
      UInt64(UInt(bitPattern: ObjectIdentifier(table).hashValue)), table.version, weight.version, bias.version,
    ]
    lock.lock()
    if storage == nil || storage!.key != key || storage!.width != width {
      let capacity = min(vocabulary, limitBytes / max(1, width * MemoryLayout<Float>.size))
      storage = Storage(key: key, vocabulary: vocabulary, width: width, capacity: capacity, bias: bias.value.data)
    }
    let current = storage!
    // Words not yet projected, in order of first appearance, while there is room.
    var fresh: [Int] = []
    var room = 0
    for id in ids where id >= 0 && current.slots[id] < 0 {
      if room == 0 {
        room = current.room(fresh.count + 1) - fresh.count
        if room <= 0 { break }
      }
      current.slots[id] = Int32(current.used + fresh.count)
      fresh.append(id)
      room -= 1
    }
    if !fresh.isEmpty {
      projectRows(fresh, table: table, weight: weight, bias: bias, into: current.rows + current.used * width)
      current.used += fresh.count
    }
    let slots = ids.map { $0 >= 0 ? Int(current.slots[$0]) : -2 }
    lock.unlock()

    let uncached = slots.indices.filter { slots[$0] == -1 }
    let spill = overflow.reserve(uncached.count * width)
    if !uncached.isEmpty {
      projectRows(uncached.map { ids[$0] }, table: table, weight: weight, bias: bias, into: spill)
    }
    var next = 0
    let pointers = slots.map { slot -> UnsafePointer<Float> in
      if slot >= 0 { return UnsafePointer(current.rows + slot * width) }
      if slot == -2 { return UnsafePointer(current.bias) }
      defer { next += 1 }
      return UnsafePointer(spill + next * width)
    }
    return (pointers, current)
  }

  /// `b + table[id] · W_x[0..<tableWidth]` for each id, by the engine's kernel.
  private func projectRows(
    _ ids: [Int], table: Variable, weight: Variable, bias: Variable, into out: UnsafeMutablePointer<Float>
  ) {
    let tableWidth = table.columns
    let gathered = UnsafeMutablePointer<Float>.allocate(capacity: max(1, ids.count * tableWidth))
    defer { gathered.deallocate() }
    table.value.data.withUnsafeBufferPointer { pt in
      for (row, id) in ids.enumerated() {
        (gathered + row * tableWidth).update(from: pt.baseAddress! + id * tableWidth, count: tableWidth)
      }
    }
    projectInputRows(gathered, count: ids.count, width: tableWidth, weight: weight, bias: bias, into: out)
  }
}

/// `b + rows[i] · W_x[0..<width]` for each of `count` rows of `width` values (a word's
/// input projection, without the features beside it), by the engine's kernel.
func projectInputRows(
  _ rows: UnsafePointer<Float>, count: Int, width rowWidth: Int, weight: Variable, bias: Variable,
  into out: UnsafeMutablePointer<Float>
) {
  let width = weight.columns
  bias.value.data.withUnsafeBufferPointer { pb in
    for row in 0..<count { (out + row * width).update(from: pb.baseAddress!, count: width) }
  }
  weight.value.data.withUnsafeBufferPointer { pw in
    product(rows, pw.baseAddress!, out, m: count, n: width, k: rowWidth, accumulate: true)
  }
}
