/// Finds a page's main content (article or review body, forum posts, product text)
/// and returns it as paragraphs, without navigation, headers, footers, banners, share
/// bars, related lists or ads.
public struct MainContentExtractor: Sendable {
  public init() {}

  public struct Result: Sendable {
    public var paragraphs: [String]
    /// The rule that produced the text (recorded on the Document).
    public var method: String
  }

  public func extract(_ root: HTMLNode) -> Result {
    guard let body = root.first("body") ?? root.children.first(where: { !$0.isText }) else {
      return Result(paragraphs: [], method: "empty")
    }
    prune(body, insideArticle: false)
    var scores: [ObjectIdentifier: Double] = [:]
    var nodes: [ObjectIdentifier: HTMLNode] = [:]
    var parents: [ObjectIdentifier: HTMLNode] = [:]
    for node in body.descendants() {
      for child in node.children where !child.isText { parents[ObjectIdentifier(child)] = node }
    }
    for paragraph in body.descendants() where ExtractionRules.paragraphElements.contains(paragraph.name) {
      let text = paragraph.textContent
      guard text.count >= ExtractionRules.minimumParagraphCharacters else { continue }
      let commas = text.reduce(0) { $0 + ($1 == "," || $1 == "，" || $1 == "、" ? 1 : 0) }
      let points = 1 + Double(commas) + min(Double(text.count) / 100, 3)
      var ancestor = parents[ObjectIdentifier(paragraph)]
      var level = 1.0
      while let current = ancestor, level <= 3 {
        let key = ObjectIdentifier(current)
        if nodes[key] == nil {
          nodes[key] = current
          scores[key] = classBonus(current)
        }
        scores[key, default: 0] += points / (level == 1 ? 1 : level == 2 ? 2 : 3 * level)
        ancestor = parents[key]
        level += 1
      }
    }
    var best: HTMLNode?
    var bestScore = -Double.infinity
    for (key, score) in scores {
      guard let node = nodes[key] else { continue }
      let adjusted = score * (1 - linkDensity(node))
      if adjusted > bestScore {
        bestScore = adjusted
        best = node
      }
    }
    guard let top = best else {
      let paragraphs = serialise(body)
      return Result(paragraphs: paragraphs, method: paragraphs.isEmpty ? "empty" : "body")
    }
    // Siblings that score well (or are long, link-free paragraphs) belong to the content too.
    var chosen: [HTMLNode] = [top]
    if let parent = parents[ObjectIdentifier(top)] {
      chosen = []
      let threshold = max(10, bestScore * ExtractionRules.siblingScoreShare)
      for sibling in parent.children where !sibling.isText {
        if sibling === top {
          chosen.append(sibling)
          continue
        }
        let siblingScore = (scores[ObjectIdentifier(sibling)] ?? 0) * (1 - linkDensity(sibling))
        if siblingScore >= threshold {
          chosen.append(sibling)
        } else if sibling.name == "p" {
          let text = sibling.textContent
          if text.count > 80 && linkDensity(sibling) < 0.25 { chosen.append(sibling) }
        }
      }
    }
    let paragraphs = chosen.flatMap(serialise)
    return Result(paragraphs: paragraphs, method: chosen.count > 1 ? "scored-container+siblings" : "scored-container")
  }

  private func classBonus(_ node: HTMLNode) -> Double {
    let words = node.classAndID
    var bonus = 0.0
    if node.name == "article" || node.name == "main" { bonus += ExtractionRules.classWeight }
    if ExtractionRules.contentWords.contains(where: words.contains) { bonus += ExtractionRules.classWeight }
    if ExtractionRules.boilerplateWords.contains(where: words.contains) { bonus -= ExtractionRules.classWeight }
    return bonus
  }

  /// Whether an element is page furniture by its name, role, class or id, or is hidden.
  func isBoilerplate(_ node: HTMLNode, insideArticle: Bool) -> Bool {
    if ExtractionRules.droppedElements.contains(node.name) { return true }
    if !insideArticle && ExtractionRules.droppedOutsideArticle.contains(node.name) { return true }
    if let role = node["role"]?.lowercased(), ExtractionRules.droppedRoles.contains(role) { return true }
    if node["hidden"] != nil || node["aria-hidden"]?.lowercased() == "true" { return true }
    if let style = node["style"]?.lowercased().replacingSpaces(),
      style.contains("display:none") || style.contains("visibility:hidden")
    {
      return true
    }
    let words = node.classAndID
    guard !words.trimmingSpaces().isEmpty, node.name != "body", node.name != "article", node.name != "main" else {
      return false
    }
    return ExtractionRules.boilerplateWords.contains(where: words.contains)
      && !ExtractionRules.contentWords.contains(where: words.contains)
  }

  /// Removes boilerplate elements in place (iteratively: trees may be very deep).
  func prune(_ root: HTMLNode, insideArticle: Bool) {
    var stack: [(HTMLNode, Bool)] = [(root, insideArticle)]
    while let (node, inside) = stack.popLast() {
      node.children.removeAll { !$0.isText && isBoilerplate($0, insideArticle: inside) }
      let nowInside = inside || node.name == "article" || node.name == "main"
      for child in node.children where !child.isText { stack.append((child, nowInside)) }
    }
  }

  /// Share of an element's text that sits inside links.
  func linkDensity(_ node: HTMLNode) -> Double {
    var total = 0
    var linked = 0
    var stack: [(HTMLNode, Bool)] = [(node, false)]
    while let (current, inLink) = stack.popLast() {
      if current.isText {
        let count = current.text.count { !$0.isWhitespace }
        total += count
        if inLink { linked += count }
      } else {
        let nowInLink = inLink || current.name == "a"
        for child in current.children { stack.append((child, nowInLink)) }
      }
    }
    return total == 0 ? 0 : Double(linked) / Double(total)
  }

  /// The text of an element as paragraphs: one per block element, headings and list
  /// items on their own; short blocks that are mostly links are dropped.
  func serialise(_ node: HTMLNode) -> [String] {
    var paragraphs: [String] = []
    var current = ""
    var currentLinked = 0
    var currentTotal = 0
    func flush() {
      let text = current.collapsingWhitespace()
      if !text.isEmpty {
        let density = currentTotal == 0 ? 0 : Double(currentLinked) / Double(currentTotal)
        let isLinkBlock =
          density > ExtractionRules.maximumLinkDensity
          && text.count < ExtractionRules.shortLinkedBlockCharacters * 4
        if !isLinkBlock { paragraphs.append(text) }
      }
      current = ""
      currentLinked = 0
      currentTotal = 0
    }
    enum Step {
      case enter(HTMLNode, inLink: Bool)
      case leave(HTMLNode)
    }
    var stack: [Step] = [.enter(node, inLink: false)]
    while let step = stack.popLast() {
      switch step {
      case .enter(let element, let inLink):
        if element.isText {
          current += element.text
          let count = element.text.count { !$0.isWhitespace }
          currentTotal += count
          if inLink { currentLinked += count }
          continue
        }
        if element.name == "br" {
          current += " "
          continue
        }
        let isBlock = HTMLNode.blockNames.contains(element.name)
        if isBlock { flush() }
        stack.append(.leave(element))
        let nowInLink = inLink || element.name == "a"
        for child in element.children.reversed() { stack.append(.enter(child, inLink: nowInLink)) }
      case .leave(let element):
        if HTMLNode.blockNames.contains(element.name) { flush() }
      }
    }
    flush()
    return paragraphs
  }
}

extension String {
  fileprivate func replacingSpaces() -> String { filter { !$0.isWhitespace } }
  fileprivate func trimmingSpaces() -> String { filter { !$0.isWhitespace } }
}
