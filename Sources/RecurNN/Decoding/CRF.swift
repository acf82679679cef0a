#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which tag may follow which: IOB2 rules (an `I-X` only after `B-X` or `I-X`, never at
/// the start). Used by both plain Viterbi decoding and the CRF.
public struct TagConstraints: Sendable, Equatable {
  public let tags: [String]
  /// `allowed[i][j]`: tag j may follow tag i.
  public let allowed: [[Bool]]
  /// Tags a sequence may start with.
  public let allowedStart: [Bool]

  /// No constraints: anything may follow anything.
  public init(unconstrained tags: [String]) {
    self.tags = tags
    allowed = Array(repeating: Array(repeating: true, count: tags.count), count: tags.count)
    allowedStart = Array(repeating: true, count: tags.count)
  }

  /// IOB2 constraints over tag names such as `O`, `B-PER`, `I-PER`.
  public init(bio tags: [String]) {
    self.tags = tags
    func inside(_ tag: String) -> String? { tag.hasPrefix("I-") ? String(tag.dropFirst(2)) : nil }
    func type(_ tag: String) -> String? {
      tag.hasPrefix("B-") || tag.hasPrefix("I-") ? String(tag.dropFirst(2)) : nil
    }
    allowed = tags.map { previous in
      tags.map { next in
        guard let entity = inside(next) else { return true }
        return type(previous) == entity
      }
    }
    allowedStart = tags.map { inside($0) == nil }
  }
}

/// Best tag path through per-step scores and transition scores (log domain).
/// - emissions: `[steps][tags]` scores.
/// - transitions: `[tags][tags]` added when tag j follows tag i (nil: zeros).
/// - start, end: scores of the first and last tag (nil: zeros).
/// Disallowed moves of `constraints` are never taken.
public func viterbi(
  emissions: [[Float]], transitions: [[Float]]? = nil, start: [Float]? = nil, end: [Float]? = nil,
  constraints: TagConstraints? = nil
) -> [Int] {
  guard let first = emissions.first else { return [] }
  let tags = first.count
  let impossible = -Float.infinity
  var score = (0..<tags).map { tag -> Float in
    if let constraints, !constraints.allowedStart[tag] { return impossible }
    return first[tag] + (start?[tag] ?? 0)
  }
  var back: [[Int]] = []
  for step in 1..<max(emissions.count, 1) {
    var next = [Float](repeating: impossible, count: tags)
    var pointers = [Int](repeating: 0, count: tags)
    for tag in 0..<tags {
      for previous in 0..<tags {
        if let constraints, !constraints.allowed[previous][tag] { continue }
        let candidate = score[previous] + (transitions?[previous][tag] ?? 0)
        if candidate > next[tag] {
          next[tag] = candidate
          pointers[tag] = previous
        }
      }
      next[tag] += emissions[step][tag]
    }
    back.append(pointers)
    score = next
  }
  if let end { for tag in 0..<tags { score[tag] += end[tag] } }
  var best = 0
  for tag in 1..<tags where score[tag] > score[best] { best = tag }
  var path = [best]
  for pointers in back.reversed() {
    best = pointers[best]
    path.append(best)
  }
  return path.reversed()
}

/// A linear-chain conditional random field over per-token scores: learned transition,
/// start and end scores; trained by the negative log-likelihood (forward algorithm),
/// decoded by Viterbi, with IOB2 constraints enforced in both.
public final class CRF: Layer {
  public let tagCount: Int
  /// `[tags, tags]`: score of tag j following tag i.
  public let transitions: Variable
  /// `[tags]`
  public let start: Variable
  /// `[tags]`
  public let end: Variable
  public let constraints: TagConstraints?

  public init(tags: Int, constraints: TagConstraints? = nil) {
    tagCount = tags
    transitions = Variable(Tensor(zeros: [tags, tags]), requiresGradient: true)
    start = Variable(Tensor(zeros: [tags]), requiresGradient: true)
    end = Variable(Tensor(zeros: [tags]), requiresGradient: true)
    self.constraints = constraints
  }

  public func parameters() -> [Parameter] {
    [Parameter("transitions", transitions), Parameter("start", start), Parameter("end", end)]
  }

  private func transitionScore(_ previous: Int, _ next: Int) -> Float {
    if let constraints, !constraints.allowed[previous][next] { return -1e4 }
    return transitions.value.data[previous * tagCount + next]
  }

  private func startScore(_ tag: Int) -> Float {
    if let constraints, !constraints.allowedStart[tag] { return -1e4 }
    return start.value.data[tag]
  }

  /// Emission rows of sequence `index` from a time-major `[time × batch, tags]` tensor.
  private func rows(_ emissions: Tensor, batch: SequenceBatch, index: Int) -> [[Float]] {
    (0..<batch.lengths[index]).map { step in
      let row = step * batch.size + index
      return Array(emissions.data[(row * tagCount)..<((row + 1) * tagCount)])
    }
  }

  /// Forward–backward on one sequence: log partition and the marginals of single tags
  /// and of tag pairs.
  func marginals(_ scores: [[Float]]) -> (logZ: Float, unary: [[Float]], pairwise: [[Float]]) {
    let steps = scores.count
    let tags = tagCount
    var alpha = [[Float]](repeating: [Float](repeating: 0, count: tags), count: steps)
    var beta = alpha
    for tag in 0..<tags { alpha[0][tag] = scores[0][tag] + startScore(tag) }
    for step in 1..<max(steps, 1) {
      for tag in 0..<tags {
        alpha[step][tag] =
          logSumExp((0..<tags).map { alpha[step - 1][$0] + transitionScore($0, tag) }) + scores[step][tag]
      }
    }
    for tag in 0..<tags { beta[steps - 1][tag] = end.value.data[tag] }
    for step in stride(from: steps - 2, through: 0, by: -1) {
      for tag in 0..<tags {
        beta[step][tag] = logSumExp(
          (0..<tags).map { transitionScore(tag, $0) + scores[step + 1][$0] + beta[step + 1][$0] })
      }
    }
    let logZ = logSumExp((0..<tags).map { alpha[steps - 1][$0] + end.value.data[$0] })
    let unary = (0..<steps).map { step in (0..<tags).map { expf(alpha[step][$0] + beta[step][$0] - logZ) } }
    var pairwise = [[Float]](repeating: [Float](repeating: 0, count: tags), count: tags)
    for step in 1..<max(steps, 1) {
      for previous in 0..<tags {
        for tag in 0..<tags {
          pairwise[previous][tag] += expf(
            alpha[step - 1][previous] + transitionScore(previous, tag) + scores[step][tag] + beta[step][tag] - logZ)
        }
      }
    }
    return (logZ, unary, pairwise)
  }

  private func pathScore(_ scores: [[Float]], _ path: [Int]) -> Float {
    var total = startScore(path[0]) + scores[0][path[0]]
    for step in 1..<path.count { total += transitionScore(path[step - 1], path[step]) + scores[step][path[step]] }
    return total + end.value.data[path[path.count - 1]]
  }

  /// Mean negative log-likelihood of the gold paths.
  /// - emissions: `[time × batch, tags]`, time-major.
  /// - gold: each sequence's tags (its length is the sequence's).
  /// - allowed: per sequence, empty (the gold path is the answer) or one bit set a step
  ///   (bit t: tag t may stand there). A partially labelled sequence is scored by the
  ///   likelihood of all the paths its sets allow (Tsuboi et al. 2008), so a name of a
  ///   type its source never marks is not taught as `O`.
  public func negativeLogLikelihood(
    _ emissions: Variable, gold: [[Int]], allowed: [[UInt64]]? = nil, batch: SequenceBatch
  ) -> Variable {
    var loss: Float = 0
    typealias Marginals = (unary: [[Float]], pairwise: [[Float]])
    var perSequence: [(all: Marginals, allowed: Marginals?)] = []
    for index in 0..<batch.size where batch.lengths[index] > 0 {
      let scores = rows(emissions.value, batch: batch, index: index)
      let result = marginals(scores)
      if let masks = allowed?[index], !masks.isEmpty {
        precondition(masks.count == scores.count && tagCount <= 64, "one tag set a step, at most 64 tags")
        let limited = marginals(Self.restricted(scores, to: masks))
        loss += result.logZ - limited.logZ
        perSequence.append(((result.unary, result.pairwise), (limited.unary, limited.pairwise)))
      } else {
        loss += result.logZ - pathScore(scores, gold[index])
        perSequence.append(((result.unary, result.pairwise), nil))
      }
    }
    let count = Float(max(1, batch.lengths.filter { $0 > 0 }.count))
    let inputs = [emissions, transitions, start, end]
    return Variable(Tensor(shape: [1, 1], data: [loss / count]), inputs: inputs) { result in
      let scale = result.gradient![0] / count
      let tags = self.tagCount
      var emissionDelta = [Float](repeating: 0, count: emissions.value.count)
      var transitionDelta = [Float](repeating: 0, count: tags * tags)
      var startDelta = [Float](repeating: 0, count: tags)
      var endDelta = [Float](repeating: 0, count: tags)
      var next = 0
      for index in 0..<batch.size where batch.lengths[index] > 0 {
        let (all, limited) = perSequence[next]
        next += 1
        let length = batch.lengths[index]
        // The expected counts under all paths, less those of the paths that count as right.
        for (marginals, sign) in [(all, Float(1))] + (limited.map { [($0, Float(-1))] } ?? []) {
          let weight = sign * scale
          for step in 0..<length {
            let row = step * batch.size + index
            for tag in 0..<tags { emissionDelta[row * tags + tag] += weight * marginals.unary[step][tag] }
          }
          for previous in 0..<tags {
            for tag in 0..<tags { transitionDelta[previous * tags + tag] += weight * marginals.pairwise[previous][tag] }
          }
          for tag in 0..<tags {
            startDelta[tag] += weight * marginals.unary[0][tag]
            endDelta[tag] += weight * marginals.unary[length - 1][tag]
          }
        }
        if limited == nil {
          let path = gold[index]
          for step in 0..<length {
            emissionDelta[(step * batch.size + index) * tags + path[step]] -= scale
            if step > 0 { transitionDelta[path[step - 1] * tags + path[step]] -= scale }
          }
          startDelta[path[0]] -= scale
          endDelta[path[length - 1]] -= scale
        }
      }
      if emissions.requiresGradient { emissions.accumulate(emissionDelta) }
      self.transitions.accumulate(transitionDelta)
      self.start.accumulate(startDelta)
      self.end.accumulate(endDelta)
    }
  }

  /// Scores with every tag outside a step's set made impossible.
  static func restricted(_ scores: [[Float]], to masks: [UInt64]) -> [[Float]] {
    zip(scores, masks).map { row, mask in
      row.enumerated().map { tag, score in mask & (1 << UInt64(tag)) != 0 ? score : -1e30 }
    }
  }

  /// Best path of each sequence, with each tag's marginal probability (its confidence).
  public func decode(_ emissions: Tensor, batch: SequenceBatch) -> [(tags: [Int], confidence: [Float])] {
    let transitionScores = (0..<tagCount).map { previous in (0..<tagCount).map { transitionScore(previous, $0) } }
    let startScores = (0..<tagCount).map(startScore)
    let weights = ScaledWeights(transitions: transitionScores.flatMap { $0 }, start: startScores, end: end.value.data)
    return (0..<batch.size).map { index in
      guard batch.lengths[index] > 0 else { return ([], []) }
      let scores = rows(emissions, batch: batch, index: index)
      let path = viterbi(
        emissions: scores, transitions: transitionScores, start: startScores, end: end.value.data,
        constraints: constraints)
      let unary = tagMarginals(scores, weights) ?? marginals(scores).unary
      return (path, path.enumerated().map { unary[$0.offset][$0.element] })
    }
  }

  /// `exp` of the transition, start and end scores, each shifted by its largest value
  /// (shifts cancel when the marginals are normalised).
  struct ScaledWeights {
    var transitions: [Float]
    var start: [Float]
    var end: [Float]

    init(transitions: [Float], start: [Float], end: [Float]) {
      func scaled(_ values: [Float]) -> [Float] {
        let largest = values.max() ?? 0
        return values.map { expf($0 - largest) }
      }
      self.transitions = scaled(transitions)
      self.start = scaled(start)
      self.end = scaled(end)
    }
  }

  /// The probability of each tag at each step, by forward–backward in probability space
  /// with every step rescaled to sum 1: `tags` exponentials a step, where the log-space
  /// pass of `marginals` takes hundreds. Nil when a step's total underflows (the caller
  /// falls back to the log-space pass).
  func tagMarginals(_ scores: [[Float]], _ weights: ScaledWeights) -> [[Float]]? {
    let steps = scores.count
    let tags = tagCount
    var emission = [Float](repeating: 0, count: steps * tags)
    for step in 0..<steps {
      let largest = scores[step].max() ?? 0
      for tag in 0..<tags { emission[step * tags + tag] = expf(scores[step][tag] - largest) }
    }
    var alpha = [Float](repeating: 0, count: steps * tags)
    var beta = [Float](repeating: 0, count: steps * tags)
    func normalise(_ values: inout [Float], _ step: Int) -> Bool {
      var total: Float = 0
      for tag in 0..<tags { total += values[step * tags + tag] }
      guard total > 0, total.isFinite else { return false }
      for tag in 0..<tags { values[step * tags + tag] /= total }
      return true
    }
    for tag in 0..<tags { alpha[tag] = weights.start[tag] * emission[tag] }
    guard normalise(&alpha, 0) else { return nil }
    for step in 1..<max(steps, 1) {
      for tag in 0..<tags {
        var sum: Float = 0
        for previous in 0..<tags {
          sum += alpha[(step - 1) * tags + previous] * weights.transitions[previous * tags + tag]
        }
        alpha[step * tags + tag] = sum * emission[step * tags + tag]
      }
      guard normalise(&alpha, step) else { return nil }
    }
    for tag in 0..<tags { beta[(steps - 1) * tags + tag] = weights.end[tag] }
    guard normalise(&beta, steps - 1) else { return nil }
    for step in stride(from: steps - 2, through: 0, by: -1) {
      for tag in 0..<tags {
        var sum: Float = 0
        for next in 0..<tags {
          sum +=
            weights.transitions[tag * tags + next] * emission[(step + 1) * tags + next] * beta[(step + 1) * tags + next]
        }
        beta[step * tags + tag] = sum
      }
      guard normalise(&beta, step) else { return nil }
    }
    var unary: [[Float]] = []
    unary.reserveCapacity(steps)
    for step in 0..<steps {
      var row = (0..<tags).map { alpha[step * tags + $0] * beta[step * tags + $0] }
      let total = row.reduce(0, +)
      guard total > 0, total.isFinite else { return nil }
      for tag in 0..<tags { row[tag] /= total }
      unary.append(row)
    }
    return unary
  }
}

func logSumExp(_ values: [Float]) -> Float {
  guard let largest = values.max(), largest > -Float.infinity else { return -Float.infinity }
  var total: Float = 0
  for value in values { total += expf(value - largest) }
  return largest + logf(total)
}
