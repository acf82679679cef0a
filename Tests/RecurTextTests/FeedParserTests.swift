import RecurText
import XCTest

final class FeedParserTests: XCTestCase {
  func parse(_ text: String) throws -> FeedListing { try FeedParser.parse(Array(text.utf8)) }

  func testRSS() throws {
    let listing = try parse(
      """
      <?xml version="1.0"?><rss version="2.0"><channel><title>Reel Notes</title>
      <item><title>Harbour Lights</title><link>https://reelnotes.example/a</link><pubDate>Sat, 14 Mar 2026 08:00:00 GMT</pubDate></item>
      <item><title>No link</title></item>
      <item><guid>https://reelnotes.example/b</guid></item>
      </channel></rss>
      """)
    XCTAssertEqual(listing.kind, .rss)
    XCTAssertEqual(
      listing.entries,
      [
        FeedEntry(url: "https://reelnotes.example/a", date: "2026-03-14", title: "Harbour Lights"),
        FeedEntry(url: "https://reelnotes.example/b"),
      ])
  }

  func testAtom() throws {
    let listing = try parse(
      """
      <feed xmlns="http://www.w3.org/2005/Atom"><entry><title>One</title>
      <link rel="self" href="https://x.example/self"/><link href="https://x.example/one"/>
      <updated>2026-02-30T00:00:00Z</updated><published>2026-02-01T10:00:00Z</published></entry></feed>
      """)
    XCTAssertEqual(listing.kind, .atom)
    XCTAssertEqual(listing.entries, [FeedEntry(url: "https://x.example/one", date: "2026-02-01", title: "One")])
  }

  func testSitemapAndIndex() throws {
    let sitemap = try parse(
      """
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/a</loc><lastmod>2026-11-01</lastmod></url>
      <url><loc> https://x.example/b </loc><lastmod>2026-13-45</lastmod></url></urlset>
      """)
    XCTAssertEqual(sitemap.kind, .sitemap)
    XCTAssertEqual(
      sitemap.entries,
      [FeedEntry(url: "https://x.example/a", date: "2026-11-01"), FeedEntry(url: "https://x.example/b")])
    let index = try parse(
      "<sitemapindex><sitemap><loc>https://x.example/sitemap-1.xml</loc></sitemap></sitemapindex>")
    XCTAssertEqual(index.kind, .sitemapIndex)
    XCTAssertEqual(index.entries.map(\.url), ["https://x.example/sitemap-1.xml"])
  }

  func testRefusals() {
    XCTAssertThrowsError(try parse(""))
    XCTAssertThrowsError(try parse("<html><body>not a feed</body></html>"))
    XCTAssertThrowsError(try FeedParser.parse([0x00, 0xFF, 0x13, 0x37]))
    // An external entity is never fetched or expanded.
    let listing = try? parse(
      """
      <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
      <rss><channel><item><link>https://x.example/&x;</link></item></channel></rss>
      """)
    XCTAssertFalse(listing?.entries.first?.url.contains("root:") ?? false)
  }
}
