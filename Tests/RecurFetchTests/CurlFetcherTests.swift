import Foundation
import RecurFetch
import RecurTestSupport
import XCTest

/// The libcurl engine against a real HTTP server on 127.0.0.1.
final class CurlFetcherTests: XCTestCase {
  /// Fast settings for tests: no politeness delay, short retry waits. Robots stay on:
  /// every test server answers /robots.txt (404 unless the test says otherwise).
  func quickSettings() -> FetchSettings {
    var settings = FetchSettings()
    settings.perHostDelay = 0
    settings.retryBaseDelay = 0.05
    settings.maxRetryAfter = 5
    settings.timeout = 20
    return settings
  }

  func fixture(_ name: String) throws -> [UInt8] {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
    return Array(try Data(contentsOf: url))
  }

  func fetchOne(_ url: String, settings: FetchSettings? = nil, validators: Validators = Validators()) -> FetchResult {
    let fetcher = CurlFetcher(settings: settings ?? quickSettings())
    return fetcher.fetchAll([FetchRequest(url: url, validators: validators)])[0]
  }

  func testGzipBodyIsDecoded() throws {
    let compressed = try fixture("gzip-article.html.gz")
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      return LoopbackHTTPServer.Reply(
        headers: [("Content-Type", "text/html; charset=UTF-8"), ("Content-Encoding", "gzip")], body: compressed)
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/article"))
    XCTAssertEqual(result.outcome, .ok, result.reason ?? "")
    XCTAssertEqual(result.status, 200)
    XCTAssertEqual(result.contentType, "text/html")
    XCTAssertEqual(result.charset, "UTF-8")
    let text = String(decoding: result.body, as: UTF8.self)
    XCTAssertTrue(text.contains("the fetcher must hand over the decoded HTML"), text)
    XCTAssertNotNil(server.requests(to: "/article").first?.headers["accept-encoding"])
  }

  func testRedirectChainIsFollowed() throws {
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/robots.txt": return .text("", status: 404)
      case "/a": return .redirect(to: "/b", status: 301)
      case "/b": return .redirect(to: "/c", status: 302)
      case "/c": return .redirect(to: "/final", status: 307)
      default: return .html("<html><body>final page</body></html>")
      }
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/a"))
    XCTAssertEqual(result.outcome, .ok, result.reason ?? "")
    XCTAssertEqual(result.finalURL, server.url("/final"))
    XCTAssertEqual(result.redirects, [server.url("/a"), server.url("/b"), server.url("/c")])
  }

  func testRedirectLoopFails() throws {
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/robots.txt": return .text("", status: 404)
      case "/ping": return .redirect(to: "/pong")
      default: return .redirect(to: "/ping")
      }
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/ping"))
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertTrue(result.reason?.hasPrefix("redirect loop:") == true, result.reason ?? "")
    XCTAssertEqual(server.requests(to: "/ping").count, 1)
  }

  func testTooManyRedirectsFail() throws {
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      let hop = Int(request.path.dropFirst("/hop".count)) ?? 0
      return .redirect(to: "/hop\(hop + 1)")
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/hop0"))
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertTrue(result.reason?.hasPrefix("too many redirects (more than 5)") == true, result.reason ?? "")
    XCTAssertEqual(server.requests.filter { $0.path.hasPrefix("/hop") }.count, 6)
  }

  func testRedirectToFileSchemeIsRefused() throws {
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      return .redirect(to: "file:///etc/passwd")
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/sneaky"))
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(
      result.reason, "redirect to file:///etc/passwd refused: only http and https redirects are followed")
    XCTAssertTrue(result.body.isEmpty)
    XCTAssertEqual(server.requests(to: "/sneaky").count, 1, "a refused redirect is not retried")
  }

  func testNotFoundFailsWithoutRetry() throws {
    let server = try LoopbackHTTPServer { request in
      request.path == "/robots.txt" ? .text("", status: 404) : .html("<html>gone</html>", status: 404)
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/missing"))
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(result.status, 404)
    XCTAssertEqual(result.reason, "HTTP 404 Not Found")
    XCTAssertEqual(result.attempts, 1)
    XCTAssertEqual(server.requests(to: "/missing").count, 1)
  }

  func testServerErrorIsRetriedThenSucceeds() throws {
    let counter = Counter()
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      return counter.next() == 1 ? .html("<html>oops</html>", status: 500) : .html("<html><body>fine</body></html>")
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/flaky"))
    XCTAssertEqual(result.outcome, .ok, result.reason ?? "")
    XCTAssertEqual(result.attempts, 2)
    XCTAssertEqual(server.requests(to: "/flaky").count, 2)
  }

  func testPersistentServerErrorFailsAfterMaxAttempts() throws {
    let server = try LoopbackHTTPServer { request in
      request.path == "/robots.txt" ? .text("", status: 404) : .html("<html>down</html>", status: 503)
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/down"))
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(result.reason, "HTTP 503 Service Unavailable (after 3 attempts)")
    XCTAssertEqual(result.attempts, 3)
    XCTAssertEqual(server.requests(to: "/down").count, 3)
  }

  func testTooManyRequestsHonoursRetryAfter() throws {
    let counter = Counter()
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      if counter.next() == 1 {
        return LoopbackHTTPServer.Reply(status: 429, headers: [("Retry-After", "1")], body: [])
      }
      return .html("<html><body>ok now</body></html>")
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/busy"))
    XCTAssertEqual(result.outcome, .ok, result.reason ?? "")
    XCTAssertEqual(result.attempts, 2)
    let arrivals = server.requests(to: "/busy").map(\.receivedAt)
    XCTAssertEqual(arrivals.count, 2)
    // The base backoff here is 0.05 s; only Retry-After explains a wait of a second.
    XCTAssertGreaterThanOrEqual(arrivals[1].timeIntervalSince(arrivals[0]), 0.9)
  }

  func testStalledResponseTimesOut() throws {
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      var reply = LoopbackHTTPServer.Reply.html(String(repeating: "x", count: 5000))
      reply.stallAfterBytes = 100
      reply.stallSeconds = 10
      return reply
    }
    defer { server.stop() }
    var settings = quickSettings()
    settings.lowSpeedTimeout = 1
    settings.maxAttempts = 2
    let result = fetchOne(server.url("/stall"), settings: settings)
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertTrue(result.reason?.hasPrefix("timed out:") == true, result.reason ?? "")
    XCTAssertTrue(result.reason?.hasSuffix("(after 2 attempts)") == true, result.reason ?? "")
    XCTAssertEqual(server.requests(to: "/stall").count, 2)
  }

  func testOversizeBodyIsStopped() throws {
    let big = [UInt8](repeating: UInt8(ascii: "a"), count: 3 * 1024 * 1024)
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      // No Content-Length checks can catch this early: the limit must hold while reading.
      return LoopbackHTTPServer.Reply(headers: [("Content-Type", "text/html")], body: Array("<html>".utf8) + big)
    }
    defer { server.stop() }
    var settings = quickSettings()
    settings.maxBytes = 1024 * 1024
    let result = fetchOne(server.url("/huge"), settings: settings)
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(result.reason, "body larger than 1048576 bytes (max-bytes); transfer stopped")
    XCTAssertTrue(result.body.isEmpty)
    // A body-limit stop is not transient: never retried.
    XCTAssertEqual(result.attempts, 1)
    XCTAssertEqual(server.requests(to: "/huge").count, 1)
  }

  func testGzipBombIsStoppedOnTheDecodedSize() throws {
    let bomb = try fixture("gzip-bomb-12MiB.gz")
    XCTAssertLessThan(bomb.count, 64 * 1024)
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      return LoopbackHTTPServer.Reply(
        headers: [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body: bomb)
    }
    defer { server.stop() }
    let result = fetchOne(server.url("/bomb"))  // default limit: 10 MiB
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(result.reason, "body larger than 10485760 bytes (max-bytes); transfer stopped")
    XCTAssertEqual(result.attempts, 1, "a body-limit stop is not retried")
    XCTAssertEqual(server.requests(to: "/bomb").count, 1)
  }

  func testRobotsDisallowSkipsAndIsFetchedOncePerHost() throws {
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/robots.txt":
        return .text(
          """
          User-agent: SomeOtherBot
          Disallow: /

          User-agent: recur
          Disallow: /private/
          Allow: /private/open-*.html$
          """)
      default: return .html("<html><body>page</body></html>")
      }
    }
    defer { server.stop() }
    let fetcher = CurlFetcher(settings: quickSettings())
    let results = fetcher.fetchAll(
      ["/public.html", "/private/secret.html", "/private/open-day.html", "/private/open-day.html?x=1"].map {
        FetchRequest(url: server.url($0))
      })
    XCTAssertEqual(results.map(\.outcome), [.ok, .skipped, .ok, .skipped])
    XCTAssertEqual(results[1].reason, "disallowed by robots.txt (Disallow: /private/)")
    XCTAssertEqual(results[1].attempts, 0, "a robots.txt disallow is never tried, so never retried")
    XCTAssertEqual(server.requests(to: "/robots.txt").count, 1)
    XCTAssertEqual(server.requests(to: "/private/secret.html").count, 0)
  }

  func testRobotsCrawlDelaySpacesRequests() throws {
    let server = try LoopbackHTTPServer { request in
      request.path == "/robots.txt"
        ? .text("User-agent: *\nCrawl-delay: 1\n") : .html("<html><body>page</body></html>")
    }
    defer { server.stop() }
    var settings = quickSettings()
    settings.perHostConcurrency = 4
    let results = CurlFetcher(settings: settings).fetchAll(
      [FetchRequest(url: server.url("/one")), FetchRequest(url: server.url("/two"))])
    XCTAssertEqual(results.map(\.outcome), [.ok, .ok])
    let arrivals = server.requests.filter { $0.path != "/robots.txt" }.map(\.receivedAt)
    XCTAssertEqual(arrivals.count, 2)
    XCTAssertGreaterThanOrEqual(abs(arrivals[1].timeIntervalSince(arrivals[0])), 0.9)
  }

  func testOneFetchersCallsShareRobotsTxtAndTheCrawlDelay() throws {
    // A run fetches a chunk at a time: the next chunk neither reads robots.txt again nor
    // starts its first request before the delay since the last chunk's.
    let server = try LoopbackHTTPServer { request in
      request.path == "/robots.txt"
        ? .text("User-agent: *\nCrawl-delay: 0.5\n") : .html("<html><body>page</body></html>")
    }
    defer { server.stop() }
    let fetcher = CurlFetcher(settings: quickSettings())
    XCTAssertEqual(fetcher.fetchAll([FetchRequest(url: server.url("/one"))]).map(\.outcome), [.ok])
    XCTAssertEqual(fetcher.fetchAll([FetchRequest(url: server.url("/two"))]).map(\.outcome), [.ok])
    XCTAssertEqual(server.requests(to: "/robots.txt").count, 1)
    let arrivals = server.requests.filter { $0.path != "/robots.txt" }.map(\.receivedAt)
    XCTAssertEqual(arrivals.count, 2)
    XCTAssertGreaterThanOrEqual(arrivals[1].timeIntervalSince(arrivals[0]), 0.45)
  }

  func testRobotsNotFoundAllowsAndServerErrorFailsTheSite() throws {
    let allowing = try LoopbackHTTPServer { request in
      request.path == "/robots.txt" ? .text("nope", status: 404) : .html("<html><body>page</body></html>")
    }
    defer { allowing.stop() }
    XCTAssertEqual(fetchOne(allowing.url("/page")).outcome, .ok)

    let broken = try LoopbackHTTPServer { request in
      request.path == "/robots.txt" ? .text("oops", status: 503) : .html("<html><body>page</body></html>")
    }
    defer { broken.stop() }
    let result = fetchOne(broken.url("/page"))
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(
      result.reason,
      "robots.txt unavailable (HTTP 503 Service Unavailable (after 3 attempts)), so the site is off limits for this run"
    )
    XCTAssertEqual(broken.requests(to: "/page").count, 0)
  }

  func testRobotsCanBeTurnedOff() throws {
    let server = try LoopbackHTTPServer { request in
      request.path == "/robots.txt" ? .text("User-agent: *\nDisallow: /\n") : .html("<html><body>p</body></html>")
    }
    defer { server.stop() }
    var settings = quickSettings()
    settings.obeyRobots = false
    XCTAssertEqual(fetchOne(server.url("/page"), settings: settings).outcome, .ok)
    XCTAssertEqual(server.requests(to: "/robots.txt").count, 0)
  }

  func testPerHostLimitIsNeverExceeded() throws {
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      var reply = LoopbackHTTPServer.Reply.html("<html><body>slow</body></html>")
      reply.delay = 0.05
      return reply
    }
    defer { server.stop() }
    var settings = quickSettings()
    settings.concurrency = 8
    settings.perHostConcurrency = 2
    let requests = (0..<16).flatMap { index in
      [
        FetchRequest(url: server.url("/p\(index)", host: "127.0.0.1")),
        FetchRequest(url: server.url("/p\(index)", host: "localhost")),
      ]
    }
    let results = CurlFetcher(settings: settings).fetchAll(requests)
    XCTAssertEqual(results.filter { $0.outcome == .ok }.count, 32, "\(results.compactMap(\.reason))")
    XCTAssertEqual(server.peakConcurrency(host: "127.0.0.1"), 2)
    XCTAssertLessThanOrEqual(server.peakConcurrency(host: "localhost"), 2)
  }

  func testETagGivesUnchanged() throws {
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      if request.headers["if-none-match"] == "\"v1\"" {
        return LoopbackHTTPServer.Reply(status: 304, headers: [("ETag", "\"v1\"")])
      }
      return .html(
        "<html><body>v1</body></html>",
        headers: [("ETag", "\"v1\""), ("Last-Modified", "Tue, 03 Nov 2026 10:00:00 GMT")])
    }
    defer { server.stop() }
    let first = fetchOne(server.url("/doc"))
    XCTAssertEqual(first.outcome, .ok)
    XCTAssertEqual(first.validators, Validators(etag: "\"v1\"", lastModified: "Tue, 03 Nov 2026 10:00:00 GMT"))
    let second = fetchOne(server.url("/doc"), validators: first.validators)
    XCTAssertEqual(second.outcome, .unchanged)
    XCTAssertEqual(second.status, 304)
    XCTAssertEqual(second.reason, "not modified since the last fetch (HTTP 304)")
    XCTAssertEqual(second.validators.etag, "\"v1\"")
    XCTAssertEqual(server.requests(to: "/doc").last?.headers["if-modified-since"], "Tue, 03 Nov 2026 10:00:00 GMT")
  }

  func testFiveHundredURLsAreAllAccountedFor() throws {
    let server = try LoopbackHTTPServer { request in
      if request.path == "/robots.txt" { return .text("", status: 404) }
      if request.path.hasSuffix("7") { return .html("<html>no</html>", status: 404) }
      return .html("<html><body>\(request.path)</body></html>")
    }
    defer { server.stop() }
    var settings = quickSettings()
    settings.perHostConcurrency = 8
    let urls = (0..<500).map { server.url("/page/\($0)") }
    var seen: [String: Int] = [:]
    CurlFetcher(settings: settings).fetch(urls.map { FetchRequest(url: $0) }) { result in
      seen[result.url, default: 0] += 1
      let expectFailure = result.url.hasSuffix("7")
      XCTAssertEqual(result.outcome, expectFailure ? .failed : .ok, result.url)
      if !expectFailure {
        XCTAssertEqual(
          String(decoding: result.body, as: UTF8.self), "<html><body>\(URL(string: result.url)!.path)</body></html>")
      }
    }
    XCTAssertEqual(seen.count, 500)
    XCTAssertTrue(seen.values.allSatisfy { $0 == 1 })
  }

  func testContentTypeFilteringAndSniffing() throws {
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/robots.txt": return .text("", status: 404)
      case "/data.json": return .text("{\"a\": 1}", type: "application/json")
      case "/untyped-html": return LoopbackHTTPServer.Reply(body: Array("<!DOCTYPE html><html><p>hi</p></html>".utf8))
      case "/untyped-pdf": return LoopbackHTTPServer.Reply(body: Array("%PDF-1.7 binary".utf8))
      default: return .html("<html></html>")
      }
    }
    defer { server.stop() }
    let fetcher = CurlFetcher(settings: quickSettings())
    let results = fetcher.fetchAll(
      ["/data.json", "/untyped-html", "/untyped-pdf"].map { FetchRequest(url: server.url($0)) })
    XCTAssertEqual(results.map(\.outcome), [.skipped, .ok, .skipped])
    XCTAssertEqual(results[0].reason, "content type application/json not requested")
    XCTAssertEqual(results[1].contentType, "text/html")
    XCTAssertEqual(results[2].reason, "content type application/pdf not requested")
    // A content-type skip is not retried.
    XCTAssertEqual(results.map(\.attempts), [1, 1, 1])
    XCTAssertEqual(server.requests(to: "/data.json").count, 1)

    var anyType = quickSettings()
    anyType.acceptedContentTypes = []
    let json = fetchOne(server.url("/data.json"), settings: anyType)
    XCTAssertEqual(json.outcome, .ok)
    XCTAssertEqual(String(decoding: json.body, as: UTF8.self), "{\"a\": 1}")
  }

  func testUserAgentIsSent() throws {
    let server = try LoopbackHTTPServer { request in
      request.path == "/robots.txt" ? .text("", status: 404) : .html("<html></html>")
    }
    defer { server.stop() }
    _ = fetchOne(server.url("/ua"))
    XCTAssertEqual(server.requests(to: "/ua").first?.headers["user-agent"], FetchSettings.defaultUserAgent)
    XCTAssertEqual(server.requests(to: "/robots.txt").first?.headers["user-agent"], FetchSettings.defaultUserAgent)
  }

  func testConnectionRefusedFailsWithReason() throws {
    // A server started and stopped leaves a port nobody listens on.
    let server = try LoopbackHTTPServer { _ in .html("") }
    let url = server.url("/gone")
    server.stop()
    var settings = quickSettings()
    settings.obeyRobots = false
    let result = fetchOne(url, settings: settings)
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertTrue(result.reason?.hasPrefix("could not connect:") == true, result.reason ?? "")
    XCTAssertEqual(result.attempts, 3)
  }

  func testFileURLsAndBadURLs() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-fetch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let page = folder.appendingPathComponent("page.html")
    try Data("<html><body>local</body></html>".utf8).write(to: page)

    let fetcher = CurlFetcher(settings: quickSettings())
    let results = fetcher.fetchAll(
      [
        page.absoluteString, folder.appendingPathComponent("absent.html").absoluteString, "ftp://example.org/x",
        "no url",
      ]
      .map { FetchRequest(url: $0) })
    XCTAssertEqual(results.map(\.outcome), [.ok, .failed, .failed, .failed])
    XCTAssertEqual(String(decoding: results[0].body, as: UTF8.self), "<html><body>local</body></html>")
    XCTAssertTrue(results[1].reason?.hasPrefix("could not read file:") == true, results[1].reason ?? "")
    XCTAssertEqual(results[2].reason, "unsupported scheme 'ftp': only http, https and file URLs are fetched")
    XCTAssertTrue(results[3].reason?.hasPrefix("not a valid absolute URL") == true, results[3].reason ?? "")
  }

  func testInvalidSettingsFailEveryURLWithTheReason() {
    var settings = quickSettings()
    settings.concurrency = 0
    let result = fetchOne("http://127.0.0.1:9/x", settings: settings)
    XCTAssertEqual(result.outcome, .failed)
    XCTAssertEqual(result.reason, "invalid fetch settings: concurrency must be at least 1")
  }
}

/// A thread-safe counter for handlers that answer differently on later requests.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  func next() -> Int {
    lock.withLock {
      value += 1
      return value
    }
  }
}
