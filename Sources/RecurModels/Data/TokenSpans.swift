import RecurText

extension Array where Element == Token {
  /// The tokens (in text order) a span of scalar offsets `start..<end` touches: from the
  /// first ending after `start` (found by halving) to the last starting before `end`.
  func touching(_ start: Int, _ end: Int) -> Range<Int> {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) / 2
      if self[middle].end > start { high = middle } else { low = middle + 1 }
    }
    var past = low
    while past < count, self[past].start < end { past += 1 }
    return low..<past
  }
}
