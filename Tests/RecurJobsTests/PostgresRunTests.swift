import Foundation
import RecurStore
import RecurTestSupport
import XCTest

@testable import RecurJobs

/// `recur run` and `recur report` against a PostgreSQL store (a throwaway server), with the
/// built executable.
extension RunTests {
  /// The local job of `localJob`, its store in a fresh PostgreSQL database.
  func postgresJob(count: Int) throws -> (job: JobFile, url: String) {
    let url = try TestPostgres.server().createDatabase(TestPostgres.freshName())
    let job = try localJob(count: count)
    let text = try String(contentsOfFile: job.path, encoding: .utf8) + "[store]\nurl = \"\(url)\"\n"
    try Data(text.utf8).write(to: URL(fileURLWithPath: job.path))
    return (try JobFile.load(path: job.path), url)
  }

  func testARunAgainstPostgreSQLStoresReusesAndReportsLikeSQLite() throws {
    let (job, url) = try postgresJob(count: 12)
    XCTAssertEqual(job.storeURL, url)
    let first = try RecurCLI.run(["run", job.path, "--quiet"])
    XCTAssertEqual(first.status, 0, first.err)
    XCTAssertEqual(first.out, job.jobReportDirectory + "/1/report.html\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: job.storePath), "no SQLite file beside it")
    let second = try RecurCLI.run(["run", job.path, "--quiet"])
    XCTAssertEqual(second.status, 0, second.err)

    let store = try Store(url: url)
    let counts = try store.tableCounts()
    XCTAssertEqual(counts["documents"], 12)
    XCTAssertEqual(counts["labels"], 12, "no duplicate labels")
    XCTAssertEqual(try store.documents(run: 2).filter { $0.outcome == .unchanged }.count, 12, "every label reused")
    XCTAssertEqual(try store.runs(job: "local").map(\.status), [.finished, .finished])

    try FileManager.default.removeItem(atPath: job.jobReportDirectory + "/1")
    let report = try RecurCLI.run(["report", job.path, "--run", "1"])
    XCTAssertEqual(report.status, 0, report.err)
    let markdown = try String(contentsOfFile: job.jobReportDirectory + "/1/report.md", encoding: .utf8)
    XCTAssertTrue(markdown.contains("Page 11"), "the report is rebuilt from the PostgreSQL store")
  }

  /// A job over `count` pages served by `server` from two hosts (127.0.0.1 and localhost,
  /// alternating), its store a fresh PostgreSQL database.
  func workersJob(
    server: LoopbackHTTPServer, count: Int, perHostConcurrency: Int, perHostDelay: Double, lease: Double = 3
  ) throws -> (job: JobFile, url: String) {
    let url = try TestPostgres.server().createDatabase(TestPostgres.freshName())
    let pages = (0..<count).map { "\"" + server.url("/p\($0)", host: $0 % 2 == 0 ? "127.0.0.1" : "localhost") + "\"" }
    let path = try write(
      """
      version = 1
      name = "shared"
      [sources]
      urls = [\(pages.joined(separator: ", "))]
      [fetch]
      concurrency = 2
      per_host_concurrency = \(perHostConcurrency)
      per_host_delay = \(perHostDelay)
      obey_robots = false
      [models]
      sentiment_model = "\(try modelFolder("sentiment"))"
      names = false
      [report]
      directory = "reports"
      [store]
      url = "\(url)"
      lease_seconds = \(lease)
      """, to: "shared.toml")
    return (try JobFile.load(path: path), url)
  }

  static func pageServer(delay: Double) throws -> LoopbackHTTPServer {
    try LoopbackHTTPServer { request in
      let number = request.path.dropFirst(2)
      var reply = LoopbackHTTPServer.Reply.html(
        Self.page(
          "Page \(number)",
          String(repeating: "Page \(number) tells of a kind, cheerful and generous host and a lovely meal. ", count: 10)
        ))
      reply.delay = delay
      return reply
    }
  }

  /// Every URL of run `run` done exactly once: one document each, one label each.
  func assertEachURLOnce(_ store: Store, run: Int64, count: Int, outcome: DocumentOutcome) throws {
    let documents = try store.documents(run: run)
    XCTAssertEqual(documents.count, count)
    XCTAssertEqual(Set(documents.map(\.results.document.url)).count, count, "no URL twice")
    XCTAssertEqual(documents.filter { $0.outcome == outcome }.count, count, "\(documents.map(\.outcome))")
    XCTAssertEqual(try store.tableCounts()["labels"], count, "no duplicate labels")
    XCTAssertEqual(try store.queueCounts(run: run), QueueCounts(done: count))
  }

  func testWorkersShareOneRunAndHoldEachHostsLimitsTogether() throws {
    let server = try Self.pageServer(delay: 0.02)
    defer { server.stop() }
    let (job, url) = try workersJob(server: server, count: 40, perHostConcurrency: 1, perHostDelay: 0.1)
    let workers = try (1...3).map { try RunningRecur(["run", job.path, "--worker-id", "w\($0)"]) }
    let results = workers.map { $0.wait() }
    for result in results { XCTAssertEqual(result.status, 0, result.err) }
    XCTAssertEqual(
      results.filter { $0.out == job.jobReportDirectory + "/1/report.html\n" }.count, 1,
      "one worker writes the report: \(results.map(\.out))")
    XCTAssertEqual(results.filter { $0.err.contains("(it closed the run)") }.count, 1)

    let store = try Store(url: url)
    XCTAssertEqual(try store.runs(job: "shared").map(\.status), [.finished], "one run between them")
    try assertEachURLOnce(store, run: 1, count: 40, outcome: .fetched)
    for index in 0..<40 { XCTAssertEqual(server.requests(to: "/p\(index)").count, 1, "/p\(index) fetched once") }
    // Politeness across workers: one request at a time per host, 0.1 s apart.
    for host in ["127.0.0.1", "localhost"] {
      XCTAssertEqual(server.peakConcurrency(host: host), 1, host)
      let starts = (0..<40).flatMap { server.requests(to: "/p\($0)") }.filter { $0.host == host }.map(\.receivedAt)
        .sorted()
      XCTAssertEqual(starts.count, 20)
      for (earlier, later) in zip(starts, starts.dropFirst()) {
        XCTAssertGreaterThanOrEqual(later.timeIntervalSince(earlier), 0.08, "\(host): requests \(earlier) \(later)")
      }
    }

    // A rerun by two workers reuses every label.
    let rerun = try (1...2).map { try RunningRecur(["run", job.path, "--worker-id", "r\($0)"]) }.map { $0.wait() }
    for result in rerun { XCTAssertEqual(result.status, 0, result.err) }
    try assertEachURLOnce(store, run: 2, count: 40, outcome: .unchanged)
    let status = try RecurCLI.run(["status", job.path])
    XCTAssertEqual(status.status, 0, status.err)
    XCTAssertTrue(status.out.contains("run 2: finished at"), status.out)
    XCTAssertTrue(status.out.contains("URLs: 0 queued, 0 leased, 0 with a lease run out, 40 done"), status.out)
    XCTAssertTrue(status.out.contains("\n  r1 "), status.out)
  }

  func testASourceThatCannotBeReadFailsTheSharedRunAsItFailsARunOfItsOwn() throws {
    let server = try Self.pageServer(delay: 0)
    defer { server.stop() }
    let (job, url) = try workersJob(server: server, count: 4, perHostConcurrency: 2, perHostDelay: 0)
    let text = try String(contentsOfFile: job.path, encoding: .utf8).replacingOccurrences(
      of: "[fetch]", with: "feeds = [\"\(server.url("/gone.rss"))\"]\n[fetch]")
    try Data(text.utf8).write(to: URL(fileURLWithPath: job.path))
    let run = try RecurCLI.run(["run", job.path, "--worker-id", "only"])
    XCTAssertEqual(run.status, 1, run.err)
    XCTAssertTrue(run.err.contains("failed 1"), run.err)
    let documents = try Store(url: url).documents(run: 1)
    XCTAssertEqual(documents.filter { $0.outcome == .failed }.map(\.results.document.url), [server.url("/gone.rss")])
    XCTAssertEqual(documents.filter { $0.outcome == .fetched }.count, 4)
  }

  func testAKilledWorkersURLsGoToALateWorkerAndTheRunCompletesOnce() throws {
    let server = try Self.pageServer(delay: 0.15)
    defer { server.stop() }
    let (job, url) = try workersJob(server: server, count: 40, perHostConcurrency: 2, perHostDelay: 0, lease: 3)
    let first = try RunningRecur(["run", job.path, "--worker-id", "doomed", "--quiet"])
    let store = try Store(url: url)
    let deadline = Date(timeIntervalSinceNow: 60)
    while Date() < deadline {
      if let run = try store.runs(job: "shared").first, try store.queueCounts(run: run.id).done >= 6 { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    // A worker started with another stage cannot join the open run.
    let other = try RecurCLI.run(["run", job.path, "--stage", "parse", "--worker-id", "odd"])
    XCTAssertEqual(other.status, 2, other.err)
    XCTAssertTrue(other.err.contains("run 1 of job shared is open with --stage report"), other.err)

    first.kill(SIGKILL)
    _ = first.wait()
    let counts = try store.queueCounts(run: 1)
    XCTAssertGreaterThan(counts.leased + counts.expired, 0, "the killed worker held URLs: \(counts)")
    XCTAssertLessThan(counts.done, 40)
    let late = try RecurCLI.run(["run", job.path, "--worker-id", "late"])
    XCTAssertEqual(late.status, 0, late.err)
    XCTAssertTrue(late.err.contains("worker late joined run 1"), late.err)
    XCTAssertEqual(late.out, job.jobReportDirectory + "/1/report.html\n")
    XCTAssertEqual(try store.runs(job: "shared").map(\.status), [.finished])
    try assertEachURLOnce(store, run: 1, count: 40, outcome: .fetched)
    let workers = try store.workers(run: 1)
    XCTAssertEqual(workers.map(\.worker), ["doomed", "late"])
    XCTAssertEqual(workers.map { $0.outcomes.values.reduce(0, +) }.reduce(0, +), 40)
    XCTAssertEqual(workers[1].outcomes["fetched", default: 0], 40 - counts.done, "late did the rest")
  }

  func testRecurStoreURLOverridesTheJobFileAndABadOneExitsWithoutThePassword() throws {
    let server = try TestPostgres.server()
    let url = try server.createDatabase(TestPostgres.freshName())
    let job = try localJob(count: 3)
    let binary = try RecurCLI.binary().path
    let run = try RecurCLI.run(in: binary, ["run", job.path, "--quiet"], environment: ["RECUR_STORE_URL": url])
    XCTAssertEqual(run.status, 0, run.err)
    XCTAssertEqual(try Store(url: url).tableCounts()["documents"], 3)
    XCTAssertFalse(FileManager.default.fileExists(atPath: job.storePath), "the job file's SQLite store is not used")

    let wrong = server.url(database: "postgres", password: "wrong-secret-5520")
    let refused = try RecurCLI.run(in: binary, ["run", job.path], environment: ["RECUR_STORE_URL": wrong])
    XCTAssertEqual(refused.status, 3, refused.err)
    XCTAssertTrue(refused.err.contains("password authentication failed"), refused.err)
    XCTAssertFalse(refused.err.contains("wrong-secret-5520"), refused.err)

    let notPostgres = try RecurCLI.run(
      in: binary, ["run", job.path], environment: ["RECUR_STORE_URL": "mysql://u:hush@h/db"])
    XCTAssertEqual(notPostgres.status, 2, notPostgres.err)
    XCTAssertTrue(notPostgres.err.contains("RECUR_STORE_URL must be a postgresql:// URL"), notPostgres.err)
    XCTAssertFalse(notPostgres.err.contains("hush"), notPostgres.err)
  }
}
