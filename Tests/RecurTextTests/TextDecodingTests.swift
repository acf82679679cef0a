import XCTest

@testable import RecurText

final class TextDecodingTests: XCTestCase {
  /// `text` encoded as UTF-8, read back as windows-1252 (Latin-1 where windows-1252 has no
  /// character), as a page saved twice over reads.
  func twice(_ text: String) -> String {
    var view = String.UnicodeScalarView()
    for byte in Array(text.utf8) {
      let value = (0x80...0x9F).contains(byte) ? DecodedText.windows1252High[Int(byte) - 0x80] : UInt32(byte)
      view.append(Unicode.Scalar(value == 0xFFFD ? UInt32(byte) : value)!)
    }
    return String(view)
  }

  func testTextEncodedTwiceReadsAsMeant() {
    let meant = "It’s “great” — the café’s crème brûlée, 20 °C, ✓ and 😀… naïve façade, Łódź."
    let garbled = twice(meant)
    XCTAssertTrue(garbled.contains("â€™"), garbled)
    XCTAssertTrue(garbled.contains("Ã©"), garbled)
    let repaired = DecodedText.repairingDoubleEncoding(garbled)
    XCTAssertEqual(repaired.text, meant)
    XCTAssertEqual(repaired.repairs, meant.unicodeScalars.filter { $0.value > 0x7F }.count)
    // Three times over is read back too.
    XCTAssertEqual(DecodedText.repairingDoubleEncoding(twice(twice(meant))).text, meant)
    // Read as Latin-1 instead, the middle bytes are control characters.
    XCTAssertEqual(
      DecodedText.repairingDoubleEncoding("an \u{E2}\u{80}\u{9C}iterator algebra\u{E2}\u{80}\u{9D}").text,
      "an “iterator algebra”")
    XCTAssertEqual(DecodedText.repairingDoubleEncoding("ten\u{C2}\u{A0}euros").text, "ten\u{A0}euros")
    // A windows-1252 character read as Latin-1 once is a control character: read as meant.
    let once = DecodedText.repairingDoubleEncoding("we\u{92}re at W New York\u{97}Union Square \u{81}")
    XCTAssertEqual(once.text, "we’re at W New York—Union Square \u{81}")
    XCTAssertEqual(once.repairs, 2)
  }

  func testRealTextIsLeftAsWritten() {
    for text in [
      "NESCAFÉ® Gold", "Grüß\u{AD}e aus der Straße", "Das muß’ sein", "un café\u{A0}» et un thé\u{A0}»",
      "Siân Phillips",
      "Château de Versailles", "ÂGE D’OR", "谷歌开发出一款计算机。", "Ελληνικά και русский", "plain ASCII text",
      "på” och så", "SÃO PAULO", "Łódź — 20 °C", "HAN SA ”PÅ”", "BLÅBÆ’S",
    ] {
      let result = DecodedText.repairingDoubleEncoding(text)
      XCTAssertEqual(result.text, text)
      XCTAssertEqual(result.repairs, 0, text)
    }
  }

  func testAPageSavedTwiceIsParsedAsMeant() {
    let page =
      "<html><head><meta charset=\"utf-8\"><title>\(twice("Crème brûlée’s return"))</title></head><body>"
      + "<p>\(twice("The kettle’s lid is “tight” — it doesn’t leak, and the café loved it."))</p></body></html>"
    let decoded = DecodedText(bytes: Array(page.utf8), httpCharset: nil)
    XCTAssertEqual(decoded.encoding, "utf-8")
    XCTAssertEqual(decoded.repairs, 10)
    let document = DocumentParser().parse(Array(page.utf8), url: "https://example.org/kettle")
    XCTAssertEqual(document.title, "Crème brûlée’s return")
    XCTAssertTrue(document.text.contains("The kettle’s lid is “tight” — it doesn’t leak"), document.text)
    // Written as entities, the characters are only seen once the markup is read.
    let entities = DocumentParser().parse(
      Array(
        ("<html><body><p>Search isn&acirc;&euro;&trade;t what it was: &acirc;&euro;&oelig;answers&acirc;&euro;"
          + "&#157; come first, and the caf&Atilde;&copy; crowd noticed.</p></body></html>").utf8),
      url: "https://example.org/search")
    XCTAssertTrue(entities.text.contains("Search isn’t what it was: “answers” come first, and the café"), entities.text)
    let described = DocumentParser().parse(
      Array(
        ("<html><head><meta name=\"description\" content=\"The caf&Atilde;&copy;&acirc;&euro;&trade;s scones\">"
          + "</head><body><p>Scones, jam and a pot of tea for two at the corner caf\u{E9} on the square.</p>"
          + "</body></html>").utf8),
      url: "https://example.org/scones")
    XCTAssertEqual(described.description, "The café’s scones")
    let references = DocumentParser().parse(
      Array(
        "<html><body><p>We&#146;re open &#150; come by, the kettle&#146;s on and the scones are warm.</p></body></html>"
          .utf8),
      url: "https://example.org/open")
    XCTAssertTrue(references.text.contains("We’re open – come by, the kettle’s on"), references.text)
  }
}
