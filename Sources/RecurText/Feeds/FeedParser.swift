import CLibXML2

/// One URL a feed or sitemap lists.
public struct FeedEntry: Sendable, Equatable {
  public var url: String
  /// `YYYY-MM-DD` of lastmod / pubDate / updated, when it is a possible date.
  public var date: String?
  public var title: String?

  public init(url: String, date: String? = nil, title: String? = nil) {
    self.url = url
    self.date = date
    self.title = title
  }
}

/// What a feed or sitemap file turned out to be, and the URLs in it.
public struct FeedListing: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case rss, atom, sitemap
    /// A sitemap index: its entries are further sitemaps.
    case sitemapIndex = "sitemap-index"
  }

  public var kind: Kind
  public var entries: [FeedEntry]
}

/// Parses RSS 2.0, Atom, XML sitemaps and sitemap indexes with libxml2 (no network, no
/// entity expansion) into URL lists for a job's sources.
public enum FeedParser {
  public struct Failure: Error, CustomStringConvertible, Sendable {
    public var description: String
  }

  public static func parse(_ bytes: [UInt8]) throws(Failure) -> FeedListing {
    LibXMLDocument.initialiseOnce
    guard !bytes.isEmpty else { throw Failure(description: "empty file") }
    let options = Int32(
      XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
        | XML_PARSE_NOWARNING.rawValue)
    let parsed = bytes.withUnsafeBufferPointer { buffer in
      buffer.baseAddress.flatMap { base in
        base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
          xmlReadMemory($0, Int32(buffer.count), "feed.xml", nil, options)
        }
      }
    }
    guard let document = parsed else { throw Failure(description: "not XML") }
    defer { xmlFreeDoc(document) }
    guard let root = xmlDocGetRootElement(document) else { throw Failure(description: "XML without a root element") }
    let rootName = localName(root)
    switch rootName {
    case "rss", "rdf":
      let items = elements(named: "item", under: root)
      return FeedListing(
        kind: .rss,
        entries: items.compactMap { item in
          guard let link = childText(item, "link") ?? childText(item, "guid") else { return nil }
          let date = (childText(item, "pubDate") ?? childText(item, "date")).flatMap(feedDate)
          return FeedEntry(url: link, date: date, title: childText(item, "title"))
        })
    case "feed":
      return FeedListing(
        kind: .atom,
        entries: elements(named: "entry", under: root).compactMap { entry in
          let links = children(entry).filter { localName($0) == "link" }
          let preferred = links.first { (attribute($0, "rel") ?? "alternate") == "alternate" } ?? links.first
          guard let href = preferred.flatMap({ attribute($0, "href") }) else { return nil }
          let date = (childText(entry, "published") ?? childText(entry, "updated")).flatMap(feedDate)
          return FeedEntry(url: href, date: date, title: childText(entry, "title"))
        })
    case "urlset", "sitemapindex":
      let isIndex = rootName == "sitemapindex"
      return FeedListing(
        kind: isIndex ? .sitemapIndex : .sitemap,
        entries: elements(named: isIndex ? "sitemap" : "url", under: root).compactMap { entry in
          guard let location = childText(entry, "loc") else { return nil }
          return FeedEntry(url: location, date: childText(entry, "lastmod").flatMap(feedDate))
        })
    default:
      throw Failure(description: "not a feed or sitemap (root element <\(rootName)>)")
    }
  }

  static func localName(_ node: xmlNodePtr) -> String {
    node.pointee.name.map { String(cString: $0) } ?? ""
  }

  static func children(_ node: xmlNodePtr) -> [xmlNodePtr] {
    var result: [xmlNodePtr] = []
    var child = node.pointee.children
    while let current = child {
      if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
      child = current.pointee.next
    }
    return result
  }

  /// Elements named `name` anywhere below `root` (iteratively).
  static func elements(named name: String, under root: xmlNodePtr) -> [xmlNodePtr] {
    var found: [xmlNodePtr] = []
    var stack = children(root).reversed().map { $0 }
    while let node = stack.popLast() {
      if localName(node) == name {
        found.append(node)
      } else {
        stack.append(contentsOf: children(node).reversed())
      }
    }
    return found
  }

  static func childText(_ node: xmlNodePtr, _ name: String) -> String? {
    guard let child = children(node).first(where: { localName($0) == name }), let content = xmlNodeGetContent(child)
    else { return nil }
    defer { CLibXML2_free(content) }
    let text = String(cString: content).collapsingWhitespace()
    return text.isEmpty ? nil : text
  }

  static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
    guard let value = xmlGetProp(node, name) else { return nil }
    defer { CLibXML2_free(value) }
    return String(cString: value)
  }

  /// ISO dates (`2026-11-12…`) and RFC 822 dates (`Thu, 12 Nov 2026 08:00:00 GMT`).
  static func feedDate(_ text: String) -> String? {
    if let iso = MetadataReader.isoDate(text) { return iso }
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    let parts = text.replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init)
    for (index, part) in parts.enumerated() where index + 2 < parts.count {
      if let day = Int(part), let month = months.firstIndex(of: parts[index + 1].prefix(3).lowercased()),
        let year = Int(parts[index + 2])
      {
        return MetadataReader.isoDate(
          String(format: "%04d-%02d-%02d", year, month + 1, day))
      }
    }
    return nil
  }
}

#if canImport(Foundation)
  import Foundation
#endif
