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
  /// once (pruning and scoring both ask for every element's).
  public lazy var classWords: Set<String> = {
    // Most elements have neither: no strings to build.
    guard attributes["class"] != nil || attributes["id"] != nil else { return [] }
    return Set(classAndID.split { $0 == " " || $0 == "-" || $0 == "_" || $0 == "\t" || $0 == "\n" }.map(String.init))
  }()

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
  /// Runs of whitespace as one space, trimmed. Works on Unicode scalars: grapheme
  /// breaking is needless here and several times slower.
  public func collapsingWhitespace() -> String {
    var out = String.UnicodeScalarView()
    var pendingSpace = false
    for scalar in unicodeScalars {
      if scalar.isSpace {
        pendingSpace = !out.isEmpty
      } else {
        if pendingSpace { out.append(" ") }
        pendingSpace = false
        out.append(scalar)
      }
    }
    return String(out)
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
