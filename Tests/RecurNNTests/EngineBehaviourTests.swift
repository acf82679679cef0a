import Foundation
import XCTest

@testable import RecurNN

/// Padding, determinism, decoding constraints and the training utilities.
final class EngineBehaviourTests: XCTestCase {
  func testASequenceScoresTheSameAloneOrInABatch() {
    for kind in CellKind.allCases {
      for bidirectional in [false, true] {
        for pooling in [ManyToOne.Pooling.last, .mean, .max, .maxMean, .attention] {
          var rng = SeededGenerator(seed: 21)
          let model = ManyToOne(
            embedding: Embedding(vocabulary: 20, width: 6, rng: &rng), cell: kind, hidden: 8, classes: 3,
            bidirectional: bidirectional, pooling: pooling, rng: &rng)
          let sequences = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11], [12, 13, 14, 15]]
          let batched = model.probabilities(sequences)
          // Inference pools each direction where it is; the graph pools them side by side.
          var unused = SeededGenerator(seed: 0)
          let graph = softmax(model(sequences, rng: &unused).value)
          for (a, b) in zip(graph.data, batched.flatMap { $0 }) {
            XCTAssertEqual(a, b, accuracy: 1e-6, "\(kind) bidirectional \(bidirectional) \(pooling) graph")
          }
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

  /// A classifier's probabilities of `sequences` in one batch, checked against the graph
  /// that trains (`graphAccuracy`) and against each sequence scored alone.
  func batchedProbabilities(
    _ model: ManyToOne, _ sequences: [[Int]], features: [[[Float]]]? = nil, spellings: [[Int: [Int32]]]? = nil,
    graphAccuracy: Float, _ label: String, line: UInt = #line
  ) -> [[Float]] {
    let batched = model.probabilities(sequences, features: features, spellings: spellings)
    var unused = SeededGenerator(seed: 0)
    let graph = softmax(model(sequences, features: features, spellings: spellings, rng: &unused).value)
    for (a, b) in zip(graph.data, batched.flatMap { $0 }) {
      XCTAssertEqual(a, b, accuracy: graphAccuracy, label, line: line)
    }
    for index in sequences.indices {
      let alone = model.probabilities(
        [sequences[index]], features: features.map { [$0[index]] }, spellings: spellings.map { [$0[index]] })[0]
      for (a, b) in zip(alone, batched[index]) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(label) \(index)", line: line) }
    }
    return batched
  }

  func testAClassifierReadsSpellings() {
    // Known words read through the table with their spellings added once, unknown words
    // by the spelling given beside them: the same numbers as the graph that trains.
    let words = ["<unk>", "good", "goods", "bad", "badly", "film", "the", "was"]
    for (pooling, knownWords) in [(ManyToOne.Pooling.max, true), (.mean, true), (.max, false)] {
      var rng = SeededGenerator(seed: 29)
      let spelling = SpellingEmbedding(
        buckets: 64, width: 4, output: 6, vocabulary: words, readsKnownWords: knownWords, rng: &rng)
      for index in spelling.projection.value.data.indices { spelling.projection.value.data[index] = rng.uniform(-1, 1) }
      let model = ManyToOne(
        embedding: Embedding(vocabulary: words.count, width: 6, rng: &rng), spelling: spelling, cell: .gru, hidden: 8,
        classes: 2, bidirectional: true, pooling: pooling, rng: &rng)
      let sequences = [[6, 5, 7, 1], [6, 0, 7, 3, 0], [0]]
      let spellings: [[Int: [Int32]]] = [
        [:],
        [1: SpellingEmbedding.grams(of: "goood", buckets: 64), 4: SpellingEmbedding.grams(of: "baddd", buckets: 64)],
        [0: SpellingEmbedding.grams(of: "films", buckets: 64)],
      ]
      let batched = batchedProbabilities(model, sequences, spellings: spellings, graphAccuracy: 1e-5, "\(pooling)")
      // The spelling of an unknown word changes its reading; without it, it is the unknown word.
      let bare = model.probabilities(sequences)
      XCTAssertNotEqual(bare[2][1], batched[2][1], accuracy: 1e-5)
      XCTAssertEqual(bare[0], batched[0])
      // A change to the spelling weights reaches known words too (the merged table is
      // remade), unless only unknown words are read by their spelling.
      spelling.projection.value.data[0] += 0.5
      if knownWords {
        XCTAssertNotEqual(model.probabilities(sequences)[0][1], bare[0][1], accuracy: 1e-6)
      } else {
        XCTAssertEqual(model.probabilities(sequences)[0], bare[0])
        XCTAssertNotEqual(model.probabilities(sequences, spellings: spellings)[2][1], batched[2][1], accuracy: 1e-6)
      }
    }
    XCTAssertEqual(SpellingEmbedding.grams(of: "ab", buckets: 1000).count, 2 + 1)
    // The n-gram rows are part of a trained model: FNV-1a of each n-gram's scalar values,
    // seeded by its length, folded and taken modulo the rows (`<ab>`'s first 3-gram `<ab`).
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ 3
    for value in [UInt32(60), 97, 98] { hash = (hash ^ UInt64(value)) &* 0x100_0000_01b3 }
    XCTAssertEqual(SpellingEmbedding.grams(of: "ab", buckets: 1000)[0], Int32((hash ^ (hash >> 32)) % 1000))
    XCTAssertEqual(SpellingEmbedding.grams(of: "café", buckets: 1 << 16).count, 4 + 3 + 2)
    XCTAssertEqual(
      SpellingEmbedding.grams(of: "good", buckets: 1 << 20), SpellingEmbedding.grams(of: "good", buckets: 1 << 20))
    XCTAssertTrue(SpellingEmbedding.grams(of: "good", buckets: 7).allSatisfy { (0..<7).contains($0) })
  }

  /// Features read beside the words: the same scores alone, in a batch and through the
  /// graph, and they change what the model reads.
  func testAClassifierReadsTokenFeaturesBesideTheWords() {
    for pooling in [ManyToOne.Pooling.max, .mean, .attention] {
      var rng = SeededGenerator(seed: 23)
      let model = ManyToOne(
        embedding: Embedding(vocabulary: 20, width: 6, rng: &rng), featureCount: 2, cell: .gru, hidden: 8, classes: 2,
        bidirectional: true, pooling: pooling, rng: &rng)
      let sequences = [[1, 2, 3], [4, 5, 6, 7, 8], [9]]
      let features: [[[Float]]] = [
        [[1, 0], [0, 1], [0, 0]], [[0, 0], [1, 1], [0, 1], [0, 0], [1, 0]], [[1, 1]],
      ]
      let batched = batchedProbabilities(model, sequences, features: features, graphAccuracy: 1e-6, "\(pooling)")
      let without = model.probabilities(sequences)
      XCTAssertNotEqual(without[0][1], batched[0][1], accuracy: 1e-4)
      let zeros = model.probabilities(sequences, features: features.map { $0.map { _ in [0, 0] } })
      XCTAssertEqual(zeros.flatMap { $0 }, without.flatMap { $0 })
    }
  }

  /// A small max-pooled GRU classifier and a batch of three labelled sequences for it.
  func smallClassifier(rng: inout SeededGenerator) -> (model: ManyToOne, sequences: [[Int]], labels: [Int]) {
    let model = ManyToOne(
      embedding: Embedding(vocabulary: 9, width: 4, rng: &rng), cell: .gru, hidden: 5, classes: 2,
      bidirectional: true, pooling: .max, rng: &rng)
    return (model, [[1, 2, 3, 4], [5, 6], [7]], [0, 1, 1])
  }

  /// Every parameter's gradient after `body` alone (zeros where none arrived).
  func gradients(_ parameters: [Parameter], _ body: () -> Void) -> [Float] {
    for parameter in parameters { parameter.variable.zeroGradient() }
    body()
    return parameters.flatMap { $0.variable.gradient ?? [Float](repeating: 0, count: $0.variable.value.count) }
  }

  /// A small CRF tagger over words, characters and two features, and a batch of two
  /// sentences for it (the second a one-token sentence).
  func smallTagger(cell: CellKind, rng: inout SeededGenerator) -> (model: ManyToMany, input: ManyToMany.Input) {
    let model = ManyToMany(
      embedding: Embedding(vocabulary: 10, width: 4, rng: &rng),
      characterEncoder: CharacterEncoder(alphabet: 10, width: 3, hidden: 3, kind: .lstm, rng: &rng), featureCount: 2,
      cell: cell, hidden: 5, tags: 3, useCRF: true, constraints: TagConstraints(bio: ["O", "B-PER", "I-PER"]),
      rng: &rng)
    let input = ManyToMany.Input(
      words: [[1, 2, 3], [4]], characters: [[[1, 2], [3], [4, 5, 6]], [[7]]],
      features: [[[1, 0], [0, 1], [0, 0]], [[1, 1]]])
    return (model, input)
  }

  func testTaggerIsPaddingInvariantToo() {
    var rng = SeededGenerator(seed: 22)
    let (model, input) = smallTagger(cell: .gru, rng: &rng)
    let batched = model.decode(input)
    let alone = model.decode(.init(words: [[4]], characters: [[[7]]], features: [[[1, 1]]]))
    XCTAssertEqual(batched[1].tags, alone[0].tags)
    XCTAssertEqual(batched[1].confidence[0], alone[0].confidence[0], accuracy: 1e-5)
  }

  /// The same bits for a sequence alone or in a batch of 32 (the kernels sum each element
  /// in one order), so a document's label never depends on its batch-mates.
  func testASequenceGetsTheSameBitsInABatchOf32() {
    for kind in CellKind.allCases {
      var rng = SeededGenerator(seed: 24)
      let model = ManyToOne(
        embedding: Embedding(vocabulary: 300, width: 20, rng: &rng), cell: kind, hidden: 24, classes: 2,
        bidirectional: true, pooling: .max, rng: &rng)
      let sequences = (0..<32).map { index in (0..<(1 + index * 7 % 41)).map { _ in Int(rng.next() % 300) } }
      let batched = model.probabilities(sequences)
      for index in [0, 5, 31] {
        XCTAssertEqual(
          model.probabilities([sequences[index]])[0].map(\.bitPattern), batched[index].map(\.bitPattern), "\(kind)")
      }
    }
  }

  /// Inference projects words through a cache; training projects them afresh. Both give
  /// the same bits, with characters and features beside the words.
  func testCachedWordProjectionsGiveTheSameBits() {
    var rng = SeededGenerator(seed: 25)
    let model = ManyToMany(
      embedding: Embedding(vocabulary: 40, width: 6, rng: &rng),
      characterEncoder: CharacterEncoder(alphabet: 12, width: 4, hidden: 5, kind: .gru, rng: &rng), featureCount: 3,
      cell: .lstm, hidden: 7, tags: 5, useCRF: false, rng: &rng)
    let words = [[1, 2, 3, 4], [5, 39], [7, 7, 7]]
    let input = ManyToMany.Input(
      words: words, characters: words.map { $0.map { [($0 % 11) + 1, ($0 % 5) + 1] } },
      features: words.map { $0.map { [Float($0 % 2), 1, Float($0) / 40] } })
    var unused = SeededGenerator(seed: 0)
    let afresh = model.emissions(input, rng: &unused).scores.value.data
    for _ in 0..<2 {  // the second time from the filled cache
      let cached = withoutGradients { model.emissions(input, rng: &unused).scores.value.data }
      XCTAssertEqual(cached.map(\.bitPattern), afresh.map(\.bitPattern))
    }
    // A change to the weights is seen (the cache starts again).
    model.encoder.forwardLayers[0].cell.inputWeight.value.data[0] += 0.5
    let changed = model.emissions(input, rng: &unused).scores.value.data
    let cachedAfterChange = withoutGradients { model.emissions(input, rng: &unused).scores.value.data }
    XCTAssertNotEqual(changed, afresh)
    XCTAssertEqual(cachedAfterChange.map(\.bitPattern), changed.map(\.bitPattern))
  }

  /// Without gradients a layer above the first reads the two directions below where they
  /// are, and a batch already longest first runs its steps in place: the same bits as
  /// with gradients (the outputs joined, every row copied), for each cell, with hidden
  /// sizes past a whole vector, batches in order and not, and a padded batch.
  func testStackedLayersGiveTheSameBitsWithoutGradients() {
    for kind in CellKind.allCases {
      var rng = SeededGenerator(seed: 27)
      let model = ManyToMany(
        embedding: Embedding(vocabulary: 60, width: 9, rng: &rng),
        characterEncoder: CharacterEncoder(alphabet: 12, width: 5, hidden: 19, kind: kind, rng: &rng),
        featureCount: 2, cell: kind, hidden: 21, tags: 5, layers: 3, useCRF: false, rng: &rng)
      let batches = [
        [[1, 2, 3, 4, 5], [6, 7, 8], [9, 10, 11], [12]],  // longest first
        [[12], [1, 2, 3, 4, 5], [6, 7], [9, 10, 11, 13]],  // not
        [[4, 5, 6, 7]],
      ]
      for words in batches {
        let input = ManyToMany.Input(
          words: words, characters: words.map { $0.map { [($0 % 11) + 1, ($0 % 4) + 1, 3] } },
          features: words.map { $0.map { [Float($0 % 2), Float($0) / 60] } })
        var unused = SeededGenerator(seed: 0)
        // Without gradients first: its buffers hold nothing a run with gradients left.
        let without = withoutGradients { model.emissions(input, rng: &unused).scores.value.data }
        let withGradients = model.emissions(input, rng: &unused).scores.value.data
        XCTAssertEqual(without.map(\.bitPattern), withGradients.map(\.bitPattern), "\(kind) \(words)")
      }
    }
  }

  /// Label workers run one model on several threads: each run takes its own workspace.
  func testOneModelOnManyThreadsAtOnce() {
    var rng = SeededGenerator(seed: 26)
    let model = ManyToOne(
      embedding: Embedding(vocabulary: 100, width: 8, rng: &rng), cell: .gru, hidden: 16, classes: 2,
      bidirectional: true, pooling: .last, rng: &rng)
    let batches = (0..<8).map { batch in
      (0..<(1 + batch * 5)).map { index in (0..<(1 + (batch + index) % 23)).map { _ in Int(rng.next() % 100) } }
    }
    let alone = batches.map { model.probabilities($0) }
    let results = ResultSlots(count: 64)
    nonisolated(unsafe) let shared = model
    DispatchQueue.concurrentPerform(iterations: 64) { index in
      results.set(index, shared.probabilities(batches[index % 8]))
    }
    for index in 0..<64 { XCTAssertEqual(results.value(index), alone[index % 8]) }
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

  /// The virtual adversarial push leaves the parameters' gradients as they were, has norm
  /// epsilon over each sequence's real steps, and moves the output further from the clean
  /// reading than a random push of the same length; with it a classifier's parameters
  /// receive a further gradient, and without the labelled push the batch is read once.
  func testTheVirtualAdversarialPushFindsWhereTheOutputMovesMost() {
    var rng = SeededGenerator(seed: 5)
    let batch = SequenceBatch(lengths: [3, 2])
    let width = 4
    let inputs = Variable(Initializer.normal([batch.rows, width], std: 1, rng: &rng))
    let first = Parameter("first", Variable(Initializer.normal([width, 6], std: 1, rng: &rng), requiresGradient: true))
    let second = Parameter("second", Variable(Initializer.normal([6, 3], std: 1, rng: &rng), requiresGradient: true))
    func reading(_ input: Variable, _: inout SeededGenerator) -> Variable {
      matmul(tanh(matmul(input, first.variable)), second.variable)
    }
    let target = softmax(reading(inputs, &rng).value).data
    func divergence(_ push: [Float]) -> Float {
      let pushed = reading(add(inputs, Variable(Tensor(shape: inputs.shape, data: push))), &rng)
      return softTargetCrossEntropy(pushed, targets: target).value.data[0]
        - softTargetCrossEntropy(reading(inputs, &rng), targets: target).value.data[0]
    }
    first.variable.gradient = [Float](repeating: 0.5, count: width * 6)
    second.variable.gradient = nil
    let push = virtualAdversarialPush(
      inputs: inputs, batch: batch, target: target, epsilon: 1, xi: 0.01, parameters: [first, second], rng: &rng,
      reading: reading)
    XCTAssertEqual(first.variable.gradient, [Float](repeating: 0.5, count: width * 6))
    XCTAssertNil(second.variable.gradient)
    for sequence in 0..<batch.size {
      var squares: Float = 0
      for step in 0..<batch.steps {
        let row = step * batch.size + sequence
        let values = push[(row * width)..<((row + 1) * width)]
        if step >= batch.lengths[sequence] { XCTAssertEqual(Array(values), [0, 0, 0, 0]) }
        squares += values.reduce(0) { $0 + $1 * $1 }
      }
      XCTAssertEqual(squares.squareRoot(), 1, accuracy: 1e-4)
    }
    let randomPush = adversarialPush(
      (0..<push.count).map { _ in rng.normal() }, width: width, batch: batch, epsilon: 1)
    XCTAssertGreaterThan(divergence(push), 2 * divergence(randomPush))

    let (model, sequences, labels) = smallClassifier(rng: &rng)
    var unused = SeededGenerator(seed: 0)
    let clean = gradients(model.parameters()) { model.loss(sequences, labels: labels, rng: &unused).backward() }
    let tiny = gradients(model.parameters()) {
      _ = model.backwardWithAdversary(sequences, epsilon: 0, virtualEpsilon: 1e-4, rng: &unused) {
        softmaxCrossEntropy($0, targets: labels)
      }
    }
    for (a, b) in zip(tiny, clean) { XCTAssertEqual(a, b, accuracy: 1e-3 + 1e-3 * abs(b)) }
    let virtual = gradients(model.parameters()) {
      _ = model.backwardWithAdversary(sequences, epsilon: 0, virtualEpsilon: 2, rng: &unused) {
        softmaxCrossEntropy($0, targets: labels)
      }
    }
    XCTAssertGreaterThan(zip(virtual, clean).map { abs($0 - $1) }.max() ?? 0, 1e-3)
  }

  /// Adversarial training reads each batch twice: the push has norm epsilon over each
  /// sequence's real steps (none on padding), the pushed reading's loss is higher, and
  /// both readings' gradients reach the parameters.
  func testAdversarialTrainingPushesUphillAndLearnsBothReadings() {
    let batch = SequenceBatch(lengths: [3, 1])
    // Time-major rows: (step 0: a, b) (step 1: a, padding) (step 2: a, padding).
    let gradient: [Float] = [3, 0, 1, 1, 0, 4, 9, 9, 0, 0, 9, 9]
    let push = adversarialPush(gradient, width: 2, batch: batch, epsilon: 2)
    let expected: [Float] = [1.2, 0, Float(2).squareRoot(), Float(2).squareRoot(), 0, 1.6, 0, 0, 0, 0, 0, 0]
    for (a, b) in zip(push, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    XCTAssertEqual(
      adversarialPush([Float](repeating: 0, count: 12), width: 2, batch: batch, epsilon: 2),
      [Float](repeating: 0, count: 12))

    var rng = SeededGenerator(seed: 3)
    let (model, sequences, labels) = smallClassifier(rng: &rng)
    var unused = SeededGenerator(seed: 0)
    let clean = gradients(model.parameters()) { model.loss(sequences, labels: labels, rng: &unused).backward() }
    var losses: (clean: Float, adversarial: Float) = (0, 0)
    let tiny = gradients(model.parameters()) {
      losses = model.backwardWithAdversary(sequences, epsilon: 1e-4, rng: &unused) {
        softmaxCrossEntropy($0, targets: labels)
      }
    }
    for (a, b) in zip(tiny, clean) { XCTAssertEqual(a, 2 * b, accuracy: 1e-3 + 1e-3 * abs(b)) }
    XCTAssertGreaterThan(losses.adversarial, losses.clean)
    _ = gradients(model.parameters()) {
      losses = model.backwardWithAdversary(sequences, epsilon: 1, rng: &unused) {
        softmaxCrossEntropy($0, targets: labels)
      }
    }
    XCTAssertGreaterThan(losses.adversarial, losses.clean + 1e-3)

    // The tagger: words, characters and features pushed together, the CRF's loss twice.
    let (tagger, input) = smallTagger(cell: .lstm, rng: &rng)
    let gold = [[1, 2, 0], [1]]
    let taggerClean = gradients(tagger.parameters()) { tagger.loss(input, gold: gold, rng: &unused).backward() }
    let taggerTiny = gradients(tagger.parameters()) {
      losses = tagger.backwardWithAdversary(input, gold: gold, epsilon: 1e-4, rng: &unused)
    }
    for (a, b) in zip(taggerTiny, taggerClean) { XCTAssertEqual(a, 2 * b, accuracy: 1e-3 + 1e-3 * abs(b)) }
    XCTAssertGreaterThan(losses.adversarial, losses.clean)
    _ = gradients(tagger.parameters()) {
      losses = tagger.backwardWithAdversary(input, gold: gold, epsilon: 1, rng: &unused)
    }
    XCTAssertGreaterThan(losses.adversarial, losses.clean + 1e-3)
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

  /// The average of a short run follows its steps (not the random start); a long run's
  /// average moves by at most 1 − decay of each new value; swap goes there and back.
  func testWeightAverageWarmsUpAndSwaps() {
    let weight = Variable(Tensor(shape: [1, 1], data: [0]), requiresGradient: true)
    let parameter = Parameter("w", weight)
    var average = WeightAverage([parameter], decay: 0.999, warmUp: true)
    var plain = WeightAverage([parameter], decay: 0.999)
    weight.value.data = [1]
    for _ in 0..<5 {
      average.update([parameter])
      plain.update([parameter])
    }
    plain.swap([parameter])
    XCTAssertEqual(weight.value.data[0], 1 - powf(0.999, 5), accuracy: 1e-5)
    plain.swap([parameter])
    average.swap([parameter])
    XCTAssertGreaterThan(weight.value.data[0], 0.95)
    XCTAssertLessThan(weight.value.data[0], 1)
    average.swap([parameter])
    XCTAssertEqual(weight.value.data, [1])
    for _ in 0..<20_000 { average.update([parameter]) }
    weight.value.data = [1001]
    average.update([parameter])
    average.swap([parameter])
    XCTAssertEqual(weight.value.data[0], 2, accuracy: 1e-3)
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

/// Results written from several threads, one slot each.
final class ResultSlots: @unchecked Sendable {
  private var slots: [[[Float]]]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: [], count: count) }

  func set(_ index: Int, _ value: [[Float]]) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  func value(_ index: Int) -> [[Float]] {
    lock.lock()
    defer { lock.unlock() }
    return slots[index]
  }
}

/// Language-model pretraining by negative sampling.
final class NeighbourWordTests: XCTestCase {
  /// The forward half of step t scores word t + 1, the backward half word t − 1; words
  /// outside the predicted ones and padding are never targets.
  func testEachDirectionScoresItsNeighbour() {
    var rng = SeededGenerator(seed: 1)
    let objective = NeighbourWordPrediction(counts: [1, 1, 1], hidden: 2, negatives: 1, rng: &rng)
    // Word 5 is not predicted.
    let batch = SequenceBatch(lengths: [3, 3, 1])
    let ids = batch.timeMajor([[0, 1, 2], [2, 5, 1], [1]], pad: -1)
    XCTAssertEqual(
      objective.entries(ids: ids, batch: batch),
      [
        NeighbourEntry(row: 0, column: 0, target: 1), NeighbourEntry(row: 3, column: 0, target: 2),
        NeighbourEntry(row: 3, column: 2, target: 0), NeighbourEntry(row: 4, column: 0, target: 1),
        NeighbourEntry(row: 4, column: 2, target: 2), NeighbourEntry(row: 6, column: 2, target: 1),
      ])
  }

  /// −log σ(s⁺) − Σ log σ(−s⁻), a negative that is the entry's own word left out; the
  /// gradient of the hidden vector is Σ (σ(s) − y) · w.
  func testTheLossAndItsGradientByHand() {
    let hidden = Variable(Tensor(shape: [1, 2], data: [1, 2]), requiresGradient: true)
    let table = Variable(Tensor(shape: [2, 2], data: [1, 0, 0, 1]), requiresGradient: true)
    let bias = Variable(Tensor(shape: [2], data: [0, 0.5]), requiresGradient: true)
    let loss = negativeSamplingLoss(
      hidden, entries: [NeighbourEntry(row: 0, column: 0, target: 0)], table: table, bias: bias, negatives: [1, 0])
    func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
    XCTAssertEqual(loss.value.data[0], log1pf(expf(-1)) + log1pf(expf(2.5)), accuracy: 1e-5)
    loss.backward()
    XCTAssertEqual(hidden.gradient![0], sigmoid(1) - 1, accuracy: 1e-5)
    XCTAssertEqual(hidden.gradient![1], sigmoid(2.5), accuracy: 1e-5)
    XCTAssertEqual(bias.gradient![0], sigmoid(1) - 1, accuracy: 1e-5)
    XCTAssertEqual(bias.gradient![1], sigmoid(2.5), accuracy: 1e-5)
    for (got, expected) in zip(table.gradient!, [sigmoid(1) - 1, 2 * (sigmoid(1) - 1), sigmoid(2.5), 2 * sigmoid(2.5)])
    {
      XCTAssertEqual(got, expected, accuracy: 1e-5)
    }
  }

  /// Sampling follows count^0.75: a word never seen is never drawn, and a word 16 times as
  /// common is drawn about 8 times as often.
  func testNegativesFollowTheUnigramDistributionToThreeQuarters() {
    var rng = SeededGenerator(seed: 3)
    let objective = NeighbourWordPrediction(counts: [16, 0, 1], hidden: 1, rng: &rng)
    var drawn = [0, 0, 0]
    for _ in 0..<9_000 { drawn[objective.sample(&rng)] += 1 }
    XCTAssertEqual(drawn[1], 0)
    XCTAssertEqual(Double(drawn[0]) / Double(drawn[2]), 8, accuracy: 1)
  }
}
