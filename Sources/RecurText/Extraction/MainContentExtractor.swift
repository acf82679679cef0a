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

  /// The main text: the blocks the block model keeps when there is one (and it keeps
  /// any), with the blocks `alwaysKeep` asks for; else the rules' chosen container.
  public func extract(_ root: HTMLNode, model: BlockModel? = nil, alwaysKeep: (String) -> Bool = { _ in false })
    -> Result
  {
    guard let read = blocks(root, withFeatures: model != nil) else {
      return Result(paragraphs: [], method: "empty")
    }
    if let model {
      let probabilities = model.probabilities(read.blocks)
      let kept = read.blocks.indices.filter {
        probabilities[$0] >= model.threshold || alwaysKeep(read.blocks[$0].text)
      }
      if !kept.isEmpty { return Result(paragraphs: kept.map { read.blocks[$0].text }, method: "block-model") }
    }
    let paragraphs = read.blocks.filter(\.keptByRules).map(\.text)
    return Result(paragraphs: paragraphs, method: paragraphs.isEmpty ? "empty" : read.method)
  }

  /// The page body cut into text blocks (described for the block model when
  /// `withFeatures`), each marked with whether the rules keep it, and the rule that chose
  /// the container. Nil for a page without a body.
  public func blocks(_ root: HTMLNode, withFeatures: Bool) -> (blocks: [TextBlock], method: String)? {
    guard let body = root.first("body") else { return nil }
    adoptStrayContent(root, body: body)
    prune(body, insideArticle: false, pageTextLength: unlinkedTextLength(body))
    // Articles first: prose outside links. Listings and collections are made of links
    // (headlines, product cards), so when little prose stands outside links, long link
    // texts count as prose too.
    let elements = body.descendants()
    measure(body, countLongLinks: false)
    var (chosen, prose) = bestContainer(elements, listing: false)
    var method = "prose-mass"
    if prose < ExtractionRules.listingProseLimit {
      measure(body, countLongLinks: true)
      let listing = bestContainer(elements, listing: true)
      if Double(listing.prose) > ExtractionRules.listingGain * Double(max(prose, 1)) {
        (chosen, prose) = listing
        method = "link-prose-mass"
      }
    }
    if chosen == nil { method = "body" }
    let reader = TextBlockReader(withFeatures: withFeatures)
    return (reader.blocks(body, chosen: chosen ?? body, keepLinkBlocks: method == "link-prose-mass"), method)
  }

  /// Broken markup (a `</body></html>` mid-page) can leave content beside the body,
  /// under `<html>` or a second `<html>`: it is moved into the body, in document order.
  func adoptStrayContent(_ root: HTMLNode, body: HTMLNode) {
    var before: [HTMLNode] = []
    var after: [HTMLNode] = []
    var seenBody = false
    var stray = false
    for top in root.children where !top.isText {
      for child in top.name == "html" ? top.children : [top] {
        if child === body {
          seenBody = true
        } else if child.name != "head" {
          if seenBody { after.append(child) } else { before.append(child) }
          if !child.isText || child.textLength > 0 { stray = true }
        }
      }
    }
    guard stray, seenBody else { return }
    body.children = before + body.children + after
    for top in root.children where top.name == "html" { top.children.removeAll { $0 !== body && $0.name != "head" } }
    root.children.removeAll { $0.name != "html" }
  }

  /// The element with the most prose for the least other text, and its prose.
  /// `listing` reads the prose that counts long links.
  func bestContainer(_ elements: [HTMLNode], listing: Bool) -> (node: HTMLNode?, prose: Int) {
    var best: HTMLNode?
    var bestScore = 0.0
    var bestProse = 0
    for node in elements {
      let prose = listing ? node.measure.listingProse : node.measure.prose
      guard prose > 0 else { continue }
      let other = Double(node.measure.text - prose)
      let score = Double(prose) - ExtractionRules.otherTextPenalty * other + classBonus(node)
      if score > bestScore {
        bestScore = score
        best = node
        bestProse = prose
      }
    }
    return (best, bestProse)
  }

  /// Characters of all text and of prose below each element, stored on each element
  /// (`HTMLNode.measure`). Prose is text in a paragraph-like element of at least
  /// `minimumParagraphCharacters` that is mostly not links, outside links itself; with
  /// `countLongLinks`, long link texts count too (the second, listing reading).
  func measure(_ root: HTMLNode, countLongLinks: Bool) {
    if !countLongLinks { measureText(root) }
    func isGoodParagraph(_ node: HTMLNode) -> Bool {
      node.measure.text >= ExtractionRules.minimumParagraphCharacters
        && Double(node.measure.linked) <= ExtractionRules.maximumLinkDensity * Double(node.measure.text)
    }
    // Prose, deciding each text run by its nearest paragraph-like ancestor.
    enum Step {
      case enter(HTMLNode, paragraph: Bool?, inLink: Bool)
      case leave(HTMLNode)
    }
    var stack: [Step] = [.enter(root, paragraph: nil, inLink: false)]
    var prose: [Int] = [0]
    while let step = stack.popLast() {
      switch step {
      case .enter(let node, let paragraph, let inLink):
        if node.isText {
          let count = node.textLength
          if inLink {
            if countLongLinks && count >= ExtractionRules.longLinkCharacters { prose[prose.count - 1] += count }
            continue
          }
          let good = paragraph ?? (count >= ExtractionRules.minimumParagraphCharacters)
          if good { prose[prose.count - 1] += count }
          continue
        }
        prose.append(0)
        stack.append(.leave(node))
        let context = ExtractionRules.paragraphElements.contains(node.name) ? isGoodParagraph(node) : paragraph
        let nowInLink = inLink || node.name == "a"
        for child in node.children.reversed() {
          stack.append(.enter(child, paragraph: context, inLink: nowInLink))
        }
      case .leave(let node):
        let own = prose.removeLast()
        if countLongLinks { node.measure.listingProse = own } else { node.measure.prose = own }
        prose[prose.count - 1] += own
      }
    }
  }

  /// All text and linked text below each element, bottom-up.
  func measureText(_ root: HTMLNode) {
    enum Step {
      case enter(HTMLNode, inLink: Bool)
      case leave(HTMLNode)
    }
    var stack: [Step] = [.enter(root, inLink: false)]
    var totals: [HTMLNode.Measure] = [HTMLNode.Measure()]
    while let step = stack.popLast() {
      switch step {
      case .enter(let node, let inLink):
        if node.isText {
          let count = node.textLength
          totals[totals.count - 1].text += count
          if inLink { totals[totals.count - 1].linked += count }
          continue
        }
        totals.append(HTMLNode.Measure())
        stack.append(.leave(node))
        let nowInLink = inLink || node.name == "a"
        for child in node.children.reversed() { stack.append(.enter(child, inLink: nowInLink)) }
      case .leave(let node):
        let own = totals.removeLast()
        node.measure = own
        totals[totals.count - 1].text += own.text
        totals[totals.count - 1].linked += own.linked
      }
    }
  }

  private func classBonus(_ node: HTMLNode) -> Double {
    let marks = node.classMarks
    var bonus = 0.0
    if node.name == "article" || node.name == "main" { bonus += ExtractionRules.classWeight }
    if marks.contains(.content) { bonus += ExtractionRules.classWeight }
    if marks.contains(.boilerplate) { bonus -= ExtractionRules.classWeight }
    return bonus
  }

  /// Whether an element is page furniture by its name, role, class or id, or is hidden.
  /// A class word alone does not remove a wrapper that holds much of the page's text
  /// in plain (unlinked) prose: page wrappers often carry words like `has-sidebar`.
  func isBoilerplate(_ node: HTMLNode, insideArticle: Bool, pageTextLength: Int) -> Bool {
    guard looksLikeBoilerplate(node, insideArticle: insideArticle) else { return false }
    // A page wrapper can look like furniture (`<form>` around a whole ASP.NET page, a
    // hidden element a streaming renderer fills, `has-sidebar`): one holding much of the
    // page's text, mostly unlinked, stays.
    guard pageTextLength >= ExtractionRules.minimumWrappedPageText else { return true }
    return Double(unlinkedTextLength(node)) < ExtractionRules.wrapperTextShare * Double(pageTextLength)
  }

  /// Characters of text below a node outside links, whitespace left out.
  func unlinkedTextLength(_ node: HTMLNode) -> Int {
    var total = 0
    var stack: [HTMLNode] = [node]
    while let current = stack.popLast() {
      if current.isText {
        total += current.textLength
      } else if current.name != "a" {
        stack.append(contentsOf: current.children)
      }
    }
    return total
  }

  /// Furniture by element name, role, class or id words, or hidden.
  private func looksLikeBoilerplate(_ node: HTMLNode, insideArticle: Bool) -> Bool {
    if ExtractionRules.droppedElements.contains(node.name) { return true }
    if !insideArticle && ExtractionRules.droppedOutsideArticle.contains(node.name) { return true }
    if let role = node["role"]?.lowercased(), ExtractionRules.droppedRoles.contains(role) { return true }
    // `aria-hidden` is not here: it hides from screen readers only, and pages put whole
    // visible sections under it (the block model reads it as a feature instead).
    if node["hidden"] != nil { return true }
    if let style = node["style"], style.hidesElement { return true }
    guard node.name != "body", node.name != "article", node.name != "main" else { return false }
    let marks = node.classMarks
    return marks.contains(.boilerplate) && !marks.contains(.content)
  }

  /// Removes boilerplate elements in place (iteratively: trees may be very deep).
  func prune(_ root: HTMLNode, insideArticle: Bool, pageTextLength: Int) {
    var stack: [(HTMLNode, Bool)] = [(root, insideArticle)]
    while let (node, inside) = stack.popLast() {
      node.children.removeAll {
        !$0.isText && isBoilerplate($0, insideArticle: inside, pageTextLength: pageTextLength)
      }
      let nowInside = inside || node.name == "article" || node.name == "main"
      for child in node.children where !child.isText { stack.append((child, nowInside)) }
    }
  }
}

extension String {
  /// Whether an inline style hides its element (`display: none`, `visibility: hidden`),
  /// read without case or spaces.
  fileprivate var hidesElement: Bool {
    guard utf8.contains(0x3A) else { return false }
    let squeezed = utf8.compactMap { byte -> UInt8? in
      if byte == 0x20 || (0x09...0x0D).contains(byte) { return nil }
      return byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
    return squeezed.firstIndex(of: String.displayNone, from: 0) != nil
      || squeezed.firstIndex(of: String.visibilityHidden, from: 0) != nil
  }

  private static let displayNone = Array("display:none".utf8)
  private static let visibilityHidden = Array("visibility:hidden".utf8)
}
