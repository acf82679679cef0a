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
