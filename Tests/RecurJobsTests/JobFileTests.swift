import Foundation
import XCTest

@testable import RecurJobs

final class JobFileTests: XCTestCase {
  func parse(_ text: String, path: String = "/srv/recur/jobs/test.toml") throws -> JobFile {
    try JobFile.parse(text, path: path)
  }

  func error(_ text: String) -> JobFileError? {
    do {
      _ = try JobFile.parse(text, path: "/srv/recur/jobs/test.toml")
      return nil
    } catch {
      return error
    }
  }

  func testMinimalJobGetsEveryDefault() throws {
    let job = try parse(
      """
      version = 1
      [sources]
      urls = ["https://example.org/a"]
      """)
    XCTAssertEqual(job.name, "test")
    XCTAssertEqual(job.urls, ["https://example.org/a"])
    XCTAssertEqual(job.fetch.concurrency, 8)
    XCTAssertTrue(job.fetch.obeyRobots)
    XCTAssertTrue(job.sentiment)
    XCTAssertTrue(job.names)
    XCTAssertEqual(job.formats, ["html", "md", "jsonl", "csv"])
    // A job in a folder named jobs reports beside it, in ../reports; the store sits with the reports.
    XCTAssertEqual(job.reportDirectory, "/srv/recur/reports")
    XCTAssertEqual(job.jobReportDirectory, "/srv/recur/reports/test")
    XCTAssertEqual(job.storePath, "/srv/recur/reports/test/recur.sqlite")
  }

  func testEveryKeyIsRead() throws {
    let job = try parse(
      """
      version = 1
      name = "weekly-films"
      [sources]
      urls = ["https://example.org/a"]
      url_files = ["lists/urls.txt"]
      sitemaps = ["https://example.org/sitemap.xml"]
      feeds = ["feeds/local.xml"]
      folders = ["/data/pages"]
      include = ["/reviews/"]
      exclude = ["\\\\?page="]
      limit = 50
      [fetch]
      concurrency = 4
      per_host_concurrency = 1
      per_host_delay = 2
      obey_robots = false
      max_attempts = 2
      connect_timeout = 5.5
      timeout = 20
      max_bytes = 1000000
      max_redirects = 3
      user_agent = "ExampleBot/1.0"
      [models]
      sentiment = true
      names = false
      sentiment_model = "../models/sentiment"
      [report]
      title = "Films"
      formats = ["md"]
      directory = "/var/reports"
      [store]
      path = "state/films.sqlite"
      """, path: "/home/u/jobs/films.toml")
    XCTAssertEqual(job.name, "weekly-films")
    XCTAssertEqual(job.urlFiles, ["/home/u/jobs/lists/urls.txt"])
    XCTAssertEqual(job.feeds, ["file:///home/u/jobs/feeds/local.xml"])
    XCTAssertEqual(job.folders, ["/data/pages"])
    XCTAssertEqual(job.exclude, ["\\?page="])
    XCTAssertEqual(job.limit, 50)
    XCTAssertEqual(job.fetch.concurrency, 4)
    XCTAssertEqual(job.fetch.perHostDelay, 2)
    XCTAssertFalse(job.fetch.obeyRobots)
    XCTAssertEqual(job.fetch.connectTimeout, 5.5)
    XCTAssertEqual(job.fetch.userAgent, "ExampleBot/1.0")
    XCTAssertFalse(job.names)
    XCTAssertEqual(job.sentimentModel, "/home/u/models/sentiment")
    XCTAssertEqual(job.title, "Films")
    XCTAssertEqual(job.formats, ["md"])
    XCTAssertEqual(job.jobReportDirectory, "/var/reports/weekly-films")
    XCTAssertEqual(job.storePath, "/home/u/jobs/state/films.sqlite")
  }

  func testUnknownKeyIsNamedWithItsLine() {
    let problem = error(
      """
      version = 1
      [sources]
      urls = ["https://example.org/"]
      [fetch]
      concurency = 4
      """)
    XCTAssertEqual(problem?.line, 5)
    XCTAssertTrue(
      problem?.description.contains("test.toml:5: [fetch] concurency: unknown key") ?? false,
      "\(String(describing: problem))")
  }

  func testAJobFileWithWindowsLineEndsIsReadAndItsLinesNamed() throws {
    let job = try parse("version = 1\r\n[sources]\r\nurls = [\"https://example.org/a\"]\r\n")
    XCTAssertEqual(job.urls, ["https://example.org/a"])
    let problem = error(
      "version = 1\r\n[sources]\r\nurls = [\"https://example.org/\"]\r\n[fetch]\r\nconcurency = 4\r\n")
    XCTAssertEqual(problem?.line, 5)
  }

  func testWrongTypeIsNamedWithItsLine() {
    let problem = error(
      """
      version = 1

      [sources]
      urls = ["https://example.org/"]
      limit = "ten"
      """)
    XCTAssertEqual(problem?.line, 5)
    XCTAssertTrue(problem?.message.contains("[sources] limit: expected an integer, found a string") ?? false)
    XCTAssertEqual(
      error("version = 1\n[sources]\nurls = \"https://example.org/\"\n")?.message,
      "[sources] urls: expected an array of strings, found a string")
    XCTAssertEqual(
      error("version = 1\nsources = 3\n")?.message, "sources: expected a table ([sources]), found an integer")
  }

  func testMissingRequiredKeysAreRefused() {
    XCTAssertTrue(
      error("[sources]\nurls = [\"https://example.org/\"]\n")?.message.contains("version: missing") ?? false)
    XCTAssertTrue(error("version = 1\n")?.message.contains("no sources") ?? false)
    XCTAssertTrue(
      error("version = 2\n[sources]\nurls = [\"https://e.org/\"]\n")?.message.contains("not supported") ?? false)
  }

  func testImpossibleValuesAreRefused() {
    let base = "version = 1\n[sources]\nurls = [\"https://example.org/\"]\n"
    XCTAssertTrue(error(base + "[fetch]\nconcurrency = 0\n")?.message.contains("must be at least 1") ?? false)
    XCTAssertTrue(error(base + "[fetch]\ntimeout = -1\n")?.message.contains("must be more than 0") ?? false)
    XCTAssertTrue(error(base + "[report]\nformats = [\"pdf\"]\n")?.message.contains("unknown format \"pdf\"") ?? false)
    XCTAssertTrue(error(base + "limit = [1]\n")?.message.contains("[sources] limit: expected an integer") ?? false)
    XCTAssertTrue(
      error("version = 1\ninclude = [\"x\"]\n[sources]\nurls = []\n")?.message.contains("include: unknown key") ?? false
    )
    XCTAssertTrue(
      error("version = 1\n[sources]\nurls = [\"https://e.org/\"]\ninclude = [\"(\"]\n")?.message.contains(
        "not a valid regular expression") ?? false)
    XCTAssertTrue(
      error("version = 1\n[sources]\nurls = [\"example.org\"]\n")?.message.contains("is not a URL") ?? false)
    XCTAssertTrue(
      error("version = 1\nname = \"../x\"\n[sources]\nurls = [\"https://e.org/\"]\n")?.message.contains("name") ?? false
    )
  }

  func testMalformedTOMLNamesItsLine() {
    let problem = error("version = 1\n[sources\nurls = []\n")
    XCTAssertEqual(problem?.line, 2)
    XCTAssertTrue(problem?.message.hasPrefix("not valid TOML") ?? false)
  }

  /// Table names that cannot start a key stopped the whole process inside the TOML library
  /// (found by `make fuzz`); they are refused with their line, and brackets that are not
  /// headers (arrays over several lines, strings, comments) are left to the TOML reader.
  func testTableHeadersTheTOMLLibraryWouldAbortOnAreRefused() throws {
    for (header, line) in [
      ("[@x]", 3), ("[[éx]]", 3), ("[ \u{1}x]", 3), ("[!]", 3), ("# c\n[\u{FFFD}ources]", 4), ("[\nources]", 3),
      ("[ \n", 3),
    ] {
      let problem = error("version = 1\nname = \"x\"\n\(header)\nurls = []\n")
      XCTAssertEqual(problem?.line, line, header)
      XCTAssertTrue(problem?.message.contains("a table name must start with") ?? false, header)
    }
    // A '}' where an array's value should be also aborted the library (a fourth finding).
    for (text, line) in [
      ("a = [}]", 1), ("a = [1, }]", 1), ("x = 1\na = [ # c\n }]", 3), ("a = [[}]]", 1), ("a = { b = [}] }", 1),
    ] {
      let problem = error("version = 1\nname = \"x\"\n[sources]\n" + text + "\n")
      XCTAssertEqual(problem?.line, line + 3, text)
      XCTAssertTrue(problem?.message.contains("'}' where an array's value") ?? false, text)
    }
    for fine in [
      "a = []", "a = [1, ]", "a = [{}]", "a = [{ b = 1 }, { c = [2] }]", "a = { b = [1], c = {} }", "a = ['}']",
    ] {
      XCTAssertNil(TableHeaderCheck.problem(fine), fine)
    }
    // After a byte-order mark, the first line is a line start too (a third make fuzz finding).
    XCTAssertEqual(TableHeaderCheck.badHeaderLine("\u{FEFF}[[[fetch"), 1)
    XCTAssertNil(TableHeaderCheck.badHeaderLine("\u{FEFF}[fetch]"))
    let job = try parse(
      #"""
      version = 1
      name = "x" # [@ not a header
      [sources]
      urls = [
        "https://e.org/[@]",
      ]
      feeds = ["""
      [@ inside a string
      """]
      """#)
    XCTAssertEqual(job.name, "x")
    XCTAssertNil(
      TableHeaderCheck.badHeaderLine("a = '''\n[@\n'''\nb = [\n[{ c = 1 }]\n]\n[d]\n[\"e\"]\n['f']\n[g . h]"))
  }

  func testShippedJobFilesAreValid() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    for name in ["demo.toml", "example-web.toml"] {
      let job = try JobFile.load(path: root.appendingPathComponent("jobs/" + name).path)
      XCTAssertFalse(job.name.isEmpty)
    }
  }

  func testTheStoreIsAPathOrAPostgreSQLURLNeverBoth() throws {
    let url = try parse(
      "version = 1\nname = \"x\"\n[sources]\nurls = [\"https://e.org/\"]\n[store]\nurl = \"postgresql://r@h:5432/d\"\n")
    XCTAssertEqual(url.storeURL, "postgresql://r@h:5432/d")
    XCTAssertEqual(url.storeLocation, "postgresql://r@h:5432/d")
    let both = error(
      "version = 1\nname = \"x\"\n[sources]\nurls = [\"https://e.org/\"]\n[store]\npath = \"a.sqlite\"\nurl = \"postgresql://h/d\"\n"
    )
    XCTAssertEqual(both?.line, 7)
    XCTAssertTrue(both?.message.contains("not both") ?? false, "\(String(describing: both))")
    let other = error(
      "version = 1\nname = \"x\"\n[sources]\nurls = [\"https://e.org/\"]\n[store]\nurl = \"mysql://u:pw@h/d\"\n")
    XCTAssertTrue(other?.message.contains("must be a postgresql:// URL") ?? false)
    XCTAssertFalse(other?.message.contains(":pw@") ?? true, "the password is not printed")
  }
}
