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
/// Rows are filled as words are first seen, up to `limitBytes`; words past that are
/// projected each time. A change to the table, the weights or the bias (their
/// `version`) starts a new cache.
final class ProjectionCache: @unchecked Sendable {
  /// One generation of rows; written rows never change, so readers copy them unlocked.
  private final class Storage {
    let key: [UInt64]
    let width: Int
    let capacity: Int
    let rows: UnsafeMutablePointer<Float>
    /// Each table row's slot in `rows`, −1 when not yet projected.
    var slots: [Int32]
    var used = 0

    init(key: [UInt64], vocabulary: Int, width: Int, capacity: Int) {
      self.key = key
      self.width = width
      self.capacity = capacity
      rows = .allocate(capacity: max(1, capacity * width))
      slots = [Int32](repeating: -1, count: vocabulary)
    }

    deinit { rows.deallocate() }
  }

  private var storage: Storage?
  private let lock = NSLock()
  /// The most memory one cache's rows may take.
  var limitBytes = 48 << 20

  /// Writes `[ids.count, width]` rows: `b + table[id] · W_x[0..<tableWidth]` for each id
  /// (`b` alone for the padding id −1).
  func project(
    ids: [Int], table: Variable, weight: Variable, bias: Variable, into out: UnsafeMutablePointer<Float>
  ) {
    let width = weight.columns
    let vocabulary = table.rows
    let key = [
      UInt64(UInt(bitPattern: ObjectIdentifier(table).hashValue)), table.version, weight.version, bias.version,
    ]
    lock.lock()
    if storage == nil || storage!.key != key || storage!.width != width {
      let capacity = min(vocabulary, limitBytes / max(1, width * MemoryLayout<Float>.size))
      storage = Storage(key: key, vocabulary: vocabulary, width: width, capacity: capacity)
    }
    let current = storage!
    // Words not yet projected, in order of first appearance, while there is room.
    var fresh: [Int] = []
    for id in ids where id >= 0 && current.slots[id] < 0 && current.used + fresh.count < current.capacity {
      current.slots[id] = Int32(current.used + fresh.count)
      fresh.append(id)
    }
    if !fresh.isEmpty {
      projectRows(fresh, table: table, weight: weight, bias: bias, into: current.rows + current.used * width)
      current.used += fresh.count
    }
    let slots = ids.map { $0 >= 0 ? Int(current.slots[$0]) : -2 }
    lock.unlock()

    var uncached: [Int] = []
    bias.value.data.withUnsafeBufferPointer { pb in
      for (row, slot) in slots.enumerated() {
        let target = out + row * width
        if slot >= 0 {
          target.update(from: current.rows + slot * width, count: width)
        } else if slot == -2 {
          target.update(from: pb.baseAddress!, count: width)
        } else {
          uncached.append(row)
        }
      }
    }
    guard !uncached.isEmpty else { return }
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: uncached.count * width)
    defer { scratch.deallocate() }
    projectRows(uncached.map { ids[$0] }, table: table, weight: weight, bias: bias, into: scratch)
    for (index, row) in uncached.enumerated() {
      (out + row * width).update(from: scratch + index * width, count: width)
    }
  }

  /// `b + table[id] · W_x[0..<tableWidth]` for each id, by the engine's kernel.
  private func projectRows(
    _ ids: [Int], table: Variable, weight: Variable, bias: Variable, into out: UnsafeMutablePointer<Float>
  ) {
    let width = weight.columns
    let tableWidth = table.columns
    let gathered = UnsafeMutablePointer<Float>.allocate(capacity: max(1, ids.count * tableWidth))
    defer { gathered.deallocate() }
    table.value.data.withUnsafeBufferPointer { pt in
      for (row, id) in ids.enumerated() {
        (gathered + row * tableWidth).update(from: pt.baseAddress! + id * tableWidth, count: tableWidth)
      }
    }
    bias.value.data.withUnsafeBufferPointer { pb in
      for row in 0..<ids.count { (out + row * width).update(from: pb.baseAddress!, count: width) }
    }
    weight.value.data.withUnsafeBufferPointer { pw in
      product(gathered, pw.baseAddress!, out, m: ids.count, n: width, k: tableWidth, accumulate: true)
    }
  }
}
