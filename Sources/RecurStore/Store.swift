import Foundation
import GRDB

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
}

/// The database of one job (SQLite through GRDB, in WAL mode): runs, documents with
/// their HTTP validators and content hash, labels, entities, review items and the fetch
/// log. Every document is written in one transaction, so a crash at any point leaves a
/// consistent file and a rerun carries on from what was committed.
public final class Store: Sendable {
  public let path: String
  private let database: DatabaseQueue

  /// Opens (creating when missing) the database at `path` and brings its schema up to date.
  public init(path: String) throws(StoreError) {
    self.path = path
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      } catch {
        throw StoreError("\(path): cannot create the folder \(folder): \(error.localizedDescription)")
      }
    }
    try Self.check(path)
    var configuration = Configuration()
    configuration.journalMode = .wal
    configuration.busyMode = .timeout(5)
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    do {
      database = try DatabaseQueue(path: path, configuration: configuration)
      try Self.migrator.migrate(database)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError("\(path): not a usable Recur database: \(Self.describe(error, path: path))")
    }
  }

  static let damagedAdvice =
    "Recur does not repair a store: restore it from a backup, or move it aside to start a new one"

  /// Checks an existing file before anything is written to it, through a read-only
  /// connection: it must not be empty (SQLite would silently make a new database in its
  /// place, dropping any write-ahead log, and the next run would take the numbers and
  /// report folders of the runs before), every page must read as sound (a file truncated
  /// or overwritten between runs is refused, not written into: SQLite alone notices only
  /// on reaching a damaged page, perhaps never), and it must be Recur's, of a schema this
  /// program knows.
  static func check(_ path: String) throws(StoreError) {
    var file = stat()
    guard stat(path, &file) == 0, (file.st_mode & S_IFMT) == S_IFREG else { return }
    guard file.st_size > 0 else {
      throw StoreError("\(path): the database file is empty (truncated?). \(damagedAdvice)")
    }
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(5)
    do {
      let reader = try DatabaseQueue(path: path, configuration: configuration)
      try reader.read { db in
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
        if problems != ["ok"] {
          throw StoreError(
            "\(path): the database is damaged (\(problems.prefix(3).joined(separator: "; "))). \(damagedAdvice)")
        }
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        if !tables.isEmpty && !tables.contains("grdb_migrations") {
          throw StoreError("\(path): a SQLite database, but not a Recur store (tables \(tables.sorted().prefix(5)))")
        }
        if try migrator.hasBeenSuperseded(db) {
          throw StoreError(
            "\(path): the store was written by a newer Recur (its schema has migrations this one does not know); "
              + "run it with that version")
        }
      }
      try reader.close()
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError("\(path): not a usable Recur database: \(describe(error, path: path))")
    }
  }

  static func describe(_ error: any Error, path: String) -> String {
    guard let error = error as? DatabaseError else { return "\(error)" }
    let message = error.message ?? "\(error.resultCode)"
    switch error.resultCode {
    case .SQLITE_CORRUPT: return "the database is damaged (\(message)). " + damagedAdvice
    case .SQLITE_NOTADB: return message + ". " + damagedAdvice
    case .SQLITE_FULL, .SQLITE_IOERR:
      return DiskSpace.reason(folder: (path as NSString).deletingLastPathComponent).map { message + " (\($0))" }
        ?? message
    default: return message
    }
  }

  private func write<T>(_ what: String, _ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try database.write(body)
    } catch {
      throw StoreError("\(path): \(what): \(Self.describe(error, path: path))")
    }
  }

  private func read<T>(_ what: String, _ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try database.read(body)
    } catch {
      throw StoreError("\(path): \(what): \(Self.describe(error, path: path))")
    }
  }

  // MARK: Schema

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            stage TEXT NOT NULL,
            models TEXT NOT NULL,
            counts TEXT NOT NULL DEFAULT '{}',
            seconds REAL
          );
          CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            final_url TEXT,
            http_status INTEGER,
            content_type TEXT,
            etag TEXT,
            last_modified TEXT,
            content_hash TEXT,
            title TEXT,
            site_name TEXT,
            canonical_url TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            published TEXT,
            language TEXT,
            description TEXT,
            kind TEXT,
            method TEXT,
            encoding TEXT,
            extraction_reason TEXT,
            text TEXT,
            first_run INTEGER REFERENCES runs(id),
            last_run INTEGER REFERENCES runs(id)
          );
          CREATE TABLE run_documents (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (run_id, document_id)
          );
          CREATE TABLE fetch_log (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            outcome TEXT NOT NULL,
            http_status INTEGER,
            reason TEXT,
            bytes INTEGER NOT NULL,
            milliseconds REAL NOT NULL,
            attempts INTEGER NOT NULL
          );
          CREATE INDEX fetch_log_run ON fetch_log(run_id);
          CREATE TABLE labels (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            model_version TEXT NOT NULL,
            label TEXT NOT NULL,
            probability REAL,
            positive REAL,
            language TEXT,
            reason TEXT,
            sentences TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (document_id, model)
          );
          CREATE TABLE entities (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            model_version TEXT NOT NULL,
            type TEXT NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            confidence REAL NOT NULL
          );
          CREATE INDEX entities_document ON entities(document_id);
          CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            mentions INTEGER NOT NULL,
            forms TEXT NOT NULL,
            confidence REAL NOT NULL
          );
          CREATE INDEX people_document ON people(document_id);
          CREATE TABLE names_runs (
            document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            model_version TEXT NOT NULL
          );
          CREATE TABLE review_items (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            author TEXT,
            title TEXT,
            rating REAL,
            best_rating REAL,
            normalised_rating REAL,
            date TEXT,
            body TEXT NOT NULL,
            source TEXT NOT NULL,
            label TEXT,
            probability REAL
          );
          CREATE INDEX review_items_document ON review_items(document_id);
          """)
    }
    // The sentiment model's opinion output: a document's opinion share beside P(positive).
    migrator.registerMigration("v2-opinion") { db in
      try db.execute(sql: "ALTER TABLE labels ADD COLUMN opinion REAL")
    }
    // Which parser made a document's text: text from another parser is parsed again
    // (readers' comments came out of the text with this one).
    migrator.registerMigration("v3-parser") { db in
      try db.execute(sql: "ALTER TABLE documents ADD COLUMN parser_version TEXT")
    }
    return migrator
  }

  // MARK: Runs

  /// Starts a run; runs of this job still marked running (their process died) become interrupted.
  public func beginRun(job: String, stage: String, models: [ModelVersion], at time: String) throws(StoreError)
    -> Int64
  {
    let modelsJSON = Self.encode(models)
    return try write("cannot start a run") { db in
      try db.execute(
        sql: "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND job = ?", arguments: [job])
      try db.execute(
        sql: "INSERT INTO runs (job, started_at, status, stage, models) VALUES (?, ?, 'running', ?, ?)",
        arguments: [job, time, stage, modelsJSON])
      return db.lastInsertedRowID
    }
  }

  /// Ends a run: its counts by outcome and by sentiment label are computed and kept.
  public func finishRun(_ run: Int64, status: RunRecord.Status, at time: String, seconds: Double) throws(StoreError) {
    try write("cannot finish run \(run)") { db in
      var counts: [String: Int] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT outcome, COUNT(*) AS n FROM run_documents WHERE run_id = ? GROUP BY outcome", arguments: [run])
      {
        counts[row["outcome"]] = row["n"]
      }
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT l.label, COUNT(*) AS n FROM run_documents r JOIN labels l ON l.document_id = r.document_id
          WHERE r.run_id = ? AND l.model = 'sentiment' AND r.outcome != 'failed' AND r.outcome != 'skipped'
          GROUP BY l.label
          """, arguments: [run])
      {
        counts["label:" + (row["label"] as String)] = row["n"]
      }
      try db.execute(
        sql: "UPDATE runs SET status = ?, finished_at = ?, counts = ?, seconds = ? WHERE id = ?",
        arguments: [status.rawValue, time, Self.encode(counts), seconds, run])
    }
  }

  /// Every run of `job`, oldest first.
  public func runs(job: String) throws(StoreError) -> [RunRecord] {
    try read("cannot read the runs") { db in
      try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE job = ? ORDER BY id", arguments: [job]).map(Self.run)
    }
  }

  public func run(_ id: Int64) throws(StoreError) -> RunRecord? {
    try read("cannot read run \(id)") { db in
      try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.run)
    }
  }

  static func run(_ row: Row) -> RunRecord {
    RunRecord(
      id: row["id"], job: row["job"], startedAt: row["started_at"], finishedAt: row["finished_at"],
      status: RunRecord.Status(rawValue: row["status"]) ?? .interrupted, stage: row["stage"],
      models: decode([ModelVersion].self, row["models"]) ?? [],
      counts: decode([String: Int].self, row["counts"]) ?? [:], seconds: row["seconds"])
  }

  // MARK: Documents

  /// What earlier runs left for these URLs (those never seen are absent).
  public func previousStates(urls: [String]) throws(StoreError) -> [String: PreviousState] {
    try read("cannot read earlier documents") { db in
      var states: [String: PreviousState] = [:]
      for start in stride(from: 0, to: urls.count, by: 500) {
        let slice = Array(urls[start..<min(urls.count, start + 500)])
        let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
        let rows = try Row.fetchAll(
          db,
          sql: """
            SELECT d.id, d.url, d.etag, d.last_modified, d.content_hash, d.text, d.language, d.parser_version,
              (SELECT model_version FROM labels WHERE document_id = d.id AND model = 'sentiment') AS sentiment_version,
              (SELECT model_version FROM names_runs WHERE document_id = d.id) AS names_version
            FROM documents d WHERE d.url IN (\(marks))
            """, arguments: StatementArguments(slice))
        for row in rows {
          states[row["url"]] = PreviousState(
            documentID: row["id"], etag: row["etag"], lastModified: row["last_modified"],
            contentHash: row["content_hash"], text: row["text"], language: row["language"],
            sentimentVersion: row["sentiment_version"], namesVersion: row["names_version"],
            parserVersion: row["parser_version"])
        }
      }
      return states
    }
  }

  /// Writes a processed document and its labels (replacing earlier ones), the run's
  /// outcome for it and the fetch log line, in one transaction. Labels left nil are kept
  /// as they were (`--stage parse` stores text only).
  public func save(
    run: Int64, position: Int, outcome: DocumentOutcome, results: DocumentResults, fetch: FetchLogEntry?
  ) throws(StoreError) {
    try write("cannot store \(results.document.url)") { db in
      let document = results.document
      let earlierHash = try String.fetchOne(
        db, sql: "SELECT content_hash FROM documents WHERE url = ?", arguments: [document.url])
      let id = try Self.upsert(document, run: run, db: db)
      // New content without new labels (`--stage parse`): the old labels no longer hold.
      if earlierHash != document.contentHash {
        if results.sentiment == nil {
          try db.execute(sql: "DELETE FROM labels WHERE document_id = ?", arguments: [id])
          try db.execute(sql: "DELETE FROM review_items WHERE document_id = ?", arguments: [id])
        }
        if results.names == nil {
          try db.execute(sql: "DELETE FROM entities WHERE document_id = ?", arguments: [id])
          try db.execute(sql: "DELETE FROM people WHERE document_id = ?", arguments: [id])
          try db.execute(sql: "DELETE FROM names_runs WHERE document_id = ?", arguments: [id])
        }
      }
      if let sentiment = results.sentiment {
        try db.execute(
          sql: """
            INSERT OR REPLACE INTO labels
              (document_id, model, model_version, label, probability, positive, opinion, language, reason,
               sentences)
            VALUES (?, 'sentiment', ?, ?, ?, ?, ?, ?, ?, ?)
            """,
          arguments: [
            id, sentiment.modelVersion, sentiment.label, sentiment.probability, sentiment.positive,
            sentiment.opinion, sentiment.language, sentiment.reason, Self.encode(sentiment.sentences),
          ])
        try db.execute(sql: "DELETE FROM review_items WHERE document_id = ?", arguments: [id])
        for (index, review) in results.reviews.enumerated() {
          try db.execute(
            sql: """
              INSERT INTO review_items (document_id, position, author, title, rating, best_rating,
                normalised_rating, date, body, source, label, probability)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              """,
            arguments: [
              id, index, review.author, review.title, review.rating, review.bestRating, review.normalisedRating,
              review.date, review.body, review.source, review.label, review.probability,
            ])
        }
      }
      if let names = results.names {
        try db.execute(sql: "DELETE FROM entities WHERE document_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM people WHERE document_id = ?", arguments: [id])
        for entity in names.entities {
          try db.execute(
            sql: """
              INSERT INTO entities (document_id, model_version, type, text, start, "end", confidence)
              VALUES (?, ?, ?, ?, ?, ?, ?)
              """,
            arguments: [id, names.modelVersion, entity.type, entity.text, entity.start, entity.end, entity.confidence])
        }
        for person in names.people {
          try db.execute(
            sql: "INSERT INTO people (document_id, name, mentions, forms, confidence) VALUES (?, ?, ?, ?, ?)",
            arguments: [id, person.name, person.mentions, Self.encode(person.forms), person.confidence])
        }
        try db.execute(
          sql: "INSERT OR REPLACE INTO names_runs (document_id, model_version) VALUES (?, ?)",
          arguments: [id, names.modelVersion])
      }
      try Self.record(run: run, document: id, position: position, outcome: outcome, reason: nil, fetch: fetch, db: db)
    }
  }

  /// Records that a document's stored labels stand for this run (unchanged content and
  /// models), refreshing its validators.
  public func reuse(
    run: Int64, position: Int, documentID: Int64, etag: String?, lastModified: String?, fetch: FetchLogEntry?
  )
    throws(StoreError)
  {
    try write("cannot record an unchanged document") { db in
      try db.execute(
        sql: """
          UPDATE documents SET last_run = ?, etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified)
          WHERE id = ?
          """,
        arguments: [run, etag, lastModified, documentID])
      try Self.record(
        run: run, document: documentID, position: position, outcome: .unchanged, reason: nil, fetch: fetch, db: db)
    }
  }

  /// Records what this run did with a URL without new content: a failure, a skip, or a
  /// fetch-only run (`--stage fetch`). Whatever an earlier run stored for it stays.
  public func record(
    run: Int64, position: Int, url: String, outcome: DocumentOutcome, reason: String?, fetch: FetchLogEntry?
  ) throws(StoreError) {
    try write("cannot record \(url)") { db in
      try db.execute(
        sql:
          "INSERT INTO documents (url, first_run, last_run) VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET last_run = ?",
        arguments: [url, run, run, run])
      let id = try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE url = ?", arguments: [url]) ?? 0
      try Self.record(
        run: run, document: id, position: position, outcome: outcome, reason: reason, fetch: fetch, db: db)
    }
  }

  /// Everything stored for one URL (to label stored text again after a 304), or nil.
  public func storedResults(url: String) throws(StoreError) -> DocumentResults? {
    try read("cannot read \(url)") { db in
      try Row.fetchOne(db, sql: "SELECT * FROM documents WHERE url = ?", arguments: [url]).map {
        try Self.results($0, db)
      }
    }
  }

  static func upsert(_ document: StoredDocument, run: Int64, db: Database) throws -> Int64 {
    try db.execute(
      sql: """
        INSERT INTO documents (url, final_url, http_status, content_type, etag, last_modified, content_hash, title,
          site_name, canonical_url, authors, published, language, description, kind, method, encoding,
          extraction_reason, text, parser_version, first_run, last_run)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(url) DO UPDATE SET final_url = excluded.final_url, http_status = excluded.http_status,
          content_type = excluded.content_type, etag = excluded.etag, last_modified = excluded.last_modified,
          content_hash = excluded.content_hash, title = excluded.title, site_name = excluded.site_name,
          canonical_url = excluded.canonical_url, authors = excluded.authors, published = excluded.published,
          language = excluded.language, description = excluded.description, kind = excluded.kind,
          method = excluded.method, encoding = excluded.encoding, extraction_reason = excluded.extraction_reason,
          text = excluded.text, parser_version = excluded.parser_version, last_run = excluded.last_run
        """,
      arguments: [
        document.url, document.finalURL, document.httpStatus, document.contentType, document.etag,
        document.lastModified, document.contentHash, document.title, document.siteName, document.canonicalURL,
        encode(document.authors), document.published, document.language, document.description, document.kind,
        document.method, document.encoding, document.extractionReason, document.text, document.parserVersion, run,
        run,
      ])
    return try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE url = ?", arguments: [document.url]) ?? 0
  }

  static func record(
    run: Int64, document: Int64, position: Int, outcome: DocumentOutcome, reason: String?, fetch: FetchLogEntry?,
    db: Database
  ) throws {
    try db.execute(
      sql:
        "INSERT OR REPLACE INTO run_documents (run_id, document_id, position, outcome, reason) VALUES (?, ?, ?, ?, ?)",
      arguments: [run, document, position, outcome.rawValue, reason])
    if let fetch {
      try db.execute(
        sql: """
          INSERT INTO fetch_log (run_id, url, outcome, http_status, reason, bytes, milliseconds, attempts)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
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

  /// Hands the documents of a run to `body` one at a time, in the order the run took them,
  /// so a report over a large run need not hold every text at once.
  public func forEachDocument(run: Int64, _ body: (RunDocument) -> Void) throws(StoreError) {
    try withoutActuallyEscaping(body) { body throws(StoreError) in
      let box = UncheckedBox(body)
      try read("cannot read the documents of run \(run)") { db in
        let rows = try Row.fetchCursor(
          db,
          sql: """
            SELECT r.outcome, r.reason AS run_reason, d.* FROM run_documents r JOIN documents d ON d.id = r.document_id
            WHERE r.run_id = ? ORDER BY r.position, d.id
            """, arguments: [run])
        while let row = try rows.next() {
          box.value(
            RunDocument(
              outcome: DocumentOutcome(rawValue: row["outcome"]) ?? .failed, reason: row["run_reason"],
              results: try Self.results(row, db)))
        }
      }
    }
  }

  static func results(_ row: Row, _ db: Database) throws -> DocumentResults {
    let id: Int64 = row["id"]
    let document = StoredDocument(
      url: row["url"], finalURL: row["final_url"], httpStatus: row["http_status"],
      contentType: row["content_type"], etag: row["etag"], lastModified: row["last_modified"],
      contentHash: row["content_hash"], title: row["title"], siteName: row["site_name"],
      canonicalURL: row["canonical_url"], authors: Self.decode([String].self, row["authors"]) ?? [],
      published: row["published"], language: row["language"], description: row["description"],
      kind: row["kind"], method: row["method"], encoding: row["encoding"],
      extractionReason: row["extraction_reason"], text: row["text"], parserVersion: row["parser_version"])
    var results = DocumentResults(document: document)
    if let label = try Row.fetchOne(
      db, sql: "SELECT * FROM labels WHERE document_id = ? AND model = 'sentiment'", arguments: [id])
    {
      results.sentiment = StoredSentiment(
        modelVersion: label["model_version"], label: label["label"], probability: label["probability"],
        positive: label["positive"], opinion: label["opinion"], language: label["language"],
        reason: label["reason"],
        sentences: Self.decodeSentences(label["sentences"]))
    }
    if let version = try String.fetchOne(
      db, sql: "SELECT model_version FROM names_runs WHERE document_id = ?", arguments: [id])
    {
      let entities = try Row.fetchAll(
        db, sql: "SELECT * FROM entities WHERE document_id = ? ORDER BY start", arguments: [id]
      ).map {
        StoredEntity(
          type: $0["type"], text: $0["text"], start: $0["start"], end: $0["end"], confidence: $0["confidence"])
      }
      let people = try Row.fetchAll(
        db, sql: "SELECT * FROM people WHERE document_id = ? ORDER BY id", arguments: [id]
      ).map {
        StoredPerson(
          name: $0["name"], mentions: $0["mentions"], forms: Self.decode([String].self, $0["forms"]) ?? [],
          confidence: $0["confidence"])
      }
      results.names = StoredNames(modelVersion: version, entities: entities, people: people)
    }
    results.reviews = try Row.fetchAll(
      db, sql: "SELECT * FROM review_items WHERE document_id = ? ORDER BY position", arguments: [id]
    ).map {
      StoredReview(
        author: $0["author"], title: $0["title"], rating: $0["rating"], bestRating: $0["best_rating"],
        normalisedRating: $0["normalised_rating"], date: $0["date"], body: $0["body"], source: $0["source"],
        label: $0["label"], probability: $0["probability"])
    }
    return results
  }

  /// Database-wide counts, for tests and `recur report`: documents, labels, entities, runs.
  public func tableCounts() throws(StoreError) -> [String: Int] {
    try read("cannot count rows") { db in
      var counts: [String: Int] = [:]
      for table in ["runs", "documents", "run_documents", "fetch_log", "labels", "entities", "people", "review_items"] {
        counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
      }
      return counts
    }
  }

  /// SQLite's own consistency check: "ok" for a sound file.
  public func integrityCheck() throws(StoreError) -> String {
    try read("cannot check integrity") { db in
      try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
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

/// Carries a non-Sendable closure into GRDB's read block, which runs it synchronously on
/// the calling thread's behalf.
private final class UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
