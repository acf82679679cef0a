import Foundation

/// Title, authors, date, language, site name, canonical URL and description from the
/// page's meta tags, JSON-LD and markup.
struct MetadataReader {
  let root: HTMLNode
  /// Every element, in document order, collected once.
  let elements: [HTMLNode]
  let metas: [HTMLNode]
  let jsonLD: [[String: Any]]

  init(root: HTMLNode, jsonLDBlocks: [String]) {
    self.root = root
    elements = root.descendants()
    metas = elements.filter { $0.name == "meta" }
    var objects: [[String: Any]] = []
    for block in jsonLDBlocks {
      guard let data = block.data(using: .utf8), let value = try? JSONSerialization.jsonObject(with: data) else {
        continue  // invalid JSON-LD is ignored, as browsers do
      }
      objects += MetadataReader.flatten(value)
    }
    jsonLD = objects
  }

  /// Every JSON-LD object, with `@graph` members and nested objects listed too. Nested
  /// objects are taken in their keys' order, not the dictionary's (which changes from one
  /// run to the next), so a page reads the same every time.
  static func flatten(_ value: Any, depth: Int = 0) -> [[String: Any]] {
    guard depth < 12 else { return [] }
    if let array = value as? [Any] { return array.flatMap { flatten($0, depth: depth + 1) } }
    guard let object = value as? [String: Any] else { return [] }
    var result = [object]
    for key in object.keys.sorted() where key != "@context" {
      let nested = object[key]!
      if nested is [Any] || nested is [String: Any] { result += flatten(nested, depth: depth + 1) }
    }
    return result
  }

  static func types(_ object: [String: Any]) -> [String] {
    if let type = object["@type"] as? String { return [type] }
    return (object["@type"] as? [String]) ?? []
  }

  func meta(_ keys: String...) -> String? {
    let all = metas
    for key in keys {
      if let node = all.first(where: { ($0["property"] ?? $0["name"] ?? $0["itemprop"])?.lowercased() == key }),
        let content = node["content"]?.collapsingWhitespace(), !content.isEmpty
      {
        return content
      }
    }
    return nil
  }

  static let articleTypes: Set<String> = [
    "Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle", "Review", "WebPage",
    "OpinionNewsArticle", "AnalysisNewsArticle", "LiveBlogPosting", "DiscussionForumPosting", "Recipe",
  ]

  var mainObject: [String: Any]? {
    jsonLD.first {
      !Set(MetadataReader.types($0)).isDisjoint(with: MetadataReader.articleTypes) && $0["headline"] != nil
    }
      ?? jsonLD.first { !Set(MetadataReader.types($0)).isDisjoint(with: MetadataReader.articleTypes) }
  }

  var title: String? {
    let titleTag = elements.first { $0.name == "title" }?.textContent
    let h1 = elements.first { $0.name == "h1" }?.textContent
    let candidates = [
      meta("og:title", "twitter:title").map { stripSiteSuffix($0) }, mainObject?["headline"] as? String, h1,
      titleTag.map { stripSiteSuffix($0) },
    ]
    return candidates.compactMap { $0?.collapsingWhitespace() }.first { !$0.isEmpty }
  }

  /// `Story title | Site` → `Story title`: the last part goes when it is the site's name
  /// or short (a brand), and the title keeps at least as many words.
  func stripSiteSuffix(_ title: String) -> String {
    for separator in [" | ", " – ", " — ", " - ", " :: ", " · ", " » "] where title.contains(separator) {
      var parts = title.components(separatedBy: separator)
      guard parts.count > 1, let last = parts.last else { continue }
      let site = siteName?.lowercased()
      let lastWords = last.split(separator: " ").count
      let restWords = parts.dropLast().joined(separator: separator).split(separator: " ").count
      if last.lowercased() == site || (lastWords <= 4 && restWords >= lastWords) {
        parts.removeLast()
        return parts.joined(separator: separator)
      }
      if let first = parts.first, first.lowercased() == site {
        return parts.dropFirst().joined(separator: separator)
      }
    }
    return title
  }

  /// Class words of an element that holds a byline.
  static let bylineWords: Set<String> = ["author", "byline", "writer"]

  var authors: [String] {
    var names: [String] = []
    func add(_ value: Any?) {
      if let name = value as? String {
        names.append(name)
      } else if let object = value as? [String: Any] {
        if MetadataReader.types(object).contains("Organization") { return }
        add(object["name"])
      } else if let array = value as? [Any] {
        array.forEach(add)
      }
    }
    add(mainObject?["author"])
    if names.isEmpty, let other = jsonLD.first(where: { $0["author"] != nil }) { add(other["author"]) }
    if names.isEmpty, let author = meta("author", "article:author", "parsely-author", "sailthru.author") {
      if !author.hasPrefix("http") { names.append(author) }
    }
    if names.isEmpty {
      for node in elements where node["rel"]?.lowercased() == "author" || node["itemprop"] == "author" {
        names.append(node.textContent)
      }
    }
    if names.isEmpty {
      // A byline element: class words `author`, `byline`, or `author-name`, holding a short name.
      for node in elements
      where node.classMarks.contains(.byline) {
        guard let text = node.shortTextContent(limit: 120) else { continue }
        if text.split(separator: " ").count <= 6 { names.append(text) }
        if names.count >= 3 { break }
      }
    }
    var seen = Set<String>()
    let cleaned = names.map(MetadataReader.cleanName).filter {
      !$0.isEmpty && $0.count < 80 && $0.first?.isLetter == true && !$0.lowercased().contains("more about")
        && seen.insert($0.lowercased()).inserted
    }
    // "Ana Ruiz, Staff Writer" beside "Ana Ruiz" is one person: keep the plain name.
    return cleaned.filter { name in !cleaned.contains { $0 != name && name.contains($0) } }
  }

  /// A person's name as found: entities decoded, `By` and the publisher's name taken off.
  static func cleanName(_ raw: String) -> String {
    var name = raw.collapsingWhitespace()
    for (entity, character) in [("&amp;", "&"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&#039;", "'")] {
      name = name.replacingOccurrences(of: entity, with: character)
    }
    for prefix in ["By ", "by ", "BY ", "Written by ", "Posted by ", "Author: ", "Author "] where name.hasPrefix(prefix)
    {
      name.removeFirst(prefix.count)
    }
    return name.trimmingCharacters(in: CharacterSet(charactersIn: " ,|·-–—"))
  }

  var published: String? {
    let candidates: [String?] = [
      mainObject?["datePublished"] as? String,
      meta(
        "article:published_time", "og:published_time", "datepublished", "pubdate", "publish-date", "publish_date",
        "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date"),
      jsonLD.compactMap { $0["datePublished"] as? String }.first,
      elements.first { $0.name == "time" && $0["datetime"] != nil }?["datetime"],
      jsonLD.compactMap { $0["dateCreated"] as? String }.first,
    ]
    for candidate in candidates.compactMap({ $0 }) {
      if let date = MetadataReader.isoDate(candidate) { return date }
    }
    return urlDate
  }

  /// A date in the page's own URL (`/2025/09/04/`), when it is a possible one.
  var urlDate: String? {
    guard let url = canonicalURL ?? meta("og:url") else { return nil }
    let parts = url.split(separator: "/").map(String.init)
    for index in parts.indices.dropLast(2) {
      guard parts[index].count == 4, let year = Int(parts[index]), (1990...2100).contains(year),
        parts[index + 1].count <= 2, let month = Int(parts[index + 1]), parts[index + 2].count <= 2,
        let day = Int(parts[index + 2])
      else { continue }
      return MetadataReader.isoDate(String(format: "%04d-%02d-%02d", year, month, day))
    }
    return nil
  }

  /// The `YYYY-MM-DD` of a date-like string, when it is a possible date.
  static func isoDate(_ text: String) -> String? {
    let digits = Array(text.trimmingCharacters(in: .whitespaces).prefix(10))
    guard digits.count == 10, digits[4] == "-" || digits[4] == "/", digits[7] == digits[4],
      let year = Int(String(digits[0..<4])), let month = Int(String(digits[5..<7])),
      let day = Int(String(digits[8..<10])),
      (1990...2100).contains(year), (1...12).contains(month)
    else { return nil }
    let daysInMonth = [
      31, (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    ]
    guard (1...daysInMonth[month - 1]).contains(day) else { return nil }
    return String(format: "%04d-%02d-%02d", year, month, day)
  }

  var language: String? {
    if let lang = elements.first(where: { $0.name == "html" })?["lang"], !lang.isEmpty { return lang.lowercased() }
    if let locale = meta("og:locale") { return locale.lowercased().replacingOccurrences(of: "_", with: "-") }
    return nil
  }

  var siteName: String? { meta("og:site_name", "application-name") }

  var description: String? { meta("og:description", "description", "twitter:description") }

  var canonicalURL: String? {
    elements.first { $0.name == "link" && $0["rel"]?.lowercased() == "canonical" }?["href"]
  }

  /// The names of the other sites the page links to: the labels of each host an `<a href>`
  /// leads to (`https://spark.apache.org/docs` → `spark`, `apache`), lower-cased, without
  /// its top-level domain, `www`, a generic second level (`co.uk`'s `co`) or an
  /// internationalised label, and without the labels of the page's own hosts (its address,
  /// canonical address and `og:url`: a personal site is its writer's name). Sorted, at most
  /// `maximumLinkedSites`.
  func linkedSites(pageURL: String) -> [String] {
    let own = Set(
      [pageURL, canonicalURL, meta("og:url")].compactMap { $0 }.compactMap(Self.host).flatMap(Self.siteLabels))
    var found = Set<String>()
    for element in elements where element.name == "a" {
      guard let href = element["href"], let host = Self.host(href) else { continue }
      for label in Self.siteLabels(host) where !own.contains(label) { found.insert(label) }
    }
    return Array(found.sorted().prefix(Self.maximumLinkedSites))
  }

  static let maximumLinkedSites = 1000

  /// The host of an absolute `http`/`https` address (or a scheme-relative `//host/…`),
  /// lower-cased, without user or port.
  static func host(_ address: String) -> String? {
    let trimmed = address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    var rest: Substring
    if let range = trimmed.range(of: "://"), ["http", "https"].contains(trimmed[..<range.lowerBound]) {
      rest = trimmed[range.upperBound...]
    } else if trimmed.hasPrefix("//") {
      rest = trimmed.dropFirst(2)
    } else {
      return nil
    }
    rest = rest.prefix { !"/?#\\".contains($0) }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    rest = rest.prefix { $0 != ":" }
    return rest.isEmpty ? nil : String(rest)
  }

  /// A host's labels that name a site: all but the last (the top-level domain), `www` and
  /// generic second levels; only letters, digits and hyphens, not `xn--` (punycode).
  static func siteLabels(_ host: String) -> [String] {
    host.split(separator: ".").dropLast().map(String.init).filter { label in
      !genericLabels.contains(label) && !label.hasPrefix("xn--") && !label.allSatisfy(\.isNumber)
        && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
  }

  static let genericLabels: Set<String> = ["www", "m", "co", "com", "org", "net", "gov", "ac", "edu"]

  /// Reviews from JSON-LD `Review` objects (nested in `Product` and others too), then
  /// from microdata and RDFa.
  var reviews: [ReviewItem] {
    jsonLDReviews + MarkupReviews(elements: elements).reviews()
  }

  private var jsonLDReviews: [ReviewItem] {
    jsonLD.filter { MetadataReader.types($0).contains("Review") }.compactMap { object in
      let rating = object["reviewRating"] as? [String: Any]
      func number(_ value: Any?) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String { return Double(text.replacingOccurrences(of: ",", with: ".")) }
        return nil
      }
      var author: String?
      if let name = object["author"] as? String {
        author = name
      } else if let person = object["author"] as? [String: Any] {
        author = person["name"] as? String
      }
      let body = (object["reviewBody"] as? String) ?? (object["description"] as? String) ?? ""
      return ReviewItem(
        author: author, rating: number(rating?["ratingValue"]), bestRating: number(rating?["bestRating"]),
        worstRating: number(rating?["worstRating"]),
        date: (object["datePublished"] as? String).flatMap(MetadataReader.isoDate),
        title: object["name"] as? String, body: body.collapsingWhitespace(), source: "json-ld")
    }
  }

  /// The things the page's markup names that are not people: each JSON-LD object, then each
  /// microdata and RDFa scope, of a type in `PageSubject.categories` that has a name (the
  /// `itemReviewed` of a review among them), once each, at most 20. A name that is one of
  /// the page's `authors` (as `authors` read them) is not a subject: a writer who publishes
  /// under their own name marks it up as the site's `Organization`. Then the site itself,
  /// as an `Organization`, when its `og:site_name` (or `application-name`) is one word
  /// (`Bellhop`, `Zoho`, `Gardenary`): a page names its own site, and the tagger read such a
  /// word as a person, a place or MISC (on WCXB's pages, 9 of the people tables' entries). A
  /// longer site name may be a person's (`Rick Steves`) and is not taken.
  func subjects(authors: [String]) -> [PageSubject] {
    var found: [PageSubject] = []
    let writers = Set(authors.map { $0.lowercased() })
    func add(_ name: String?, _ type: String) {
      guard let name = name?.collapsingWhitespace(), (2...120).contains(name.count), found.count < 20,
        !writers.contains(name.lowercased()), !found.contains(where: { $0.name == name && $0.type == type })
      else { return }
      found.append(PageSubject(name: name, type: type))
    }
    for object in jsonLD {
      guard let type = MetadataReader.types(object).first(where: { PageSubject.categories[$0] != nil }) else {
        continue
      }
      add(object["name"] as? String, type)
    }
    for (name, type) in MarkupReviews(elements: elements).subjects() { add(name, type) }
    if let site = siteName?.collapsingWhitespace(), !site.contains(" ") { add(site, "Organization") }
    return found
  }

  var kind: Document.Kind {
    let types = Set(jsonLD.flatMap(MetadataReader.types))
    if types.contains("Review") || types.contains("Product") { return .review }
    if types.contains("DiscussionForumPosting") || types.contains("QAPage") { return .forum }
    if !types.isDisjoint(with: ["NewsArticle", "Article", "BlogPosting", "Report"]) { return .article }
    if meta("og:type") == "article" { return .article }
    return .other
  }
}
