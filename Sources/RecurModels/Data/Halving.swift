extension Array {
  /// The first index whose element is `past`, where every element past it is too (tokens in
  /// text order against an offset), found by halving; `count` when none is.
  func sortedFirstIndex(past: (Element) -> Bool) -> Int {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) / 2
      if past(self[middle]) { high = middle } else { low = middle + 1 }
    }
    return low
  }
}
