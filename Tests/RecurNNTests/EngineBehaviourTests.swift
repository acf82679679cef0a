import Foundation
import RecurNN
import XCTest

/// Padding, determinism, decoding constraints and the training utilities.
final class EngineBehaviourTests: XCTestCase {
  func testASequenceScoresTheSameAloneOrInABatch() {
    for kind in CellKind.allCases {
      for bidirectional in [false, true] {
        for pooling in [ManyToOne.Pooling.last, .mean, .max] {
          var rng = SeededGenerator(seed: 21)
          let model = ManyToOne(
            embedding: Embedding(vocabulary: 20, width: 6, rng: &rng), cell: kind, hidden: 8, classes: 3,
            bidirectional: bidirectional, pooling: pooling, rng: &rng)
          let sequences = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11], [12, 13, 14, 15]]
          let batched = model.probabilities(sequences)
          for (index, sequence) in sequences.enumerated() {
            let alone = model.probabilities([sequence])[0]
            for (a, b) in zip(alone, batched[index]) {
              XCTAssertEqual(
                a, b, accuracy: 1e-6, "\(kind) bidirectional \(bidirectional) \(pooling) sequence \(index)")
            }
          }
        }
      }
    }
  }

  func testTaggerIsPaddingInvariantToo() {
    var rng = SeededGenerator(seed: 22)
    let tags = ["O", "B-PER", "I-PER"]
    let model = ManyToMany(
      embedding: Embedding(vocabulary: 10, width: 4, rng: &rng),
      characterEncoder: CharacterEncoder(alphabet: 10, width: 3, hidden: 3, kind: .lstm, rng: &rng), featureCount: 2,
      cell: .gru, hidden: 5, tags: 3, useCRF: true, constraints: TagConstraints(bio: tags), rng: &rng)
    let input = ManyToMany.Input(
      words: [[1, 2, 3], [4]], characters: [[[1, 2], [3], [4, 5, 6]], [[7]]],
      features: [[[1, 0], [0, 1], [0, 0]], [[1, 1]]])
    let batched = model.decode(input)
    let alone = model.decode(.init(words: [[4]], characters: [[[7]]], features: [[[1, 1]]]))
    XCTAssertEqual(batched[1].tags, alone[0].tags)
    XCTAssertEqual(batched[1].confidence[0], alone[0].confidence[0], accuracy: 1e-5)
  }

  func testSameSeedGivesBitIdenticalWeights() {
    func trainOnce() -> [[Float]] {
      var rng = SeededGenerator(seed: 23)
      let model = ManyToOne(
        embedding: Embedding(vocabulary: 15, width: 5, rng: &rng), cell: .lstm, hidden: 6, classes: 2,
        dropout: 0.2, rng: &rng)
      let optimizer = Adam.adamW(learningRate: 0.01)
      let data = (0..<64).map { index in (0..<(3 + index % 5)).map { (index + $0) % 15 } }
      for batch in lengthBucketedBatches(lengths: data.map(\.count), batchSize: 16, rng: &rng) {
        model.loss(batch.map { data[$0] }, labels: batch.map { $0 % 2 }, rng: &rng).backward()
        clipGradientNorm(model.parameters(), maxNorm: 1)
        optimizer.update(model.parameters())
      }
      return model.parameters().map(\.variable.value.data)
    }
    let first = trainOnce()
    let second = trainOnce()
    XCTAssertEqual(first.count, second.count)
    for (a, b) in zip(first, second) {
      XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
    }
  }

  func testBIOConstraintsNeverLetInsideFollowOutside() {
    let tags = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]
    let constraints = TagConstraints(bio: tags)
    // Scores that, unconstrained, would pick O I-PER I-PER and B-ORG I-PER.
    let emissions: [[Float]] = [[2, 0, 1.5, 0, 0], [0, 0, 3, 0, 0], [0, 0, 3, 0, 0]]
    XCTAssertEqual(viterbi(emissions: emissions), [0, 2, 2])
    let path = viterbi(emissions: emissions, constraints: constraints)
    for (previous, next) in zip(path, path.dropFirst()) {
      XCTAssertTrue(constraints.allowed[previous][next], "\(tags[previous]) → \(tags[next])")
    }
    XCTAssertTrue(constraints.allowedStart[path[0]])
    XCTAssertEqual(path, [1, 2, 2])
    XCTAssertFalse(constraints.allowed[3][2])  // B-ORG → I-PER
    XCTAssertTrue(constraints.allowed[1][2])
  }

  func testCRFDecodeRespectsConstraintsAndGivesConfidences() {
    let tags = ["O", "B-LOC", "I-LOC"]
    let crf = CRF(tags: 3, constraints: TagConstraints(bio: tags))
    let emissions = Tensor(shape: [2, 3], data: [0, 0, 5, 0, 0, 5])  // one sequence, 2 steps
    let decoded = crf.decode(emissions, batch: SequenceBatch(lengths: [2]))
    XCTAssertEqual(decoded[0].tags, [1, 2])
    XCTAssertTrue(decoded[0].confidence.allSatisfy { $0 > 0 && $0 <= 1 })
  }

  func testOptimizersReduceAQuadratic() {
    for optimizer in [SGD(learningRate: 0.05, momentum: 0.9), Adam(learningRate: 0.1), Adam.adamW(learningRate: 0.1)]
      as [Optimizer]
    {
      let weight = Variable(Tensor(shape: [1, 3], data: [3, -2, 1]), requiresGradient: true)
      let parameters = [Parameter("w", weight)]
      for _ in 0..<200 {
        sum(multiply(weight, weight)).backward()
        optimizer.update(parameters)
      }
      XCTAssertLessThan(weight.value.data.map { abs($0) }.max()!, 0.1, "\(type(of: optimizer))")
    }
  }

  func testClippingAndSchedulesAndEarlyStopping() {
    let weight = Variable(Tensor(shape: [1, 2], data: [0, 0]), requiresGradient: true)
    weight.gradient = [3, 4]
    XCTAssertEqual(clipGradientNorm([Parameter("w", weight)], maxNorm: 1), 5)
    XCTAssertEqual(weight.gradient![0], 0.6, accuracy: 1e-6)
    XCTAssertEqual(weight.gradient![1], 0.8, accuracy: 1e-6)

    XCTAssertEqual(LearningRateSchedule.stepDecay(every: 2, factor: 0.5).rate(base: 1, epoch: 5), 0.25)
    XCTAssertEqual(LearningRateSchedule.linear(epochs: 4).rate(base: 1, epoch: 1), 0.75)
    XCTAssertEqual(LearningRateSchedule.inverseTime(decay: 1).rate(base: 1, epoch: 1), 0.5)

    var stopping = EarlyStopping(patience: 2)
    let parameter = Parameter("w", weight)
    weight.value.data = [1, 1]
    XCTAssertTrue(stopping.observe(0.5, epoch: 0, parameters: [parameter]))
    weight.value.data = [2, 2]
    XCTAssertTrue(stopping.observe(0.4, epoch: 1, parameters: [parameter]))
    XCTAssertFalse(stopping.observe(0.3, epoch: 2, parameters: [parameter]))
    stopping.restoreBest([parameter])
    XCTAssertEqual(weight.value.data, [1, 1])
    XCTAssertEqual(stopping.bestEpoch, 0)
  }

  func testBucketsCoverEveryIndexOnceWithSimilarLengths() {
    var rng = SeededGenerator(seed: 24)
    let lengths = (0..<1000).map { _ in Int(rng.next() % 100) }
    let batches = lengthBucketedBatches(lengths: lengths, batchSize: 32, rng: &rng)
    XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<1000))
    let spread = batches.map { batch in batch.map { lengths[$0] }.max()! - batch.map { lengths[$0] }.min()! }
    XCTAssertLessThan(Double(spread.reduce(0, +)) / Double(spread.count), 20)
  }
}
