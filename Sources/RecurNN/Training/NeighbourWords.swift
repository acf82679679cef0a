#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Language-model pretraining for a bidirectional encoder without labels: the forward
/// output at step t should tell word t + 1, the backward output at step t word t − 1
/// (the two directions of Peters et al. 2018), each learned by negative sampling (Mikolov
/// et al. 2013) instead of a softmax over the vocabulary: the true word should score high,
/// `negatives` words drawn from the unigram distribution to the power 3/4 low.
///
/// Only the `targets` most frequent word ids are predicted (ids below `targets`: a
/// vocabulary in frequency order); the encoder still reads every word.
public final class NeighbourWordPrediction: Layer {
  /// `[targets, hidden]`: each target word's output vector.
  public let table: Variable
  /// `[targets]`.
  public let bias: Variable
  public let negatives: Int
  /// Cumulative sampling weights of the target words (count^0.75).
  private let cumulative: [Double]

  /// - counts: how often each target word id occurs in the text (its length is the
  ///   number of targets).
  public init(counts: [Int], hidden: Int, negatives: Int = 16, rng: inout SeededGenerator) {
    precondition(!counts.isEmpty && negatives > 0, "NeighbourWordPrediction: no targets or negatives")
    table = Variable(Initializer.normal([counts.count, hidden], std: 0.01, rng: &rng), requiresGradient: true)
    bias = Variable(Tensor(zeros: [counts.count]), requiresGradient: true)
    self.negatives = negatives
    var running = 0.0
    cumulative = counts.map {
      running += pow(Double(max($0, 0)), 0.75)
      return running
    }
  }

  public var targets: Int { table.rows }
  public var hidden: Int { table.columns }

  /// One word id drawn with probability proportional to count^0.75.
  func sample(_ rng: inout SeededGenerator) -> Int {
    let total = cumulative[cumulative.count - 1]
    guard total > 0 else { return Int(rng.next() % UInt64(cumulative.count)) }
    let point = Double(rng.next() >> 11) / Double(1 << 53) * total
    var low = 0
    var high = cumulative.count - 1
    while low < high {
      let middle = (low + high) / 2
      if cumulative[middle] > point { high = middle } else { low = middle + 1 }
    }
    return low
  }

  /// The mean negative-sampling loss of a bidirectional encoder's `outputs`
  /// (`[time × batch, 2 × hidden]`, forward half first) for the time-major word `ids`
  /// they read (−1 for padding). One set of negatives serves the whole batch.
  public func loss(_ outputs: Variable, ids: [Int], batch: SequenceBatch, rng: inout SeededGenerator) -> Variable {
    precondition(outputs.columns == 2 * hidden, "NeighbourWordPrediction: outputs \(outputs.shape), hidden \(hidden)")
    let drawn = (0..<negatives).map { _ in sample(&rng) }
    return negativeSamplingLoss(
      outputs, entries: entries(ids: ids, batch: batch), table: table, bias: bias, negatives: drawn)
  }

  /// What each output row should tell: per real step, the forward half (column 0) the next
  /// word and the backward half (column `hidden`) the previous one, where that word is
  /// one of the targets.
  func entries(ids: [Int], batch: SequenceBatch) -> [NeighbourEntry] {
    var entries: [NeighbourEntry] = []
    entries.reserveCapacity(2 * batch.rows)
    for step in 0..<batch.steps {
      for (index, length) in batch.lengths.enumerated() where step < length {
        let row = step * batch.size + index
        if step + 1 < length, case let next = ids[row + batch.size], next >= 0, next < targets {
          entries.append(NeighbourEntry(row: row, column: 0, target: next))
        }
        if step > 0, case let previous = ids[row - batch.size], previous >= 0, previous < targets {
          entries.append(NeighbourEntry(row: row, column: hidden, target: previous))
        }
      }
    }
    return entries
  }

  public func parameters() -> [Parameter] {
    [Parameter("W", table), Parameter("b", bias)]
  }
}

/// A hidden vector (`hidden`'s row `row`, from column `column`) and the word it should score.
public struct NeighbourEntry: Sendable, Equatable {
  public var row: Int
  public var column: Int
  public var target: Int
  public init(row: Int, column: Int, target: Int) {
    self.row = row
    self.column = column
    self.target = target
  }
}

/// Negative sampling: each entry's vector `h` (a `table.columns`-wide slice of a row of
/// `hidden`) scores word w as `h · table[w] + bias[w]`; the loss is the mean over entries
/// of −log σ(s(target)) − Σ log σ(−s(negative)), a negative equal to the entry's target
/// left out.
public func negativeSamplingLoss(
  _ hidden: Variable, entries: [NeighbourEntry], table: Variable, bias: Variable, negatives: [Int]
) -> Variable {
  let width = table.columns
  let columns = hidden.columns
  let candidates = 1 + negatives.count
  // Per entry and candidate (target first): d loss / d score.
  var slopes = [Float](repeating: 0, count: entries.count * candidates)
  var total: Double = 0
  hidden.value.data.withUnsafeBufferPointer { h in
    table.value.data.withUnsafeBufferPointer { w in
      bias.value.data.withUnsafeBufferPointer { b in
        for (number, entry) in entries.enumerated() {
          precondition(entry.column + width <= columns, "negativeSamplingLoss: entry outside the row")
          let vector = h.baseAddress! + entry.row * columns + entry.column
          for candidate in 0..<candidates {
            let word = candidate == 0 ? entry.target : negatives[candidate - 1]
            if candidate > 0 && word == entry.target { continue }
            let weights = w.baseAddress! + word * width
            var score = b[word]
            for index in 0..<width { score += vector[index] * weights[index] }
            // Positive: −log σ(s), slope σ(s) − 1; negative: −log σ(−s), slope σ(s).
            let sign: Float = candidate == 0 ? 1 : -1
            let margin = sign * score
            total += Double(margin > 0 ? log1pf(expf(-margin)) : -margin + log1pf(expf(margin)))
            let probability = 1 / (1 + expf(-score))
            slopes[number * candidates + candidate] = candidate == 0 ? probability - 1 : probability
          }
        }
      }
    }
  }
  let denominator = Float(max(entries.count, 1))
  let value = Tensor(shape: [1, 1], data: [Float(total) / denominator])
  return Variable(value, inputs: [hidden, table, bias]) { result in
    let scale = result.gradient![0] / denominator
    let hiddenValues = hidden.value.data
    let tableValues = table.value.data
    /// Calls `body(vector start in hidden, word, slope)` for each scored candidate with a slope.
    func eachSlope(_ body: (Int, Int, Float) -> Void) {
      for (number, entry) in entries.enumerated() {
        for candidate in 0..<candidates {
          let slope = slopes[number * candidates + candidate] * scale
          guard slope != 0 else { continue }
          body(entry.row * columns + entry.column, candidate == 0 ? entry.target : negatives[candidate - 1], slope)
        }
      }
    }
    if hidden.requiresGradient {
      hidden.accumulate { target in
        eachSlope { base, word, slope in
          for index in 0..<width { target[base + index] += slope * tableValues[word * width + index] }
        }
      }
    }
    if table.requiresGradient {
      table.accumulate { target in
        eachSlope { base, word, slope in
          for index in 0..<width { target[word * width + index] += slope * hiddenValues[base + index] }
        }
      }
    }
    if bias.requiresGradient {
      bias.accumulate { target in eachSlope { _, word, slope in target[word] += slope } }
    }
  }
}
