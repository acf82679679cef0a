import RecurModels
import XCTest

/// `SentimentNegation`: which rows get a negated copy, and what the copy says.
final class SentimentNegationTests: XCTestCase {
  func negated(_ text: String, label: Int = 0) -> SentimentExample? {
    SentimentNegation.negated(SentimentExample(label: label, text: text))
  }

  func testOneNotAfterTheCopulaTurnsTheVerdictAround() {
    XCTAssertEqual(
      negated("The staff was rude."), SentimentExample(label: 1, text: "The staff was not rude."))
    XCTAssertEqual(
      negated("The battery life is excellent!", label: 1),
      SentimentExample(label: 0, text: "The battery life is not excellent!"))
    // Offsets count Unicode scalars: text before the copula may hold any of them.
    XCTAssertEqual(negated("Ça, c’est 👍 — the crêpes were bland")?.text, "Ça, c’est 👍 — the crêpes were not bland")
  }

  func testRowsWhereOneNotWouldNotTurnTheWholeVerdictAreLeft() {
    for text in [
      "The staff was not rude.",  // a negation already
      "The staff wasn't rude.",
      "No staff was rude.",
      "Was the staff rude?",  // a question
      "The room was small and the bed was hard.",  // two copulas
      "The food was cold, the waiter rude.",  // goes on after a comma
      "The food was cold but tasty.",  // a turn
      "Loved every minute.",  // no copula
      "It was",  // nothing after the copula
      "It was " + String(repeating: "very ", count: 13) + "good",  // too long
    ] {
      XCTAssertNil(negated(text), text)
    }
    XCTAssertNil(
      SentimentNegation.negated(SentimentExample(label: 1, text: "The film was a delight.", task: .opinion)),
      "opinion rows say whether there is a verdict, which a negation does not change")
  }
}

/// `SentimentNegation.balanced`: a source's rows with a negation weigh so that they are
/// positive as often as the whole source.
final class SentimentNegationBalanceTests: XCTestCase {
  func rows(_ label: Int, _ text: String, _ count: Int) -> [SentimentExample] {
    (0..<count).map { SentimentExample(label: label, text: "\(text) \($0)") }
  }

  func testTheCommonerClassAmongNegatedRowsWeighsLess() throws {
    // 60 % positive overall; of the rows with a negation 2 positive, 18 negative.
    let examples =
      rows(1, "great food", 58) + rows(0, "awful food", 22) + rows(1, "not bad at all", 2)
      + rows(0, "the waiter didn't come", 18)
    let parts = SentimentNegation.balanced(TrainingSource(name: "yelp", examples: examples, weight: 0.5))
    XCTAssertEqual(
      parts.map(\.name), ["yelp", "yelp (positive rows with a negation)", "yelp (negative rows with a negation)"])
    XCTAssertEqual(parts.map(\.examples.count), [80, 2, 18])
    XCTAssertEqual(parts[0].weight, 0.5)
    XCTAssertEqual(parts[1].weight, 0.5)
    // By weight, the negated rows are now 60 % positive, as the source is.
    let positive = 2 * parts[1].weight
    let negative = 18 * parts[2].weight
    XCTAssertEqual(positive / (positive + negative), 0.6, accuracy: 1e-9)
    XCTAssertTrue(parts[1].examples.allSatisfy { $0.label == 1 })
    XCTAssertTrue(parts[2].examples.allSatisfy { $0.text.contains("didn't") })
  }

  func testTheRarerClassIsNeverCopiedMore() {
    // Negated rows positive more often than the source: the positive ones weigh less.
    let examples = rows(1, "no complaints", 9) + rows(0, "not good", 1) + rows(0, "bad", 40) + rows(1, "good", 10)
    let parts = SentimentNegation.balanced(TrainingSource(name: "s", examples: examples, weight: 1))
    XCTAssertEqual(parts[1].weight * 9 / (parts[1].weight * 9 + parts[2].weight * 1), 19.0 / 60, accuracy: 1e-9)
    XCTAssertEqual(parts[2].weight, 1)
    XCTAssertLessThan(parts[1].weight, 1)
  }

  func testSourcesWithNothingToBalanceComeBackWhole() {
    for examples in [
      rows(1, "good", 5) + rows(0, "bad", 5),  // no negation
      rows(1, "good", 5) + rows(0, "not good", 5),  // negations on one side only
      rows(1, "never better", 5),  // one class
      [SentimentExample(label: 1, text: "it is not a fact", task: .opinion)],
    ] {
      let source = TrainingSource(name: "s", examples: examples, weight: 2)
      let parts = SentimentNegation.balanced(source)
      XCTAssertEqual(parts.count, 1)
      XCTAssertEqual(parts[0].examples, examples)
      XCTAssertEqual(parts[0].weight, 2)
    }
  }
}
