/// Reviews marked up in the page itself: schema.org microdata (`itemscope`, `itemtype`,
/// `itemprop`) and RDFa (`typeof`, `property`).
struct MarkupReviews {
  enum Syntax {
    case microdata, rdfa

    var source: String { self == .microdata ? "microdata" : "rdfa" }
    var propertyAttribute: String { self == .microdata ? "itemprop" : "property" }

    /// The schema.org type an element starts a scope for, if it starts one.
    func scopeType(_ node: HTMLNode) -> String? {
      switch self {
      case .microdata:
        guard node["itemscope"] != nil else { return nil }
        return node["itemtype"].map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? ""
      case .rdfa:
        return node["typeof"].map { $0.split(separator: ":").last.map(String.init) ?? $0 }
      }
    }
  }

  let elements: [HTMLNode]

  func reviews() -> [ReviewItem] {
    [Syntax.microdata, .rdfa].flatMap { syntax in
      elements.filter { syntax.scopeType($0) == "Review" }.map { review(in: $0, syntax: syntax) }
    }
  }

  /// The name and type of every microdata and RDFa scope of a type in `PageSubject.categories`.
  func subjects() -> [(name: String, type: String)] {
    [Syntax.microdata, .rdfa].flatMap { syntax in
      elements.compactMap { element -> (name: String, type: String)? in
        guard let type = syntax.scopeType(element), PageSubject.categories[type] != nil,
          let name = properties(of: element, syntax: syntax)["name"]?.first.map(value), !name.isEmpty
        else { return nil }
        return (name, type)
      }
    }
  }

  /// The properties of one scope: name → elements carrying it, not looking inside nested scopes.
  func properties(of scope: HTMLNode, syntax: Syntax) -> [String: [HTMLNode]] {
    var found: [String: [HTMLNode]] = [:]
    var stack = scope.children.reversed().map { $0 }
    while let node = stack.popLast() {
      guard !node.isText else { continue }
      if let names = node[syntax.propertyAttribute] {
        for name in names.split(separator: " ") {
          let key = String(name.split(separator: ":").last ?? name)
          found[key, default: []].append(node)
        }
      }
      if syntax.scopeType(node) == nil { stack.append(contentsOf: node.children.reversed()) }
    }
    return found
  }

  /// A property's value: `content`, `datetime` or the text.
  func value(_ node: HTMLNode) -> String {
    (node["content"] ?? node["datetime"] ?? node.textContent).collapsingWhitespace()
  }

  func review(in scope: HTMLNode, syntax: Syntax) -> ReviewItem {
    let properties = properties(of: scope, syntax: syntax)
    func first(_ name: String) -> String? {
      properties[name]?.first.map(value).flatMap { $0.isEmpty ? nil : $0 }
    }
    var author: String?
    if let node = properties["author"]?.first {
      if syntax.scopeType(node) != nil {
        author = self.properties(of: node, syntax: syntax)["name"]?.first.map(value)
      }
      author = author ?? value(node)
    }
    var rating: Double?
    var best: Double?
    var worst: Double?
    if let node = properties["reviewRating"]?.first {
      let ratingProperties = self.properties(of: node, syntax: syntax)
      func number(_ name: String) -> Double? {
        ratingProperties[name]?.first.map(value).flatMap { Double($0.replacingComma()) }
      }
      rating = number("ratingValue")
      best = number("bestRating")
      worst = number("worstRating")
    }
    return ReviewItem(
      author: author, rating: rating, bestRating: best, worstRating: worst,
      date: first("datePublished").flatMap(MetadataReader.isoDate), title: first("name"),
      body: first("reviewBody") ?? first("description") ?? "", source: syntax.source)
  }
}

extension String {
  fileprivate func replacingComma() -> String {
    String(map { $0 == "," ? "." : $0 })
  }
}
