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
    let options = Int32(
      HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)
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

  /// Parses UTF-8 text into a tree; a page libxml2 cannot read at all gives an empty tree.
  public static func parse(_ text: String, url: String = "") -> ParsedHTML {
    var bytes: [UInt8] =
      text.utf8.withContiguousStorageIfAvailable { Array($0.prefix(maxBytes)) } ?? Array(text.utf8.prefix(maxBytes))
    // NUL bytes end libxml2's input early; they carry no text.
    if bytes.contains(0) { bytes.removeAll { $0 == 0 } }
    let root = HTMLNode(name: "#document")
    guard !bytes.isEmpty, let document = LibXMLDocument(utf8: bytes, url: url) else {
      return ParsedHTML(root: root, jsonLD: [])
    }
    var jsonLD: [String] = []
    // Class and id word sets by class-and-id string (most repeat many times on a page).
    var classWords: [String: Set<String>] = [:]
    // Iterative walk: a page may nest elements far deeper than the call stack allows.
    var stack: [(xmlNodePtr, HTMLNode)] = []
    var child = document.pointer.pointee.children
    while let node = child {
      stack.append((node, root))
      child = node.pointee.next
    }
    stack.reverse()
    while let (node, parent) = stack.popLast() {
      switch node.pointee.type {
      case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
        if let content = node.pointee.content {
          // Indentation between tags (most text nodes) becomes one space: only word
          // breaks matter downstream, and a short string needs no allocation.
          var index = 0
          while content[index] == 0x20 || (0x09...0x0D).contains(content[index]) { index += 1 }
          let text = content[index] == 0 ? (index == 0 ? "" : " ") : String(cString: content)
          parent.children.append(HTMLNode(name: "#text", text: text))
        }
      case XML_ELEMENT_NODE:
        // libxml2's HTML parser lowers element and attribute names already; the ASCII
        // check keeps that true for any it does not know.
        let name = node.pointee.name.map { String(cString: $0).asciiAwareLowercased() } ?? ""
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
          if let attributeName = current.pointee.name {
            let key = String(cString: attributeName).asciiAwareLowercased()
            if keptAttributes.contains(key) {
              // A value is one text node (read in place); anything else goes through
              // xmlNodeGetContent.
              if let text = current.pointee.children, text.pointee.next == nil, text.pointee.type == XML_TEXT_NODE,
                let content = text.pointee.content
              {
                attributes[key] = String(cString: content)
              } else if let value = xmlNodeGetContent(UnsafeMutablePointer<xmlNode>(OpaquePointer(current))) {
                attributes[key] = String(cString: value)
                CLibXML2_free(value)
              }
            }
          }
          attribute = current.pointee.next
        }
        if name == "script", (attributes["type"] ?? "").lowercased().contains("ld+json") {
          if let content = xmlNodeGetContent(node) {
            jsonLD.append(String(cString: content))
            CLibXML2_free(content)
          }
          continue
        }
        if skipped.contains(name) { continue }
        let element = HTMLNode(name: name, attributes: attributes)
        if attributes["class"] != nil || attributes["id"] != nil {
          let key = element.classAndID
          if let words = classWords[key] {
            element.classWords = words
          } else {
            let words = HTMLNode.words(ofClassAndID: key)
            classWords[key] = words
            element.classWords = words
          }
        } else {
          element.classWords = []
        }
        parent.children.append(element)
        // Children pushed last first, so they pop in document order.
        var previous = node.pointee.last
        while let current = previous {
          stack.append((current, element))
          previous = current.pointee.prev
        }
      default:
        continue
      }
    }
    return ParsedHTML(root: root, jsonLD: jsonLD)
  }
}
