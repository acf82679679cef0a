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

  func testASecondRunOfTheJobAgainstTheSameDatabaseExitsTwo() throws {
    let (job, url) = try postgresJob(count: 2)
    let holder = try Store(url: url)
    XCTAssertTrue(try holder.lockJob("local"))
    let second = try RecurCLI.run(["run", job.path, "--quiet"])
    XCTAssertEqual(second.status, 2, second.err)
    XCTAssertTrue(second.err.contains("job local is already running against postgresql://recur@"), second.err)
    XCTAssertFalse(second.err.contains(try TestPostgres.server().password), "the password is never printed")
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
