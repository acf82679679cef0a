import Foundation
import RecurModels
import XCTest

/// The model in `models/sentiment`: its recorded scores still hold, it tells facts from
/// opinions, and it labels the same in a batch as one document at a time.
final class ShippedSentimentModelTests: XCTestCase {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let modelFolder = repository.appendingPathComponent("models/sentiment").path
  static let sharedData = repository.deletingLastPathComponent().appendingPathComponent("shared/data").path

  /// Every dev score the card records for a polarity or subjectivity file, recomputed: the
  /// dev files as they are, the held-out slices from the share and seed in the card.
  func testTheShippedDevScoresHold() throws {
    guard FileManager.default.fileExists(atPath: Self.sharedData + "/sst2/dev.tsv") else {
      throw XCTSkip(
        "\(Self.sharedData) is absent (a fresh clone without ../shared/data): the shipped-score check is skipped")
    }
    let model = try SentimentModel.load(directory: Self.modelFolder)
    let training = model.card.training ?? [:]
    let seed = try XCTUnwrap(training["hold_out_seed"].flatMap(UInt64.init), "the card records no hold-out seed")
    let files = [
      "sst2/dev.tsv": "sst2/dev.tsv", "yelp_sentences/dev.tsv": "reviews/yelp_sentences/dev.tsv",
      "imdb/train.tsv held out": "imdb/train.tsv", "blitzer/books.tsv held out": "reviews/blitzer/books.tsv",
      "blitzer/dvd.tsv held out": "reviews/blitzer/dvd.tsv",
      "blitzer/electronics.tsv held out": "reviews/blitzer/electronics.tsv",
      "semeval14/laptops.tsv held out": "reviews/semeval14/laptops.tsv",
      "semeval14/restaurants.tsv held out": "reviews/semeval14/restaurants.tsv",
      "amazon_sentences/all.tsv held out": "reviews/amazon_sentences/all.tsv",
      "amazon_instruments/all.tsv held out": "reviews/amazon_instruments/all.tsv",
      "subj/all.tsv held out": "subj/all.tsv",
    ]
    for (name, file) in files.sorted(by: { $0.key < $1.key }) {
      let recorded = try XCTUnwrap(model.card.scores["accuracy " + name], "the card records no score for \(name)")
      var rows = try SentimentData.load(Self.sharedData + "/" + file)
      if name.hasSuffix(" held out") {
        let key = "hold_out " + file.split(separator: "/").suffix(2).joined(separator: "/")
        let share = try XCTUnwrap(training[key].flatMap(Double.init), "the card records no \(key)")
        rows = SentimentData.holdOut(rows, fraction: share, seed: seed).dev
      }
      let inputs = rows.map { model.input(text: $0.text) }
      let probabilities =
        rows[0].task == .opinion
        ? try XCTUnwrap(model.opinionProbabilities(inputs)) : model.positiveProbabilities(inputs)
      let correct = zip(probabilities, rows).filter { ($0 >= 0.5 ? 1 : 0) == $1.label }.count
      let accuracy = Double(correct) / Double(rows.count)
      XCTAssertEqual(accuracy, recorded, accuracy: 0.005, "\(name): accuracy \(accuracy), card says \(recorded)")
    }
  }

  /// Sentences written for the project: news facts against opinions about events, products
  /// and places. Most news facts read as fact, alone and four at a time as a document, and
  /// most opinions as opinion. (Product specifications and instructions mostly read as
  /// opinion: a known limit, measured in the model card, so not asserted here.)
  func testNewsFactsReadAsFactAndOpinionsAsOpinion() throws {
    let fixtures = Self.repository.appendingPathComponent("Tests/RecurModelsTests/Fixtures")
    let news = try SentimentData.load(fixtures.appendingPathComponent("opinion-news.tsv").path)
    let products = try SentimentData.load(fixtures.appendingPathComponent("opinion-products.tsv").path)
    let model = try SentimentModel.load(directory: Self.modelFolder)
    func opinion(_ rows: [SentimentExample]) throws -> [Double] {
      try XCTUnwrap(model.opinionProbabilities(rows.map { model.input(text: $0.text) }))
    }
    let facts = news.filter { $0.label == 0 }
    let opinions = (news + products).filter { $0.label == 1 }
    XCTAssertGreaterThanOrEqual(Double(try opinion(facts).filter { $0 < 0.5 }.count) / Double(facts.count), 0.85)
    XCTAssertGreaterThanOrEqual(Double(try opinion(opinions).filter { $0 >= 0.5 }.count) / Double(opinions.count), 0.85)
    let labeler = DocumentSentiment(model: model)
    func documents(_ rows: [SentimentExample]) -> [String] {
      stride(from: 0, to: rows.count, by: 4).map {
        rows[$0..<min($0 + 4, rows.count)].map(\.text).joined(separator: " ")
      }
    }
    let factLabels = labeler.label(documents(facts)).map(\.label)
    let opinionLabels = labeler.label(documents(opinions)).map(\.label)
    XCTAssertGreaterThanOrEqual(factLabels.filter { $0 == .neutral }.count, factLabels.count - 1, "\(factLabels)")
    XCTAssertEqual(opinionLabels.filter { $0 == .neutral }.count, 0, "\(opinionLabels)")
  }

  /// The share of a fixture's rows whose polarity the shipped model reads right.
  func polarityAccuracy(_ fixture: String, rows expected: Int) throws -> (right: Int, share: Double) {
    let fixtures = Self.repository.appendingPathComponent("Tests/RecurModelsTests/Fixtures")
    let rows = try SentimentData.load(fixtures.appendingPathComponent(fixture).path)
    XCTAssertEqual(rows.count, expected)
    let model = try SentimentModel.load(directory: Self.modelFolder)
    let positive = model.positiveProbabilities(rows.map { model.input(text: $0.text) })
    let right = zip(rows, positive).filter { ($0.1 >= 0.5 ? 1 : 0) == $0.0.label }.count
    return (right, Double(right) / Double(rows.count))
  }

  /// Short product-review sentences written for the project (40 positive, 40 negative,
  /// many of them mild or negated: `No complaints, five stars.`): the model reads at least
  /// 80 % of them right (the card records 83.8 %; the same settings on the OpenBLAS engine
  /// read 86.3 % at seeds 1 and 2; VADER 67.5 %, TextBlob 58.8 %).
  func testShortProductSentencesReadTheirPolarity() throws {
    let result = try polarityAccuracy("polarity-products.tsv", rows: 80)
    XCTAssertGreaterThanOrEqual(result.share, 0.80, "\(result.right) of 80")
  }

  /// Review sentences with a misspelled word carrying the verdict, written for the project
  /// (`Horible smell when you first open the box.`; 20 positive, 20 negative):
  /// the words outside the vocabulary read by their spelling, at least 85 % right (the card
  /// records 95.0 %, the model before spelling 82.5 %, VADER 70 %, TextBlob 60 %).
  func testMisspelledReviewSentencesReadTheirPolarity() throws {
    let result = try polarityAccuracy("polarity-misspelled.tsv", rows: 40)
    XCTAssertGreaterThanOrEqual(result.share, 0.85, "\(result.right) of 40")
  }

  func testABatchLabelsLikeOneDocumentAtATime() throws {
    let model = try SentimentModel.load(directory: Self.modelFolder)
    let labeler = DocumentSentiment(model: model)
    let documents = [
      "A warm, funny and beautifully acted film. I loved every minute of it.",
      "The plot is a mess, the dialogue is wooden and the ending drags on forever. Avoid it.",
      "The kettle boils quickly. The handle gets hot, though, and the lid rattles.",
      "",
      "Ein wunderbarer Film mit einer großartigen Besetzung, den ich jedem empfehlen kann.",
      String(repeating: "The first half is gripping and the actors are superb. ", count: 150)
        + "Sadly the last act is a dull, confused and boring disaster.",
    ]
    let batched = labeler.label(documents)
    // Same labels and, to rounding, the same probabilities alone and in a batch of 64.
    for (document, result) in zip(documents, batched) {
      let alone = labeler.label([document])[0]
      XCTAssertEqual(alone.label, result.label)
      XCTAssertEqual(alone.probability ?? -1, result.probability ?? -1, accuracy: 1e-5)
      XCTAssertEqual(alone.sentences.map(\.text), result.sentences.map(\.text))
      for (a, b) in zip(alone.sentences, result.sentences) { XCTAssertEqual(a.positive, b.positive, accuracy: 1e-5) }
    }
    XCTAssertEqual(batched[0].label, .positive)
    XCTAssertEqual(batched[1].label, .negative)
    XCTAssertEqual(batched[3].label, .unsupported)
    XCTAssertEqual(batched[4].label, .unsupported)
    XCTAssertEqual(batched[5].sentences.count, 151)
  }
}
