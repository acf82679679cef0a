import RecurText
import XCTest

final class TokenizerTests: XCTestCase {
  func words(_ text: String) -> [String] { Tokenizer().tokenize(text).map(\.text) }

  func testCliticsSplitAsTheTrainingDataDoes() {
    XCTAssertEqual(
      words("I don't think John's car can't go."),
      ["I", "do", "n't", "think", "John", "'s", "car", "ca", "n't", "go", "."])
    XCTAssertEqual(words("They’re here, we'll see"), ["They", "’re", "here", ",", "we", "'ll", "see"])
    XCTAssertEqual(words("the players' union"), ["the", "players", "'", "union"])
  }

  func testWholeTokens() {
    XCTAssertEqual(
      words("See https://example.org/a?b=1, mail anna@example.org. It cost $3.50 or 1,200.75 today."),
      [
        "See", "https://example.org/a?b=1", ",", "mail", "anna@example.org", ".", "It", "cost", "$", "3.50", "or",
        "1,200.75", "today", ".",
      ])
    XCTAssertEqual(words("a well-known Jean-Luc O'Brien"), ["a", "well-known", "Jean-Luc", "O'Brien"])
    XCTAssertEqual(
      words("Mr. Smith met Dr. Žižek in the U.S. yesterday."),
      ["Mr.", "Smith", "met", "Dr.", "Žižek", "in", "the", "U.S.", "yesterday", "."])
  }

  func testHandlesHashtagsURLsAndEmojiKeepExactOffsets() {
    let text = "Loved it @anna_k! #VortexBlender 👍🏽 via https://shop.example/p?id=9. (@Sam's pick) # 1 @ home"
    XCTAssertEqual(
      words(text),
      [
        "Loved", "it", "@anna_k", "!", "#VortexBlender", "👍", "🏽", "via", "https://shop.example/p?id=9", ".", "(",
        "@Sam", "'s", "pick", ")", "#", "1", "@", "home",
      ])
    let scalars = Array(text.unicodeScalars)
    for token in Tokenizer().tokenize(text) {
      XCTAssertEqual(String(String.UnicodeScalarView(scalars[token.start..<token.end])), token.text)
    }
  }

  func testPunctuationAndQuotes() {
    XCTAssertEqual(
      words("\"Great!\" (really)... «oui»"), ["\"", "Great", "!", "\"", "(", "really", ")", "...", "«", "oui", "»"])
  }

  func testPunctuationAroundWordsAsciiAndNot() {
    // Every opening and closing mark, ASCII or not, comes off a word on its side.
    XCTAssertEqual(
      words("(great) [fine] {ok} \"yes\" «oui» “sure” ‘so’ ¿qué? ¡sí! „ja“ `x` ‹y› wow… no; hm:"),
      [
        "(", "great", ")", "[", "fine", "]", "{", "ok", "}", "\"", "yes", "\"", "«", "oui", "»", "“", "sure", "”",
        "‘", "so", "’", "¿", "qué", "?", "¡", "sí", "!", "„", "ja", "“", "`", "x", "`", "‹", "y", "›", "wow", "…",
        "no", ";", "hm", ":",
      ])
  }

  func testOffsetsMapBackExactly() {
    let text = "Žižek’s “film” — 東京で見た。 Ok"
    let scalars = Array(text.unicodeScalars)
    for token in Tokenizer().tokenize(text) {
      XCTAssertEqual(String(String.UnicodeScalarView(scalars[token.start..<token.end])), token.text)
    }
    XCTAssertEqual(words("東京で"), ["東", "京", "で"])
  }

  func testNeverFailsOnOddInput() {
    for text in ["", "   ", "\u{0}\u{1}", String(repeating: "-", count: 1000), "\u{FFFD}\u{FFFD}", "' ' '", "..."] {
      let tokens = Tokenizer().tokenize(text)
      XCTAssertTrue(tokens.allSatisfy { $0.start < $0.end }, text)
    }
  }

  func sentences(_ text: String) -> [String] {
    let tokens = Tokenizer().tokenize(text)
    return SentenceSplitter().split(tokens).map { range in tokens[range].map(\.text).joined(separator: " ") }
  }

  func testSentenceSplitterSurvivesAbbreviationsDecimalsInitialsAndEllipses() {
    XCTAssertEqual(
      sentences(
        "Mr. J. R. Smith paid 3.5 dollars in the U.S. on Monday. It was fine... Really? \"Yes.\" Then e.g. this."),
      [
        "Mr. J. R. Smith paid 3.5 dollars in the U.S. on Monday .", "It was fine ...", "Really ?", "\" Yes . \"",
        "Then e.g. this .",
      ])
    XCTAssertEqual(sentences("wait... what happened"), ["wait ... what happened"])
    XCTAssertEqual(sentences("No end punctuation"), ["No end punctuation"])
  }
}
