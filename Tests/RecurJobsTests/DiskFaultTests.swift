import Foundation
import RecurStore
import XCTest

@testable import RecurJobs

/// Disk faults with the built executable: a file-size limit (`ulimit -f`, a full disk
/// without root) while the store or a report is written, a report folder that cannot be
/// made, and a store damaged between runs.
extension RunTests {
  /// A job over `count` local pages, sentiment only, its store and reports in the test folder.
  func localJob(count: Int, report: String = "reports", store: String? = nil) throws -> JobFile {
    for index in 0..<count {
      let text = String(
        repeating: "Page \(index) has a warm, generous and thoroughly pleasant text about a kettle. ", count: 12)
      _ = try write(Self.page("Page \(index)", text), to: "pages/p\(String(format: "%03d", index)).html")
    }
    let path = try write(
      """
      version = 1
      name = "local"
      [sources]
      folders = ["pages"]
      [models]
      sentiment_model = "\(try modelFolder("sentiment"))"
      names = false
      [report]
      directory = "\(report)"
      \(store.map { "[store]\npath = \"\($0)\"" } ?? "")
      """, to: "local.toml")
    return try JobFile.load(path: path)
  }

  /// `recur ARGUMENTS` with a file-size limit of `bytes` (util-linux's `prlimit`, the
  /// shell's `ulimit -f` in bytes rather than in a shell's own block size).
  func runLimited(bytes: Int, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    if let sanitizer = ProcessInfo.processInfo.environment["RECUR_SANITIZER"] {
      // The thread sanitizer's runtime dies (SIGBUS in its own code) in a process under a
      // file-size limit; `make test` runs these.
      throw XCTSkip("not under the \(sanitizer) sanitizer: its runtime does not run under a file-size limit")
    }
    let prlimit = "/usr/bin/prlimit"
    guard FileManager.default.isExecutableFile(atPath: prlimit) else {
      throw XCTSkip("\(prlimit) (util-linux) is missing: cannot set a file-size limit")
    }
    return try RecurCLI.run(in: prlimit, ["--fsize=\(bytes):\(bytes)", try RecurCLI.binary().path] + arguments)
  }

  func testAFileSizeLimitStopsTheRunWithExitThreeAndTheNextRunResumes() throws {
    let job = try localJob(count: 40)
    let limited = try runLimited(bytes: 384 << 10, ["run", job.path, "--quiet"])
    XCTAssertEqual(limited.status, 3, limited.err)
    XCTAssertTrue(limited.err.contains(job.storePath), limited.err)
    XCTAssertTrue(limited.err.contains("file-size limit (ulimit -f) is 393216 bytes"), limited.err)
    XCTAssertFalse(FileManager.default.fileExists(atPath: job.jobReportDirectory + "/1"), "no report of a stopped run")

    let store = try Store(path: job.storePath)
    XCTAssertEqual(try store.integrityCheck(), "ok")
    let committed = try store.documents(run: 1).count
    XCTAssertTrue((1..<40).contains(committed), "the limit stopped the run part way: \(committed) documents")
    XCTAssertNotEqual(try store.run(1)?.status, .finished)

    let rerun = try RecurCLI.run(["run", job.path, "--quiet"])
    XCTAssertEqual(rerun.status, 0, rerun.err)
    XCTAssertEqual(try store.integrityCheck(), "ok")
    let counts = try store.tableCounts()
    XCTAssertEqual(counts["documents"], 40)
    XCTAssertEqual(counts["labels"], 40)
    XCTAssertEqual(try store.run(1)?.status, .interrupted)
    XCTAssertEqual(
      try store.documents(run: 2).filter { $0.outcome == .unchanged }.count, committed,
      "what was committed before the fault is reused")
  }

  func testAReportPastTheFileSizeLimitIsNeverHalfWrittenAndTheOldFileStays() throws {
    let job = try localJob(count: 100)
    XCTAssertEqual(try RecurCLI.run(["run", job.path, "--quiet"]).status, 0)
    let folder = job.jobReportDirectory + "/1"
    // SQLite's shared-memory file beside the store is 32 KiB: the limit leaves room for it.
    let limit = 34 << 10
    let names = ["report.html", "report.md", "documents.jsonl", "entities.csv"]
    var sizes: [String: Int] = [:]
    for name in names {
      sizes[name] = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int
    }
    let over = names.filter { sizes[$0, default: 0] > limit }
    XCTAssertFalse(over.isEmpty, "some report file must be larger than the limit: \(sizes)")
    let earlier = "the file of an earlier report"
    for name in names { try FileManager.default.removeItem(atPath: folder + "/" + name) }
    for name in over { try Data(earlier.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }

    let limited = try runLimited(bytes: limit, ["report", job.path, "--run", "1"])
    XCTAssertEqual(limited.status, 3, limited.err)
    XCTAssertTrue(limited.err.contains(folder + "/" + (over.first ?? "") + ": cannot write the report"), limited.err)
    XCTAssertTrue(limited.err.contains("file-size limit (ulimit -f) is \(limit) bytes"), limited.err)
    for name in names {
      let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
      if over.contains(name) {
        XCTAssertEqual(text, earlier, "\(name): the earlier file stays whole")
      } else {
        XCTAssertEqual(text.utf8.count, sizes[name], "\(name) is written whole")
      }
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }, [],
      "no temporary file left behind")

    let again = try RecurCLI.run(["report", job.path, "--run", "1"])
    XCTAssertEqual(again.status, 0, again.err)
    for name in over {
      XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int, sizes[name])
    }
  }

  func testAReportFolderThatCannotBeMadeStopsWithExitThreeAndTheStoreKeepsTheRun() throws {
    let job = try localJob(count: 5, report: "blocked", store: "store/recur.sqlite")
    _ = try write("a file where the reports folder should be", to: "blocked")
    let blocked = try RecurCLI.run(["run", job.path, "--quiet"])
    XCTAssertEqual(blocked.status, 3, blocked.err)
    XCTAssertTrue(blocked.err.contains(folder.appendingPathComponent("blocked").path), blocked.err)
    let store = try Store(path: job.storePath)
    XCTAssertEqual(try store.integrityCheck(), "ok")
    XCTAssertEqual(try store.documents(run: 1).count, 5, "every document was committed before the report")

    try FileManager.default.removeItem(at: folder.appendingPathComponent("blocked"))
    let report = try RecurCLI.run(["report", job.path])
    XCTAssertEqual(report.status, 0, report.err)
    XCTAssertEqual(report.out, job.jobReportDirectory + "/1/report.html\n")
  }

  func testAStoreTruncatedOrOverwrittenBetweenRunsIsRefusedAndLeftAsItWas() throws {
    let job = try localJob(count: 8)
    XCTAssertEqual(try RecurCLI.run(["run", job.path, "--quiet"]).status, 0)
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: job.storePath + suffix) }
    let sound = try Data(contentsOf: URL(fileURLWithPath: job.storePath))
    XCTAssertGreaterThan(sound.count, 16 << 10)

    var overwritten = sound
    var generator = SystemRandomNumberGenerator()
    // Page 2 (of 4 KiB) is a table's b-tree page in every Recur store.
    for offset in 4096..<(4096 + 3000) { overwritten[offset] = UInt8.random(in: 0...255, using: &generator) }
    let damages: [(String, Data, String)] = [
      ("emptied", Data(), "the database file is empty"),
      ("cut in half", sound.prefix(sound.count / 2), "the database is damaged"),
      ("overwritten in the middle", overwritten, "the database is damaged"),
    ]
    for (name, bytes, message) in damages {
      try bytes.write(to: URL(fileURLWithPath: job.storePath))
      for arguments in [["run", job.path, "--quiet"], ["report", job.path]] {
        let refused = try RecurCLI.run(arguments)
        XCTAssertEqual(refused.status, 3, "\(name), \(arguments[0]): \(refused.err)")
        XCTAssertTrue(refused.err.contains(job.storePath), refused.err)
        XCTAssertTrue(refused.err.contains(message), "\(name): \(refused.err)")
        XCTAssertTrue(refused.err.contains("Recur does not repair a store"), refused.err)
        XCTAssertEqual(
          try Data(contentsOf: URL(fileURLWithPath: job.storePath)), bytes, "\(name): the file is left as it was")
      }
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: job.jobReportDirectory).filter {
        !$0.hasPrefix("recur.sqlite")
      }.sorted(), ["1", "latest"],
      "no run was started over a damaged store")
  }
}
