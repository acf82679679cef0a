import Foundation
import RecurFetch
import RecurJobs
import XCTest

final class FetchCommandTests: XCTestCase {
  let okResult = FetchResult(
    url: "https://example.org/a", finalURL: "https://example.org/b", status: 200, contentType: "text/html",
    charset: "utf-8", body: Array("<html>".utf8), elapsedMilliseconds: 12.345, attempts: 1,
    redirects: ["https://example.org/a"], outcome: .ok)

  func testJSONLineHasTheDocumentedKeysInOrder() {
    let line = FetchCommand.jsonLine(for: okResult)
    XCTAssertEqual(
      line,
      #"{"url":"https://example.org/a","final_url":"https://example.org/b","status":200,"content_type":"text/html","charset":"utf-8","bytes":6,"elapsed_ms":12.3,"attempts":1,"outcome":"ok","reason":null}"#
    )
    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    XCTAssertEqual(object?["outcome"] as? String, "ok")
  }

  func testJSONEscapesPageControlledText() {
    let result = FetchResult(
      url: "http://x/\"quote\"\n", finalURL: "http://x/", outcome: .failed, reason: "tab\there \u{1} \\ end")
    let line = FetchCommand.jsonLine(for: result)
    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    XCTAssertEqual(object?["url"] as? String, "http://x/\"quote\"\n")
    XCTAssertEqual(object?["reason"] as? String, "tab\there \u{1} \\ end")
    XCTAssertTrue(object?["status"] is NSNull)
  }

  func testExitStatusIsOneWhenAnyURLFailed() throws {
    let failing = FetchResult(
      url: "https://example.org/x", finalURL: "https://example.org/x", outcome: .failed, reason: "HTTP 500")
    let skipped = FetchResult(
      url: "https://example.org/s", finalURL: "https://example.org/s", outcome: .skipped, reason: "robots")
    let fetcher = FixtureFetcher(results: [okResult.url: okResult, failing.url: failing, skipped.url: skipped])
    var lines: [String] = []
    var logs: [String] = []

    let allGood = FetchCommand(urls: [okResult.url, skipped.url], settings: FetchSettings(), format: .jsonLines)
    XCTAssertEqual(try allGood.run(fetcher: fetcher, write: { lines.append($0) }, log: { logs.append($0) }), .success)
    XCTAssertEqual(lines.count, 2)

    let someFailed = FetchCommand(urls: [okResult.url, failing.url], settings: FetchSettings(), format: .text)
    XCTAssertEqual(
      try someFailed.run(fetcher: fetcher, write: { lines.append($0) }, log: { logs.append($0) }), .partialFailure)
    XCTAssertTrue(lines.last?.contains("(HTTP 500)") == true, lines.last ?? "")
    XCTAssertTrue(logs.last?.contains("1 ok, 0 unchanged, 0 skipped, 1 failed") == true, logs.last ?? "")
  }

  func testNoURLsAndBadSettingsAreUsageErrors() {
    let fetcher = FixtureFetcher(results: [:])
    XCTAssertThrowsError(
      try FetchCommand(urls: [], settings: FetchSettings(), format: .text).run(
        fetcher: fetcher, write: { _ in }, log: { _ in })
    ) { error in
      XCTAssertEqual((error as? RecurError)?.status, .usage)
    }
    var settings = FetchSettings()
    settings.perHostDelay = -1
    XCTAssertThrowsError(
      try FetchCommand(urls: ["http://x/"], settings: settings, format: .text).run(
        fetcher: fetcher, write: { _ in }, log: { _ in })
    ) { error in
      XCTAssertEqual((error as? RecurError)?.message, "per-host delay must not be negative")
    }
  }

  func testURLListParsing() {
    XCTAssertEqual(
      URLListReader.parse("# reviews\nhttps://a.example/1\n\n  https://b.example/2  \r\n#skip\n"),
      ["https://a.example/1", "https://b.example/2"])
  }
}
