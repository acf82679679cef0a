/// Decides a response's media type: the Content-Type header when there is one,
/// else a sniff of the first bytes (and, last, the file name).
enum ContentTypePolicy {
  /// Splits `text/html; charset="UTF-8"` into `text/html` and `UTF-8`.
  static func parseHeader(_ value: String) -> (mime: String, charset: String?) {
    let parts = value.split(separator: ";", omittingEmptySubsequences: false)
    let mime = (parts.first.map { String($0) } ?? "").trimmed().lowercased()
    var charset: String?
    for parameter in parts.dropFirst() {
      let pair = parameter.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, pair[0].trimmed().lowercased() == "charset" else { continue }
      var text = pair[1].trimmed()
      if text.hasPrefix("\"") { text.removeFirst() }
      if text.hasSuffix("\"") { text.removeLast() }
      if !text.isEmpty { charset = text }
    }
    return (mime, charset)
  }

  /// The media type and charset of a response.
  static func resolve(header: String?, url: String, prefix: some Collection<UInt8>) -> (
    mime: String?, charset: String?
  ) {
    if let header, !header.trimmed().isEmpty {
      let parsed = parseHeader(header)
      if !parsed.mime.isEmpty { return (parsed.mime, parsed.charset) }
    }
    return (sniff(prefix, url: url), nil)
  }

  /// Media type from the first bytes of a body; nil when nothing is recognised.
  static func sniff(_ bytes: some Collection<UInt8>, url: String) -> String? {
    var head = Array(bytes.prefix(1024))
    for bom in [[0xEF, 0xBB, 0xBF], [0xFE, 0xFF], [0xFF, 0xFE]] as [[UInt8]] where head.starts(with: bom) {
      head.removeFirst(bom.count)
    }
    if head.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
    if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
    if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
    if head.starts(with: Array("GIF8".utf8)) { return "image/gif" }
    if head.starts(with: [0x1F, 0x8B]) { return "application/gzip" }

    // UTF-16 bodies carry NULs between ASCII letters; drop them for the tag test.
    let text = String(decoding: head.filter { $0 != 0 }, as: UTF8.self).lowercased()
      .drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{FEFF}" }
    if text.hasPrefix("<?xml") {
      if text.contains("<html") { return "application/xhtml+xml" }
      if text.contains("<rss") { return "application/rss+xml" }
      if text.contains("<feed") { return "application/atom+xml" }
      return "application/xml"
    }
    let htmlStarts = [
      "<!doctype html", "<html", "<head", "<body", "<title", "<meta", "<div", "<p>", "<p ", "<h1",
      "<script", "<style", "<table", "<article", "<section", "<br", "<a ", "<!--",
    ]
    if htmlStarts.contains(where: { text.hasPrefix($0) }) {
      // A comment alone proves nothing; a comment followed by markup does.
      if text.hasPrefix("<!--") && !text.contains("<html") && !text.contains("<body")
        && !text.contains("<head") && !text.contains("<!doctype html")
      {
        return nil
      }
      return "text/html"
    }
    if text.hasPrefix("<rss") { return "application/rss+xml" }
    if text.hasPrefix("<feed") { return "application/atom+xml" }
    if text.hasPrefix("<urlset") || text.hasPrefix("<sitemapindex") { return "application/xml" }

    let path = url.lowercased().split(separator: "?").first.map(String.init) ?? ""
    if path.hasSuffix(".html") || path.hasSuffix(".htm") { return "text/html" }
    if path.hasSuffix(".xhtml") { return "application/xhtml+xml" }
    if path.hasSuffix(".xml") { return "application/xml" }
    if path.hasSuffix(".txt") { return "text/plain" }
    return nil
  }
}

extension StringProtocol {
  func trimmed() -> String {
    var scalars = Substring(self)
    while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
    while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
    return String(scalars)
  }
}
