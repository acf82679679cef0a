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
  let tables = ViterbiTables(
    tags: first.count, transitions: transitions?.flatMap { $0 }, start: start, end: end, constraints: constraints)
  return emissions.flatMap { $0 }.withUnsafeBufferPointer { tables.bestPath($0.baseAddress!, steps: emissions.count) }
}

/// Viterbi's scores and rules as flat tables, read by `bestPath` for each sequence.
struct ViterbiTables {
  let tags: Int
  /// `[tags × tags]`, row the previous tag (zeros when there are none).
  let transitions: [Float]
  let start: [Float]
  let end: [Float]
  /// `[tags × tags]`: tag j may follow tag i.
  let allowed: [Bool]
  let allowedStart: [Bool]

  init(tags: Int, transitions: [Float]?, start: [Float]?, end: [Float]?, constraints: TagConstraints?) {
    self.tags = tags
    self.transitions = transitions ?? [Float](repeating: 0, count: tags * tags)
    self.start = start ?? [Float](repeating: 0, count: tags)
    self.end = end ?? [Float](repeating: 0, count: tags)
    allowed = constraints?.allowed.flatMap { $0 } ?? [Bool](repeating: true, count: tags * tags)
    allowedStart = constraints?.allowedStart ?? [Bool](repeating: true, count: tags)
  }

  /// The best path through `steps` rows of `tags` scores at `emissions` (row after row).
  /// Ties go to the lower tag, as everywhere in decoding.
  func bestPath(_ emissions: UnsafePointer<Float>, steps: Int) -> [Int] {
    guard steps > 0 else { return [] }
    let tags = tags
    var score = [Float](repeating: 0, count: tags)
    var next = score
    var back = [Int32](repeating: 0, count: (steps - 1) * tags)
    transitions.withUnsafeBufferPointer { transitions in
      allowed.withUnsafeBufferPointer { allowed in
        for tag in 0..<tags { score[tag] = allowedStart[tag] ? emissions[tag] + start[tag] : -Float.infinity }
        for step in 1..<steps {
          for tag in 0..<tags {
            var best = -Float.infinity
            var pointer = 0
            for previous in 0..<tags where allowed[previous * tags + tag] {
              let candidate = score[previous] + transitions[previous * tags + tag]
              if candidate > best {
                best = candidate
                pointer = previous
              }
            }
            next[tag] = best + emissions[step * tags + tag]
            back[(step - 1) * tags + tag] = Int32(pointer)
          }
          swap(&score, &next)
        }
      }
    }
    for tag in 0..<tags { score[tag] += end[tag] }
    var best = 0
    for tag in 1..<tags where score[tag] > score[best] { best = tag }
    var path = [Int](repeating: 0, count: steps)
    path[steps - 1] = best
    for step in stride(from: steps - 1, to: 0, by: -1) {
      best = Int(back[(step - 1) * tags + best])
      path[step - 1] = best
    }
    return path
  }
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
    let tags = tagCount
    let transitionScores = (0..<tags).flatMap { previous in (0..<tags).map { transitionScore(previous, $0) } }
    let startScores = (0..<tags).map(startScore)
    let weights = ScaledWeights(transitions: transitionScores, start: startScores, end: end.value.data)
    let tables = ViterbiTables(
      tags: tags, transitions: transitionScores, start: startScores, end: end.value.data, constraints: constraints)
    // One sequence's rows side by side, reused for each sequence of the batch.
    var scores = [Float](repeating: 0, count: (batch.lengths.max() ?? 0) * tags)
    return emissions.data.withUnsafeBufferPointer { all in
      (0..<batch.size).map { index in
        let steps = batch.lengths[index]
        guard steps > 0 else { return ([], []) }
        scores.withUnsafeMutableBufferPointer { rows in
          for step in 0..<steps {
            (rows.baseAddress! + step * tags).update(
              from: all.baseAddress! + (step * batch.size + index) * tags, count: tags)
          }
        }
        let path = scores.withUnsafeBufferPointer { tables.bestPath($0.baseAddress!, steps: steps) }
        let unary =
          scores.withUnsafeBufferPointer { tagMarginals($0.baseAddress!, steps: steps, weights) }
          ?? marginals((0..<steps).map { Array(scores[($0 * tags)..<(($0 + 1) * tags)]) }).unary.flatMap { $0 }
        return (path, path.enumerated().map { unary[$0.offset * tags + $0.element] })
      }
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

  /// The probability of each tag at each step (`[steps × tags]`, row after row) of the
  /// `steps` rows of scores at `scores`, by forward–backward in probability space with
  /// every step rescaled to sum 1: `tags` exponentials a step, where the log-space pass of
  /// `marginals` takes hundreds. Nil when a step's total underflows (the caller falls back
  /// to the log-space pass).
  func tagMarginals(_ scores: UnsafePointer<Float>, steps: Int, _ weights: ScaledWeights) -> [Float]? {
    let tags = tagCount
    var emission = [Float](repeating: 0, count: steps * tags)
    for step in 0..<steps {
      var largest = scores[step * tags]
      for tag in 1..<tags where scores[step * tags + tag] > largest { largest = scores[step * tags + tag] }
      for tag in 0..<tags { emission[step * tags + tag] = expf(scores[step * tags + tag] - largest) }
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
    // alpha × beta, each step normalised: the marginals (into alpha's storage).
    for step in 0..<steps {
      var total: Float = 0
      for tag in 0..<tags {
        alpha[step * tags + tag] *= beta[step * tags + tag]
        total += alpha[step * tags + tag]
      }
      guard total > 0, total.isFinite else { return nil }
      for tag in 0..<tags { alpha[step * tags + tag] /= total }
    }
    return alpha
  }
}

func logSumExp(_ values: [Float]) -> Float {
  guard let largest = values.max(), largest > -Float.infinity else { return -Float.infinity }
  var total: Float = 0
  for value in values { total += expf(value - largest) }
  return largest + logf(total)
}
