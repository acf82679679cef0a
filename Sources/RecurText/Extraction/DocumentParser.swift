/// The parse stage: bytes of a fetched page → `Document`.
public struct DocumentParser: Sendable {
  /// Changes whenever what the parser makes of a page changes (stores keep it with each
  /// text, and a run parses again text an older parser made). 3: readers' comments are
  /// taken out of the text; UTF-8 bytes win over a label naming another charset. 4: the things
  /// the page's markup names (`subjects`) are read. 5: text encoded twice over, and
  /// windows-1252's characters read as control characters, are read as meant
  /// (`DecodedText.repairingDoubleEncoding`). 6: the texts of elements side by side that
  /// run together are two words (`HTMLNode.runTogether`). 7: a site's one-word name is
  /// one of its pages' subjects. 8: and so are the texts of review items and readers'
  /// comments. 9: the sites the page links to are read (`linkedSites`), and repeated
  /// blocks that are a listing (priced, or mostly links) are no review items.
  public static let version = "9"

  /// The model that picks the main text's blocks; without one, the rules' container.
  public var blockModel: BlockModel?

  public init(blockModel: BlockModel? = nil) { self.blockModel = blockModel }

  /// A page's text blocks described for the block model (for training it).
  public func blocks(_ bytes: [UInt8], url: String, httpCharset: String? = nil) -> [TextBlock] {
    let decoded = DecodedText(bytes: bytes, httpCharset: httpCharset)
    let parsed = HTMLParser.parse(decoded.text, url: url)
    let kind = MetadataReader(root: parsed.root, jsonLDBlocks: parsed.jsonLD).kind
    _ = takeOutComments(parsed.root, kind: kind, url: url)
    return MainContentExtractor().blocks(parsed.root, withFeatures: true)?.blocks ?? []
  }

  /// Finds readers' comments and takes them out of the page before its main text is
  /// chosen, unless they are the page's text: a forum thread (marked up as one, or at a
  /// thread address of common forum software), or a page whose comments hold more than
  /// twice the text beside them (then none are returned).
  func takeOutComments(_ root: HTMLNode, kind: Document.Kind, url: String) -> [Comment] {
    guard kind != .forum, !Self.isThreadAddress(url) else { return [] }
    let comments = PageComments(root: root).find()
    guard !comments.isEmpty else { return [] }
    let outermost = comments.filter(\.outermost).map(\.node)
    let outermostFound = comments.filter(\.outermost)
    let commentCharacters = outermost.reduce(0) { $0 + $1.textContent.count }
    let beside = (root.first("body")?.textContent.count ?? 0) - commentCharacters
    guard beside >= ExtractionRules.minimumTextBesideComments,
      commentCharacters <= ExtractionRules.maximumCommentShare * beside
    else { return [] }
    // A comments section goes with its comments when little else is in it (its heading,
    // the reply form).
    var taken = Set(outermost.map(ObjectIdentifier.init))
    for found in outermostFound {
      guard let section = found.section, !taken.contains(ObjectIdentifier(section)) else { continue }
      let inside = outermostFound.filter { $0.section === section }.map(\.node)
      let rest = section.textContent.count - inside.reduce(0) { $0 + $1.textContent.count }
      if rest < ExtractionRules.maximumCommentSectionExtra { taken.insert(ObjectIdentifier(section)) }
    }
    var stack = [root]
    while let node = stack.popLast() {
      node.children.removeAll { taken.contains(ObjectIdentifier($0)) }
      stack.append(contentsOf: node.children.filter { !$0.isText })
    }
    return comments.map(\.comment)
  }

  /// Whether an address is a thread of common forum software: a path segment `t`,
  /// `threads`, `thread`, `topic`, `questions`, `forum`, `forums`, `discussions`,
  /// `showthread.php` or `viewtopic.php` (Discourse, XenForo, vBulletin, phpBB, NodeBB,
  /// Stack Exchange), reddit's `comments`, or a host starting `forum.`, `forums.`,
  /// `community.`, `boards.` or `discuss.`.
  static func isThreadAddress(_ url: String) -> Bool {
    let parts = (url.lowercased().split(separator: "?", maxSplits: 1).first ?? "").split(separator: "/")
    guard parts.count >= 2, parts[0].hasSuffix(":") else { return false }
    let host = parts[1]
    if ["forum.", "forums.", "community.", "boards.", "discuss."].contains(where: host.hasPrefix) { return true }
    return parts.dropFirst(2).dropLast().contains { ExtractionRules.threadPathSegments.contains(String($0)) }
      || parts.dropFirst(2).contains { $0 == "showthread.php" || $0 == "viewtopic.php" }
  }

  public func parse(_ bytes: [UInt8], url: String, httpCharset: String? = nil) -> Document {
    let decoded = DecodedText(bytes: bytes, httpCharset: httpCharset)
    var document = Document(
      url: url, canonicalURL: nil, title: nil, authors: [], published: nil, language: nil, siteName: nil,
      description: nil, kind: .other, paragraphs: [], reviews: [], encoding: decoded.encoding,
      encodingSource: decoded.source, method: "empty", reason: nil)
    if bytes.isEmpty {
      document.reason = "empty page"
      return document
    }
    let sample = bytes.prefix(4096)
    let controls = sample.filter { $0 < 0x09 || ($0 > 0x0D && $0 < 0x20) }.count
    if controls * 10 > sample.count {
      document.reason = "not text: the page is binary data"
      return document
    }
    let parsed = HTMLParser.parse(decoded.text, url: url)
    let metadata = MetadataReader(root: parsed.root, jsonLDBlocks: parsed.jsonLD)
    document.canonicalURL = metadata.canonicalURL
    document.title = metadata.title
    document.authors = metadata.authors
    document.published = metadata.published
    document.language = metadata.language
    document.siteName = metadata.siteName
    document.description = metadata.description
    document.kind = metadata.kind
    document.comments = takeOutComments(parsed.root, kind: document.kind, url: url)
    document.reviews = metadata.reviews
    document.subjects = metadata.subjects(authors: document.authors)
    document.linkedSites = metadata.linkedSites(pageURL: url)
    if document.reviews.isEmpty { document.reviews = RepeatedBlockReviews(root: parsed.root).reviews() }
    // Outside articles (whose comments are not their text), a page's reviews and posts are
    // its content: a block that is (part of) a review item's text, or the short line
    // naming its writer, stays even when the block model would drop it. So does the
    // byline of the page's own author: readers see who wrote what they read.
    let items = document.kind != .article ? document.reviews : []
    let bodies = items.map(\.body).filter { !$0.isEmpty }
    let writers = (items.compactMap(\.author) + document.authors).filter { !$0.isEmpty }
    let extracted = MainContentExtractor().extract(parsed.root, model: blockModel) { text in
      if text.count >= ExtractionRules.minimumReviewBlockCharacters, bodies.contains(where: { $0.containsBytes(text) })
      {
        return true
      }
      return text.count <= ExtractionRules.maximumReviewAuthorCharacters && writers.contains { text.containsBytes($0) }
    }
    document.paragraphs = extracted.paragraphs
    document.method = extracted.method
    if document.language == nil { document.language = LanguageGuesser.guess(document.text) }
    if bytes.count > HTMLParser.maxBytes {
      document.reason = "page larger than \(HTMLParser.maxBytes) bytes; only the start was read"
    } else if document.paragraphs.isEmpty {
      document.reason = parsed.root.first("body") == nil ? "no body in the page" : "no main text found"
    }
    return document
  }
}
