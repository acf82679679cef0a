import Foundation

/// A problem with the database file: it cannot be opened, is not Recur's, or a
/// statement failed. The message names the file.
public struct StoreError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// One run of a job as the store keeps it.
public struct RunRecord: Sendable, Equatable {
  public enum Status: String, Sendable {
    /// In progress, or its process died (a later run marks it `interrupted`).
    case running
    case finished
    /// Stopped by a signal or a crash before every document was done.
    case interrupted
  }

  public var id: Int64
  public var job: String
  public var startedAt: String
  public var finishedAt: String?
  public var status: Status
  /// The last stage the run went through (`fetch`, `parse`, `label`, `report`).
  public var stage: String
  public var models: [ModelVersion]
  /// Documents by outcome (`fetched`, `unchanged`, … ) and by sentiment label (`label:positive`, …).
  public var counts: [String: Int]
  public var seconds: Double?
}

/// A document as one run left it, with everything a report shows of it.
public struct RunDocument: Sendable, Equatable {
  public var outcome: DocumentOutcome
  public var reason: String?
  public var results: DocumentResults

  public init(outcome: DocumentOutcome, reason: String?, results: DocumentResults) {
    self.outcome = outcome
    self.reason = reason
    self.results = results
  }
}

/// The database of one job: runs, documents with their HTTP validators and content hash,
/// labels, entities, review items and the fetch log, in SQLite (the embedded default, a
/// file in WAL mode) or PostgreSQL (shared by workers). The same statements serve both.
/// Every document is written in one transaction, so a crash at any point leaves a
/// consistent store and a rerun carries on from what was committed.
public final class Store: Sendable {
  /// The file path, or the PostgreSQL URL without its password.
  public var path: String { backend.location }
  let backend: any StoreBackend

  /// Opens (creating when missing) the SQLite database at `path` and brings its schema up
  /// to date; a file that is damaged, not Recur's, or from a newer Recur is refused.
  public init(path: String) throws(StoreError) {
    backend = try SQLiteBackend(path: path)
  }

  /// Connects to the PostgreSQL database at `url` (`postgresql://user@host:port/db`) and
  /// brings its schema up to date.
  public init(url: String) throws(StoreError) {
    backend = try PostgresBackend(url: url)
  }

  /// `url` when given (PostgreSQL), else the SQLite file at `path`.
  public convenience init(url: String?, path: String) throws(StoreError) {
    if let url { try self.init(url: url) } else { try self.init(path: path) }
  }

  /// A store URL as messages show it: without its password.
  public static func redacted(_ url: String) -> String { PostgresBackend.redacted(url) }

  static let damagedAdvice =
    "Recur does not repair a store: restore it from a backup, or move it aside to start a new one"

  static func newerSchema(_ location: String) -> String {
    "\(location): the store was written by a newer Recur (its schema has migrations this one does not know); "
      + "run it with that version"
  }

  func write<T>(_ what: String, _ body: (any StoreSession) throws -> T) throws(StoreError) -> T {
    do {
      return try backend.write(body)
    } catch {
      throw StoreError("\(path): \(what): \(backend.describe(error))")
    }
  }

  func read<T>(_ what: String, _ body: (any StoreSession) throws -> T) throws(StoreError) -> T {
    do {
      return try backend.read(body)
    } catch {
      throw StoreError("\(path): \(what): \(backend.describe(error))")
    }
  }

  // MARK: Runs

  /// Starts a run; runs of this job still marked running (their process died) become interrupted.
  public func beginRun(job: String, stage: String, models: [ModelVersion], at time: String) throws(StoreError)
    -> Int64
  {
    let modelsJSON = Self.encode(models)
    return try write("cannot start a run") { db in
      try db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND job = ?", [job])
      let row = try db.row(
        "INSERT INTO runs (job, started_at, status, stage, models) VALUES (?, ?, 'running', ?, ?) RETURNING id",
        [job, time, stage, modelsJSON])
      return row?.int64("id") ?? 0
    }
  }

  /// Ends a run: its counts by outcome and by sentiment label are computed and kept.
  public func finishRun(_ run: Int64, status: RunRecord.Status, at time: String, seconds: Double) throws(StoreError) {
    try write("cannot finish run \(run)") { db in
      try Self.finish(run, status: status, at: time, seconds: seconds, db: db)
    }
  }

  static func finish(
    _ run: Int64, status: RunRecord.Status, at time: String, seconds: Double, db: any StoreSession
  ) throws {
    var counts: [String: Int] = [:]
    for row in try db.rows(
      "SELECT outcome, COUNT(*) AS n FROM run_documents WHERE run_id = ? GROUP BY outcome", [run])
    {
      counts[row.string("outcome") ?? ""] = row.int("n")
    }
    for row in try db.rows(
      """
      SELECT l.label, COUNT(*) AS n FROM run_documents r JOIN labels l ON l.document_id = r.document_id
      WHERE r.run_id = ? AND l.model = 'sentiment' AND r.outcome != 'failed' AND r.outcome != 'skipped'
      GROUP BY l.label
      """, [run])
    {
      counts["label:" + (row.string("label") ?? "")] = row.int("n")
    }
    try db.execute(
      "UPDATE runs SET status = ?, finished_at = ?, counts = ?, seconds = ? WHERE id = ?",
      [status.rawValue, time, Self.encode(counts), seconds, run])
  }

  /// A run's documents so far, by outcome.
  public func outcomes(run: Int64) throws(StoreError) -> [String: Int] {
    try read("cannot count the documents of run \(run)") { db in
      var counts: [String: Int] = [:]
      for row in try db.rows(
        "SELECT outcome, COUNT(*) AS n FROM run_documents WHERE run_id = ? GROUP BY outcome", [run])
      {
        counts[row.string("outcome") ?? ""] = row.int("n")
      }
      return counts
    }
  }

  /// Every run of `job`, oldest first.
  public func runs(job: String) throws(StoreError) -> [RunRecord] {
    try read("cannot read the runs") { db in
      try db.rows("SELECT * FROM runs WHERE job = ? ORDER BY id", [job]).map(Self.run)
    }
  }

  public func run(_ id: Int64) throws(StoreError) -> RunRecord? {
    try read("cannot read run \(id)") { db in
      try db.row("SELECT * FROM runs WHERE id = ?", [id]).map(Self.run)
    }
  }

  static func run(_ row: StoreRow) -> RunRecord {
    RunRecord(
      id: row.int64("id") ?? 0, job: row.string("job") ?? "", startedAt: row.string("started_at") ?? "",
      finishedAt: row.string("finished_at"),
      status: RunRecord.Status(rawValue: row.string("status") ?? "") ?? .interrupted, stage: row.string("stage") ?? "",
      models: decode([ModelVersion].self, row.string("models")) ?? [],
      counts: decode([String: Int].self, row.string("counts")) ?? [:], seconds: row.double("seconds"))
  }

  // MARK: Documents

  /// What earlier runs left for these URLs (those never seen are absent).
  public func previousStates(urls: [String]) throws(StoreError) -> [String: PreviousState] {
    try read("cannot read earlier documents") { db in
      var states: [String: PreviousState] = [:]
      for start in stride(from: 0, to: urls.count, by: 500) {
        let slice = Array(urls[start..<min(urls.count, start + 500)])
        let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
        let rows = try db.rows(
          """
          SELECT d.id, d.url, d.etag, d.last_modified, d.content_hash, d.text, d.language, d.parser_version,
            (SELECT model_version FROM labels WHERE document_id = d.id AND model = 'sentiment') AS sentiment_version,
            (SELECT model_version FROM names_runs WHERE document_id = d.id) AS names_version
          FROM documents d WHERE d.url IN (\(marks))
          """, slice)
        for row in rows {
          guard let url = row.string("url") else { continue }
          states[url] = PreviousState(
            documentID: row.int64("id") ?? 0, etag: row.string("etag"), lastModified: row.string("last_modified"),
            contentHash: row.string("content_hash"), text: row.string("text"), language: row.string("language"),
            sentimentVersion: row.string("sentiment_version"), namesVersion: row.string("names_version"),
            parserVersion: row.string("parser_version"))
        }
      }
      return states
    }
  }

  /// Writes a processed document and its labels (replacing earlier ones), the run's
  /// outcome for it and the fetch log line, in one transaction. Labels left nil are kept
  /// as they were (`--stage parse` stores text only). With `claimedBy`, the URL came from a
  /// shared run's queue: its row is marked done by that worker in the same transaction, and
  /// nothing is written (false) when another worker has done it already.
  @discardableResult
  public func save(
    run: Int64, position: Int, outcome: DocumentOutcome, results: DocumentResults, fetch: FetchLogEntry?,
    claimedBy worker: String? = nil
  ) throws(StoreError) -> Bool {
    try write("cannot store \(results.document.url)") { db in
      guard try Self.complete(run: run, position: position, worker: worker, db: db) else { return false }
      let document = results.document
      let earlierHash = try db.row("SELECT content_hash FROM documents WHERE url = ?", [document.url])?
        .string("content_hash")
      let id = try Self.upsert(document, run: run, db: db)
      // New content without new labels (`--stage parse`): the old labels no longer hold.
      if earlierHash != document.contentHash {
        if results.sentiment == nil {
          try db.execute("DELETE FROM labels WHERE document_id = ?", [id])
          try db.execute("DELETE FROM review_items WHERE document_id = ?", [id])
        }
        if results.names == nil {
          try db.execute("DELETE FROM entities WHERE document_id = ?", [id])
          try db.execute("DELETE FROM people WHERE document_id = ?", [id])
          try db.execute("DELETE FROM names_runs WHERE document_id = ?", [id])
        }
      }
      if let sentiment = results.sentiment {
        try db.execute(
          """
          INSERT INTO labels
            (document_id, model, model_version, label, probability, positive, opinion, language, reason, sentences)
          VALUES (?, 'sentiment', ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (document_id, model) DO UPDATE SET model_version = excluded.model_version,
            label = excluded.label, probability = excluded.probability, positive = excluded.positive,
            opinion = excluded.opinion, language = excluded.language, reason = excluded.reason,
            sentences = excluded.sentences
          """,
          [
            id, sentiment.modelVersion, sentiment.label, sentiment.probability, sentiment.positive,
            sentiment.opinion, sentiment.language, sentiment.reason, Self.encode(sentiment.sentences),
          ])
        try db.execute("DELETE FROM review_items WHERE document_id = ?", [id])
        try Self.insert(
          into: "review_items",
          columns: [
            "document_id", "position", "author", "title", "rating", "best_rating", "normalised_rating", "date", "body",
            "source", "label", "probability",
          ],
          results.reviews.enumerated().map { index, review in
            [
              id, index, review.author, review.title, review.rating, review.bestRating, review.normalisedRating,
              review.date, review.body, review.source, review.label, review.probability,
            ]
          }, db: db)
      }
      if let names = results.names {
        try db.execute("DELETE FROM entities WHERE document_id = ?", [id])
        try db.execute("DELETE FROM people WHERE document_id = ?", [id])
        try Self.insert(
          into: "entities",
          columns: ["document_id", "model_version", "type", "text", "start", "\"end\"", "confidence"],
          names.entities.map { [id, names.modelVersion, $0.type, $0.text, $0.start, $0.end, $0.confidence] }, db: db)
        try Self.insert(
          into: "people", columns: ["document_id", "name", "mentions", "forms", "confidence"],
          names.people.map { [id, $0.name, $0.mentions, Self.encode($0.forms), $0.confidence] }, db: db)
        try db.execute(
          """
          INSERT INTO names_runs (document_id, model_version) VALUES (?, ?)
          ON CONFLICT (document_id) DO UPDATE SET model_version = excluded.model_version
          """, [id, names.modelVersion])
      }
      try Self.record(run: run, document: id, position: position, outcome: outcome, reason: nil, fetch: fetch, db: db)
      return true
    }
  }

  /// Inserts rows in statements of 64, 32, 16, … rows: a document's entities in a few
  /// statements rather than one each (each a round trip to a PostgreSQL server), with few
  /// enough distinct statements for both backends to keep them prepared.
  static func insert(into table: String, columns: [String], _ rows: [[any SQLBindable]], db: any StoreSession) throws {
    let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
    var start = 0
    while start < rows.count {
      var size = 64
      while size > rows.count - start { size /= 2 }
      let values = Array(repeating: placeholders, count: size).joined(separator: ", ")
      try db.execute(
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(values)",
        rows[start..<start + size].flatMap { $0 })
      start += size
    }
  }

  /// Marks a claimed URL's queue row done by `worker`: false when it was done already.
  /// Its row lock holds a second worker committing the same URL until this one commits.
  static func complete(run: Int64, position: Int, worker: String?, db: any StoreSession) throws -> Bool {
    guard let worker else { return true }
    return try db.row(
      """
      UPDATE run_queue SET state = 'done', worker = ? WHERE run_id = ? AND position = ? AND state != 'done'
      RETURNING position
      """, [worker, run, position]) != nil
  }

  /// Records that a document's stored labels stand for this run (unchanged content and
  /// models), refreshing its validators.
  @discardableResult
  public func reuse(
    run: Int64, position: Int, documentID: Int64, etag: String?, lastModified: String?, fetch: FetchLogEntry?,
    claimedBy worker: String? = nil
  ) throws(StoreError) -> Bool {
    try write("cannot record an unchanged document") { db in
      guard try Self.complete(run: run, position: position, worker: worker, db: db) else { return false }
      try db.execute(
        """
        UPDATE documents SET last_run = ?, etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified)
        WHERE id = ?
        """,
        [run, etag, lastModified, documentID])
      try Self.record(
        run: run, document: documentID, position: position, outcome: .unchanged, reason: nil, fetch: fetch, db: db)
      return true
    }
  }

  /// Records what this run did with a URL without new content: a failure, a skip, or a
  /// fetch-only run (`--stage fetch`). Whatever an earlier run stored for it stays.
  @discardableResult
  public func record(
    run: Int64, position: Int, url: String, outcome: DocumentOutcome, reason: String?, fetch: FetchLogEntry?,
    claimedBy worker: String? = nil
  ) throws(StoreError) -> Bool {
    try write("cannot record \(url)") { db in
      guard try Self.complete(run: run, position: position, worker: worker, db: db) else { return false }
      let id =
        try db.row(
          """
          INSERT INTO documents (url, first_run, last_run) VALUES (?, ?, ?)
          ON CONFLICT (url) DO UPDATE SET last_run = excluded.last_run RETURNING id
          """, [url, run, run])?.int64("id") ?? 0
      try Self.record(
        run: run, document: id, position: position, outcome: outcome, reason: reason, fetch: fetch, db: db)
      return true
    }
  }

  /// Everything stored for one URL (to label stored text again after a 304), or nil.
  public func storedResults(url: String) throws(StoreError) -> DocumentResults? {
    try read("cannot read \(url)") { db in
      try db.row("SELECT * FROM documents WHERE url = ?", [url]).map { try Self.results($0, db) }
    }
  }

  static func upsert(_ document: StoredDocument, run: Int64, db: any StoreSession) throws -> Int64 {
    try db.row(
      """
      INSERT INTO documents (url, final_url, http_status, content_type, etag, last_modified, content_hash, title,
        site_name, canonical_url, authors, published, language, description, kind, method, encoding,
        extraction_reason, text, parser_version, subjects, linked_sites, first_run, last_run)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (url) DO UPDATE SET final_url = excluded.final_url, http_status = excluded.http_status,
        content_type = excluded.content_type, etag = excluded.etag, last_modified = excluded.last_modified,
        content_hash = excluded.content_hash, title = excluded.title, site_name = excluded.site_name,
        canonical_url = excluded.canonical_url, authors = excluded.authors, published = excluded.published,
        language = excluded.language, description = excluded.description, kind = excluded.kind,
        method = excluded.method, encoding = excluded.encoding, extraction_reason = excluded.extraction_reason,
        text = excluded.text, parser_version = excluded.parser_version, subjects = excluded.subjects,
        linked_sites = excluded.linked_sites, last_run = excluded.last_run
      RETURNING id
      """,
      [
        document.url, document.finalURL, document.httpStatus, document.contentType, document.etag,
        document.lastModified, document.contentHash, document.title, document.siteName, document.canonicalURL,
        encode(document.authors), document.published, document.language, document.description, document.kind,
        document.method, document.encoding, document.extractionReason, document.text, document.parserVersion,
        encode(document.subjects), encode(document.linkedSites), run, run,
      ])?.int64("id") ?? 0
  }

  static func record(
    run: Int64, document: Int64, position: Int, outcome: DocumentOutcome, reason: String?, fetch: FetchLogEntry?,
    db: any StoreSession
  ) throws {
    try db.execute(
      """
      INSERT INTO run_documents (run_id, document_id, position, outcome, reason) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (run_id, document_id) DO UPDATE SET position = excluded.position, outcome = excluded.outcome,
        reason = excluded.reason
      """,
      [run, document, position, outcome.rawValue, reason])
    if let fetch {
      try db.execute(
        """
        INSERT INTO fetch_log (run_id, url, outcome, http_status, reason, bytes, milliseconds, attempts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          run, fetch.url, fetch.outcome, fetch.httpStatus, fetch.reason, fetch.bytes, fetch.milliseconds,
          fetch.attempts,
        ])
    }
  }

  // MARK: Reading back

  /// The documents a run went through, in the order it took them, with their stored results.
  public func documents(run: Int64) throws(StoreError) -> [RunDocument] {
    var documents: [RunDocument] = []
    try forEachDocument(run: run) { documents.append($0) }
    return documents
  }

  /// Documents read at a time by `forEachDocument`.
  static let page = 256

  /// Hands the documents of a run to `body` one at a time, in the order the run took them,
  /// a page at a time (by position), so a report over a large run never holds every text
  /// at once.
  public func forEachDocument(run: Int64, _ body: (RunDocument) -> Void) throws(StoreError) {
    var after: (position: Int64, id: Int64) = (-1, -1)
    while true {
      let documents = try read("cannot read the documents of run \(run)") { db in
        try db.rows(
          """
          SELECT r.position, r.outcome, r.reason AS run_reason, d.* FROM run_documents r
          JOIN documents d ON d.id = r.document_id
          WHERE r.run_id = ? AND (r.position, r.document_id) > (?, ?)
          ORDER BY r.position, r.document_id LIMIT ?
          """, [run, after.position, after.id, Self.page]
        ).map { row in
          (
            position: row.int64("position") ?? 0, id: row.int64("id") ?? 0,
            document: RunDocument(
              outcome: DocumentOutcome(rawValue: row.string("outcome") ?? "") ?? .failed,
              reason: row.string("run_reason"), results: try Self.results(row, db))
          )
        }
      }
      for item in documents { body(item.document) }
      guard documents.count == Self.page, let last = documents.last else { return }
      after = (last.position, last.id)
    }
  }

  static func results(_ row: StoreRow, _ db: any StoreSession) throws -> DocumentResults {
    let id = row.int64("id") ?? 0
    let document = StoredDocument(
      url: row.string("url") ?? "", finalURL: row.string("final_url"), httpStatus: row.int("http_status"),
      contentType: row.string("content_type"), etag: row.string("etag"), lastModified: row.string("last_modified"),
      contentHash: row.string("content_hash"), title: row.string("title"), siteName: row.string("site_name"),
      canonicalURL: row.string("canonical_url"), authors: Self.decode([String].self, row.string("authors")) ?? [],
      published: row.string("published"), language: row.string("language"), description: row.string("description"),
      kind: row.string("kind"), method: row.string("method"), encoding: row.string("encoding"),
      extractionReason: row.string("extraction_reason"), text: row.string("text"),
      parserVersion: row.string("parser_version"),
      subjects: Self.decode([StoredSubject].self, row.string("subjects")) ?? [],
      linkedSites: Self.decode([String].self, row.string("linked_sites")) ?? [])
    var results = DocumentResults(document: document)
    if let label = try db.row("SELECT * FROM labels WHERE document_id = ? AND model = 'sentiment'", [id]) {
      results.sentiment = StoredSentiment(
        modelVersion: label.string("model_version") ?? "", label: label.string("label") ?? "",
        probability: label.double("probability"), positive: label.double("positive"),
        opinion: label.double("opinion"), language: label.string("language"), reason: label.string("reason"),
        sentences: Self.decodeSentences(label.string("sentences")))
    }
    if let version = try db.row("SELECT model_version FROM names_runs WHERE document_id = ?", [id])?
      .string("model_version")
    {
      let entities = try db.rows("SELECT * FROM entities WHERE document_id = ? ORDER BY start, id", [id]).map {
        StoredEntity(
          type: $0.string("type") ?? "", text: $0.string("text") ?? "", start: $0.int("start") ?? 0,
          end: $0.int("end") ?? 0, confidence: $0.double("confidence") ?? 0)
      }
      let people = try db.rows("SELECT * FROM people WHERE document_id = ? ORDER BY id", [id]).map {
        StoredPerson(
          name: $0.string("name") ?? "", mentions: $0.int("mentions") ?? 0,
          forms: Self.decode([String].self, $0.string("forms")) ?? [], confidence: $0.double("confidence") ?? 0)
      }
      results.names = StoredNames(modelVersion: version, entities: entities, people: people)
    }
    results.reviews = try db.rows("SELECT * FROM review_items WHERE document_id = ? ORDER BY position", [id]).map {
      StoredReview(
        author: $0.string("author"), title: $0.string("title"), rating: $0.double("rating"),
        bestRating: $0.double("best_rating"), normalisedRating: $0.double("normalised_rating"),
        date: $0.string("date"), body: $0.string("body") ?? "", source: $0.string("source") ?? "",
        label: $0.string("label"), probability: $0.double("probability"))
    }
    return results
  }

  /// How earlier reports of `job` grouped its people: form → name.
  public func personGroups(job: String) throws(StoreError) -> [String: String] {
    try read("cannot read the people's grouping") { db in
      var groups: [String: String] = [:]
      for row in try db.rows("SELECT form, name FROM person_groups WHERE job = ?", [job]) {
        if let form = row.string("form"), let name = row.string("name") { groups[form] = name }
      }
      return groups
    }
  }

  /// Keeps a report's grouping of `job`'s people (form → name), replacing what a form had.
  public func savePersonGroups(job: String, _ groups: [String: String]) throws(StoreError) {
    guard !groups.isEmpty else { return }
    try write("cannot store the people's grouping") { db in
      for (form, name) in groups.sorted(by: { $0.key < $1.key }) {
        try db.execute(
          """
          INSERT INTO person_groups (job, form, name) VALUES (?, ?, ?)
          ON CONFLICT (job, form) DO UPDATE SET name = excluded.name
          """, [job, form, name])
      }
    }
  }

  /// Database-wide counts, for tests and `recur report`: documents, labels, entities, runs.
  public func tableCounts() throws(StoreError) -> [String: Int] {
    try read("cannot count rows") { db in
      var counts: [String: Int] = [:]
      for table in ["runs", "documents", "run_documents", "fetch_log", "labels", "entities", "people", "review_items"] {
        counts[table] = try db.row("SELECT COUNT(*) AS n FROM \(table)")?.int("n") ?? 0
      }
      return counts
    }
  }

  /// The database's own consistency check: "ok" for a sound store.
  public func integrityCheck() throws(StoreError) -> String {
    do {
      return try backend.integrityCheck()
    } catch {
      throw StoreError("\(path): cannot check integrity: \(backend.describe(error))")
    }
  }

  // MARK: JSON columns

  static func encode<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(value) else { return "null" }
    return String(decoding: data, as: UTF8.self)
  }

  /// A label's sentences (`[{start, end, positive, text, opinion?}]`), read without
  /// `JSONDecoder`: a report reads every document's, and keeps a few.
  static func decodeSentences(_ text: String?) -> [StoredSentence] {
    guard let text, let items = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else {
      return []
    }
    return items.compactMap { item in
      guard let start = (item["start"] as? NSNumber)?.intValue, let end = (item["end"] as? NSNumber)?.intValue,
        let positive = (item["positive"] as? NSNumber)?.doubleValue, let text = item["text"] as? String
      else { return nil }
      return StoredSentence(
        start: start, end: end, positive: positive, text: text, opinion: (item["opinion"] as? NSNumber)?.doubleValue)
    }
  }

  static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
    guard let text else { return nil }
    return try? JSONDecoder().decode(type, from: Data(text.utf8))
  }
}
