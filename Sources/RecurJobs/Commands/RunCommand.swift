import Foundation
import RecurStore

/// `recur run JOB.toml`: the whole pipeline for one job, then its report.
public struct RunCommand {
  public var jobPath: String
  public var limit: Int?
  public var stage: RunStage
  public var quiet: Bool
  public var workerID: String?

  public init(jobPath: String, limit: Int?, stage: RunStage, quiet: Bool, workerID: String? = nil) {
    self.jobPath = jobPath
    self.limit = limit
    self.stage = stage
    self.quiet = quiet
    self.workerID = workerID
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    if let limit, limit < 1 { throw RecurError(.usage, "--limit must be at least 1") }
    if let workerID {
      guard !workerID.isEmpty, workerID.count <= 100, !workerID.contains(where: { $0.isNewline || $0 == "\t" })
      else { throw RecurError(.usage, "--worker-id must be 1 to 100 characters on one line") }
    }
    let job: JobFile
    do {
      job = try JobFile.load(path: jobPath)
    } catch {
      throw RecurError(.usage, error.description)
    }
    let style: ProgressStyle = quiet ? .quiet : (Console.errorIsTerminal ? .bar : .lines)
    let runner = JobRunner(job: job, stage: stage, limit: limit, progress: style)
    if let workerID {
      guard job.storeURL != nil else {
        throw RecurError(.usage, "--worker-id names a worker of a shared run: the job's store must be PostgreSQL")
      }
      runner.workerID = workerID
    }
    let summary = try runner.run()
    let counts = DocumentOutcome.allCases.map { "\($0.rawValue) \(summary.counts[$0, default: 0])" }
    if !quiet {
      let who = summary.worker.map { " worker \($0.name)" } ?? ""
      let closing = summary.worker?.closedRun == true ? " (it closed the run)" : ""
      Console.error(
        "run \(summary.runID)\(who) \(summary.interrupted ? "interrupted" : "finished") in "
          + String(format: "%.1f s", summary.seconds) + ": " + counts.joined(separator: ", ") + closing)
    }
    // The report's path on standard output, for scripts: report.html when written, else the first file.
    if let main = summary.reportFiles.first(where: { $0.hasSuffix("report.html") }) ?? summary.reportFiles.first {
      write(main)
    }
    return summary.status
  }
}

/// `recur report JOB.toml [--run ID]`: writes a run's report again from the store,
/// without fetching anything.
public struct ReportCommand {
  public var jobPath: String
  public var run: Int64?

  public init(jobPath: String, run: Int64?) {
    self.jobPath = jobPath
    self.run = run
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let (job, store) = try Self.openStore(jobPath: jobPath)
    guard let record = try Self.chooseRun(run, job: job, store: store) else {
      throw RecurError(.usage, "job \(job.name) has no runs in \(job.storeLocation)")
    }
    let files = try ReportWriter(job: job, store: store, now: { ISO8601DateFormatter().string(from: Date()) })
      .write(run: record.id)
    if let main = files.first(where: { $0.hasSuffix("report.html") }) ?? files.first { write(main) }
    return .success
  }

  /// Run `requested` of the job (exit 2 naming the runs there are when it has no such
  /// run), or without one the newest; nil when the job has no runs.
  static func chooseRun(_ requested: Int64?, job: JobFile, store: Store) throws(RecurError) -> RunRecord? {
    let runs: [RunRecord]
    do throws(StoreError) {
      runs = try store.runs(job: job.name)
    } catch {
      throw RecurError(.fatal, error.description)
    }
    guard let requested else { return runs.last }
    guard let record = runs.first(where: { $0.id == requested }) else {
      throw RecurError(
        .usage,
        "job \(job.name) has no run \(requested) (runs: \(runs.map { String($0.id) }.joined(separator: ", ")))")
    }
    return record
  }

  /// The job file and its existing store (a job never run has none: exit 2).
  static func openStore(jobPath: String) throws(RecurError) -> (JobFile, Store) {
    let job: JobFile
    do {
      job = try JobFile.load(path: jobPath)
    } catch {
      throw RecurError(.usage, error.description)
    }
    guard job.storeURL != nil || FileManager.default.fileExists(atPath: job.storePath) else {
      throw RecurError(.usage, "no store yet (run `recur run \(jobPath)` first)", location: job.storePath)
    }
    do {
      return (job, try Store(url: job.storeURL, path: job.storePath))
    } catch {
      throw RecurError(.fatal, error.description)
    }
  }
}
