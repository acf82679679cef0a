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

  func testSaysNothingOnLittleEvidence() {
    XCTAssertNil(LanguageGuesser.guess(""))
    XCTAssertNil(LanguageGuesser.guess("OK"))
    XCTAssertNil(LanguageGuesser.guess("12345 67890 !!! ??? ... --- ***"))
  }
}
