import Foundation
import RecurNN
import RecurText
import XCTest

@testable import RecurModels

/// A small model trained in the test: reproducibility, model files, and the document rules.
final class SentimentModelTests: XCTestCase {
  static let positiveWords = ["good", "great", "fine", "lovely", "superb"]
  static let negativeWords = ["bad", "awful", "dull", "boring", "poor"]
  static let neutralWords = ["film", "the", "plot", "was", "a", "and", "cast"]

  /// Word vectors for the toy vocabulary, written to a temporary folder.
  func writeVectors(to folder: URL) throws {
    let words = Self.positiveWords + Self.negativeWords + Self.neutralWords
    var rng = SeededGenerator(seed: 3)
    var values: [Float] = []
    for _ in words { for _ in 0..<6 { values.append(rng.uniform(-1, 1)) } }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try (words.joined(separator: "\n") + "\n").write(
      to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    try values.withUnsafeBytes { Data($0) }.write(to: folder.appendingPathComponent("vectors.f32le"))
  }

  func toyExamples(count: Int, seed: UInt64) -> [SentimentExample] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { index in
      let label = index % 2
      let cue = label == 1 ? Self.positiveWords : Self.negativeWords
      var words = (0..<4).map { _ in Self.neutralWords[Int(rng.next() % UInt64(Self.neutralWords.count))] }
      words.insert(cue[Int(rng.next() % UInt64(cue.count))], at: Int(rng.next() % 5))
      return SentimentExample(label: label, text: words.joined(separator: " ") + ".")
    }
  }

  func trainToy(
    seed: UInt64 = 5, layers: Int = 1, teachers: [SentimentModel] = [], flipLabels: Bool = false,
    smoothing: Float = 0, examples given: [SentimentExample]? = nil, dev givenDev: [SentimentExample]? = nil,
    configure: (inout SentimentTrainingOptions) -> Void = { _ in }
  ) throws -> SentimentModel {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-vectors-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try writeVectors(to: folder)
    let vectors = try WordVectors.load(directory: folder.path)
    var options = SentimentTrainingOptions()
    options.hidden = 8
    options.epochs = 6
    options.batchSize = 8
    options.learningRate = 0.01
    options.seed = seed
    options.dropout = 0.1
    options.layers = layers
    options.averaging = 0
    configure(&options)
    let dev = DevSet(name: "toy dev", examples: givenDev ?? toyExamples(count: 40, seed: 99))
    var examples = given ?? toyExamples(count: 200, seed: 1)
    if flipLabels { for index in examples.indices { examples[index].label = 1 - examples[index].label } }
    return SentimentTrainer(options: options).train(
      sources: [TrainingSource(name: "toy", examples: examples, smoothing: smoothing)], dev: [dev], vectors: vectors,
      teachers: teachers
    ) { _ in }.model
  }

  /// Writes the card in `folder` with `original` replaced by `replacement`, checks that the
  /// model is refused with an error naming `expected`, and puts the card back.
  func assertEditedCardRefused(
    _ folder: URL, replacing original: String, with replacement: String, mentioning expected: String,
    line: UInt = #line
  ) throws {
    let cardURL = folder.appendingPathComponent(SentimentModel.cardFile)
    let card = try String(contentsOf: cardURL, encoding: .utf8)
    defer { try? card.write(to: cardURL, atomically: true, encoding: .utf8) }
    XCTAssertTrue(card.contains(original), "the card has no \(original)", line: line)
    try card.replacingOccurrences(of: original, with: replacement).write(to: cardURL, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try SentimentModel.load(directory: folder.path), line: line) { error in
      XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
    }
  }

  func testWordVectorsAreReadAndChecked() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-vectors-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try writeVectors(to: folder)
    let vectors = try WordVectors.load(directory: folder.path)
    XCTAssertEqual(vectors.width, 6)
    XCTAssertEqual(vectors.words.first, "good")
    XCTAssertNotNil(vectors.vector("cast"))
    // A matrix that is not a whole number of rows, and a value that is not finite.
    let matrix = folder.appendingPathComponent("vectors.f32le")
    try Data(count: 17 * 6 * 4 + 2).write(to: matrix)
    XCTAssertThrowsError(try WordVectors.load(directory: folder.path)) { error in
      XCTAssertTrue("\(error)".contains("not 17 rows"), "\(error)")
    }
    var values = [Float](repeating: 0, count: 17 * 6)
    values[9] = .nan
    try values.withUnsafeBytes { Data($0) }.write(to: matrix)
    XCTAssertThrowsError(try WordVectors.load(directory: folder.path)) { error in
      XCTAssertTrue("\(error)".contains("not finite"), "\(error)")
    }
    XCTAssertThrowsError(try WordVectors.load(directory: "/nonexistent"))
  }

  func testTheToyModelLearnsAndTrainingIsReproducible() throws {
    let first = try trainToy()
    let second = try trainToy()
    for (a, b) in zip(first.network.parameters(), second.network.parameters()) {
      XCTAssertEqual(a.variable.value.data, b.variable.value.data, a.key)
    }
    let scores = first.positiveProbabilities(texts: ["the plot was superb.", "the cast was awful."])
    XCTAssertGreaterThan(scores[0], 0.8)
    XCTAssertLessThan(scores[1], 0.2)
    let other = try trainToy(seed: 6)
    XCTAssertNotEqual(
      other.network.parameters()[1].variable.value.data, first.network.parameters()[1].variable.value.data)
  }

  /// Distillation: with the whole target from the teachers, a student whose training labels
  /// are all wrong still learns what the teachers know; averaged weights still learn.
  func testAStudentLearnsFromItsTeachersNotItsLabels() throws {
    let teacher = try trainToy()
    let student = try trainToy(seed: 7, teachers: [teacher, teacher], flipLabels: true) { $0.distillation = 1 }
    let scores = student.positiveProbabilities(texts: ["the plot was superb.", "the cast was awful."])
    XCTAssertGreaterThan(scores[0], 0.7)
    XCTAssertLessThan(scores[1], 0.3)
    // From the labels alone, the same flipped rows teach the opposite.
    let misled = try trainToy(seed: 7, flipLabels: true) { $0.checksPerEpoch = 1 }
    XCTAssertLessThan(misled.positiveProbabilities(texts: ["the plot was superb."])[0], 0.5)
    let averaged = try trainToy { $0.averaging = 0.9 }
    XCTAssertGreaterThan(averaged.positiveProbabilities(texts: ["a lovely film."])[0], 0.7)
  }

  /// Label smoothing: a source's rows taught as 0.7 their label and 0.3 the other still
  /// teach which way a text leans, but not to be sure of it; without smoothing (and with
  /// no teachers) the plain labels are the targets.
  func testSmoothedRowsTeachTheDirectionNotCertainty() throws {
    let trainer = SentimentTrainer(options: SentimentTrainingOptions())
    XCTAssertNil(trainer.smoothedTargets(nil, labels: [0, 1], smoothing: [0, 0]))
    XCTAssertEqual(trainer.smoothedTargets(nil, labels: [0, 1], smoothing: [0.5, 0]), [[0.75, 0.25], [0, 1]])
    XCTAssertEqual(trainer.smoothedTargets([[0.5, 0.5]], labels: [1], smoothing: [0]), [[0.5, 0.5]])
    let sure = try trainToy().positiveProbabilities(texts: ["the plot was superb.", "the cast was awful."])
    let smoothed = try trainToy(smoothing: 0.6).positiveProbabilities(texts: [
      "the plot was superb.", "the cast was awful.",
    ])
    XCTAssertGreaterThan(sure[0], 0.9)
    XCTAssertLessThan(sure[1], 0.1)
    XCTAssertGreaterThan(smoothed[0], 0.55)
    XCTAssertLessThan(smoothed[0], 0.8)
    XCTAssertLessThan(smoothed[1], 0.45)
    XCTAssertGreaterThan(smoothed[1], 0.2)
  }

  /// Adversarial training learns the toy task too, with the teachers' targets as well, and
  /// changes what is learned (the second reading's gradients count).
  func testAdversarialTrainingLearns() throws {
    let plain = try trainToy()
    let adversarial = try trainToy { $0.adversarialEpsilon = 1 }
    let texts = ["the plot was superb.", "the cast was awful."]
    let scores = adversarial.positiveProbabilities(texts: texts)
    XCTAssertGreaterThan(scores[0], 0.8)
    XCTAssertLessThan(scores[1], 0.2)
    XCTAssertNotEqual(scores, plain.positiveProbabilities(texts: texts))
    // Virtual adversarial training, alone and beside the labelled push.
    for labelled: Float in [0, 1] {
      let virtual = try trainToy {
        $0.adversarialEpsilon = labelled
        $0.virtualAdversarialEpsilon = 0.3
      }
      // Asked to stay put near each text, the toy's outputs are less sure after so few steps.
      let virtualScores = virtual.positiveProbabilities(texts: texts)
      XCTAssertGreaterThan(virtualScores[0], 0.65)
      XCTAssertLessThan(virtualScores[1], 0.35)
      XCTAssertNotEqual(virtualScores, labelled > 0 ? scores : plain.positiveProbabilities(texts: texts))
    }
    let student = try trainToy(seed: 7, teachers: [plain], flipLabels: true) {
      $0.distillation = 1
      $0.adversarialEpsilon = 1
    }
    // The teacher's side, not the flipped labels'.
    let taught = student.positiveProbabilities(texts: texts)
    XCTAssertGreaterThan(taught[0], 0.5)
    XCTAssertLessThan(taught[1], 0.5)
  }

  func testAStackedModelRoundTrips() throws {
    let model = try trainToy(layers: 2)
    XCTAssertEqual(model.card.architecture["layers"], "2")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-model-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try model.save(directory: folder.path)
    let texts = ["a lovely film.", "dull and boring plot."]
    XCTAssertEqual(
      try SentimentModel.load(directory: folder.path).positiveProbabilities(texts: texts),
      model.positiveProbabilities(texts: texts))
  }

  func testModelFilesRoundTripAndBadFilesAreRefused() throws {
    let model = try trainToy()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-model-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try model.save(directory: folder.path)
    let loaded = try SentimentModel.load(directory: folder.path)
    let texts = ["a lovely film.", "dull and boring plot.", ""]
    XCTAssertEqual(loaded.positiveProbabilities(texts: texts), model.positiveProbabilities(texts: texts))

    let weights = folder.appendingPathComponent(SentimentModel.weightsFile)
    let bytes = try Data(contentsOf: weights)
    // Bytes overwritten inside the data, header intact: the card's digest refuses them,
    // naming the file and both digests.
    var damaged = Array(bytes)
    for index in (damaged.count - 40)..<(damaged.count - 8) { damaged[index] ^= 0x5A }
    try Data(damaged).write(to: weights)
    XCTAssertThrowsError(try SentimentModel.load(directory: folder.path)) { error in
      let message = "\(error)"
      XCTAssertTrue(message.contains(SentimentModel.weightsFile) && message.contains("SHA-256"), message)
      XCTAssertTrue(message.contains(sha256Hex(Array(bytes))) && message.contains(sha256Hex(damaged)), message)
    }
    // A card from before digests were recorded still loads (and says so in `recur models`).
    let cardPath = folder.appendingPathComponent(SentimentModel.cardFile).path
    var unsealed = try ModelCard.read(path: cardPath)
    XCTAssertEqual(unsealed.files, [SentimentModel.weightsFile: sha256Hex(Array(bytes))])
    XCTAssertTrue(unsealed.integrity(folder: folder.path).contains("not the file its card describes"))
    try bytes.write(to: weights)
    XCTAssertTrue(unsealed.integrity(folder: folder.path).hasPrefix("verified"))
    let sealed = try Data(contentsOf: URL(fileURLWithPath: cardPath))
    unsealed.files = nil
    try unsealed.write(to: cardPath)
    XCTAssertNoThrow(try SentimentModel.load(directory: folder.path))
    XCTAssertTrue(unsealed.integrity(folder: folder.path).hasPrefix("no digests recorded"))
    try sealed.write(to: URL(fileURLWithPath: cardPath))

    try bytes.prefix(bytes.count - 10).write(to: weights)
    XCTAssertThrowsError(try SentimentModel.load(directory: folder.path)) { error in
      XCTAssertTrue("\(error)".contains(SentimentModel.weightsFile), "\(error)")
    }
    try bytes.write(to: weights)

    try assertEditedCardRefused(folder, replacing: "\"gru\"", with: "\"transformer\"", mentioning: "no known cell")
    try assertEditedCardRefused(
      folder, replacing: "\"hidden\" : \"8\"", with: "\"hidden\" : \"9\"", mentioning: "shape")
    try "{ not json".write(
      to: folder.appendingPathComponent(SentimentModel.cardFile), atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try SentimentModel.load(directory: folder.path))
    XCTAssertThrowsError(try SentimentModel.load(directory: "/nonexistent/model"))
  }

  func testNegationScopeRunsFromTheCueToTheEndOfItsClause() throws {
    let model = try trainToy()
    func scope(_ text: String) -> [String] {
      let words = model.words(text)
      return zip(words, SentimentFeature.negationScope(words)).filter(\.1).map(\.0)
    }
    XCTAssertEqual(scope("No problems so far, five stars."), ["problems", "so", "far"])
    XCTAssertEqual(scope("It didn't shrink in the wash."), ["shrink", "in", "the", "wash"])
    XCTAssertEqual(scope("Not bad at all but not great either"), ["bad", "at", "all", "great", "either"])
    XCTAssertEqual(scope("Without any fuss; the app just works"), ["any", "fuss"])
    XCTAssertEqual(scope("dont buy it, never again"), ["buy", "it", "again"])
    XCTAssertEqual(scope("Not one, not 2 or 3 stars"), ["one", "2", "or", "3", "stars"])
    XCTAssertEqual(scope("A lovely film."), [])
    XCTAssertEqual(
      SentimentFeature.values([.negation], words: ["not", "bad", "."]), [[0], [1], [0]])
    XCTAssertEqual(SentimentFeature.values([], words: ["not", "bad"]), [[], []])
    XCTAssertThrowsError(try SentimentFeature.parse("negation,sarcasm")) { error in
      XCTAssertTrue("\(error)".contains("unknown feature 'sarcasm'"), "\(error)")
    }
    XCTAssertEqual(try SentimentFeature.parse(nil), [])
  }

  /// Texts whose cue word is negated half the time: with the negation feature the model
  /// reads the flip, and the feature survives a save and a load.
  func testTheNegationFeatureTeachesAFlipAndRoundTrips() throws {
    func negated(_ examples: [SentimentExample]) -> [SentimentExample] {
      examples.enumerated().map { index, example in
        guard index % 4 < 2 else { return example }
        var words = example.text.dropLast().split(separator: " ").map(String.init)
        let cue = words.firstIndex { Self.positiveWords.contains($0) || Self.negativeWords.contains($0) }!
        words.insert("not", at: cue)
        return SentimentExample(label: 1 - example.label, text: words.joined(separator: " ") + ".")
      }
    }
    let model = try trainToy(
      examples: negated(toyExamples(count: 400, seed: 1)), dev: negated(toyExamples(count: 40, seed: 99))
    ) {
      $0.features = [.negation]
      $0.epochs = 10
    }
    XCTAssertEqual(model.card.architecture["features"], "negation")
    XCTAssertEqual(model.network.featureCount, 1)
    let texts = ["the plot was not superb.", "the plot was superb.", "the cast was not awful.", "the cast was awful."]
    let scores = model.positiveProbabilities(texts: texts)
    XCTAssertLessThan(scores[0], 0.5, "\(scores)")
    XCTAssertGreaterThan(scores[1], 0.5, "\(scores)")
    XCTAssertGreaterThan(scores[2], 0.5, "\(scores)")
    XCTAssertLessThan(scores[3], 0.5, "\(scores)")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-model-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try model.save(directory: folder.path)
    let loaded = try SentimentModel.load(directory: folder.path)
    XCTAssertEqual(loaded.features, [.negation])
    XCTAssertEqual(loaded.positiveProbabilities(texts: texts), scores)
    // A card naming a feature this build does not know is refused with its name.
    try assertEditedCardRefused(
      folder, replacing: "\"negation\"", with: "\"irony\"", mentioning: "unknown feature 'irony'")
  }

  func testSpellingsReadUnseenWordsAndRoundTrip() throws {
    // Known words read as unknown a third of the time teach the model to read a word by its
    // spelling: misspellings it never saw take their correct forms' side.
    let model = try trainToy {
      $0.spellingBuckets = 512
      $0.spellingWidth = 8
      $0.unknownRate = 0.3
      $0.epochs = 10
    }
    XCTAssertEqual(model.card.architecture["spelling_buckets"], "512")
    XCTAssertEqual(model.card.architecture["spelling_width"], "8")
    let texts = ["the plot was superbb.", "the cast was awfull.", "the plot was grreat.", "the film was borring."]
    XCTAssertFalse(model.vocabulary.contains("superbb"))
    XCTAssertEqual(model.input(text: texts[0]).spellings.count, 1)
    let scores = model.positiveProbabilities(texts: texts)
    XCTAssertGreaterThan(scores[0], 0.5, "\(scores)")
    XCTAssertLessThan(scores[1], 0.5, "\(scores)")
    XCTAssertGreaterThan(scores[2], 0.5, "\(scores)")
    XCTAssertLessThan(scores[3], 0.5, "\(scores)")
    // Cutting a long text keeps each kept word's spelling at its new place.
    let long = model.input((0..<20).map { $0 == 2 || $0 == 17 ? "zzq\($0)" : "film" })
    let cut = long.cut(to: 10, head: 3)
    XCTAssertEqual(Set(cut.spellings.keys), [2, 7])
    XCTAssertEqual(cut.spellings[7], long.spellings[17])
    XCTAssertEqual(long[15..<20].spellings[2], long.spellings[17])
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-model-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try model.save(directory: folder.path)
    XCTAssertEqual(try SentimentModel.load(directory: folder.path).positiveProbabilities(texts: texts), scores)
    // A card without a valid table size is refused by name.
    try assertEditedCardRefused(
      folder, replacing: "\"spelling_buckets\" : \"512\"", with: "\"spelling_buckets\" : \"0\"",
      mentioning: "spelling_buckets")
  }

  func testSentencesAreCutAtParagraphsAndAtTheLengthLimit() {
    let text = "A heading\n\nThe first sentence. " + Array(repeating: "Word", count: 400).joined(separator: " ")
    let tokens = Tokenizer().tokenize(text)
    let sentences = Segmentation.sentences(tokens, in: Array(text.unicodeScalars))
    XCTAssertEqual(sentences.map(\.count), [2, 4, 150, 150, 100])
    XCTAssertEqual(sentences.first, 0..<2)
    XCTAssertEqual(sentences.last?.upperBound, tokens.count)
  }

  func testDocumentRules() throws {
    var labeler = DocumentSentiment(model: try trainToy())
    let texts = [
      "The plot was superb. The cast was lovely and great.",
      "The plot was awful. The cast was dull. A boring film.",
      "",
      "Der Film war sehr gut und die Geschichte ist nicht langweilig, aber das Ende war schwach.",
      "The plot was superb.",
    ]
    let results = labeler.label(texts)
    XCTAssertEqual(results[0].label, .positive)
    XCTAssertEqual(results[1].label, .negative)
    XCTAssertEqual(results[1].sentences.count, 3)
    XCTAssertEqual(results[2].label, .unsupported)
    XCTAssertEqual(results[2].reason, "no text to score")
    XCTAssertEqual(results[3].label, .unsupported)
    XCTAssertEqual(results[3].language, "de")
    XCTAssertNil(results[3].probability)
    // A declared language wins over the guess.
    XCTAssertEqual(labeler.label([texts[0]], languages: ["fr"])[0].label, .unsupported)
    // Sentence offsets point back into the text.
    let scalars = Array(texts[1].unicodeScalars)
    for sentence in results[1].sentences {
      XCTAssertEqual(String(String.UnicodeScalarView(scalars[sentence.start..<sentence.end])), sentence.text)
    }
    // Each text alone labels exactly as in the batch.
    for (text, batched) in zip(texts, results) {
      let alone = labeler.label([text])[0]
      XCTAssertEqual(alone.label, batched.label)
      XCTAssertEqual(alone.positive ?? -1, batched.positive ?? -1, accuracy: 1e-6)
    }
    // Split evidence is mixed unless the whole text is decisive; the probability of mixed is
    // the balance of the evidence.
    func sentences(_ scores: [Double]) -> [SentenceSentiment] {
      scores.map { SentenceSentiment(start: 0, end: 0, text: "", positive: $0) }
    }
    let split = labeler.decide(
      positive: 0.7, opinion: nil, sentences: sentences([0.9, 0.95, 0.1, 0.05, 0.5]), language: "en")
    XCTAssertEqual(split.label, .mixed)
    XCTAssertEqual(split.probability!, 0.6, accuracy: 1e-12)
    XCTAssertEqual(
      labeler.decide(positive: 0.95, opinion: nil, sentences: sentences([0.9, 0.95, 0.1, 0.05]), language: "en").label,
      .positive)
    XCTAssertEqual(
      labeler.decide(positive: 0.7, opinion: nil, sentences: sentences([0.9, 0.95, 0.9, 0.1]), language: "en").label,
      .positive)
    XCTAssertEqual(labeler.decide(positive: 0.55, opinion: nil, sentences: [], language: "en").label, .mixed)
    XCTAssertEqual(labeler.decide(positive: 0.3, opinion: nil, sentences: [], language: "en").label, .negative)
    XCTAssertEqual(
      labeler.decide(positive: 0.3, opinion: nil, sentences: [], language: "en").probability!, 0.7, accuracy: 1e-12)
    // Little opinion is neutral whatever the polarity; enough opinion is judged by polarity.
    let facts = labeler.decide(positive: 0.9, opinion: 0.15, sentences: [], language: "en")
    XCTAssertEqual(facts.label, .neutral)
    XCTAssertEqual(facts.probability!, 0.85, accuracy: 1e-12)
    XCTAssertEqual(labeler.decide(positive: 0.9, opinion: 0.25, sentences: [], language: "en").label, .positive)
    XCTAssertEqual(labeler.decide(positive: 0.9, opinion: 0.7, sentences: [], language: "en").label, .positive)
    XCTAssertEqual(labeler.decide(positive: 0.5, opinion: 0.7, sentences: [], language: "en").label, .mixed)
    // A long text is read in passages, which still label it.
    labeler.wholeTextLimit = 5
    labeler.passageTokens = 8
    let long = labeler.label([texts[0] + " " + texts[4]])[0]
    XCTAssertEqual(long.label, .positive)
  }
}
