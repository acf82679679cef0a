/// Readers' comments under an article, found in the markup: an element whose class or id
/// words say `comment`, `reply` or `response` (WordPress's `li.comment`, `article.comment`,
/// `div#comment-12`), or whose `itemtype` is schema.org's `Comment`, or — inside a
/// comments section (class or id words `comments`, `commentlist`, `discussion`,
/// `responses`, `replies`) — a block that names a writer. Each holds a writer's name (an
/// element whose class words say author, user, `fn` …); replies nested inside a comment
/// are comments of their own. Navigation, headers, footers and hidden elements are never
/// searched.
struct PageComments {
  let root: HTMLNode

  /// A comment and the element it was read from.
  struct Found {
    var comment: Comment
    var node: HTMLNode
    /// Whether no other found comment holds this one (the elements to take out of the page).
    var outermost: Bool
    /// The nearest comments section around it, when there is one.
    var section: HTMLNode?
  }

  func find() -> [Found] {
    var found: [Found] = []
    // (node, the comments section it is in, the writer's element of the comment it is in)
    var stack: [(HTMLNode, HTMLNode?, HTMLNode?)] = [(root, nil, nil)]
    while let (node, section, enclosingWriter) = stack.popLast() {
      guard !node.isText, !isFurniture(node) else { continue }
      if node !== root,
        let writer = commentWriter(node, inSection: section != nil, enclosingWriter: enclosingWriter),
        let comment = read(node, writer: writer, position: found.count + 1)
      {
        found.append(Found(comment: comment, node: node, outermost: enclosingWriter == nil, section: section))
        // Replies live inside: search on, below the comment's own text.
        for child in node.children.reversed() { stack.append((child, section ?? node, writer.node)) }
        continue
      }
      let nowSection = node.classWords.isDisjoint(with: Self.sectionWords) ? section : node
      for child in node.children.reversed() { stack.append((child, nowSection, enclosingWriter)) }
    }
    // The walk is depth-first in document order (a comment's replies are searched before
    // its later siblings), so `found` and its positions are already in page order.
    return found
  }

  /// Class or id words of one comment.
  static let commentWords: Set<String> = ["comment", "reply", "response"]
  /// Class or id words of a section that holds comments.
  static let sectionWords: Set<String> = ["comments", "commentlist", "discussion", "responses", "replies"]
  /// A comment's text needs this many characters.
  static let minimumCharacters = 20
  /// Short lines inside a comment that are its controls, not its text.
  static let controls: Set<String> = [
    "reply", "report", "like", "share", "edit", "delete", "permalink", "flag", "quote", "says:", "said:", "wrote:",
  ]

  /// The writer of the comment `node` is, or nil when it is not one. Parts of a comment
  /// (`comment-content`, `comment-meta`) are not one: a comment names its own writer, not
  /// the writer of the comment it sits in.
  func commentWriter(_ node: HTMLNode, inSection: Bool, enclosingWriter: HTMLNode?) -> (node: HTMLNode, name: String)? {
    let typed = node["itemtype"].map { $0.hasSuffix("/Comment") } == true
    let named = !node.classWords.isDisjoint(with: Self.commentWords)
    guard typed || named || (inSection && ["li", "article", "div", "section"].contains(node.name)) else { return nil }
    guard let writer = writer(in: node), writer.node !== enclosingWriter else { return nil }
    // The writer of a reply inside this element is not this element's writer.
    if let enclosingWriter, contains(node, enclosingWriter) { return nil }
    return writer
  }

  func contains(_ node: HTMLNode, _ target: HTMLNode) -> Bool {
    var stack = [node]
    while let current = stack.popLast() {
      if current === target { return true }
      stack.append(contentsOf: current.children)
    }
    return false
  }

  func isFurniture(_ node: HTMLNode) -> Bool {
    ExtractionRules.droppedElements.contains(node.name) || node.name == "nav"
      || node["role"].map(ExtractionRules.droppedRoles.contains) == true || node["hidden"] != nil
  }

  /// The first element below that names a writer, and the name.
  func writer(in node: HTMLNode) -> (node: HTMLNode, name: String)? {
    var stack = Array(node.children.reversed())
    while let current = stack.popLast() {
      if current.isText { continue }
      if Self.namesWriter(current),
        let text = current.shortTextContent(limit: ExtractionRules.maximumReviewAuthorCharacters * 2)
      {
        let name = Self.name(text)
        if !name.isEmpty, name.count <= ExtractionRules.maximumReviewAuthorCharacters { return (current, name) }
      }
      stack.append(contentsOf: current.children.reversed())
    }
    return nil
  }

  static func namesWriter(_ node: HTMLNode) -> Bool {
    node.classMarks.contains(.reviewAuthor) || node.classWords.contains("fn") || node["itemprop"] == "author"
      || node["rel"] == "author"
  }

  /// `Catherine says:` → `Catherine`.
  static func name(_ text: String) -> String {
    var name = RepeatedBlockReviews.withoutBylinePrefix(text.collapsingWhitespace())
    for suffix in [" says:", " said:", " wrote:", " says", ":"] where name.lowercased().hasSuffix(suffix) {
      name = String(name.dropLast(suffix.count))
    }
    return name.trimmingCharacters(in: .whitespaces)
  }

  /// One comment's writer, date and own text (without its replies, its writer's line,
  /// its date and its controls), or nil when it has too little text.
  func read(_ node: HTMLNode, writer: (node: HTMLNode, name: String), position: Int) -> Comment? {
    let (writerNode, author) = writer
    var date: String?
    var parts: [String] = []
    var walk = SpacedTextWalk(below: node)
    while let current = walk.nextElement(text: { parts.append($0) }) {
      if current === writerNode || isFurniture(current) || HTMLParser.skipped.contains(current.name) { continue }
      // A reply is a comment of its own.
      if commentWriter(current, inSection: true, enclosingWriter: writerNode) != nil { continue }
      if current.name == "time" || current.classMarks.contains(.reviewDate) {
        if let text = current.shortTextContent(limit: 60) {
          if date == nil { date = current["datetime"].flatMap(WrittenDate.iso) ?? WrittenDate.iso(text) }
          continue
        }
      }
      if current.name == "a" || current.name == "button" || current.name == "span",
        let text = current.shortTextContent(limit: 20), Self.controls.contains(text.lowercased())
      {
        continue
      }
      if walk.enter(current, closing: current.isBlock ? "\n" : nil) { parts.append("\n") }
    }
    let paragraphs = parts.joined().split(separator: "\n").map { $0.collapsingWhitespace() }.filter {
      !$0.isEmpty && !Self.controls.contains($0.lowercased())
    }
    let text = paragraphs.joined(separator: "\n")
    guard text.count >= Self.minimumCharacters else { return nil }
    return Comment(author: author, date: date, text: text, position: position)
  }
}

/// Dates as pages write them: `2018-09-13T17:23:00+00:00`, `September 13, 2018 at 5:23 pm`,
/// `13 September 2018`, `Sep 13, 2018` → `2018-09-13`.
public enum WrittenDate {
  /// Month names and their first three letters (and `sept`), lower-case, to the month's number.
  public static let months: [String: Int] = {
    let names = [
      "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
      "december",
    ]
    var table: [String: Int] = [:]
    for (index, name) in names.enumerated() {
      table[name] = index + 1
      table[String(name.prefix(3))] = index + 1
    }
    table["sept"] = 9
    return table
  }()

  static func iso(_ text: String) -> String? {
    if let date = MetadataReader.isoDate(text) { return date }
    let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    for (index, word) in words.enumerated() {
      guard let month = months[word] else { continue }
      // Month day, year
      if index + 2 < words.count, let day = Int(words[index + 1]), let year = Int(words[index + 2]),
        words[index + 2].count == 4
      {
        return MetadataReader.isoDate(String(format: "%04d-%02d-%02d", year, month, day))
      }
      // day Month year
      if index >= 1, index + 1 < words.count, let day = Int(words[index - 1]), let year = Int(words[index + 1]),
        words[index + 1].count == 4
      {
        return MetadataReader.isoDate(String(format: "%04d-%02d-%02d", year, month, day))
      }
    }
    return nil
  }
}
