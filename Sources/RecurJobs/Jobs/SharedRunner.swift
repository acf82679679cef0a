import Foundation
import RecurStore

/// A worker of a run shared through a PostgreSQL store: it joins the job's open run (one
/// with a live worker) or opens one (collecting the sources and enqueueing their URLs),
/// then claims chunks of URLs until the queue is drained, renewing its leases from a
/// heartbeat thread. The worker that finds the queue drained first closes the run and
/// writes the report.
extension JobRunner {
  func runShared(store: Store, labellers: Labellers, started: Double) throws(RecurError) -> RunSummaryLine {
    let worker = workerID ?? "\(ProcessInfo.processInfo.hostName):\(getpid())"
    let lease = job.leaseSeconds
    let (runID, total, problems) = try openOrJoin(store: store, labellers: labellers, worker: worker)
    StopSignal.install()
    defer { StopSignal.uninstall() }
    let heartbeat = Heartbeat(every: lease / 3) { [log] in
      do throws(StoreError) {
        try store.heartbeat(run: runID, worker: worker, lease: lease)
      } catch {
        log("worker \(worker): \(error.description)")
      }
    }
    heartbeat.start()
    var tally = Tally(total: total + problems, style: progress, log: log)
    // The sources the opener could not read count as this worker's failures, as in a run
    // of its own.
    tally.add(.failed, count: problems)
    let size = chunkSize
    let delay = job.fetch.perHostDelay
    let claim: ChunkFeeder.Claim = { () throws(StoreError) -> [ClaimedURL]? in
      while !StopSignal.requested {
        let claimed = try store.claim(run: runID, worker: worker, count: size, lease: lease, hostDelay: delay)
        if !claimed.isEmpty { return claimed }
        // Nothing queued: what is left is leased (to this worker's chunks in flight among
        // others). Queued URLs this worker cannot take belong to hosts another holds.
        let counts = try store.queueCounts(run: runID)
        if counts.queued == 0 && counts.expired == 0 { return nil }
        for _ in 0..<2 where !StopSignal.requested { Thread.sleep(forTimeInterval: 0.1) }
      }
      return nil
    }
    do throws(StoreError) {
      // Once this worker's claims are done, it waits for the other workers' leases: to
      // finish (the run is drained) or to run out (their URLs are claimed again).
      repeat {
        try drain(claim, run: runID, store: store, labellers: labellers, worker: worker, tally: &tally)
      } while try awaitOthers(store: store, run: runID)
    } catch {
      heartbeat.stop()
      // What this worker held goes back to the queue for the others.
      try? store.leave(run: runID, worker: worker, state: "stopped", hostDelay: delay)
      throw RecurError(.fatal, error.description)
    }
    heartbeat.stop()
    tally.finish()
    let interrupted = StopSignal.requested
    let seconds = monotonicNow() - started
    var closed = false
    try fatal { () throws(StoreError) in
      try store.leave(run: runID, worker: worker, state: interrupted ? "stopped" : "finished", hostDelay: delay)
      let runSeconds = try runSeconds(store: store, run: runID) ?? seconds
      if interrupted {
        // The last worker to stop marks the run interrupted; others carry on without it.
        if try store.otherLiveWorkers(run: runID, worker: worker, lease: lease) == 0 {
          try store.finishRun(runID, status: .interrupted, at: now(), seconds: runSeconds)
          closed = true
        }
      } else {
        closed = try store.closeSharedRun(runID, at: now(), seconds: runSeconds)
      }
    }
    var files: [String] = []
    if closed && stage == .report {
      files = try ReportWriter(job: job, store: store, now: now).write(run: runID)
    }
    let failed = tally.counts[.failed, default: 0]
    return RunSummaryLine(
      runID: runID, counts: tally.counts, interrupted: interrupted, reportFiles: files, seconds: seconds,
      status: interrupted || failed > 0 ? .partialFailure : .success, worker: (worker, closed))
  }

  /// Joins the job's open run, or opens one, under the job's opening lock; the run's id
  /// and how many URLs it has, and — for the worker that opened it — how many sources
  /// could not be read (recorded as failed).
  func openOrJoin(store: Store, labellers: Labellers, worker: String) throws(RecurError) -> (Int64, Int, Int) {
    try fatal { () throws(StoreError) in try store.lockOpening(job: job.name) }
    defer { try? store.unlockOpening(job: job.name) }
    if let open = try fatal({ () throws(StoreError) in try store.liveRun(job: job.name, lease: job.leaseSeconds) }) {
      guard open.stage == stage.rawValue else {
        throw RecurError(
          .usage, "run \(open.id) of job \(job.name) is open with --stage \(open.stage); start its workers with that")
      }
      let mine = labellers.versions.map { "\($0.role) \($0.version)" }
      let theirs = open.models.map { "\($0.role) \($0.version)" }
      guard mine == theirs else {
        throw RecurError(
          .usage,
          "run \(open.id) of job \(job.name) labels with \(Self.list(theirs)); this worker loaded \(Self.list(mine))")
      }
      let joined = try fatal { () throws(StoreError) in
        try store.join(run: open.id, worker: worker, at: now(), lease: job.leaseSeconds)
      }
      guard joined else {
        throw RecurError(.usage, "a worker named \(worker) is already working on run \(open.id) of job \(job.name)")
      }
      let counts = try fatal { () throws(StoreError) in try store.queueCounts(run: open.id) }
      if progress != .quiet {
        log(
          "worker \(worker) joined run \(open.id) of job \(job.name): \(counts.queued) of "
            + "\(counts.queued + counts.leased + counts.expired + counts.done) URLs queued, store \(job.storeLocation)")
      }
      return (open.id, counts.queued + counts.expired, 0)
    }
    let sources = try collectSources()
    let runID = try fatal { () throws(StoreError) in
      try store.openSharedRun(
        job: job.name, stage: stage.rawValue, models: labellers.versions, at: now(), urls: sources.urls,
        firstPosition: sources.problems.count, worker: worker)
    }
    if progress != .quiet {
      log(
        "worker \(worker) opened run \(runID) of job \(job.name): \(sources.urls.count) URLs, store \(job.storeLocation)"
      )
    }
    try fatal { () throws(StoreError) in try recordProblems(sources.problems, run: runID, store: store) }
    return (runID, sources.urls.count, sources.problems.count)
  }

  /// Waits while other workers hold the run's last URLs: true when some can be claimed
  /// again (a lease ran out, a host was let go), false when the run is drained or a stop
  /// was asked for.
  func awaitOthers(store: Store, run: Int64) throws(StoreError) -> Bool {
    while !StopSignal.requested {
      let counts = try store.queueCounts(run: run)
      if counts.drained { return false }
      if counts.queued > 0 || counts.expired > 0 { return true }
      for _ in 0..<5 where !StopSignal.requested { Thread.sleep(forTimeInterval: 0.1) }
    }
    return false
  }

  static func list(_ items: [String]) -> String { items.isEmpty ? "no models" : items.joined(separator: ", ") }

  /// Seconds since the run was opened (by whichever worker), from its start time.
  func runSeconds(store: Store, run: Int64) throws(StoreError) -> Double? {
    guard let record = try store.run(run), let start = ISO8601DateFormatter().date(from: record.startedAt) else {
      return nil
    }
    return max(0, Date().timeIntervalSince(start))
  }
}

/// Calls `beat` every `interval` seconds on a thread of its own until stopped.
final class Heartbeat: @unchecked Sendable {
  private let interval: Double
  private let beat: @Sendable () -> Void
  private let condition = NSCondition()
  private var stopped = false
  private var running = false

  init(every interval: Double, beat: @escaping @Sendable () -> Void) {
    self.interval = max(0.2, interval)
    self.beat = beat
  }

  func start() {
    running = true
    let thread = Thread { [self] in
      condition.lock()
      while !stopped {
        if !condition.wait(until: Date(timeIntervalSinceNow: interval)) && !stopped {
          condition.unlock()
          beat()
          condition.lock()
        }
      }
      running = false
      condition.broadcast()
      condition.unlock()
    }
    thread.name = "recur-heartbeat"
    thread.start()
  }

  /// Stops the beats and waits for the one in progress.
  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    while running { condition.wait() }
    condition.unlock()
  }
}
