import Foundation
import RecurTestSupport
import XCTest

/// The built `recur` executable, run as a user would: exit codes and output lines.
final class CommandLineTests: XCTestCase {
  func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    try RecurCLI.run(arguments)
  }

  func testUnknownOptionExitsTwo() throws {
    let result = try run(["fetch", "--no-such-option"])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.err.contains("Unknown option '--no-such-option'"), result.err)
  }

  func testFetchWithoutURLsExitsTwo() throws {
    let result = try run(["fetch"])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.err.contains("no URLs given"), result.err)
  }

  func testFetchJSONAgainstALocalServer() throws {
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/robots.txt": return .text("User-agent: *\nDisallow: /private\n")
      case "/missing": return .html("<html>no</html>", status: 404)
      default: return .html("<html><body>review</body></html>")
      }
    }
    defer { server.stop() }
    let result = try run(["fetch", "--json", "--delay", "0", server.url("/page"), server.url("/private/x")])
    XCTAssertEqual(result.status, 0, result.err)
    let objects = result.out.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    XCTAssertEqual(objects.count, 2)
    let outcomes = Dictionary(
      uniqueKeysWithValues: objects.map { ($0["url"] as? String ?? "", $0["outcome"] as? String ?? "") })
    XCTAssertEqual(outcomes[server.url("/page")], "ok")
    XCTAssertEqual(outcomes[server.url("/private/x")], "skipped")

    let failing = try run(["fetch", "--delay", "0", server.url("/missing")])
    XCTAssertEqual(failing.status, 1)
    XCTAssertTrue(failing.out.contains("HTTP 404 Not Found"), failing.out)
    XCTAssertTrue(failing.err.contains("1 failed"), failing.err)
  }

  func testExtractPrintsTheDocumentAndExitsByOutcome() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let page = folder.appendingPathComponent("page.html")
    try Data(
      "<html lang=\"en\"><head><title>Tea house review</title></head><body><article><p>The tea house on the quay serves the best scones in town, and the staff remember your order.</p></article></body></html>"
        .utf8
    ).write(to: page)
    let result = try run(["extract", "--json", page.path])
    XCTAssertEqual(result.status, 0, result.err)
    let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    XCTAssertEqual(object["title"] as? String, "Tea house review")
    XCTAssertEqual(object["language"] as? String, "en")
    XCTAssertTrue((object["text"] as? String)?.hasPrefix("The tea house on the quay") == true)
    let keys = [
      "\"url\"", "\"canonical_url\"", "\"title\"", "\"authors\"", "\"published\"", "\"language\"", "\"site_name\"",
      "\"description\"", "\"kind\"", "\"text\"", "\"reviews\"", "\"encoding\"", "\"encoding_source\"", "\"method\"",
      "\"reason\"",
    ]
    let positions = keys.map { result.out.range(of: $0)?.lowerBound }
    XCTAssertFalse(positions.contains(nil))
    XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted())

    let empty = folder.appendingPathComponent("empty.html")
    try Data().write(to: empty)
    let emptyResult = try run(["extract", empty.path])
    XCTAssertEqual(emptyResult.status, 1)
    XCTAssertTrue(emptyResult.out.contains("reason:    empty page"), emptyResult.out)

    XCTAssertEqual(try run(["extract", folder.appendingPathComponent("absent.html").path]).status, 2)

    // A block model that cannot be read is a usage error naming the file, not a fallback.
    let badModel = folder.appendingPathComponent("bad-model")
    try FileManager.default.createDirectory(at: badModel, withIntermediateDirectories: true)
    try Data("not weights".utf8).write(to: badModel.appendingPathComponent("blocks.bin"))
    let refused = try run(["extract", "--extract-model", badModel.path, page.path])
    XCTAssertEqual(refused.status, 2)
    XCTAssertTrue(refused.err.contains("not a block model file"), refused.err)
    let rules = try run(["extract", "--json", "--rules", page.path])
    XCTAssertEqual(rules.status, 0, rules.err)
    XCTAssertTrue(rules.out.contains("\"method\":\"prose-mass\""), rules.out)
    XCTAssertEqual(try run(["eval", "extract", "--data", folder.path]).status, 2)
  }
}
