#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A page's element tree as plain Swift values, built once from libxml2's parse so the
/// extraction rules read no C structures. Scripts, styles and other invisible elements
/// are left out, except JSON-LD blocks, which are kept as `jsonLD`.
public final class HTMLNode {
  /// Lower-cased element name, or `#text` for text.
  public let name: String
  /// The attributes the stage reads (`HTMLParser.keptAttributes`), in page order.
  public var attributes: HTMLAttributes
  public var children: [HTMLNode] = []
  /// The text of a `#text` node (whitespace as in the page; a run of whitespace alone is
  /// one space, and the parser gives all such runs of a page one shared node).
  public let text: String

  /// Whether the element starts a block of text (a paragraph, cell, list item …).
  let isBlock: Bool

  init(name: String, attributes: HTMLAttributes = HTMLAttributes(), text: String = "") {
    self.name = name
    self.attributes = attributes
    self.text = text
    isBlock = name != "#text" && HTMLNode.blockNames.contains(name)
  }

  /// An element whose block-ness the caller already knows (the parser asks once per name).
  init(element name: String, isBlock: Bool, attributes: HTMLAttributes) {
    self.name = name
    self.attributes = attributes
    self.text = ""
    self.isBlock = isBlock
  }

  /// A text node.
  init(text: String) {
    name = "#text"
    attributes = HTMLAttributes()
    self.text = text
    isBlock = false
  }

  public var isText: Bool { name == "#text" }

  /// Text amounts below an element, filled in by main-content extraction: all text,
  /// linked text, prose, and prose counting long links (characters outside whitespace).
  struct Measure {
    var text = 0
    var linked = 0
    var prose = 0
    var listingProse = 0
  }
  var measure = Measure()
  /// Whether the element is a landmark of the block reader, once asked.
  var landmark: Bool?

  /// Characters of a text node outside whitespace (the extraction's length measure),
  /// counted once: pruning, scoring and the block reader all ask.
  public lazy var textLength: Int = text.nonWhitespaceCount

  public subscript(attribute: String) -> String? { attributes[attribute] }

  /// The element's own class and id, lower-cased, for boilerplate patterns.
  public lazy var classAndID: String = {
    ((attributes["class"] ?? "") + " " + (attributes["id"] ?? "")).asciiAwareLowercased()
  }()

  /// The words of the class and id, split at spaces, `-` and `_`, lower-cased; computed
  /// once (pruning and scoring both ask for every element's). The parser fills it from a
  /// per-page cache: most class strings repeat many times on a page. A utility class with
  /// a variant or an arbitrary value (`lg:pt-[calc(var(--banner-height))]`, `md:hidden`)
  /// names a style, not a part of the page, and gives no words.
  public lazy var classWords: Set<String> = HTMLNode.words(ofClassAndID: classAndID)

  /// Which of the extraction's word lists the class words meet, worked out once per
  /// class string (pruning, scoring and the review search ask for every element's).
  lazy var classMarks: ClassMarks = ClassMarks(classWords)

  static func words(ofClassAndID text: String) -> Set<String> {
    var words = Set<String>()
    var text = text
    text.withUTF8 { bytes in
      var tokenStart = 0
      for index in 0...bytes.count {
        guard index == bytes.count || bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A else {
          continue
        }
        let token = UnsafeBufferPointer(rebasing: bytes[tokenStart..<index])
        tokenStart = index + 1
        if token.contains(where: isUtilityMark) { continue }
        var start = 0
        for offset in 0...token.count {
          guard offset == token.count || token[offset] == 0x2D || token[offset] == 0x5F else { continue }
          if offset > start {
            words.insert(String(decoding: UnsafeBufferPointer(rebasing: token[start..<offset]), as: UTF8.self))
          }
          start = offset + 1
        }
      }
    }
    return words
  }

  /// `:` `[` `(` `=` `&` `>`: marks of a utility class's variant or arbitrary value.
  @inline(__always)
  private static func isUtilityMark(_ byte: UInt8) -> Bool {
    byte == 0x3A || byte == 0x5B || byte == 0x28 || byte == 0x3D || byte == 0x26 || byte == 0x3E
  }

  /// Whether the text of one element, ending with `last`, and the text of the next, starting
  /// with `first`, with no space between them in the page, are two words: a lower-case
  /// letter then a capital. Pages set such elements apart by their style (a block, a
  /// margin), not by a space: `<span>Kristian Larsen</span><span>Kristian Larsen</span>`,
  /// `<span>By</span><a>Nina Pineda</a>`, a name and then `Mar 3`. A word of prose is not
  /// split that way across elements; an identifier in code may be, so code keeps its text as
  /// written, as does a word broken by `<wbr>`.
  @inline(__always)
  static func runTogether(_ last: Unicode.Scalar?, _ first: Unicode.Scalar?) -> Bool {
    guard let last, let first, last.properties.isLowercase else { return false }
    return first.properties.isUppercase
  }

  /// Elements whose text is kept exactly as written (`runTogether`).
  static let verbatimNames: Set<String> = ["pre", "code", "kbd", "samp"]

  /// The text below in page order, in pieces: each text node's text, and a space at each
  /// block, `br`, and where two elements' texts run together (`SpacedTextWalk`).
  /// `visit` returns false to stop.
  private func eachTextPiece(_ visit: (String) -> Bool) {
    var walk = SpacedTextWalk(from: self)
    while let step = walk.next() {
      switch step {
      case .text(let text, let spaceBefore):
        if spaceBefore { guard visit(" ") else { return } }
        guard visit(text) else { return }
      case .element(let node):
        if walk.enter(node) { guard visit(" ") else { return } }
      }
    }
  }

  /// All text below, whitespace collapsed.
  public var textContent: String {
    var parts: [String] = []
    eachTextPiece {
      parts.append($0)
      return true
    }
    return parts.joined().collapsingWhitespace()
  }

  /// The text below, as `textContent`, or nil as soon as it passes `limit` characters
  /// (a byline is short; a container that happens to carry an author class is not, and
  /// reading all of its text would cost as much as the page).
  public func shortTextContent(limit: Int) -> String? {
    var parts: [String] = []
    var length = 0
    eachTextPiece {
      length += $0.utf8.count
      parts.append($0)
      return length <= limit * 4
    }
    guard length <= limit * 4 else { return nil }
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

  /// The first element of that name, depth first in document order (this one included).
  public func first(_ name: String) -> HTMLNode? {
    var stack: [HTMLNode] = [self]
    while let node = stack.popLast() {
      guard !node.isText else { continue }
      if node.name == name { return node }
      stack.append(contentsOf: node.children.reversed())
    }
    return nil
  }

  static let blockNames: Set<String> = [
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "td", "th", "thead", "tbody", "tfoot", "blockquote", "pre",
    "figure", "figcaption", "form", "fieldset", "address", "details", "summary", "hr", "body", "html", "caption",
  ]
}

/// The word lists of `ExtractionRules` (and the byline words) an element's class words meet.
struct ClassMarks: OptionSet, Sendable {
  let rawValue: UInt8
  static let boilerplate = ClassMarks(rawValue: 1)
  static let content = ClassMarks(rawValue: 2)
  static let reviewBlock = ClassMarks(rawValue: 4)
  static let reviewAuthor = ClassMarks(rawValue: 8)
  static let reviewRating = ClassMarks(rawValue: 16)
  static let reviewDate = ClassMarks(rawValue: 32)
  static let byline = ClassMarks(rawValue: 64)

  init(rawValue: UInt8) { self.rawValue = rawValue }

  init(_ words: Set<String>) {
    self = []
    guard !words.isEmpty else { return }
    let lists: [(Set<String>, ClassMarks)] = [
      (ExtractionRules.boilerplateWords, .boilerplate), (ExtractionRules.contentWords, .content),
      (ExtractionRules.reviewBlockWords, .reviewBlock), (ExtractionRules.reviewAuthorWords, .reviewAuthor),
      (ExtractionRules.reviewRatingWords, .reviewRating), (ExtractionRules.reviewDateWords, .reviewDate),
      (MetadataReader.bylineWords, .byline),
    ]
    for (list, mark) in lists where !words.isDisjoint(with: list) { insert(mark) }
  }
}

/// An element's attributes as name–value pairs: an element keeps a handful at most, and a
/// short scan costs less than building a dictionary for each element.
public struct HTMLAttributes: Sendable {
  var pairs: [(name: String, value: String)] = []

  public init() {}

  public var isEmpty: Bool { pairs.isEmpty }

  public subscript(name: String) -> String? {
    get {
      for pair in pairs where pair.name == name { return pair.value }
      return nil
    }
    set {
      if let index = pairs.firstIndex(where: { $0.name == name }) {
        if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
      } else if let newValue {
        pairs.append((name, newValue))
      }
    }
  }
}

extension StringProtocol {
  /// Runs of whitespace (Unicode White_Space) as one space, trimmed. Works on UTF-8
  /// bytes: the scalar and grapheme views are several times slower on this hot path.
  public func collapsingWhitespace() -> String {
    if let collapsed = utf8.withContiguousStorageIfAvailable(collapse) { return collapsed }
    let bytes = Array(utf8)
    return bytes.withUnsafeBufferPointer(collapse)
  }

  private func collapse(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let count = bytes.count
    return String(unsafeUninitializedCapacity: count) { out in
      var written = 0
      var index = 0
      var pendingSpace = false
      while index < count {
        let width = utf8WhitespaceWidth(bytes, index, count)
        if width > 0 {
          pendingSpace = written > 0
          index += width
          continue
        }
        if pendingSpace {
          out[written] = 0x20
          written += 1
          pendingSpace = false
        }
        out[written] = bytes[index]
        written += 1
        index += 1
      }
      return written
    }
  }

  /// Unicode scalars that are not whitespace: the text-length measure of extraction.
  /// Counted on UTF-8 bytes: a scalar is a byte that does not continue a sequence.
  public var nonWhitespaceCount: Int {
    var count = 0
    let counted: Int? = utf8.withContiguousStorageIfAvailable { bytes in
      var index = 0
      let end = bytes.count
      while index < end {
        let byte = bytes[index]
        if byte < 0x80 {
          if !(byte == 0x20 || (0x09...0x0D).contains(byte)) { count += 1 }
          index += 1
          continue
        }
        let width = utf8WhitespaceWidth(bytes, index, end)
        if width > 0 {
          index += width
        } else {
          count += 1
          index += 1
          while index < end && bytes[index] & 0xC0 == 0x80 { index += 1 }
        }
      }
      return count
    }
    if let counted { return counted }
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
func utf8WhitespaceWidth(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ count: Int) -> Int {
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

extension String {
  /// Whether `other` occurs in the text, byte for byte: Foundation's
  /// `contains`, which the plain call picks, compares as Unicode text and is many times
  /// slower on this hot path (each text block against each review and writer).
  func containsBytes(_ other: String) -> Bool {
    if other.isEmpty { return true }
    var text = self
    var other = other
    return text.withUTF8 { haystack in
      other.withUTF8 { needle in
        guard needle.count <= haystack.count, let start = haystack.baseAddress, let pattern = needle.baseAddress
        else { return false }
        let first = pattern.pointee
        for offset in 0...(haystack.count - needle.count)
        where start[offset] == first && memcmp(start + offset, pattern, needle.count) == 0 {
          return true
        }
        return false
      }
    }
  }

  /// `lowercased()`, with ASCII text (nearly every class name and id) lowered byte by byte.
  func asciiAwareLowercased() -> String {
    guard utf8.allSatisfy({ $0 < 0x80 }) else { return lowercased() }
    guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
    return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
  }
}

/// A walk over the nodes of a page in page order for a reader that picks what to take of
/// each element: it hands out each text, saying whether it takes a space before it (where
/// two elements' texts run together, `RunTogetherSpacing`), and each element, whose
/// children it walks only when the reader enters it.
struct SpacedTextWalk {
  enum Step {
    case text(String, spaceBefore: Bool)
    case element(HTMLNode)
  }

  private var stack: [(node: HTMLNode, leaving: Bool)]
  private var spacing = RunTogetherSpacing()
  private var last: Unicode.Scalar?

  /// A walk from `node` itself.
  init(from node: HTMLNode) { stack = [(node, false)] }

  /// A walk over `element`'s children, not the element.
  init(below element: HTMLNode) { stack = element.children.reversed().map { ($0, false) } }

  mutating func next() -> Step? {
    while let (node, leaving) = stack.popLast() {
      if leaving {
        spacing.leave(node)
        continue
      }
      guard node.isText else { return .element(node) }
      let space = spacing.needsSpace(after: last, before: node.text)
      last = node.text.unicodeScalars.last ?? last
      return .text(node.text, spaceBefore: space)
    }
    return nil
  }

  /// The next element, after handing each text before it to `text` (with a space before
  /// it where it runs together with the text before); nil at the end.
  mutating func nextElement(text: (String) -> Void) -> HTMLNode? {
    while let step = next() {
      switch step {
      case .text(let piece, let spaceBefore): text(spaceBefore ? " " + piece : piece)
      case .element(let element): return element
      }
    }
    return nil
  }

  /// Walks `element`'s children next, then `closing` (a text the reader wants after them).
  /// True when the element breaks the text (a block, a `br`), where the reader writes a
  /// space or a line break: no text runs together across it.
  mutating func enter(_ element: HTMLNode, closing: String? = nil) -> Bool {
    if let closing { stack.append((HTMLNode(text: closing), false)) }
    if spacing.enter(element) { stack.append((element, true)) }
    stack.append(contentsOf: element.children.reversed().map { ($0, false) })
    guard element.isBlock || element.name == "br" else { return false }
    last = " "
    return true
  }
}

/// Where a walk over a page's text sets two elements' texts apart (`HTMLNode.runTogether`):
/// not inside code (`HTMLNode.verbatimNames`), nor after a `<wbr>`. The walk tells it each
/// element it enters (and leaves, where `enter` says so) and asks before each text.
struct RunTogetherSpacing {
  private var verbatim = 0
  private var wordBreak = false

  /// Notes an element the walk enters; true when the walk must also say when it leaves it.
  @discardableResult
  mutating func enter(_ element: HTMLNode) -> Bool {
    // libxml2's HTML parser knows no `<wbr>`, and puts what follows it inside it.
    if element.name == "wbr" { wordBreak = true }
    guard HTMLNode.verbatimNames.contains(element.name) else { return false }
    verbatim += 1
    return true
  }

  mutating func leave(_ element: HTMLNode) {
    if HTMLNode.verbatimNames.contains(element.name) { verbatim -= 1 }
  }

  /// Whether `text` takes a space before it, after text that ended with `last`.
  mutating func needsSpace(after last: Unicode.Scalar?, before text: String) -> Bool {
    defer { wordBreak = false }
    return !wordBreak && verbatim == 0 && HTMLNode.runTogether(last, text.unicodeScalars.first)
  }
}
