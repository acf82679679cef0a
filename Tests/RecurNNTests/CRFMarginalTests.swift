import Foundation
import XCTest

@testable import RecurNN

/// Decoding's scaled forward–backward gives the log-space pass's tag marginals.
final class CRFMarginalTests: XCTestCase {
  func testScaledMarginalsMatchTheLogSpacePass() {
    let tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    var rng = SeededGenerator(seed: 5)
    for constraints in [nil, TagConstraints(bio: tags)] {
      let crf = CRF(tags: tags.count, constraints: constraints)
      // Learned-looking transitions, start and end scores.
      for index in crf.transitions.value.data.indices {
        crf.transitions.value.data[index] = Float.random(in: -3...3, using: &rng)
      }
      for index in 0..<tags.count {
        crf.start.value.data[index] = Float.random(in: -2...2, using: &rng)
        crf.end.value.data[index] = Float.random(in: -2...2, using: &rng)
      }
      for length in [1, 2, 7, 60] {
        let scores = (0..<length).map { _ in (0..<tags.count).map { _ in Float.random(in: -25...25, using: &rng) } }
        let count = tags.count
        var transitionScores: [Float] = []
        for previous in 0..<count {
          for next in 0..<count {
            let allowed = constraints?.allowed[previous][next] ?? true
            transitionScores.append(allowed ? crf.transitions.value.data[previous * count + next] : -1e4)
          }
        }
        var startScores: [Float] = []
        for tag in 0..<count {
          let allowed = constraints?.allowedStart[tag] ?? true
          startScores.append(allowed ? crf.start.value.data[tag] : -1e4)
        }
        let weights = CRF.ScaledWeights(transitions: transitionScores, start: startScores, end: crf.end.value.data)
        let flat = try! XCTUnwrap(
          scores.flatMap { $0 }.withUnsafeBufferPointer {
            crf.tagMarginals($0.baseAddress!, steps: length, weights)
          })
        let fast = (0..<length).map { Array(flat[($0 * count)..<(($0 + 1) * count)]) }
        let exact = Self.marginalsInDouble(scores, transitionScores, startScores, crf.end.value.data)
        let logSpace = crf.marginals(scores).unary
        for step in 0..<length {
          XCTAssertEqual(fast[step].reduce(0, +), 1, accuracy: 1e-5)
          for tag in 0..<count {
            XCTAssertEqual(Double(fast[step][tag]), exact[step][tag], accuracy: 1e-5)
            // The float log-space pass (training's) agrees to within its own rounding.
            XCTAssertEqual(Double(logSpace[step][tag]), exact[step][tag], accuracy: 1e-3)
          }
        }
      }
    }
  }

  /// Forward–backward in double-precision log space: the reference.
  static func marginalsInDouble(_ scores: [[Float]], _ transitions: [Float], _ start: [Float], _ end: [Float])
    -> [[Double]]
  {
    let steps = scores.count
    let tags = start.count
    func logSumExp(_ values: [Double]) -> Double {
      let largest = values.max()!
      return largest + log(values.reduce(0) { $0 + exp($1 - largest) })
    }
    var alpha = [[Double]](repeating: [Double](repeating: 0, count: tags), count: steps)
    var beta = alpha
    for tag in 0..<tags { alpha[0][tag] = Double(scores[0][tag] + start[tag]) }
    for step in 1..<max(steps, 1) {
      for tag in 0..<tags {
        alpha[step][tag] =
          logSumExp((0..<tags).map { alpha[step - 1][$0] + Double(transitions[$0 * tags + tag]) })
          + Double(scores[step][tag])
      }
    }
    for tag in 0..<tags { beta[steps - 1][tag] = Double(end[tag]) }
    for step in stride(from: steps - 2, through: 0, by: -1) {
      for tag in 0..<tags {
        beta[step][tag] = logSumExp(
          (0..<tags).map { Double(transitions[tag * tags + $0] + scores[step + 1][$0]) + beta[step + 1][$0] })
      }
    }
    return (0..<steps).map { step in
      let logZ = logSumExp((0..<tags).map { alpha[step][$0] + beta[step][$0] })
      return (0..<tags).map { exp(alpha[step][$0] + beta[step][$0] - logZ) }
    }
  }
}
