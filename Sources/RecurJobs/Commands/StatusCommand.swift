import Foundation
import RecurStore

/// `recur status JOB.toml [--run ID]`: where a run of the job stands — its documents by
/// outcome and, for a run shared by workers, its queue and each worker.
public struct StatusCommand {
  public var jobPath: String
  public var run: Int64?

  public init(jobPath: String, run: Int64?) {
    self.jobPath = jobPath
    self.run = run
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let (job, store) = try ReportCommand.openStore(jobPath: jobPath)
    guard let record = try ReportCommand.chooseRun(run, job: job, store: store) else {
      write("job \(job.name): no runs yet in \(job.storeLocation)")
      return .success
    }
    do throws(StoreError) {
      for line in try Self.lines(record, store: store, job: job) { write(line) }
    } catch {
      throw RecurError(.fatal, error.description)
    }
    return .success
  }

  static func lines(_ record: RunRecord, store: Store, job: JobFile) throws(StoreError) -> [String] {
    var lines = ["job \(job.name), store \(job.storeLocation)"]
    let when =
      record.status == .running
      ? "running since \(record.startedAt)"
      : "\(record.status.rawValue) at \(record.finishedAt ?? "?")"
        + (record.seconds.map { String(format: " after %.1f s", $0) } ?? "")
    lines.append("run \(record.id): \(when), stage \(record.stage)")
    let outcomes = try store.outcomes(run: record.id)
    lines.append("  documents: " + Self.outcomeList(outcomes))
    guard store.isShared else { return lines }
    let queue = try store.queueCounts(run: record.id)
    if queue.done + queue.queued + queue.leased + queue.expired > 0 {
      lines.append(
        "  URLs: \(queue.queued) queued, \(queue.leased) leased, \(queue.expired) with a lease run out, "
          + "\(queue.done) done")
    }
    let workers = try store.workers(run: record.id)
    guard !workers.isEmpty else { return lines }
    let width = max(6, workers.map(\.worker.count).max() ?? 0)
    func pad(_ text: String, _ count: Int) -> String {
      text + String(repeating: " ", count: max(0, count - text.count))
    }
    func right(_ text: String, _ count: Int) -> String {
      String(repeating: " ", count: max(0, count - text.count)) + text
    }
    lines.append("  " + pad("worker", width) + "  state     last heard  leased   done  failed")
    for worker in workers {
      let done = worker.outcomes.values.reduce(0, +)
      let heard = worker.state == "gone" ? "-" : String(format: "%.0f s ago", worker.silentFor)
      lines.append(
        "  " + pad(worker.worker, width) + "  " + pad(worker.state, 8) + "  " + right(heard, 10) + "  "
          + right(String(worker.leased), 6) + "  " + right(String(done), 5) + "  "
          + right(String(worker.outcomes["failed", default: 0]), 6))
    }
    return lines
  }

  static func outcomeList(_ outcomes: [String: Int]) -> String {
    let total = outcomes.values.reduce(0, +)
    let parts = DocumentOutcome.allCases.compactMap { outcome in
      outcomes[outcome.rawValue].map { "\(outcome.rawValue) \($0)" }
    }
    return "\(total)" + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")")
  }
}
