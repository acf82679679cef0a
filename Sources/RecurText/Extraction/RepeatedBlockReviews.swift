/// Reviews, comments and forum posts written as repeated blocks with no structured data:
/// sibling elements of one kind (same element, same class words) whose class words say
/// review, comment or post, or that each name a writer or carry a rating. The largest such
/// set on the page becomes its review items, each with its writer, rating and date where
/// the block shows them. Navigation, headers, footers and code are never searched, and
/// headings and listings (`isListing`) are no review items.
struct RepeatedBlockReviews {
  let root: HTMLNode

  func reviews() -> [ReviewItem] {
    var best: [ReviewItem] = []
    var stack = [root]
    while let node = stack.popLast() {
      guard !node.isText, !isFurniture(node) else { continue }
      var candidates = 0
      for child in node.children.reversed() where !child.isText {
        stack.append(child)
        if !child.classWords.isEmpty || child.name == "article" || child.name == "li" { candidates += 1 }
      }
      // Fewer candidates than the best group so far cannot make a larger one.
      guard candidates >= 2, candidates >= best.count else { continue }
      var groups: [GroupKey: [HTMLNode]] = [:]
      var order: [GroupKey] = []
      for child in node.children
      where !child.isText && (!child.classWords.isEmpty || child.name == "article" || child.name == "li") {
        let key = GroupKey(name: child.name, classAndID: child.classAndID)
        if groups[key] == nil { order.append(key) }
        groups[key, default: []].append(child)
      }
      // Headings are no reviews, whatever their class says (`header-anchor-post`, a blog's
      // section headings).
      for key in order where !ExtractionRules.headingElements.contains(key.name) {
        // A group smaller than the best so far cannot replace it.
        guard let members = groups[key], members.count >= 2, members.count >= best.count else { continue }
        let named = members[0].classMarks.contains(.reviewBlock)
        // A group neither named for reviews nor marking any writer or rating is not one:
        // it is skipped before its text is read.
        guard named || members.contains(where: hasMarker) else { continue }
        let found = members.compactMap { member in item(member).map { (block: member, item: $0) } }
        let items = found.map(\.item)
        let marked = items.filter { $0.author != nil || $0.rating != nil }.count
        guard items.count >= 2, named || marked * 2 > items.count, !isListing(found) else { continue }
        if items.count > best.count
          || (items.count == best.count && items.map(\.body.count).reduce(0, +) > best.map(\.body.count).reduce(0, +))
        {
          best = items
        }
      }
    }
    return best
  }

  /// Siblings of one kind: the same element with the same class and id.
  struct GroupKey: Hashable {
    var name: String
    var classAndID: String
  }

  /// Whether blocks read as review items are a listing instead: most of them show a price
  /// (a shop's product cards, rated and priced), or most of their text is links or most of
  /// their headings are (cards leading to other pages: related articles, a list's entries,
  /// products). On 90 of the 182 WCXB pages where review items were found as repeated
  /// blocks, they were such a listing: REI's and IKEA's product grids, a news site's
  /// teasers, a blog's list of its other posts.
  func isListing(_ found: [(block: HTMLNode, item: ReviewItem)]) -> Bool {
    let priced = found.filter { Self.showsPrice($0.item.body) || Self.showsPrice($0.item.title ?? "") }.count
    guard priced * 2 <= found.count else { return true }
    var characters = 0
    var linked = 0
    var linkedHeadings = 0
    for (block, _) in found {
      let links = Self.links(block)
      characters += links.characters
      linked += links.linked
      if links.headingLinked { linkedHeadings += 1 }
    }
    return linked * 2 > characters || linkedHeadings * 2 > found.count
  }

  /// A block's characters outside whitespace (`HTMLNode.textLength`), how many of them are
  /// a link's text, and whether a heading in it is (or holds) a link. One walk; each
  /// element is passed whether it is inside a link and inside a heading.
  static func links(_ block: HTMLNode) -> (characters: Int, linked: Int, headingLinked: Bool) {
    var characters = 0
    var linked = 0
    var headingLinked = false
    var stack: [(node: HTMLNode, inLink: Bool, inHeading: Bool)] = [(block, false, false)]
    while let (node, inLink, inHeading) = stack.popLast() {
      if node.isText {
        characters += node.textLength
        if inLink { linked += node.textLength }
        continue
      }
      let link = inLink || node.name == "a"
      let heading = inHeading || ExtractionRules.headingElements.contains(node.name)
      if link && heading { headingLinked = true }
      stack.append(contentsOf: node.children.map { ($0, link, heading) })
    }
    return (characters, linked, headingLinked)
  }

  /// Whether a text shows a price: a currency sign before a number (`$36`, `£ 259`) or a
  /// currency code after one (`39.90 USD`).
  static func showsPrice(_ text: String) -> Bool {
    let scalars = Array(text.unicodeScalars)
    for (index, scalar) in scalars.enumerated() {
      if "$£€¥₹".unicodeScalars.contains(scalar) {
        var next = index + 1
        if next < scalars.count, scalars[next] == " " { next += 1 }
        if next < scalars.count, ("0"..."9").contains(scalars[next]) { return true }
      } else if ("0"..."9").contains(scalar) {
        var next = index + 1
        if next < scalars.count, scalars[next] == " " { next += 1 }
        guard next + 3 <= scalars.count else { continue }
        let code = String(String.UnicodeScalarView(scalars[next..<(next + 3)]))
        let after = next + 3 < scalars.count ? scalars[next + 3] : " "
        if ["USD", "EUR", "GBP"].contains(code), !after.properties.isAlphabetic { return true }
      }
    }
    return false
  }

  /// Whether a block holds an element that names a writer or carries a rating.
  func hasMarker(_ block: HTMLNode) -> Bool {
    var stack = [block]
    while let node = stack.popLast() {
      if node.isText { continue }
      if node["data-rating"] != nil || node["data-score"] != nil { return true }
      if !node.classMarks.isDisjoint(with: [.reviewAuthor, .reviewRating]) {
        return true
      }
      stack.append(contentsOf: node.children)
    }
    return false
  }

  /// Navigation, headers, footers, and code (a highlighter's `<span class="comment">` is no
  /// reader's comment).
  func isFurniture(_ node: HTMLNode) -> Bool {
    node.name == "pre" || node.name == "code" || ExtractionRules.droppedElements.contains(node.name)
      || ExtractionRules.droppedOutsideArticle.contains(node.name)
      || node["role"].map(ExtractionRules.droppedRoles.contains) == true
  }

  /// One block as a review item, or nil when it has too little text of its own.
  func item(_ block: HTMLNode) -> ReviewItem? {
    var author: String?
    var rating: (value: Double, best: Double?)?
    var date: String?
    var title: String?
    var body: [String] = []
    // The block itself may carry the rating (`<div class="review" data-rating="4">`).
    if let own = block["data-rating"] ?? block["data-score"] { rating = Self.parse(own) }
    var walk = SpacedTextWalk(below: block)
    while let node = walk.nextElement(text: { body.append($0) }) {
      if author == nil, node.classMarks.contains(.reviewAuthor) {
        let name = Self.withoutBylinePrefix(node.textContent)
        if !name.isEmpty, name.count <= ExtractionRules.maximumReviewAuthorCharacters {
          author = name
          continue
        }
      }
      if rating == nil, node.classMarks.contains(.reviewRating),
        let found = Self.rating(node)
      {
        rating = found
        continue
      }
      if date == nil, node.name == "time" || node.classMarks.contains(.reviewDate) {
        let text = node.textContent
        if text.count <= 40 {
          date = node["datetime"] ?? text
          continue
        }
      }
      if title == nil, ExtractionRules.headingElements.contains(node.name) {
        title = node.textContent
        continue
      }
      if walk.enter(node) { body.append(" ") }
    }
    let text = body.joined().collapsingWhitespace()
    guard text.count >= ExtractionRules.minimumReviewBlockCharacters else { return nil }
    return ReviewItem(
      author: author, rating: rating?.value, bestRating: rating?.best, worstRating: nil, date: date, title: title,
      body: text, source: "repeated-blocks")
  }

  /// `Posted by Ada Lane` → `Ada Lane`.
  static func withoutBylinePrefix(_ text: String) -> String {
    for prefix in ["posted by ", "written by ", "reviewed by ", "review by ", "by "]
    where text.lowercased().hasPrefix(prefix) {
      return String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }
    return text
  }

  /// A rating from `data-rating`, `aria-label`, `title`, `content` or the text: `4.5`,
  /// `4 out of 5`, `4/5`, or stars (`★★★★☆`). The scale is nil when the block does not say.
  static func rating(_ node: HTMLNode) -> (value: Double, best: Double?)? {
    for source in [node["data-rating"], node["data-score"], node["aria-label"], node["title"], node["content"]] {
      if let source, let found = parse(source) { return found }
    }
    let text = node.textContent
    let filled = text.filter { $0 == "★" }.count
    let empty = text.filter { $0 == "☆" }.count
    if filled + empty > 0 { return (Double(filled), Double(filled + empty)) }
    return parse(text)
  }

  static func parse(_ text: String) -> (value: Double, best: Double?)? {
    let numbers = text.split { !($0.isNumber || $0 == ".") }.compactMap { Double($0) }.filter(\.isFinite)
    guard let value = numbers.first, value >= 0 else { return nil }
    if numbers.count >= 2, numbers[1] >= value, numbers[1] > 0, numbers[1] <= 100 { return (value, numbers[1]) }
    return value <= 10 ? (value, nil) : nil
  }
}
