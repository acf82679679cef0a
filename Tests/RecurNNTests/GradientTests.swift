import RecurNN
import XCTest

/// Finite-difference checks of every backward pass.
final class GradientTests: XCTestCase {
  func testElementaryOperations() {
    var rng = SeededGenerator(seed: 1)
    let a = trainable([3, 4], &rng)
    let w = trainable([4, 5], &rng)
    let b = trainable([5], &rng)
    let c = trainable([3, 5], &rng)
    let z = trainable([3, 5], &rng)
    let parameters = [("a", a), ("w", w), ("b", b), ("c", c), ("z", z)].map { Parameter($0.0, $0.1) }
    assertGradientsMatch(parameters) {
      let h = tanh(affine(a, w, b))
      let g = sigmoid(add(h, c))
      let mixed = interpolate(sigmoid(z), multiply(g, c), h)
      let halves = concatColumns([sliceColumns(mixed, start: 0, count: 2), sliceColumns(mixed, start: 2, count: 3)])
      let stacked = concatRows([sliceRows(halves, start: 1, count: 2), sliceRows(halves, start: 0, count: 1)])
      let blended = blendRows(stacked, relu(c), mask: [1, 0, 1])
      let dropped = multiply(addProduct(blended, a, w), constant: [Float](repeating: 1, count: 12) + [0, 2, 0])
      return softmaxCrossEntropy(scaleRows(dropped, [0.5, 2, 1]), targets: [1, -1, 4], classWeights: [1, 2, 1, 1, 3])
    }
  }

  func testCrossEntropyWithRowWeights() {
    var rng = SeededGenerator(seed: 5)
    let logits = trainable([4, 2], &rng)
    assertGradientsMatch([Parameter("logits", logits)]) {
      softmaxCrossEntropy(logits, targets: [1, 0, -1, 1], rowWeights: [0.5, 3, 7, 0])
    }
    // A row weighed twice counts as the row given twice.
    let two = Tensor(shape: [2, 2], data: Array(logits.value.data[0..<4]))
    let twice = softmaxCrossEntropy(constant(two), targets: [1, 0], rowWeights: [2, 1])
    let rows = Tensor(shape: [3, 2], data: Array(logits.value.data[0..<2]) + Array(logits.value.data[0..<4]))
    let repeated = softmaxCrossEntropy(constant(rows), targets: [1, 1, 0])
    XCTAssertEqual(twice.value.data[0], repeated.value.data[0], accuracy: 1e-6)
  }

  func testSoftTargetCrossEntropy() {
    var rng = SeededGenerator(seed: 6)
    let logits = trainable([3, 2], &rng)
    assertGradientsMatch([Parameter("logits", logits)]) {
      softTargetCrossEntropy(logits, targets: [0.2, 0.8, 1, 0, 0.5, 0.5])
    }
    // One-hot targets are the hard-label loss.
    let hard = softmaxCrossEntropy(constant(logits.value), targets: [1, 0, 0])
    let soft = softTargetCrossEntropy(constant(logits.value), targets: [0, 1, 1, 0, 1, 0])
    XCTAssertEqual(hard.value.data[0], soft.value.data[0], accuracy: 1e-6)
  }

  func testEmbeddingAndSumOverTime() {
    var rng = SeededGenerator(seed: 2)
    let embedding = Embedding(vocabulary: 6, width: 3, rng: &rng)
    let batch = SequenceBatch(lengths: [3, 1])
    assertGradientsMatch(embedding.parameters()) {
      let rows = embedding(batch.timeMajor([[1, 2, 1], [5]], pad: -1))
      return sum(multiply(sumOverTime(rows, batch: batch), sumOverTime(rows, batch: batch)))
    }
  }

  func testEveryCellThroughAPaddedBatch() {
    for kind in CellKind.allCases {
      var rng = SeededGenerator(seed: 3)
      let layer = Recurrent(cell: makeCell(kind, input: 3, hidden: 4, rng: &rng))
      let input = trainable([12, 3], &rng)  // 4 steps × 3 sequences
      let batch = SequenceBatch(lengths: [4, 2, 3])
      let head = Dense(input: 4, output: 3, rng: &rng)
      assertGradientsMatch(layer.parameters() + [Parameter("x", input)] + head.parameters()) {
        let outputs = layer(input, batch: batch).outputs
        return softmaxCrossEntropy(
          head(outputs), targets: batch.timeMajor([[0, 1, 2, 1], [2, 2], [1, 0, 0]], pad: -1))
      }
    }
  }

  /// The whole-sequence run's gradients into the initial state and from the final state
  /// (the LSTM's cell state too), forwards and backwards, through a padded batch whose
  /// sequences are not in length order.
  func testSequenceRunInitialAndFinalStates() {
    for kind in CellKind.allCases {
      for reverse in [false, true] {
        var rng = SeededGenerator(seed: 8)
        let layer = Recurrent(cell: makeCell(kind, input: 3, hidden: 4, rng: &rng), reverse: reverse)
        let input = trainable([15, 3], &rng)  // 5 steps × 3 sequences
        let batch = SequenceBatch(lengths: [2, 5, 3])
        let initial = (0..<layer.cell.stateCount).map { _ in trainable([3, 4], &rng, scale: 0.5) }
        let head = Dense(input: 4, output: 3, rng: &rng)
        let parameters =
          layer.parameters() + head.parameters() + [Parameter("x", input)]
          + initial.enumerated().map { Parameter("state\($0.offset)", $0.element) }
        assertGradientsMatch(parameters) {
          let run = layer(input, batch: batch, initialState: initial)
          var loss = add(
            softmaxCrossEntropy(
              head(run.outputs), targets: batch.timeMajor([[0, 1], [2, 2, 1, 0, 1], [1, 0, 0]], pad: -1)),
            softmaxCrossEntropy(head(run.final[0]), targets: [2, 0, 1]))
          if run.final.count == 2 { loss = add(loss, softmaxCrossEntropy(head(run.final[1]), targets: [1, 1, 0])) }
          return loss
        }
      }
    }
  }

  func testBidirectionalStackedEncoder() {
    for kind in CellKind.allCases {
      var rng = SeededGenerator(seed: 4)
      let encoder = RecurrentEncoder(kind: kind, input: 3, hidden: 3, layers: 2, bidirectional: true, rng: &rng)
      let input = trainable([8, 3], &rng)
      let batch = SequenceBatch(lengths: [4, 3])
      let head = Dense(input: 6, output: 2, rng: &rng)
      assertGradientsMatch(encoder.parameters() + [Parameter("x", input)] + head.parameters()) {
        let encoded = encoder(input, batch: batch)
        return add(
          softmaxCrossEntropy(head(encoded.summary), targets: [1, 0]),
          softmaxCrossEntropy(head(encoded.outputs), targets: batch.timeMajor([[0, 1, 1, 0], [1, 1, 0]], pad: -1)))
      }
    }
  }

  func testCharacterEncoder() {
    var rng = SeededGenerator(seed: 5)
    let characters = CharacterEncoder(alphabet: 8, width: 3, hidden: 3, kind: .gru, maxCharacters: 4, rng: &rng)
    let head = Dense(input: 6, output: 2, rng: &rng)
    assertGradientsMatch(characters.parameters() + head.parameters()) {
      softmaxCrossEntropy(head(characters([[1, 2, 3], [4], [], [5, 6, 7, 1, 2, 3]])), targets: [0, 1, -1, 1])
    }
  }

  func testCRFNegativeLogLikelihood() {
    var rng = SeededGenerator(seed: 6)
    let tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    let crf = CRF(tags: tags.count, constraints: TagConstraints(bio: tags))
    for parameter in crf.parameters() {
      parameter.variable.value = randomTensor(parameter.variable.shape, &rng, scale: 0.5)
    }
    let emissions = trainable([12, 5], &rng)  // 4 steps × 3 sequences
    let batch = SequenceBatch(lengths: [4, 1, 3])
    let gold = [[1, 2, 0, 3], [0], [3, 4, 4]]
    assertGradientsMatch(crf.parameters() + [Parameter("emissions", emissions)]) {
      crf.negativeLogLikelihood(emissions, gold: gold, batch: batch)
    }
  }

  /// Partially labelled sequences: the loss over every allowed path, one fully labelled.
  func testCRFPartialLabelNegativeLogLikelihood() {
    var rng = SeededGenerator(seed: 16)
    let tags = ["O", "B-PER", "I-PER", "B-MISC", "I-MISC"]
    let crf = CRF(tags: tags.count, constraints: TagConstraints(bio: tags))
    for parameter in crf.parameters() {
      parameter.variable.value = randomTensor(parameter.variable.shape, &rng, scale: 0.5)
    }
    let emissions = trainable([12, 5], &rng)  // 4 steps × 3 sequences
    let batch = SequenceBatch(lengths: [4, 1, 3])
    let gold = [[1, 2, 0, 0], [0], [0, 0, 0]]
    let maybeMisc: UInt64 = 0b11001  // O, B-MISC or I-MISC
    let allowed: [[UInt64]] = [[0b10, 0b100, maybeMisc, maybeMisc], [], [maybeMisc, maybeMisc, 0b1]]
    assertGradientsMatch(crf.parameters() + [Parameter("emissions", emissions)]) {
      crf.negativeLogLikelihood(emissions, gold: gold, allowed: allowed, batch: batch)
    }
    // One tag allowed a step is the gold path's loss.
    let exact = crf.negativeLogLikelihood(emissions, gold: gold, batch: batch).value.data[0]
    let single = gold.map { $0.map { UInt64(1) << UInt64($0) } }
    let asSets = crf.negativeLogLikelihood(emissions, gold: gold, allowed: single, batch: batch).value.data[0]
    XCTAssertEqual(exact, asSets, accuracy: 1e-4)
    // More paths allowed can only lower the loss.
    let partial = crf.negativeLogLikelihood(emissions, gold: gold, allowed: allowed, batch: batch).value.data[0]
    XCTAssertLessThan(partial, exact)
  }

  func testStructureLosses() {
    var rng = SeededGenerator(seed: 7)
    let classifier = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng), cell: .lstm, hidden: 3, classes: 2,
      bidirectional: true, pooling: .mean, rng: &rng)
    var dropoutRNG = SeededGenerator(seed: 0)
    assertGradientsMatch(classifier.parameters()) {
      classifier.loss([[1, 2, 3], [4, 5]], labels: [0, 1], rng: &dropoutRNG)
    }
    let maxPooled = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng), cell: .gru, hidden: 3, classes: 2,
      bidirectional: true, pooling: .max, rng: &rng)
    assertGradientsMatch(maxPooled.parameters()) {
      maxPooled.loss([[1, 2, 3], [4, 5], [6]], labels: [0, 1, 1], rng: &dropoutRNG)
    }
    let bothPooled = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng), cell: .gru, hidden: 3, classes: 2,
      bidirectional: true, pooling: .maxMean, rng: &rng)
    assertGradientsMatch(bothPooled.parameters()) {
      bothPooled.loss([[1, 2, 3], [4, 5], [6]], labels: [0, 1, 1], rng: &dropoutRNG)
    }
    let attended = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng), cell: .lstm, hidden: 3, classes: 2,
      bidirectional: true, pooling: .attention, rng: &rng)
    assertGradientsMatch(attended.parameters()) {
      attended.loss([[1, 2, 3], [4, 5], [6]], labels: [0, 1, 1], rng: &dropoutRNG)
    }
    let withFeatures = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng), featureCount: 2, cell: .gru, hidden: 3, classes: 2,
      bidirectional: true, pooling: .max, rng: &rng)
    assertGradientsMatch(withFeatures.parameters()) {
      withFeatures.loss(
        [[1, 2, 3], [4, 5]], features: [[[1, 0], [0, 1], [1, 1]], [[0, 0], [1, 0]]], labels: [0, 1], rng: &dropoutRNG)
    }
    let spelling = SpellingEmbedding(
      buckets: 11, width: 2, output: 3, vocabulary: ["<unk>", "a", "bb", "ccc", "dddd", "ee", "f"], rng: &rng)
    for index in spelling.projection.value.data.indices { spelling.projection.value.data[index] = rng.uniform(-1, 1) }
    let spelled = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng), spelling: spelling, cell: .gru, hidden: 3, classes: 2,
      bidirectional: true, pooling: .mean, rng: &rng)
    assertGradientsMatch(spelled.parameters()) {
      spelled.loss(
        [[1, 2, 0], [4, 5], [0]], spellings: [[2: [1, 2, 2, 7]], [:], [0: [3, 10]]], labels: [0, 1, 1],
        rng: &dropoutRNG)
    }
    // Only unknown words spelled, known words read as unknown half the time (the same
    // draws at each evaluation).
    let unknownOnly = ManyToOne(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng),
      spelling: SpellingEmbedding(
        buckets: 11, width: 2, output: 3, vocabulary: ["<unk>", "a", "bb", "ccc", "dddd", "ee", "f"],
        readsKnownWords: false, rng: &rng),
      cell: .gru, hidden: 3, classes: 2, bidirectional: true, pooling: .mean, rng: &rng)
    unknownOnly.unknownRate = 0.5
    for index in unknownOnly.spelling!.projection.value.data.indices {
      unknownOnly.spelling!.projection.value.data[index] = rng.uniform(-1, 1)
    }
    unknownOnly.dropout = Dropout(rate: 0)
    assertGradientsMatch(unknownOnly.parameters()) {
      var draws = SeededGenerator(seed: 5)
      return unknownOnly.loss(
        [[1, 2, 0, 3], [4, 5], [0]], spellings: [[2: [1, 2, 2, 7]], [:], [0: [3, 10]]], labels: [0, 1, 1],
        rng: &draws)
    }
    // Pretraining: each direction's outputs scoring the neighbouring words by negative
    // sampling (the same negatives drawn at each evaluation).
    let objective = NeighbourWordPrediction(counts: [4, 3, 2, 2, 1, 1], hidden: 3, negatives: 3, rng: &rng)
    for index in objective.table.value.data.indices { objective.table.value.data[index] = rng.uniform(-1, 1) }
    assertGradientsMatch(maxPooled.parameters() + objective.parameters()) {
      var sampling = SeededGenerator(seed: 11)
      return maxPooled.neighbourWordLoss([[1, 2, 3, 6], [4, 5], [6]], objective: objective, rng: &sampling)
    }
    let tagger = ManyToMany(
      embedding: Embedding(vocabulary: 7, width: 3, rng: &rng),
      characterEncoder: CharacterEncoder(alphabet: 6, width: 2, hidden: 2, kind: .lstm, rng: &rng), featureCount: 1,
      cell: .lstm, hidden: 3, tags: 3, useCRF: true, rng: &rng)
    assertGradientsMatch(tagger.parameters() + objective.parameters()) {
      var sampling = SeededGenerator(seed: 12)
      return tagger.neighbourWordLoss(
        .init(
          words: [[1, 2, 3], [4, 5]], characters: [[[1], [2, 3], [4]], [[5], [1, 2]]],
          features: [[[1], [0], [1]], [[0], [1]]]),
        objective: objective, rng: &sampling)
    }
    let translator = Seq2Seq(
      sourceVocabulary: 6, targetVocabulary: 6, width: 3, hidden: 4, cell: .gru, startToken: 4, endToken: 5,
      rng: &rng)
    assertGradientsMatch(translator.parameters()) {
      translator.loss([[1, 2, 3], [0]], targets: [[3, 2], [0, 0, 1]])
    }
    let generator = OneToMany(
      inputSize: 2, vocabulary: 5, width: 3, hidden: 3, cell: .lstm, startToken: 3, endToken: 4, rng: &rng)
    assertGradientsMatch(generator.parameters()) { generator.loss([[1, 0], [0, 1]], targets: [[0, 1], [2]]) }
  }
}
