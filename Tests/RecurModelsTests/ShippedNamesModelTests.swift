import Foundation
import RecurModels
import XCTest

/// The model in `models/names`: its recorded scores still hold, and on sentences written
/// for the project its entities land on exact offsets.
final class ShippedNamesModelTests: XCTestCase {
  static let modelFolder = ShippedSentimentModelTests.repository.appendingPathComponent("models/names").path

  func testTheShippedScoresOnCoNLLDevHold() throws {
    let dev = ShippedSentimentModelTests.sharedData + "/conll2003/dev.tsv"
    guard FileManager.default.fileExists(atPath: dev) else {
      throw XCTSkip("\(dev) is absent (a fresh clone without ../shared/data): the shipped-score check is skipped")
    }
    let model = try NamesModel.load(directory: Self.modelFolder)
    let evaluation = NamesTrainer.evaluate(model, on: try NamesData.load(dev))
    let overall = try XCTUnwrap(model.card.scores["f1 overall conll2003/dev.tsv"])
    let person = try XCTUnwrap(model.card.scores["f1 PER conll2003/dev.tsv"])
    XCTAssertEqual(evaluation.overall.f1, overall, accuracy: 0.005)
    XCTAssertEqual(evaluation.perType["PER"]?.f1 ?? 0, person, accuracy: 0.005)
  }

  /// Each written sentence with the PER entities it must yield, as exact substrings.
  func testEntityOffsetsOnWrittenSentences() throws {
    let tagger = DocumentNames(model: try NamesModel.load(directory: Self.modelFolder))
    let cases: [(String, [String])] = [
      ("Barack Obama met Angela Merkel in Berlin on Tuesday.", ["Barack Obama", "Angela Merkel"]),
      ("Dr. Priya Natarajan reviewed the kettle for the magazine.", ["Priya Natarajan"]),
      ("Obama's speech was praised by Jean-Luc Picard.", ["Obama", "Jean-Luc Picard"]),
      ("The essay by Slavoj Žižek was read aloud by Mary O'Brien.", ["Slavoj Žižek", "Mary O'Brien"]),
      ("MAYOR DANIEL REYES BACKS LIBRARY PLAN", ["DANIEL REYES"]),
      ("barack obama met angela merkel in berlin.", ["barack obama", "angela merkel"]),
      ("mr. smith went to washington with dr. jones.", ["smith", "jones"]),
    ]
    let results = tagger.tag(cases.map(\.0))
    for ((text, expected), result) in zip(cases, results) {
      let scalars = Array(text.unicodeScalars)
      for entity in result.entities {
        XCTAssertEqual(Segmentation.text(scalars, entity.start, entity.end), entity.text, text)
        XCTAssertTrue((0...1).contains(entity.confidence))
      }
      XCTAssertEqual(result.entities.filter { $0.type == "PER" }.map(\.text), expected, text)
    }
    XCTAssertTrue(results[0].entities.contains { $0.type == "LOC" && $0.text == "Berlin" && $0.start == 34 })
    let people = tagger.tag(["Barack Obama spoke first. Later Obama thanked Michelle Obama and Merkel."])[0].people
    XCTAssertEqual(people.first?.name, "Barack Obama")
    XCTAssertEqual(people.first?.mentions, 2)
  }
}
