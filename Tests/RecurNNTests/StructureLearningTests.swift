import RecurNN
import XCTest

/// Each of the four structures learns a small task that needs it, with a fixed seed.
final class StructureLearningTests: XCTestCase {
  /// Random token sequences of lengths in `lengths` over `vocabulary` tokens.
  func sequences(_ count: Int, lengths: ClosedRange<Int>, vocabulary: Int, rng: inout SeededGenerator) -> [[Int]] {
    (0..<count).map { _ in
      let length = lengths.lowerBound + Int(rng.next() % UInt64(lengths.count))
      return (0..<length).map { _ in Int(rng.next() % UInt64(vocabulary)) }
    }
  }

  func train(
    epochs: Int, count: Int, batchSize: Int, lengths: [Int], optimizer: Optimizer, parameters: [Parameter],
    schedule: LearningRateSchedule = .constant, rng: inout SeededGenerator, loss: ([Int]) -> Variable
  ) {
    let base = optimizer.learningRate
    for epoch in 0..<epochs {
      optimizer.learningRate = schedule.rate(base: base, epoch: epoch)
      for batch in lengthBucketedBatches(lengths: lengths, batchSize: batchSize, rng: &rng) {
        loss(batch).backward()
        clipGradientNorm(parameters, maxNorm: 5)
        optimizer.update(parameters)
      }
    }
  }

  /// Pretraining without labels: on text where each word follows from the one before (runs
  /// of consecutive ids), the encoder's two directions learn to tell both neighbours.
  func testPretrainingLearnsToTellEachWordsNeighbours() {
    var rng = SeededGenerator(seed: 21)
    let vocabulary = 10
    let texts = (0..<300).map { _ -> [Int] in
      let start = Int(rng.next() % UInt64(vocabulary))
      let length = 4 + Int(rng.next() % 8)
      return (0..<length).map { (start + $0) % vocabulary }
    }
    let network = ManyToOne(
      embedding: Embedding(vocabulary: vocabulary, width: 6, rng: &rng), cell: .gru, hidden: 8, classes: 2,
      bidirectional: true, pooling: .max, rng: &rng)
    let objective = NeighbourWordPrediction(
      counts: [Int](repeating: 1, count: vocabulary), hidden: 8, negatives: 4, rng: &rng)
    let parameters = network.parameters() + objective.parameters()
    func meanLoss() -> Float {
      var sampling = SeededGenerator(seed: 5)
      return network.neighbourWordLoss(texts, objective: objective, rng: &sampling).value.data[0]
    }
    let before = meanLoss()
    var sampling = SeededGenerator(seed: 6)
    train(
      epochs: 30, count: texts.count, batchSize: 16, lengths: texts.map(\.count),
      optimizer: Adam(learningRate: 0.01), parameters: parameters, rng: &rng
    ) { batch in network.neighbourWordLoss(batch.map { texts[$0] }, objective: objective, rng: &sampling) }
    XCTAssertLessThan(meanLoss(), 0.2 * before, "before \(before)")
  }

  /// N → 1: does the sequence contain the marker token 0?
  func testManyToOneLearnsMarkerPresence() {
    var rng = SeededGenerator(seed: 11)
    let marker = 0
    func make(_ count: Int) -> (x: [[Int]], y: [Int]) {
      var x = sequences(count, lengths: 4...14, vocabulary: 12, rng: &rng)
      // Half with the marker, half without, so the classes balance.
      for index in x.indices {
        x[index] = x[index].map { $0 == marker ? 1 : $0 }
        if index % 2 == 0 { x[index][Int(rng.next() % UInt64(x[index].count))] = marker }
      }
      return (x, x.map { $0.contains(marker) ? 1 : 0 })
    }
    let trainSet = make(1200)
    let heldOut = make(400)
    let model = ManyToOne(
      embedding: Embedding(vocabulary: 12, width: 8, rng: &rng), cell: .gru, hidden: 16, classes: 2, rng: &rng)
    let optimizer = Adam(learningRate: 0.01)
    var dropoutRNG = SeededGenerator(seed: 99)
    train(
      epochs: 6, count: 1200, batchSize: 32, lengths: trainSet.x.map(\.count), optimizer: optimizer,
      parameters: model.parameters(), rng: &rng
    ) { batch in
      model.loss(batch.map { trainSet.x[$0] }, labels: batch.map { trainSet.y[$0] }, rng: &dropoutRNG)
    }
    let predictions = model.probabilities(heldOut.x).map { $0[1] > 0.5 ? 1 : 0 }
    let accuracy = Double(zip(predictions, heldOut.y).filter { $0 == $1 }.count) / Double(heldOut.y.count)
    XCTAssertGreaterThanOrEqual(accuracy, 0.99)
  }

  /// N → 1 with two heads on one encoder: head 0 learns whether token 0 occurs, head 1
  /// whether token 1 does, each from batches of its own; one pass gives both answers.
  func testManyToOneLearnsTwoQuestionsWithTwoHeads() {
    var rng = SeededGenerator(seed: 12)
    func make(_ count: Int, marker: Int) -> (x: [[Int]], y: [Int]) {
      var x = sequences(count, lengths: 4...12, vocabulary: 12, rng: &rng)
      for index in x.indices {
        x[index] = x[index].map { $0 == marker ? 5 : $0 }
        if index % 2 == 0 { x[index][Int(rng.next() % UInt64(x[index].count))] = marker }
      }
      return (x, x.map { $0.contains(marker) ? 1 : 0 })
    }
    let first = make(1000, marker: 0)
    let second = make(1000, marker: 1)
    let model = ManyToOne(
      embedding: Embedding(vocabulary: 12, width: 8, rng: &rng), cell: .gru, hidden: 16, classes: 2, extraHeads: [2],
      rng: &rng)
    XCTAssertEqual(model.headCount, 2)
    XCTAssertTrue(model.parameters().contains { $0.key == "output1.W" })
    let optimizer = Adam(learningRate: 0.01)
    var dropoutRNG = SeededGenerator(seed: 98)
    for _ in 0..<6 {
      let batches = lengthBucketedBatches(lengths: first.x.map(\.count), batchSize: 32, rng: &rng)
      for batch in batches {
        for (head, set) in [(0, first), (1, second)] {
          model.loss(batch.map { set.x[$0] }, labels: batch.map { set.y[$0] }, head: head, rng: &dropoutRNG).backward()
          clipGradientNorm(model.parameters(), maxNorm: 5)
          optimizer.update(model.parameters())
        }
      }
    }
    let test = sequences(300, lengths: 4...12, vocabulary: 12, rng: &rng)
    let both = model.everyHeadProbabilities(test)
    for head in 0..<2 {
      XCTAssertEqual(both[head], model.probabilities(test, head: head))
      let right = zip(both[head], test).filter { ($0.0[1] > 0.5) == $0.1.contains(head) }.count
      XCTAssertGreaterThanOrEqual(Double(right) / Double(test.count), 0.97, "head \(head)")
    }
  }

  /// N → N: tag each token that comes right after the trigger token 0 (needs left context).
  func testManyToManyLearnsTagAfterTrigger() {
    var rng = SeededGenerator(seed: 12)
    func make(_ count: Int) -> (x: [[Int]], y: [[Int]]) {
      let x = sequences(count, lengths: 5...15, vocabulary: 8, rng: &rng)
      return (x, x.map { tokens in tokens.indices.map { $0 > 0 && tokens[$0 - 1] == 0 ? 1 : 0 } })
    }
    let trainSet = make(800)
    let heldOut = make(300)
    let model = ManyToMany(
      embedding: Embedding(vocabulary: 8, width: 8, rng: &rng), cell: .rnn, hidden: 16, tags: 2,
      bidirectional: false, useCRF: false, rng: &rng)
    let optimizer = Adam(learningRate: 0.01)
    var dropoutRNG = SeededGenerator(seed: 99)
    train(
      epochs: 5, count: 800, batchSize: 32, lengths: trainSet.x.map(\.count), optimizer: optimizer,
      parameters: model.parameters(), rng: &rng
    ) { batch in
      model.loss(.init(words: batch.map { trainSet.x[$0] }), gold: batch.map { trainSet.y[$0] }, rng: &dropoutRNG)
    }
    let decoded = model.decode(.init(words: heldOut.x))
    var right = 0
    var total = 0
    for (prediction, gold) in zip(decoded, heldOut.y) {
      right += zip(prediction.tags, gold).filter { $0 == $1 }.count
      total += gold.count
    }
    XCTAssertGreaterThanOrEqual(Double(right) / Double(total), 0.99)
  }

  /// 1 → N: each class vector emits its own sequence, of its own length, and stops.
  func testOneToManyEmitsTheClassSequence() {
    var rng = SeededGenerator(seed: 13)
    let targets = [[0, 1, 2, 3], [3, 3, 1], [2, 0, 2, 0, 2], [1]]
    let vectors = targets.indices.map { index in (0..<4).map { Float($0 == index ? 1 : 0) } }
    let model = OneToMany(
      inputSize: 4, vocabulary: 6, width: 6, hidden: 24, cell: .lstm, startToken: 4, endToken: 5, rng: &rng)
    let optimizer = Adam(learningRate: 0.02)
    for _ in 0..<150 {
      model.loss(vectors, targets: targets).backward()
      optimizer.update(model.parameters())
    }
    XCTAssertEqual(model.greedy(vectors, maxLength: 10), targets)
    for (vector, target) in zip(vectors, targets) {
      XCTAssertEqual(model.sample(vector, maxLength: 10, temperature: 0.05, rng: &rng), target)
    }
  }

  /// N → M: reverse sequences of lengths 3–10.
  func testSeq2SeqLearnsToReverse() {
    var rng = SeededGenerator(seed: 14)
    let symbols = 8
    let start = symbols
    let end = symbols + 1
    let trainSet = sequences(6000, lengths: 3...10, vocabulary: symbols, rng: &rng)
    let heldOut = sequences(200, lengths: 3...10, vocabulary: symbols, rng: &rng)
    let model = Seq2Seq(
      sourceVocabulary: symbols, targetVocabulary: symbols + 2, width: 16, hidden: 128, cell: .gru, startToken: start,
      endToken: end, rng: &rng)
    let optimizer = Adam(learningRate: 0.005)
    train(
      epochs: 14, count: trainSet.count, batchSize: 32, lengths: trainSet.map(\.count), optimizer: optimizer,
      parameters: model.parameters(), schedule: .stepDecay(every: 5, factor: 0.5), rng: &rng
    ) { batch in
      let sources = batch.map { trainSet[$0] }
      return model.loss(sources, targets: sources.map { $0.reversed() })
    }
    let greedy = model.greedy(heldOut, maxLength: 12)
    let exact = zip(greedy, heldOut).filter { $0 == $1.reversed() }.count
    XCTAssertGreaterThanOrEqual(Double(exact) / Double(heldOut.count), 0.95, "greedy exact \(exact)/\(heldOut.count)")
    let beamed = heldOut.prefix(40).filter { model.beam($0, width: 3, maxLength: 12) == $0.reversed() }.count
    XCTAssertGreaterThanOrEqual(Double(beamed) / 40, 0.95, "beam exact \(beamed)/40")
  }
}
