import Foundation
import RecurText
import XCTest

@testable import RecurModels

/// The model in `models/names`: on sentences written for the project its entities land on
/// exact offsets. (Its recorded dev scores are checked against every dev file of its
/// training mix in RecurJobsTests' `NamesCommandLineTests`.)
final class ShippedNamesModelTests: XCTestCase {
  static let modelFolder = ShippedSentimentModelTests.repository.appendingPathComponent("models/names").path

  /// A product's name written as brands are is no person, nor is the part of it a page
  /// names alone; a person named beside it stays a person.
  func testBrandsAndTheirPartsAreNoPeople() throws {
    let text =
      "I tested the Bose QuietComfort on a long flight. Bose makes them in two colours. "
      + "Maria Keller, who reviews headphones, said GitHub Copilot wrote none of this."
    let (entities, people) = DocumentNames(model: try NamesModel.load(directory: Self.modelFolder)).tag([text])[0]
    XCTAssertEqual(people.map(\.name), ["Maria Keller"], "\(entities)")
    XCTAssertFalse(entities.contains { $0.type == "PER" && $0.text.hasPrefix("Bose") }, "\(entities)")
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
      ("By Priya Natarajan", ["Priya Natarajan"]),
      ("Words by Tomasz Nowak, photographs by Lena Fischer.", ["Tomasz Nowak", "Lena Fischer"]),
      ("About Amar Hussain", ["Amar Hussain"]),
      ("Hello Olivia, your order has shipped.", ["Olivia"]),
      ("Thanks, Rob", ["Rob"]),
      ("Dana Whitfield and Joel Amari Mar 6", ["Dana Whitfield", "Joel Amari"]),
      ("Authors: Marta Oyelaran1, Tomas Reyes2", ["Marta Oyelaran", "Tomas Reyes"]),
      ("The loft was designed by Marta Lindqvist Architects in 2019.", []),
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
    XCTAssertTrue(
      results[cases.count - 1].entities.contains { $0.type == "ORG" && $0.text == "Marta Lindqvist Architects" },
      "\(results[cases.count - 1].entities)")
    let people = tagger.tag(["Barack Obama spoke first. Later Obama thanked Michelle Obama and Merkel."])[0].people
    XCTAssertEqual(people.first?.name, "Barack Obama")
    XCTAssertEqual(people.first?.mentions, 2)
  }

  /// Web text: handles and hashtags stay whole with exact offsets; products come out named
  /// (MISC) and never as people, also when one sentence reads a product as a person.
  func testWebTextProductsAndHandles() throws {
    let tagger = DocumentNames(model: try NamesModel.load(directory: Self.modelFolder))
    let texts = [
      "Loved the new iPhone 15 Pro camera, thanks @sam_k! #photography",
      "I bought the Vortex 900 blender last week and it crushes ice.",
      """
      Lantern Kettle 1.7 L review: slow, loud and leaky

      By Priya Natarajan, 2 October 2026

      The Lantern Kettle looks handsome on the counter, and that is the end of the good news.
      """,
    ]
    let results = tagger.tag(texts)
    for (text, result) in zip(texts, results) {
      let scalars = Array(text.unicodeScalars)
      for entity in result.entities {
        XCTAssertEqual(Segmentation.text(scalars, entity.start, entity.end), entity.text, text)
      }
    }
    // The phone is named from its first word; whether `Pro` is in the name varies between
    // trainings (the model of 2026-12-06 leaves it out, its card says so).
    let phone = results[0].entities.filter { $0.type == "MISC" }.map(\.text)
    XCTAssertTrue(phone == ["iPhone 15"] || phone == ["iPhone 15 Pro"], "\(phone)")
    XCTAssertEqual(results[0].people.count, 0)
    XCTAssertEqual(results[1].entities.filter { $0.type == "MISC" }.map(\.text), ["Vortex 900"])
    XCTAssertEqual(results[1].people.count, 0)
    XCTAssertEqual(results[2].entities.filter { $0.text == "Lantern Kettle" }.map(\.type), ["MISC", "MISC"])
    XCTAssertEqual(results[2].people.map(\.name), ["Priya Natarajan"])
  }

  /// The document rules on newswire: CoNLL-2003 dev cut into its stories (each starts at
  /// the headline before its dateline, `1996-08-22`), tagged, its entities made to agree
  /// within each story and its unsure people dropped: they must not cost overall F1 or PER
  /// F1 against the sentence-by-sentence reading (2026-12-05, the tagger shipped that day:
  /// 93.01 → 93.38, PER 95.36 → 96.03).
  func testTheDocumentRulesDoNotCostNewswire() throws {
    let path = ShippedSentimentModelTests.sharedData + "/conll2003/dev.tsv"
    guard FileManager.default.fileExists(atPath: path) else {
      throw XCTSkip("\(path) is absent (a fresh clone without ../shared/data): the newswire check is skipped")
    }
    let dev = try NamesData.load(path)
    let predicted = try NamesModel.load(directory: Self.modelFolder).tag(dev.map(\.tokens))
    var starts = [0]
    for (index, sentence) in dev.enumerated() where index > 1 {
      let dateline = sentence.tokens.contains { $0.count == 10 && $0.hasPrefix("199") && $0.dropFirst(4).first == "-" }
      if dateline && starts.last! < index - 1 { starts.append(index - 1) }
    }
    XCTAssertGreaterThan(starts.count, 200, "the dev file's stories")
    var plain = EntityEvaluation()
    var ruled = EntityEvaluation()
    let types: Set<String> = ["PER", "ORG", "LOC", "MISC"]
    for (number, start) in starts.enumerated() {
      let story = start..<(number + 1 < starts.count ? starts[number + 1] : dev.count)
      // Each entity as a mention whose offsets are token positions in the story.
      var mentions: [EntityMention] = []
      var owners: [(sentence: Int, first: Int)] = []
      var offset = 0
      for index in story {
        for span in NamesData.entities(predicted[index].tags) {
          mentions.append(
            EntityMention(
              type: span.type, text: dev[index].tokens[span.start..<span.end].joined(separator: " "),
              start: offset + span.start, end: offset + span.end,
              confidence: Double(predicted[index].confidence[span.start..<span.end].min() ?? 0)))
          owners.append((index, offset))
        }
        offset += dev[index].tokens.count
      }
      let agreed = DocumentNames.documentRules(mentions)
      let kept = Set(DocumentNames.unsurePeopleDropped(agreed).map { [$0.start, $0.end] })
      for index in story {
        var tags = [String](repeating: "O", count: dev[index].tokens.count)
        for (mention, owner) in zip(agreed, owners)
        where owner.sentence == index && kept.contains([mention.start, mention.end]) {
          tags[mention.start - owner.first] = "B-" + mention.type
          for position in (mention.start - owner.first + 1)..<(mention.end - owner.first) {
            tags[position] = "I-" + mention.type
          }
        }
        plain.add(gold: dev[index].tags, predicted: predicted[index].tags, types: types)
        ruled.add(gold: dev[index].tags, predicted: tags, types: types)
      }
    }
    print(
      String(
        format: "CoNLL dev in %d stories: overall %.4f → %.4f, PER %.4f → %.4f", starts.count, plain.overall.f1,
        ruled.overall.f1, plain.perType["PER"]?.f1 ?? 0, ruled.perType["PER"]?.f1 ?? 0))
    XCTAssertGreaterThanOrEqual(ruled.overall.f1, plain.overall.f1)
    XCTAssertGreaterThanOrEqual(ruled.perType["PER"]?.f1 ?? 0, plain.perType["PER"]?.f1 ?? 0)
  }

  /// A film the page's markup names is the film wherever the text names it, never a
  /// person; the people around it stay people, at exact offsets.
  func testAPagesSubjectIsNotAPerson() throws {
    let tagger = DocumentNames(model: try NamesModel.load(directory: Self.modelFolder))
    let text = """
      Marlowe review: a quiet triumph

      Marlowe follows a lighthouse keeper through one hard winter. Odile Ferrand is superb \
      as the keeper, and Marlowe never hurries her.
      """
    let result = tagger.tag([text], subjects: [[PageSubject(name: "Marlowe", type: "Movie")]])[0]
    let scalars = Array(text.unicodeScalars)
    for entity in result.entities {
      XCTAssertEqual(Segmentation.text(scalars, entity.start, entity.end), entity.text)
    }
    XCTAssertTrue(result.entities.filter { $0.text == "Marlowe" }.allSatisfy { $0.type == "MISC" })
    XCTAssertEqual(result.people.map(\.name), ["Odile Ferrand"])

    // A product the markup names is found wherever the text names it in full, at exact
    // offsets, in place of whatever the tagger read there; a one-word brand is not looked for.
    let review = """
      Glowworm 300 review: bright, light and cheap

      Priya Natarajan wore the Glowworm 300 on six night runs. The glowworm 300 never dimmed, \
      though Glowworm should fix the strap.
      """
    let subjects = [PageSubject(name: "Glowworm 300", type: "Product"), PageSubject(name: "Glowworm", type: "Brand")]
    let product = tagger.tag([review], subjects: [subjects])[0]
    let reviewScalars = Array(review.unicodeScalars)
    for entity in product.entities {
      XCTAssertEqual(Segmentation.text(reviewScalars, entity.start, entity.end), entity.text)
    }
    let found = product.entities.filter { $0.text.lowercased() == "glowworm 300" }
    XCTAssertEqual(found.map(\.type), ["MISC", "MISC", "MISC"])
    XCTAssertEqual(found.map(\.confidence), [1, 1, 1])
    XCTAssertEqual(product.people.map(\.name), ["Priya Natarajan"])
    // Fewer subject lists than texts: the texts past them have none.
    let uneven = tagger.tag([review, review], subjects: [subjects])
    XCTAssertEqual(uneven[0].entities, product.entities)
    XCTAssertEqual(uneven[1].entities, tagger.tag([review])[0].entities)
  }
}
