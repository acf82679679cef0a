import CLibXML2

/// A parsed page: its element tree and the JSON-LD blocks.
public struct ParsedHTML {
  public var root: HTMLNode
  public var jsonLD: [String]
}

/// Owns a libxml2 document and frees it.
final class LibXMLDocument {
  let pointer: htmlDocPtr

  init?(utf8 bytes: [UInt8], url: String) {
    LibXMLDocument.initialiseOnce
    let options = HTMLParser.options
    let parsed = bytes.withUnsafeBufferPointer { buffer in
      buffer.baseAddress.flatMap { base in
        base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
          htmlReadMemory($0, Int32(buffer.count), url, "UTF-8", options)
        }
      }
    }
    guard let parsed else { return nil }
    pointer = parsed
  }

  deinit { xmlFreeDoc(pointer) }

  /// `xmlInitParser` once per process, before any parse on any thread.
  static let initialiseOnce: Void = { xmlInitParser() }()
}

public enum HTMLParser {
  /// Elements whose content is never visible text. (`svg` is not among them: libxml2's
  /// HTML parser does not know SVG's self-closing tags and may nest the rest of the page
  /// inside an `<svg>`.)
  static let skipped: Set<String> = [
    "script", "style", "template", "iframe", "embed",
    "select", "option", "input", "textarea",
  ]

  /// Attributes the stage reads; the others (inline handlers, data-*, srcset …) are not
  /// copied out of libxml2, which saves most of the tree's string work.
  static let keptAttributes: Set<String> = [
    "class", "id", "role", "hidden", "aria-hidden", "style", "href", "rel", "lang", "name", "property", "content",
    "itemprop", "itemscope", "itemtype", "typeof", "vocab", "datetime", "type", "charset", "http-equiv",
    "aria-label", "title", "data-rating", "data-score",
  ]

  /// Largest input parsed; a larger page is cut there (the reason is recorded by the caller).
  public static let maxBytes = 64 * 1024 * 1024

  /// libxml2's parse alone, the document freed at once: the floor any extraction pays
  /// (for benchmarks). Returns whether libxml2 produced a document.
  public static func parseOnly(_ text: String) -> Bool {
    LibXMLDocument(utf8: Array(text.utf8), url: "") != nil
  }

  /// libxml2's parse events alone, with nothing built (for benchmarks): the least any
  /// parse on libxml2 costs.
  public static func parseEventsOnly(_ text: String) -> Bool {
    var handler = htmlSAXHandler()
    handler.startElement = { _, _, _ in }
    handler.endElement = { _, _ in }
    handler.characters = { _, _, _ in }
    return Array(text.utf8).withUnsafeBufferPointer { buffer in
      buffer.baseAddress.map { base in
        base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
          CLibXML2_parseHTMLEvents($0, Int32(buffer.count), options, &handler, nil) == 0
        }
      } ?? false
    }
  }

  static let options = Int32(
    HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
      | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)

  /// Parses UTF-8 text into a tree; a page libxml2 cannot read at all gives an empty tree.
  /// The tree is built from libxml2's parse events (SAX): libxml2's own tree, built and
  /// then copied, cost as much again as the parse.
  public static func parse(_ text: String, url: String = "") -> ParsedHTML {
    var bytes: [UInt8] =
      text.utf8.withContiguousStorageIfAvailable { Array($0.prefix(maxBytes)) } ?? Array(text.utf8.prefix(maxBytes))
    // NUL bytes end libxml2's input early; they carry no text.
    if bytes.contains(0) { bytes.removeAll { $0 == 0 } }
    guard !bytes.isEmpty else { return ParsedHTML(root: HTMLNode(name: "#document"), jsonLD: []) }
    LibXMLDocument.initialiseOnce
    var handler = htmlSAXHandler()
    handler.startElement = { context, name, attributes in TreeBuilder.at(context).pointee.start(name, attributes) }
    handler.endElement = { context, name in TreeBuilder.at(context).pointee.end(name) }
    handler.characters = { context, characters, count in TreeBuilder.at(context).pointee.characters(characters, count) }
    handler.cdataBlock = handler.characters
    handler.comment = { context, _ in TreeBuilder.at(context).pointee.flushText() }
    // The builder lives at a fixed address libxml2 hands back to each callback.
    let builder = UnsafeMutablePointer<TreeBuilder>.allocate(capacity: 1)
    builder.initialize(to: TreeBuilder())
    defer { builder.deinitialize(count: 1).deallocate() }
    let started = bytes.withUnsafeBufferPointer { buffer in
      buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
        CLibXML2_parseHTMLEvents($0, Int32(buffer.count), options, &handler, builder)
      }
    }
    guard started == 0 else { return ParsedHTML(root: HTMLNode(name: "#document"), jsonLD: []) }
    return builder.pointee.finish()
  }
}

/// Builds the tree from libxml2's parse events, as libxml2's tree builder would: text runs
/// merged, text outside any element dropped, invisible elements left out whole.
private struct TreeBuilder {
  /// The open elements, the document first, each with the children it has so far (a
  /// node's children are stored when it closes).
  var open: [(node: HTMLNode, children: [HTMLNode])] = [(HTMLNode(name: "#document"), [])]
  /// How deep inside a left-out element the parse is (0: outside any).
  var skipDepth = 0
  /// How many elements past `maxDepth` are open. They are not made nodes: their text joins
  /// the deepest element, so a page nested too deep keeps its text in a tree whose depth
  /// (and the recursion that frees it) stays bounded.
  var flattened = 0
  static let maxDepth = 256
  static let ldJSON = Array("ld+json".utf8)
  /// Whether the left-out element is a JSON-LD script, whose text is kept.
  var readingJSONLD = false
  var jsonLDBytes: [UInt8] = []
  var jsonLD: [String] = []
  /// The text run not yet made a node, and whether it is all whitespace so far.
  var text: [UInt8] = []
  var textIsSpace = true
  let space = HTMLNode(text: " ")
  var elements = PointerTable<ElementKind>()
  var attributeNames = PointerTable<AttributeKind>()
  var classes = ClassTable()
  /// A boolean attribute's value (libxml2 passes none).
  let emptyValue: UnsafePointer<xmlChar> = UnsafePointer(("" as StaticString).utf8Start)

  /// What the builder does with an attribute, worked out once per name.
  enum AttributeKind {
    case classWords, id, kept(String), dropped
  }

  /// What the builder needs to know of an element name, worked out once per name.
  struct ElementKind {
    var name: String
    var isBlock: Bool
    var isSkipped: Bool
  }

  static func at(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<TreeBuilder> {
    context!.assumingMemoryBound(to: TreeBuilder.self)
  }

  mutating func start(
    _ namePointer: UnsafePointer<xmlChar>?, _ attributeList: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
  ) {
    flushText()
    guard skipDepth == 0, let namePointer else {
      skipDepth += 1
      return
    }
    let kind = elements.value(for: namePointer) {
      // libxml2's HTML parser lowers the names it knows; the ASCII check covers the rest.
      let name = String(cString: namePointer).asciiAwareLowercased()
      return ElementKind(
        name: name, isBlock: HTMLNode.blockNames.contains(name), isSkipped: HTMLParser.skipped.contains(name))
    }
    if kind.isSkipped && kind.name != "script" {
      skipDepth = 1
      return
    }
    var attributes = HTMLAttributes()
    var classValue: UnsafePointer<xmlChar>?
    var idValue: UnsafePointer<xmlChar>?
    if var pair = attributeList {
      while let attributeName = pair[0] {
        let kind = attributeNames.value(for: attributeName) {
          let name = String(cString: attributeName).asciiAwareLowercased()
          switch name {
          case "class": return .classWords
          case "id": return .id
          default: return HTMLParser.keptAttributes.contains(name) ? .kept(name) : .dropped
          }
        }
        switch kind {
        case .classWords: classValue = pair[1] ?? emptyValue
        case .id: idValue = pair[1] ?? emptyValue
        case .kept(let name):
          // Read as meant where the value holds twice-encoded characters written as entities.
          attributes[name] = pair[1].map { DecodedText.repairingDoubleEncoding(String(cString: $0)).text } ?? ""
        case .dropped: break
        }
        pair += 2
      }
    }
    var classEntry: ClassTable.Entry?
    if classValue != nil || idValue != nil {
      let entry = classes.entry(class: classValue, id: idValue)
      if let value = entry.classValue { attributes["class"] = value }
      if let value = entry.id { attributes["id"] = value }
      classEntry = entry
    }
    if kind.name == "script" {
      skipDepth = 1
      readingJSONLD =
        Array((attributes["type"] ?? "").utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        .firstIndex(of: TreeBuilder.ldJSON, from: 0) != nil
      return
    }
    if open.count > TreeBuilder.maxDepth {
      flattened += 1
      if kind.isBlock || kind.name == "br" { text.append(0x20) }
      return
    }
    let element = HTMLNode(element: kind.name, isBlock: kind.isBlock, attributes: attributes)
    if let classEntry {
      element.classAndID = classEntry.classAndID
      element.classWords = classEntry.words
      element.classMarks = classEntry.marks
    } else {
      element.classWords = []
      element.classMarks = []
    }
    open[open.count - 1].children.append(element)
    open.append((element, []))
  }

  mutating func end(_ namePointer: UnsafePointer<xmlChar>?) {
    if flattened > 0 && skipDepth == 0 {
      flattened -= 1
      if let namePointer, let kind = elements.existingValue(for: namePointer), kind.isBlock { text.append(0x20) }
      return
    }
    flushText()
    if skipDepth > 0 {
      skipDepth -= 1
      if skipDepth == 0 && readingJSONLD {
        jsonLD.append(String(decoding: jsonLDBytes, as: UTF8.self))
        jsonLDBytes.removeAll(keepingCapacity: true)
        readingJSONLD = false
      }
      return
    }
    guard open.count > 1 else { return }
    let (node, children) = open.removeLast()
    node.children = children
  }

  mutating func characters(_ characters: UnsafePointer<xmlChar>?, _ count: Int32) {
    guard let characters, count > 0 else { return }
    let run = UnsafeBufferPointer(start: characters, count: Int(count))
    if skipDepth > 0 {
      if skipDepth == 1 && readingJSONLD { jsonLDBytes.append(contentsOf: run) }
      return
    }
    // Text with no element open is dropped, as libxml2's tree builder drops it.
    guard open.count > 1 else { return }
    if textIsSpace { textIsSpace = run.allSatisfy { $0 == 0x20 || (0x09...0x0D).contains($0) } }
    text.append(contentsOf: run)
  }

  /// Ends the current text run as one node. Indentation between tags (most text runs)
  /// becomes the page's one shared space node: only word breaks matter downstream, and
  /// text nodes are never changed once built.
  mutating func flushText() {
    guard !text.isEmpty else { return }
    // Inside `<noscript>`, text that starts with a tag is markup a saved page escaped
    // (tracking pixels and ad frames), never prose; forum software's `<noscript>` posts
    // are real markup and stay.
    if !textIsSpace, open.last?.node.name == "noscript", let first = text.first(where: { $0 > 0x20 }),
      first == 0x3C
    {
      text.removeAll(keepingCapacity: true)
      textIsSpace = true
      return
    }
    // Read as meant where the page wrote twice-encoded characters or windows-1252's as
    // entities (`isn&acirc;&euro;&trade;t`, `we&#146;re`), which no reading of its bytes repairs.
    open[open.count - 1].children.append(
      textIsSpace
        ? space : HTMLNode(text: DecodedText.repairingDoubleEncoding(String(decoding: text, as: UTF8.self)).text))
    text.removeAll(keepingCapacity: true)
    textIsSpace = true
  }

  /// Closes what is still open (libxml2 closes every element, so only the document is)
  /// and hands over the tree.
  mutating func finish() -> ParsedHTML {
    flushText()
    flattened = 0
    while open.count > 1 { end(nil) }
    open[0].node.children = open[0].children
    return ParsedHTML(root: open[0].node, jsonLD: jsonLD)
  }
}

/// A small open-addressing table keyed by pointer. libxml2's HTML parser hands out each
/// element and attribute name from its dictionary (or as a constant), so within one parse
/// one pointer is one name, and a name is worked out once instead of once per element.
private struct PointerTable<Value> {
  var keys = [UnsafeRawPointer?](repeating: nil, count: 256)
  var values = [Value?](repeating: nil, count: 256)
  var count = 0

  mutating func value(for pointer: UnsafePointer<xmlChar>, orMake make: () -> Value) -> Value {
    let key = UnsafeRawPointer(pointer)
    var slot = slot(of: key)
    if keys[slot] == key { return values[slot]! }
    if (count + 1) * 2 > keys.count {
      grow()
      slot = self.slot(of: key)
    }
    let value = make()
    keys[slot] = key
    values[slot] = value
    count += 1
    return value
  }

  func existingValue(for pointer: UnsafePointer<xmlChar>) -> Value? {
    let slot = slot(of: UnsafeRawPointer(pointer))
    return keys[slot] == UnsafeRawPointer(pointer) ? values[slot] : nil
  }

  /// Where `key` is, or the empty slot where it goes.
  func slot(of key: UnsafeRawPointer) -> Int {
    let mask = keys.count - 1
    var slot =
      Int(truncatingIfNeeded: (UInt(bitPattern: Int(bitPattern: key)) >> 3) &* 0x9E37_79B9_7F4A_7C15 >> 40) & mask
    while let occupant = keys[slot], occupant != key { slot = (slot + 1) & mask }
    return slot
  }

  mutating func grow() {
    let (oldKeys, oldValues) = (keys, values)
    keys = [UnsafeRawPointer?](repeating: nil, count: oldKeys.count * 2)
    values = [Value?](repeating: nil, count: oldKeys.count * 2)
    for (key, value) in zip(oldKeys, oldValues) {
      guard let key else { continue }
      let slot = slot(of: key)
      keys[slot] = key
      values[slot] = value
    }
  }
}

/// The class and id values of a page's elements, each pair made Swift strings, lowered and
/// split into words once: most pairs repeat many times on a page. Looked up by the bytes
/// as libxml2 hands them over, so a repeat costs one hash over the bytes.
private struct ClassTable {
  struct Entry {
    var key: [UInt8]
    var classValue: String?
    var id: String?
    var classAndID: String
    var words: Set<String>
    var marks: ClassMarks
  }
  var slots = [Int32](repeating: -1, count: 512)
  var entries: [Entry] = []
  var scratch: [UInt8] = []

  mutating func entry(class classValue: UnsafePointer<xmlChar>?, id: UnsafePointer<xmlChar>?) -> Entry {
    // The key: a presence byte and the bytes of each value, 0xFF (never in UTF-8) between.
    scratch.removeAll(keepingCapacity: true)
    append(classValue)
    append(id)
    let mask = slots.count - 1
    var slot = ClassTable.slot(scratch, mask: mask)
    while slots[slot] >= 0 {
      if entries[Int(slots[slot])].key == scratch { return entries[Int(slots[slot])] }
      slot = (slot + 1) & mask
    }
    let classString = classValue.map { String(cString: $0) }
    let idString = id.map { String(cString: $0) }
    let classAndID = ((classString ?? "") + " " + (idString ?? "")).asciiAwareLowercased()
    let words = HTMLNode.words(ofClassAndID: classAndID)
    let entry = Entry(
      key: scratch, classValue: classString, id: idString, classAndID: classAndID, words: words,
      marks: ClassMarks(words))
    slots[slot] = Int32(entries.count)
    entries.append(entry)
    if entries.count * 2 > slots.count { rehash() }
    return entry
  }

  private mutating func append(_ value: UnsafePointer<xmlChar>?) {
    scratch.append(value == nil ? 0 : 1)
    if var byte = value {
      while byte.pointee != 0 {
        scratch.append(byte.pointee)
        byte += 1
      }
    }
    scratch.append(0xFF)
  }

  /// The key's home slot: FNV-1a over its bytes.
  static func slot(_ key: [UInt8], mask: Int) -> Int {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
  }

  mutating func rehash() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    let mask = slots.count - 1
    for (index, entry) in entries.enumerated() {
      var slot = ClassTable.slot(entry.key, mask: mask)
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(index)
    }
  }
}
