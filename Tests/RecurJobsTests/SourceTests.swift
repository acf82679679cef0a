import Foundation
import RecurFetch
import RecurTestSupport
import XCTest

@testable import RecurJobs

/// The loopback server's address, known once it listens.
final class Address: @unchecked Sendable {
  var base = ""
}

/// A job's sources: URL files, folders, feeds, sitemap indexes, include/exclude and the limit.
final class SourceTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-sources-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("pages/deeper"), withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  func write(_ text: String, _ name: String) throws {
    try Data(text.utf8).write(to: folder.appendingPathComponent(name))
  }

  func testEverySourceKindIsReadFilteredDeduplicatedAndLimited() throws {
    let address = Address()
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/sitemap-index.xml":
        return .text(
          """
          <?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <sitemap><loc>\(address.base)/sitemap-1.xml</loc></sitemap>
          </sitemapindex>
          """, type: "application/xml")
      case "/sitemap-1.xml":
        return .text(
          """
          <?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <url><loc>https://films.example/reviews/one</loc></url>
          <url><loc>https://films.example/reviews/two?page=2</loc></url>
          <url><loc>https://films.example/about</loc></url>
          </urlset>
          """, type: "application/xml")
      case "/broken.xml": return .text("this is not a feed", type: "text/plain")
      default: return .text("no", status: 404)
      }
    }
    defer { server.stop() }
    address.base = server.url("")
    try write(
      """
      <?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><link>https://films.example/reviews/three</link></item>
      <item><link>https://films.example/reviews/one</link></item>
      </channel></rss>
      """, "feed.xml")
    try write("# films\nhttps://films.example/reviews/four\n\nhttps://films.example/reviews/one\n", "urls.txt")
    try write("<html></html>", "pages/a.html")
    try write("<html></html>", "pages/deeper/b.htm")
    try write("not a page", "pages/notes.txt")
    let text = """
      version = 1
      [sources]
      urls = ["https://films.example/reviews/zero"]
      url_files = ["urls.txt"]
      folders = ["pages"]
      feeds = ["feed.xml", "\(server.url("/broken.xml"))"]
      sitemaps = ["\(server.url("/sitemap-index.xml"))", "\(server.url("/missing.xml"))"]
      exclude = ["\\\\?page=", "/about$"]
      [fetch]
      obey_robots = false
      per_host_delay = 0
      max_attempts = 1
      """
    let path = folder.appendingPathComponent("job.toml").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let job = try JobFile.load(path: path)
    var settings = job.fetch
    settings.acceptedContentTypes = []  // as the runner fetches feeds and sitemaps
    let fetcher = CurlFetcher(settings: settings)
    let collected = try SourceCollector.collect(job, limit: nil, fetcher: fetcher)
    let pages = URL(fileURLWithPath: folder.appendingPathComponent("pages").path).standardizedFileURL
    XCTAssertEqual(
      collected.urls,
      [
        "https://films.example/reviews/zero", "https://films.example/reviews/four", "https://films.example/reviews/one",
        pages.appendingPathComponent("a.html").absoluteString,
        pages.appendingPathComponent("deeper/b.htm").absoluteString,
        "https://films.example/reviews/three",
      ])
    XCTAssertEqual(collected.problems.map(\.url), [server.url("/missing.xml"), server.url("/broken.xml")])
    XCTAssertTrue(collected.problems[0].reason.contains("404"), collected.problems[0].reason)
    XCTAssertTrue(collected.problems[1].reason.contains("not a feed or sitemap"), collected.problems[1].reason)

    let limited = try SourceCollector.collect(job, limit: 2, fetcher: fetcher)
    XCTAssertEqual(limited.urls.count, 2)
    var included = job
    included.include = ["/reviews/t"]
    XCTAssertEqual(
      try SourceCollector.collect(included, limit: nil, fetcher: fetcher).urls, ["https://films.example/reviews/three"])
  }

  func testAMissingFolderOrURLFileIsAConfigurationError() throws {
    for source in ["folders = [\"nowhere\"]", "url_files = [\"nowhere.txt\"]"] {
      let path = folder.appendingPathComponent("job.toml").path
      try Data("version = 1\n[sources]\n\(source)\n".utf8).write(to: URL(fileURLWithPath: path))
      let job = try JobFile.load(path: path)
      XCTAssertThrowsError(try SourceCollector.collect(job, limit: nil, fetcher: FixtureFetcher(results: [:]))) {
        XCTAssertEqual(($0 as? RecurError)?.status, .usage)
      }
    }
  }
}
