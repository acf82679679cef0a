import Foundation
import RecurStore
import RecurTestSupport
import RecurText
import XCTest

@testable import RecurJobs

/// `recur run` end to end: the demo job, HTTP validators and reuse, model changes, the
/// lock, signals and `kill -9`.
final class RunTests: XCTestCase {
  var folder: URL!
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  func modelFolder(_ name: String) throws -> String {
    let path = Self.root.appendingPathComponent("models/" + name).path
    guard FileManager.default.fileExists(atPath: path + "/card.json") else {
      throw XCTSkip("the shipped model \(path) is missing")
    }
    return path
  }

  func write(_ text: String, to name: String) throws -> String {
    let path = folder.appendingPathComponent(name).path
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  func jsonLines(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  // MARK: The demo job

  func testDemoJobLabelsEveryPageAsAReaderWouldAndARerunReusesEveryLabel() throws {
    // The demo job file and pages, copied to a temporary jobs folder.
    let jobs = folder.appendingPathComponent("jobs")
    try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: Self.root.appendingPathComponent("jobs/demo.toml"), to: jobs.appendingPathComponent("demo.toml"))
    try FileManager.default.copyItem(
      at: Self.root.appendingPathComponent("jobs/demo"), to: jobs.appendingPathComponent("demo"))
    var job = try JobFile.load(path: jobs.appendingPathComponent("demo.toml").path)
    job.sentimentModel = try modelFolder("sentiment")
    job.namesModel = try modelFolder("names")
    job.extractModel = try modelFolder("extract")
    let pages = try FileManager.default.contentsOfDirectory(atPath: jobs.appendingPathComponent("demo/pages").path)
      .filter { $0.hasSuffix(".html") }
    XCTAssertGreaterThanOrEqual(pages.count, 30)

    let first = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(first.status, .success)
    XCTAssertEqual(first.counts[.fetched], pages.count)
    XCTAssertEqual(first.reportFiles.first, folder.appendingPathComponent("reports/demo/1/report.html").path)

    let documents = try jsonLines(folder.appendingPathComponent("reports/demo/latest/documents.jsonl").path)
    let byPage = Dictionary(
      uniqueKeysWithValues: documents.map { (($0["url"] as! String).split(separator: "/").last.map(String.init)!, $0) })
    XCTAssertEqual(Set(byPage.keys), Set(pages), "every page accounted for")

    let expected = try String(
      contentsOf: Self.root.appendingPathComponent("jobs/demo/expected.tsv"), encoding: .utf8
    ).split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
      $0.split(separator: "\t", omittingEmptySubsequences: false)
    }
    XCTAssertEqual(Set(expected.map { String($0[0]) }), Set(pages), "expected.tsv covers every page")
    for row in expected {
      let page = String(row[0])
      let document = try XCTUnwrap(byPage[page], page)
      let label = document["sentiment"] as? String
      switch row[1] {
      case "none":
        XCTAssertEqual(document["words"] as? Int, 0, page)
        XCTAssertEqual(label, "unsupported", page)
      default:
        // A recorded miss is checked as recorded; every other page gets the reader's label.
        let miss = row.count > 3 && !row[3].isEmpty ? String(row[3]) : nil
        XCTAssertEqual(label, miss ?? String(row[1]), page + (miss == nil ? "" : " (a recorded miss)"))
      }
      let people = Set(((document["people"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
      for person in row[2].split(separator: ";") {
        XCTAssertTrue(people.contains(String(person)), "\(page): \(person) not among \(people.sorted())")
      }
    }
    // Readers' comments: every one found with its writer and labelled on its own, none in
    // the article's text (the run's parser, read back from the page).
    let commented = [
      "blog-sourdough-starter-comments.html": ["Tobias Wren", "Maren Hollis", "Priya Castell"],
      "news-ferry-timetable-comments.html": ["harbourwatcher", "Jonas Perl"],
    ]
    let parser = DocumentParser(blockModel: try BlockModel.load(folder: try modelFolder("extract")))
    for (page, authors) in commented {
      let items = try XCTUnwrap(byPage[page]?["comment_items"] as? [[String: Any]], page)
      XCTAssertEqual(items.compactMap { $0["author"] as? String }, authors, page)
      XCTAssertEqual(byPage[page]?["comments"] as? Int, authors.count, page)
      XCTAssertTrue(items.allSatisfy { $0["label"] is String }, page)
      let bytes = try Array(Data(contentsOf: jobs.appendingPathComponent("demo/pages/" + page)))
      let document = parser.parse(bytes, url: "file:///" + page)
      XCTAssertFalse(document.text.isEmpty, page)
      for comment in items {
        let text = try XCTUnwrap(comment["text"] as? String)
        XCTAssertFalse(document.text.contains(text.prefix(40)), "\(page): a comment in the text")
      }
    }
    XCTAssertEqual(byPage["blog-sourdough-starter-comments.html"]?["sentiment"] as? String, "positive")
    let commentLabels = (byPage["blog-sourdough-starter-comments.html"]?["comment_items"] as? [[String: Any]])?
      .compactMap { $0["label"] as? String }
    XCTAssertEqual(commentLabels?.last, "negative", "the mouldy-starter comment is labelled on its own")
    XCTAssertEqual(
      documents.filter { ($0["comments"] as? Int ?? 0) > 0 }.count, commented.count, "no other page has comments")
    // Review items carry their ratings; the windows-1252 page decoded; the hostile title is kept as text.
    let headphones = byPage["headphones-several-reviews-jsonld.html"]?["reviews"] as? [[String: Any]]
    XCTAssertEqual(headphones?.compactMap { $0["rating"] as? Double }, [5, 4, 1, 2])
    XCTAssertEqual(headphones?.compactMap { $0["label"] as? String }, ["positive", "positive", "negative", "negative"])
    XCTAssertTrue(
      (byPage["windows-1252-bakery-review.html"]?["title"] as? String)?.hasPrefix("Pâtisserie Chloé") ?? false)
    XCTAssertTrue((byPage["script-in-title-kettle-review.html"]?["title"] as? String)?.contains("<script>") ?? false)
    let html = try String(contentsOfFile: first.reportFiles[0], encoding: .utf8)
    XCTAssertFalse(html.contains("<script>"))
    // The models table says what each model was trained on.
    XCTAssertTrue(html.contains("imdb/train.tsv, sst2/train.tsv, yelp_sentences/train.tsv"), "trained-on list")
    XCTAssertTrue(html.contains("conll2003/train.tsv"))
    XCTAssertTrue(html.contains("Readers&#39; comments") || html.contains("Readers' comments"), "the comments section")
    XCTAssertNoThrow(try XMLTree(html))

    let second = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(second.status, .success)
    XCTAssertEqual(second.counts[.unchanged], pages.count, "a second run reuses every label")
    let again = try jsonLines(folder.appendingPathComponent("reports/demo/latest/documents.jsonl").path)
    XCTAssertEqual(again.map { $0["sentiment"] as? String }, documents.map { $0["sentiment"] as? String })
    XCTAssertEqual(
      try FileManager.default.destinationOfSymbolicLink(
        atPath: folder.appendingPathComponent("reports/demo/latest").path), "2")
  }

  // MARK: Incremental reruns over HTTP

  final class Site: @unchecked Sendable {
    let lock = NSLock()
    var pages: [String: String] = [:]
    var delay = 0.0

    func reply(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
      lock.lock()
      defer { lock.unlock() }
      guard let body = pages[request.path] else { return .text("not here", status: 404) }
      let etag = "\"\(ContentHash.hex(Array(body.utf8)).prefix(16))\""
      var reply: LoopbackHTTPServer.Reply =
        request.headers["if-none-match"] == etag
        ? LoopbackHTTPServer.Reply(status: 304, headers: [("ETag", etag)]) : .html(body, headers: [("ETag", etag)])
      reply.delay = delay
      return reply
    }
  }

  static func page(_ title: String, _ text: String) -> String {
    "<!doctype html><html lang=\"en\"><head><title>\(title)</title></head><body><article><h1>\(title)</h1><p>\(text)</p></article></body></html>"
  }

  func httpJob(_ server: LoopbackHTTPServer, paths: [String], models: String) throws -> JobFile {
    let urls = paths.map { "\"\(server.url($0))\"" }.joined(separator: ", ")
    let path = try write(
      """
      version = 1
      name = "web"
      [sources]
      urls = [\(urls)]
      [fetch]
      per_host_delay = 0
      obey_robots = false
      max_attempts = 1
      \(models)
      [report]
      directory = "reports"
      """, to: "web.toml")
    return try JobFile.load(path: path)
  }

  func testRerunsSendValidatorsReuseUnchangedPagesAndRecordFailures() throws {
    let site = Site()
    site.pages = [
      "/a": Self.page("A", "A lovely, delightful film."), "/b": Self.page("B", "A dreadful, boring film."),
      "/c": Self.page("C", "Another wonderful evening."),
    ]
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    let models = "[models]\nsentiment_model = \"\(try modelFolder("sentiment"))\"\nnames = false"
    let job = try httpJob(server, paths: ["/a", "/b", "/c", "/missing"], models: models)

    let first = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(first.counts[.fetched], 3)
    XCTAssertEqual(first.counts[.failed], 1)
    XCTAssertEqual(first.status, .partialFailure, "exit 1: finished, but a document failed")

    site.lock.lock()
    site.pages["/c"] = Self.page("C", "Another wonderful evening, now with an encore.")
    site.lock.unlock()
    let second = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(second.counts[.unchanged], 2, "answered 304")
    XCTAssertEqual(second.counts[.fetched], 1, "changed content")
    XCTAssertEqual(second.counts[.failed], 1)
    XCTAssertEqual(server.requests(to: "/a").last?.headers["if-none-match"]?.isEmpty, false, "validators sent")

    let store = try Store(path: job.storePath)
    XCTAssertEqual(try store.tableCounts()["documents"], 4)
    XCTAssertEqual(try store.tableCounts()["labels"], 3)
    let failures = try store.documents(run: second.runID).filter { $0.outcome == .failed }
    XCTAssertEqual(failures.first?.reason?.contains("404"), true, "\(String(describing: failures.first?.reason))")
    let markdown = try String(
      contentsOfFile: job.jobReportDirectory + "/\(second.runID)/report.md", encoding: .utf8)
    XCTAssertTrue(markdown.contains("| unchanged | 2 |"))
    XCTAssertTrue(markdown.contains("| relabeled | 0 |"))
  }

  func testAChangedModelRelabelsUnchangedContent() throws {
    let site = Site()
    site.pages = ["/a": Self.page("A", "A lovely, delightful film."), "/b": Self.page("B", "A dreadful film.")]
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    // A copy of the shipped model whose card says another version.
    let copy = folder.appendingPathComponent("model-copy").path
    try FileManager.default.copyItem(atPath: try modelFolder("sentiment"), toPath: copy)
    let models = "[models]\nsentiment_model = \"\(copy)\"\nnames = false"
    let job = try httpJob(server, paths: ["/a", "/b"], models: models)
    XCTAssertEqual(try JobRunner(job: job, progress: .quiet).run().counts[.fetched], 2)
    XCTAssertEqual(try JobRunner(job: job, progress: .quiet).run().counts[.unchanged], 2)

    let card = copy + "/card.json"
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: card))) as! [String: Any]
    object["version"] = "9.9"
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: card))
    let third = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(third.counts[.relabeled], 2, "304 answers, but the model changed: the stored text is labelled again")
    let labels = try Store(path: job.storePath).documents(run: third.runID).compactMap(
      \.results.sentiment?.modelVersion)
    XCTAssertEqual(labels.count, 2)
    XCTAssertTrue(labels.allSatisfy { $0.hasPrefix("9.9+") })
  }

  func testAChangedBlockModelParsesUnchangedPagesAgain() throws {
    let site = Site()
    site.pages = ["/a": Self.page("A", "A lovely, delightful film."), "/b": Self.page("B", "A dreadful film.")]
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    // Two block models that differ only in their cut-off.
    let shipped = try BlockModel.load(folder: try modelFolder("extract"))
    let other = folder.appendingPathComponent("extract-other").path
    try shipped.with(threshold: 0.31).write(folder: other)
    let models = "[models]\nsentiment_model = \"\(try modelFolder("sentiment"))\"\nnames = false"
    var job = try httpJob(server, paths: ["/a", "/b"], models: models)
    job.extractModel = try modelFolder("extract")
    XCTAssertEqual(try JobRunner(job: job, progress: .quiet).run().counts[.fetched], 2)
    XCTAssertEqual(try JobRunner(job: job, progress: .quiet).run().counts[.unchanged], 2)

    job.extractModel = other
    let third = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(third.counts[.relabeled], 2, "the same content, parsed again by the other block model")
    XCTAssertNil(
      server.requests(to: "/a").last?.headers["if-none-match"], "no validators: a 304 leaves nothing to parse")
    XCTAssertEqual(try JobRunner(job: job, progress: .quiet).run().counts[.unchanged], 2)
  }

  func testStageParseStoresTextWithoutLabelsAndALaterRunLabelsIt() throws {
    let site = Site()
    site.pages = ["/a": Self.page("A", "A lovely, delightful film.")]
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    let job = try httpJob(
      server, paths: ["/a"], models: "[models]\nsentiment_model = \"\(try modelFolder("sentiment"))\"\nnames = false")
    let parsed = try JobRunner(job: job, stage: .parse, progress: .quiet).run()
    XCTAssertEqual(parsed.counts[.fetched], 1)
    XCTAssertTrue(parsed.reportFiles.isEmpty)
    XCTAssertNil(try Store(path: job.storePath).documents(run: parsed.runID).first?.results.sentiment)
    let full = try JobRunner(job: job, progress: .quiet).run()
    XCTAssertEqual(full.counts[.relabeled], 1)
    XCTAssertEqual(
      try Store(path: job.storePath).documents(run: full.runID).first?.results.sentiment?.label, "positive")
  }

  // MARK: The lock, signals and kill -9 (the built executable)

  func slowJob(_ server: LoopbackHTTPServer, count: Int) throws -> String {
    let urls = (0..<count).map { "\"\(server.url("/p\($0)"))\"" }.joined(separator: ", ")
    return try write(
      """
      version = 1
      name = "slow"
      [sources]
      urls = [\(urls)]
      [fetch]
      concurrency = 1
      per_host_delay = 0
      obey_robots = false
      [models]
      sentiment_model = "\(try modelFolder("sentiment"))"
      names = false
      [report]
      directory = "reports"
      """, to: "slow.toml")
  }

  func startRecur(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = try RecurCLI.binary()
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return (process, out, err)
  }

  func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
  }

  func committed(_ storePath: String, run: Int64) -> Int {
    guard FileManager.default.fileExists(atPath: storePath), let store = try? Store(path: storePath) else { return 0 }
    return (try? store.documents(run: run).count) ?? 0
  }

  func testASecondRunExitsAtOnceAndSIGTERMWritesAPartialReport() throws {
    let site = Site()
    site.delay = 0.15
    for index in 0..<40 {
      site.pages["/p\(index)"] = Self.page("P\(index)", "A fine and pleasant page number \(index).")
    }
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    let jobPath = try slowJob(server, count: 40)
    let job = try JobFile.load(path: jobPath)
    let (first, out, _) = try startRecur(["run", jobPath, "--quiet"])
    defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
    XCTAssertTrue(waitFor(30) { committed(job.storePath, run: 1) >= 4 }, "the first run got going")

    let second = try RecurCLI.run(["run", jobPath])
    XCTAssertEqual(second.status, 2)
    XCTAssertTrue(second.err.contains("already running"), second.err)
    XCTAssertTrue(second.err.contains("pid \(first.processIdentifier)"), second.err)

    kill(first.processIdentifier, SIGTERM)
    first.waitUntilExit()
    XCTAssertEqual(first.terminationStatus, 1, "interrupted: exit 1")
    let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertTrue(printed.hasSuffix("report.html\n"), printed)
    let markdown = try String(contentsOfFile: job.jobReportDirectory + "/1/report.md", encoding: .utf8)
    XCTAssertTrue(markdown.contains("**Partial report.**"))
    XCTAssertLessThan(committed(job.storePath, run: 1), 40)
    XCTAssertEqual(try Store(path: job.storePath).run(1)?.status, .interrupted)
  }

  func testKillNineMidRunLeavesASoundStoreAndTheRerunFinishesTheRest() throws {
    let site = Site()
    site.delay = 0.1
    for index in 0..<40 {
      site.pages["/p\(index)"] = Self.page("P\(index)", "A fine and pleasant page number \(index).")
    }
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    let jobPath = try slowJob(server, count: 40)
    let job = try JobFile.load(path: jobPath)
    let (first, _, _) = try startRecur(["run", jobPath, "--quiet"])
    XCTAssertTrue(waitFor(30) { committed(job.storePath, run: 1) >= 6 })
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()
    let done = committed(job.storePath, run: 1)
    XCTAssertLessThan(done, 40, "killed in the middle")

    let rerun = try RecurCLI.run(["run", jobPath, "--quiet"])
    XCTAssertEqual(rerun.status, 0, rerun.err)
    let store = try Store(path: job.storePath)
    XCTAssertEqual(try store.integrityCheck(), "ok")
    let counts = try store.tableCounts()
    XCTAssertEqual(counts["documents"], 40, "no duplicate documents")
    XCTAssertEqual(counts["labels"], 40, "no duplicate labels, none missing")
    XCTAssertEqual(try store.run(1)?.status, .interrupted)
    let second = try store.documents(run: 2)
    XCTAssertEqual(second.count, 40)
    XCTAssertEqual(second.filter { $0.outcome == .unchanged }.count, done, "what the killed run committed is reused")
  }
}

extension RunTests {
  func testRecurReportRegeneratesARunAndRefusesAnUnknownOne() throws {
    let site = Site()
    site.pages = ["/a": Self.page("A", "A lovely, delightful film.")]
    let server = try LoopbackHTTPServer { site.reply($0) }
    defer { server.stop() }
    let job = try httpJob(server, paths: ["/a"], models: "[models]\nsentiment = false\nnames = false")
    let before = try RecurCLI.run(["report", job.path])
    XCTAssertEqual(before.status, 2, "no store yet")
    XCTAssertTrue(before.err.contains("no store yet"), before.err)
    XCTAssertEqual(try RecurCLI.run(["run", job.path, "--quiet"]).status, 0)
    let report = job.jobReportDirectory + "/1/report.md"
    try FileManager.default.removeItem(atPath: report)
    let again = try RecurCLI.run(["report", job.path, "--run", "1"])
    XCTAssertEqual(again.status, 0, again.err)
    XCTAssertEqual(again.out, job.jobReportDirectory + "/1/report.html\n")
    XCTAssertTrue(FileManager.default.fileExists(atPath: report))
    let unknown = try RecurCLI.run(["report", job.path, "--run", "7"])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(unknown.err.contains("no run 7"), unknown.err)
  }

  func testABadJobFileExitsTwoNamingFileLineAndKey() throws {
    let path = try write(
      "version = 1\n[sources]\nurls = [\"https://e.org/\"]\n[fetch]\ntimeout = \"soon\"\n", to: "bad.toml")
    let result = try RecurCLI.run(["run", path])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.err.contains("bad.toml:5: [fetch] timeout: expected a number, found a string"), result.err)
  }
}
