import RecurText
import XCTest

final class LanguageGuesserTests: XCTestCase {
  func testGuessesCommonLanguagesAndScripts() {
    XCTAssertEqual(
      LanguageGuesser.guess("The film is slow, but it is one of the best of the year and you should see it."), "en")
    XCTAssertEqual(
      LanguageGuesser.guess("Der Film ist langsam, aber er ist einer der besten des Jahres und das ist nicht wenig."),
      "de")
    XCTAssertEqual(
      LanguageGuesser.guess("Le film est lent, mais c'est un des meilleurs de l'année et il ne faut pas le rater."),
      "fr")
    XCTAssertEqual(
      LanguageGuesser.guess("La película es lenta, pero es una de las mejores del año y no hay que perderla."), "es")
    XCTAssertEqual(
      LanguageGuesser.guess("Фильм медленный, но это один из лучших фильмов года, его стоит посмотреть."), "ru")
    XCTAssertEqual(LanguageGuesser.guess("この映画はゆっくりしているが、今年最高の作品の一つだと思う。ぜひ見てほしい。"), "ja")
  }

  func testShortEnglishReviewsWithWordsOtherLanguagesShareStayEnglish() {
    // `no` is Spanish and Italian, `as` and `do` Portuguese, `per` and `non` Italian: none
    // of these may turn a short English review into an unsupported language.
    for review in [
      "No sauce, no cheese, no pickles, no onions, no bread: just a sad patty.",
      "They serve some lovely cakes here as well as good coffee.",
      "Do yourself a favour and order two per person.",
      "The non stick coating came off after a month of daily use.",
      "Great starters here as well, we will be back soon.",
    ] {
      let guess = LanguageGuesser.guess(review)
      XCTAssertTrue(guess == nil || guess == "en", "\(review) → \(guess ?? "nil")")
    }
    XCTAssertEqual(LanguageGuesser.guess("They serve some lovely cakes here as well as good coffee."), "en")
  }

  func testOneFunctionWordIsNotEnoughForAnyLanguage() {
    // Eight words, one of them Portuguese (`em`) and none English.
    XCTAssertNil(LanguageGuesser.guess("Brilliant service em dash included, lovely staff, superb desserts"))
    // Two Spanish words and no English ones: Spanish.
    XCTAssertEqual(LanguageGuesser.guess("Comida buena y servicio rápido, volveremos pronto con los niños"), "es")
  }

  func testSaysNothingOnLittleEvidence() {
    XCTAssertNil(LanguageGuesser.guess(""))
    XCTAssertNil(LanguageGuesser.guess("OK"))
    XCTAssertNil(LanguageGuesser.guess("12345 67890 !!! ??? ... --- ***"))
  }
}
