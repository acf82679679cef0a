/// A page's element tree as plain Swift values, built once from libxml2's parse so the
/// extraction rules read no C structures. Scripts, styles and other invisible elements
/// are left out, except JSON-LD blocks, which are kept as `jsonLD`.
public final class HTMLNode {
  /// Lower-cased element name, or `#text` for text.
  public let name: String
  public var attributes: [String: String]
  public var children: [HTMLNode] = []
  /// The text of a `#text` node (whitespace as in the page).
  public var text: String

  init(name: String, attributes: [String: String] = [:], text: String = "") {
    self.name = name
    self.attributes = attributes
    self.text = text
  }

  public var isText: Bool { name == "#text" }

  public subscript(attribute: String) -> String? { attributes[attribute] }

  /// The element's own class and id, lower-cased, for boilerplate patterns.
  public var classAndID: String {
    ((attributes["class"] ?? "") + " " + (attributes["id"] ?? "")).lowercased()
  }

  /// The words of the class and id, split at spaces, `-` and `_`, lower-cased; computed
  /// once (pruning and scoring both ask for every element's). The parser fills it from a
  /// per-page cache: most class strings repeat many times on a page.
  public lazy var classWords: Set<String> = HTMLNode.words(ofClassAndID: classAndID)

  static func words(ofClassAndID text: String) -> Set<String> {
    Set(text.split { $0 == " " || $0 == "-" || $0 == "_" || $0 == "\t" || $0 == "\n" }.map(String.init))
  }

  /// All text below, whitespace collapsed.
  public var textContent: String {
    var parts: [String] = []
    var stack: [HTMLNode] = [self]
    while let node = stack.popLast() {
      if node.isText {
        parts.append(node.text)
      } else {
        stack.append(contentsOf: node.children.reversed())
        if HTMLNode.blockNames.contains(node.name) || node.name == "br" { parts.append(" ") }
      }
    }
    return parts.joined().collapsingWhitespace()
  }

  /// The text below, as `textContent`, or nil as soon as it passes `limit` characters
  /// (a byline is short; a container that happens to carry an author class is not, and
  /// reading all of its text would cost as much as the page).
  public func shortTextContent(limit: Int) -> String? {
    var parts: [String] = []
    var length = 0
    var stack: [HTMLNode] = [self]
    while let node = stack.popLast() {
      if node.isText {
        length += node.text.utf8.count
        if length > limit * 4 { return nil }
        parts.append(node.text)
      } else {
        stack.append(contentsOf: node.children.reversed())
        if HTMLNode.blockNames.contains(node.name) || node.name == "br" { parts.append(" ") }
      }
    }
    let text = parts.joined().collapsingWhitespace()
    return text.count > limit ? nil : text
  }

  /// Every element below (this one included), depth first, in document order.
  public func descendants() -> [HTMLNode] {
    var result: [HTMLNode] = []
    var stack: [HTMLNode] = [self]
    while let node = stack.popLast() {
      guard !node.isText else { continue }
      result.append(node)
      stack.append(contentsOf: node.children.reversed())
    }
    return result
  }

  public func first(_ name: String) -> HTMLNode? {
    descendants().first { $0.name == name }
  }

  static let blockNames: Set<String> = [
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "td", "th", "thead", "tbody", "tfoot", "blockquote", "pre",
    "figure", "figcaption", "form", "fieldset", "address", "details", "summary", "hr", "body", "html", "caption",
  ]
}

extension StringProtocol {
  /// Runs of whitespace (Unicode White_Space) as one space, trimmed. Works on UTF-8
  /// bytes: the scalar and grapheme views are several times slower on this hot path.
  public func collapsingWhitespace() -> String {
    var utf8 = Array(self.utf8)
    var out = 0
    var index = 0
    var pendingSpace = false
    let count = utf8.count
    while index < count {
      let byte = utf8[index]
      let width = utf8WhitespaceWidth(utf8, index, count)
      if width > 0 {
        pendingSpace = out > 0
        index += width
        continue
      }
      if pendingSpace {
        utf8[out] = 0x20
        out += 1
        pendingSpace = false
      }
      utf8[out] = byte
      out += 1
      index += 1
    }
    return String(decoding: utf8[0..<out], as: UTF8.self)
  }

  /// Unicode scalars that are not whitespace: the text-length measure of extraction.
  public var nonWhitespaceCount: Int {
    var count = 0
    for scalar in unicodeScalars where !scalar.isSpace { count += 1 }
    return count
  }
}

extension Unicode.Scalar {
  /// Whitespace, with ASCII answered without the Unicode property tables (a hot path:
  /// the table lookup was a quarter of extraction time).
  @inline(__always)
  var isSpace: Bool {
    if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
    return properties.isWhitespace
  }
}

/// The length in bytes of the whitespace character starting at `index`, or 0. Covers
/// every White_Space scalar: ASCII tab to carriage return and space, U+0085, U+00A0,
/// U+1680, U+2000–200A, U+2028, U+2029, U+202F, U+205F and U+3000.
@inline(__always)
func utf8WhitespaceWidth(_ bytes: [UInt8], _ index: Int, _ count: Int) -> Int {
  let byte = bytes[index]
  if byte < 0x80 { return byte == 0x20 || (0x09...0x0D).contains(byte) ? 1 : 0 }
  switch byte {
  case 0xC2:
    guard index + 1 < count else { return 0 }
    return bytes[index + 1] == 0x85 || bytes[index + 1] == 0xA0 ? 2 : 0
  case 0xE1:
    guard index + 2 < count else { return 0 }
    return bytes[index + 1] == 0x9A && bytes[index + 2] == 0x80 ? 3 : 0
  case 0xE2:
    guard index + 2 < count else { return 0 }
    let (second, third) = (bytes[index + 1], bytes[index + 2])
    if second == 0x80 {
      return (0x80...0x8A).contains(third) || third == 0xA8 || third == 0xA9 || third == 0xAF ? 3 : 0
    }
    return second == 0x81 && third == 0x9F ? 3 : 0
  case 0xE3:
    guard index + 2 < count else { return 0 }
    return bytes[index + 1] == 0x80 && bytes[index + 2] == 0x80 ? 3 : 0
  default: return 0
  }
}
