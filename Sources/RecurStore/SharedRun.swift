import Foundation

/// A URL a worker took from a shared run's queue.
public struct ClaimedURL: Sendable, Equatable {
  public var position: Int
  public var url: String
  /// How many times it has been claimed, this time included (more than one: a worker
  /// holding it stopped or lost its lease).
  public var attempts: Int

  public init(position: Int, url: String, attempts: Int) {
    self.position = position
    self.url = url
    self.attempts = attempts
  }
}

/// Where a shared run's URLs are.
public struct QueueCounts: Sendable, Equatable {
  public var queued = 0
  /// Held by a worker whose lease is live.
  public var leased = 0
  /// Held by a worker whose lease ran out: the next claim takes them.
  public var expired = 0
  public var done = 0
  /// Nothing left to claim or wait for.
  public var drained: Bool { queued == 0 && leased == 0 && expired == 0 }

  public init(queued: Int = 0, leased: Int = 0, expired: Int = 0, done: Int = 0) {
    self.queued = queued
    self.leased = leased
    self.expired = expired
    self.done = done
  }
}

/// A run a worker can join: still running, with a worker alive.
public struct OpenRun: Sendable, Equatable {
  public var id: Int64
  public var stage: String
  public var models: [ModelVersion]
}

/// One worker of a shared run, as `recur status` shows it.
public struct WorkerProgress: Sendable, Equatable {
  public var worker: String
  /// `working`, `finished` or `stopped`.
  public var state: String
  /// Seconds since its last heartbeat.
  public var silentFor: Double
  public var leased: Int
  /// Documents it committed in this run, by outcome.
  public var outcomes: [String: Int]
}

/// Workers sharing one run of a job through a PostgreSQL store: the first opens the run
/// and enqueues its URLs; every worker claims chunks of them (`FOR UPDATE SKIP LOCKED`)
/// under a lease its heartbeat renews; a URL whose lease runs out goes to the next claim.
/// A host is fetched by one worker at a time (its lease in `run_hosts`), so the fetcher's
/// per-host limits, delays and robots.txt hold for the whole job; a host handed on waits
/// its delay first. Each document's commit marks its queue row done in the same
/// transaction, once: a second worker finishing the same URL (after a lost lease) writes
/// nothing. Times are the database's clock, so workers' clocks need not agree.
extension Store {
  /// Whether runs of this store are shared by workers (PostgreSQL); SQLite's are one process's.
  public var isShared: Bool { backend is PostgresBackend }

  static func clock(_ db: any StoreSession) throws -> Double {
    try db.row("SELECT EXTRACT(EPOCH FROM clock_timestamp()) AS t")?.double("t") ?? 0
  }

  /// The host a URL is fetched from, lower-cased; empty for a local file, which any worker
  /// may read at any time.
  static func host(of url: String) -> String {
    guard let parts = URLComponents(string: url), parts.scheme?.lowercased() != "file" else { return "" }
    return parts.host?.lowercased() ?? ""
  }

  /// Waits for the job's opening lock (held by a worker opening a run while it collects
  /// the sources), so workers starting together open one run between them.
  public func lockOpening(job: String) throws(StoreError) {
    try read("cannot take the opening lock of job \(job)") { db in
      try db.execute("SELECT pg_advisory_lock(hashtext(?))", ["recur-open:" + job])
    }
  }

  public func unlockOpening(job: String) throws(StoreError) {
    try read("cannot release the opening lock of job \(job)") { db in
      try db.execute("SELECT pg_advisory_unlock(hashtext(?))", ["recur-open:" + job])
    }
  }

  /// The job's newest running run with a worker heard from within `lease` seconds, or nil.
  public func liveRun(job: String, lease: Double) throws(StoreError) -> OpenRun? {
    try read("cannot read the open runs of job \(job)") { db in
      let now = try Self.clock(db)
      return try db.row(
        """
        SELECT r.id, r.stage, r.models FROM runs r WHERE r.job = ? AND r.status = 'running' AND EXISTS (
          SELECT 1 FROM run_workers w WHERE w.run_id = r.id AND w.state = 'working' AND w.heartbeat >= ?)
        ORDER BY r.id DESC LIMIT 1
        """, [job, now - lease]
      ).map { row in
        OpenRun(
          id: row.int64("id") ?? 0, stage: row.string("stage") ?? "",
          models: Self.decode([ModelVersion].self, row.string("models")) ?? [])
      }
    }
  }

  /// Opens a shared run: the run, its queue (`urls` at positions from `firstPosition`) and
  /// its first worker, in one transaction. Runs of the job still marked running (no worker
  /// of theirs alive) become interrupted.
  public func openSharedRun(
    job: String, stage: String, models: [ModelVersion], at time: String, urls: [String], firstPosition: Int,
    worker: String
  ) throws(StoreError) -> Int64 {
    let modelsJSON = Self.encode(models)
    return try write("cannot open a run") { db in
      try db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND job = ?", [job])
      let run =
        try db.row(
          "INSERT INTO runs (job, started_at, status, stage, models) VALUES (?, ?, 'running', ?, ?) RETURNING id",
          [job, time, stage, modelsJSON])?.int64("id") ?? 0
      try Self.insert(
        into: "run_queue", columns: ["run_id", "position", "url", "host"],
        urls.enumerated().map { offset, url in [run, firstPosition + offset, url, Self.host(of: url)] }, db: db)
      try Self.register(run: run, worker: worker, at: time, db: db)
      return run
    }
  }

  /// Adds a worker to an open run; false when a live worker already has the name.
  public func join(run: Int64, worker: String, at time: String, lease: Double) throws(StoreError) -> Bool {
    try write("cannot join run \(run)") { db in
      let now = try Self.clock(db)
      if let other = try db.row(
        "SELECT state, heartbeat FROM run_workers WHERE run_id = ? AND worker = ? FOR UPDATE", [run, worker]),
        other.string("state") == "working", (other.double("heartbeat") ?? 0) >= now - lease
      {
        return false
      }
      try Self.register(run: run, worker: worker, at: time, db: db)
      return true
    }
  }

  static func register(run: Int64, worker: String, at time: String, db: any StoreSession) throws {
    try db.execute(
      """
      INSERT INTO run_workers (run_id, worker, started_at, heartbeat, state)
      VALUES (?, ?, ?, EXTRACT(EPOCH FROM clock_timestamp()), 'working')
      ON CONFLICT (run_id, worker) DO UPDATE SET started_at = excluded.started_at, heartbeat = excluded.heartbeat,
        state = 'working'
      """, [run, worker, time])
  }

  /// Leases up to `count` URLs to `worker` for `lease` seconds, in queue order: queued ones
  /// and those whose lease ran out, of hosts no other worker holds. Hosts this worker no
  /// longer has URLs of are let go, free for another after `hostDelay` seconds. Empty when
  /// nothing can be taken now (see `queueCounts` for whether anything is left).
  public func claim(run: Int64, worker: String, count: Int, lease: Double, hostDelay: Double) throws(StoreError)
    -> [ClaimedURL]
  {
    try write("cannot claim URLs of run \(run)") { db in
      let now = try Self.clock(db)
      let candidates = try db.rows(
        """
        SELECT q.position, q.url, q.host, q.attempts FROM run_queue q
        WHERE q.run_id = ? AND q.state != 'done' AND (q.state = 'queued' OR q.lease_until < ?)
          AND (q.host = '' OR NOT EXISTS (SELECT 1 FROM run_hosts h WHERE h.run_id = q.run_id AND h.host = q.host AND (
            (h.worker IS NOT NULL AND h.worker != ? AND h.lease_until >= ?) OR (h.worker IS NULL AND h.free_at > ?))))
        ORDER BY q.position LIMIT ? FOR UPDATE OF q SKIP LOCKED
        """, [run, now, worker, now, now, count])
      var held: Set<String> = [""]
      // In one order for every worker, so two claims never wait for each other's hosts.
      for host in Set(candidates.compactMap { $0.string("host") }).sorted() where !host.isEmpty {
        // Two workers can see a host free at once: the row lock makes the second wait and
        // then find it taken.
        let taken = try db.row(
          """
          INSERT INTO run_hosts (run_id, host, worker, lease_until) VALUES (?, ?, ?, ?)
          ON CONFLICT (run_id, host) DO UPDATE SET worker = excluded.worker, lease_until = excluded.lease_until
          WHERE run_hosts.worker = excluded.worker OR (run_hosts.worker IS NULL AND run_hosts.free_at <= ?)
            OR (run_hosts.worker IS NOT NULL AND run_hosts.lease_until < ?)
          RETURNING host
          """, [run, host, worker, now + lease, now, now])
        if taken != nil { held.insert(host) }
      }
      let claimed = candidates.filter { held.contains($0.string("host") ?? "") }.map { row in
        ClaimedURL(
          position: row.int("position") ?? 0, url: row.string("url") ?? "", attempts: (row.int("attempts") ?? 0) + 1)
      }
      if !claimed.isEmpty {
        try db.execute(
          """
          UPDATE run_queue SET state = 'leased', worker = ?, lease_until = ?, attempts = attempts + 1
          WHERE run_id = ? AND position = ANY(CAST(? AS BIGINT[]))
          """,
          [worker, now + lease, run, "{" + claimed.map { String($0.position) }.joined(separator: ",") + "}"])
      }
      try db.execute(
        """
        UPDATE run_hosts SET worker = NULL, free_at = ? WHERE run_id = ? AND worker = ? AND NOT EXISTS (
          SELECT 1 FROM run_queue q WHERE q.run_id = run_hosts.run_id AND q.worker = run_hosts.worker
            AND q.state = 'leased' AND q.host = run_hosts.host)
        """, [now + hostDelay, run, worker])
      return claimed
    }
  }

  /// How many of a run's URLs are queued, leased (live or run out) and done.
  public func queueCounts(run: Int64) throws(StoreError) -> QueueCounts {
    try read("cannot read the queue of run \(run)") { db in
      let now = try Self.clock(db)
      var counts = QueueCounts()
      for row in try db.rows(
        """
        SELECT CASE WHEN state = 'leased' AND lease_until < ? THEN 'expired' ELSE state END AS state,
          COUNT(*) AS n FROM run_queue WHERE run_id = ? GROUP BY 1
        """, [now, run])
      {
        let n = row.int("n") ?? 0
        switch row.string("state") {
        case "queued": counts.queued = n
        case "leased": counts.leased = n
        case "expired": counts.expired = n
        default: counts.done += n
        }
      }
      return counts
    }
  }

  /// Renews the worker's leases (its URLs and hosts) for `lease` seconds and notes it alive.
  public func heartbeat(run: Int64, worker: String, lease: Double) throws(StoreError) {
    try write("cannot renew the leases of worker \(worker)") { db in
      let now = try Self.clock(db)
      try db.execute(
        "UPDATE run_queue SET lease_until = ? WHERE run_id = ? AND worker = ? AND state = 'leased'",
        [now + lease, run, worker])
      try db.execute(
        "UPDATE run_hosts SET lease_until = ? WHERE run_id = ? AND worker = ?", [now + lease, run, worker])
      try db.execute("UPDATE run_workers SET heartbeat = ? WHERE run_id = ? AND worker = ?", [now, run, worker])
    }
  }

  /// The worker leaves the run (`finished` or `stopped`): the URLs it still holds go back
  /// to the queue (not counted as an attempt) and its hosts are free after `hostDelay`.
  public func leave(run: Int64, worker: String, state: String, hostDelay: Double) throws(StoreError) {
    try write("cannot leave run \(run)") { db in
      let now = try Self.clock(db)
      try db.execute(
        """
        UPDATE run_queue SET state = 'queued', worker = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0)
        WHERE run_id = ? AND worker = ? AND state = 'leased'
        """, [run, worker])
      try db.execute(
        "UPDATE run_hosts SET worker = NULL, free_at = ? WHERE run_id = ? AND worker = ?",
        [now + hostDelay, run, worker])
      try db.execute(
        "UPDATE run_workers SET state = ?, heartbeat = ? WHERE run_id = ? AND worker = ?", [state, now, run, worker])
    }
  }

  /// Workers of the run other than `worker` heard from within `lease` seconds.
  public func otherLiveWorkers(run: Int64, worker: String, lease: Double) throws(StoreError) -> Int {
    try read("cannot read the workers of run \(run)") { db in
      let now = try Self.clock(db)
      return try db.row(
        """
        SELECT COUNT(*) AS n FROM run_workers
        WHERE run_id = ? AND worker != ? AND state = 'working' AND heartbeat >= ?
        """, [run, worker, now - lease])?.int("n") ?? 0
    }
  }

  /// Closes a shared run whose queue is all done: true for the one worker that closes it
  /// (and writes the report), false when another did or URLs are left.
  public func closeSharedRun(_ run: Int64, at time: String, seconds: Double) throws(StoreError) -> Bool {
    try write("cannot close run \(run)") { db in
      guard try db.row("SELECT status FROM runs WHERE id = ? FOR UPDATE", [run])?.string("status") == "running",
        try db.row("SELECT 1 AS open FROM run_queue WHERE run_id = ? AND state != 'done' LIMIT 1", [run]) == nil
      else { return false }
      try Self.finish(run, status: .finished, at: time, seconds: seconds, db: db)
      return true
    }
  }

  /// Each worker of a run: its state, when last heard from, URLs held and documents done.
  public func workers(run: Int64) throws(StoreError) -> [WorkerProgress] {
    try read("cannot read the workers of run \(run)") { db in
      let now = try Self.clock(db)
      var workers = try db.rows(
        "SELECT worker, state, heartbeat FROM run_workers WHERE run_id = ? ORDER BY started_at, worker", [run]
      ).map { row in
        WorkerProgress(
          worker: row.string("worker") ?? "", state: row.string("state") ?? "",
          silentFor: max(0, now - (row.double("heartbeat") ?? now)), leased: 0, outcomes: [:])
      }
      var index = Dictionary(
        workers.enumerated().map { ($0.element.worker, $0.offset) }, uniquingKeysWith: { a, _ in a })
      func slot(_ name: String) -> Int {
        if let known = index[name] { return known }
        workers.append(WorkerProgress(worker: name, state: "gone", silentFor: 0, leased: 0, outcomes: [:]))
        index[name] = workers.count - 1
        return workers.count - 1
      }
      for row in try db.rows(
        "SELECT worker, COUNT(*) AS n FROM run_queue WHERE run_id = ? AND state = 'leased' GROUP BY worker", [run])
      {
        workers[slot(row.string("worker") ?? "")].leased = row.int("n") ?? 0
      }
      for row in try db.rows(
        """
        SELECT q.worker, r.outcome, COUNT(*) AS n FROM run_documents r
        JOIN run_queue q ON q.run_id = r.run_id AND q.position = r.position
        WHERE r.run_id = ? AND q.state = 'done' GROUP BY q.worker, r.outcome
        """, [run])
      {
        workers[slot(row.string("worker") ?? "")].outcomes[row.string("outcome") ?? "", default: 0] += row.int("n") ?? 0
      }
      return workers
    }
  }
}
