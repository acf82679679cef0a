import Foundation
import RecurModels
import XCTest

/// The model in `models/sentiment`: its recorded score still holds, and it labels the same
/// in a batch as one document at a time.
final class ShippedSentimentModelTests: XCTestCase {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let modelFolder = repository.appendingPathComponent("models/sentiment").path
  static let sharedData = repository.deletingLastPathComponent().appendingPathComponent("shared/data").path

  func testTheShippedScoreOnSST2DevHolds() throws {
    let dev = Self.sharedData + "/sst2/dev.tsv"
    guard FileManager.default.fileExists(atPath: dev) else {
      throw XCTSkip("\(dev) is absent (a fresh clone without ../shared/data): the shipped-score check is skipped")
    }
    let model = try SentimentModel.load(directory: Self.modelFolder)
    let recorded = try XCTUnwrap(model.card.scores["accuracy sst2/dev.tsv"], "the card records no SST-2 dev accuracy")
    let rows = try SentimentData.load(dev)
    let probabilities = model.positiveProbabilities(texts: rows.map(\.text))
    let correct = zip(probabilities, rows).filter { ($0 >= 0.5 ? 1 : 0) == $1.label }.count
    let accuracy = Double(correct) / Double(rows.count)
    XCTAssertEqual(accuracy, recorded, accuracy: 0.005, "SST-2 dev accuracy \(accuracy), card says \(recorded)")
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
    // Same labels; the probabilities agree to rounding (BLAS sums a batch of 1 and of 64 in
    // different orders).
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
