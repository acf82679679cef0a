/// The parse stage: bytes of a fetched page → `Document`.
public struct DocumentParser: Sendable {
  /// The model that picks the main text's blocks; without one, the rules' container.
  public var blockModel: BlockModel?

  public init(blockModel: BlockModel? = nil) { self.blockModel = blockModel }

  /// A page's text blocks described for the block model (for training it).
  public func blocks(_ bytes: [UInt8], url: String, httpCharset: String? = nil) -> [TextBlock] {
    let decoded = DecodedText(bytes: bytes, httpCharset: httpCharset)
    let parsed = HTMLParser.parse(decoded.text, url: url)
    return MainContentExtractor().blocks(parsed.root, withFeatures: true)?.blocks ?? []
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
    document.reviews = metadata.reviews
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
