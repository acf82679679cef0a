import CPostgres
import Foundation

/// The shared store: a PostgreSQL database through libpq, one connection a process, used
/// by one thread at a time. The URL is libpq's (`postgresql://user@host:port/db?…`); the
/// password comes from the URL, `PGPASSWORD` or `~/.pgpass` (libpq reads them) and is
/// never printed: messages name the URL without it.
final class PostgresBackend: StoreBackend, @unchecked Sendable {
  let location: String
  private let connection: OpaquePointer
  private let lock = NSLock()
  /// The server-side prepared statement made for each SQL text on this connection: parsed
  /// and planned once, not for every document.
  private var prepared: [String: String] = [:]

  init(url: String) throws(StoreError) {
    location = Self.redacted(url)
    // The URL's own settings win over these (they come after, and libpq expands it last).
    let keys = ["connect_timeout", "application_name", "dbname"]
    let values = ["10", "recur", url]
    let cKeys = keys.map { strdup($0) }
    let cValues = values.map { strdup($0) }
    defer { (cKeys + cValues).forEach { free($0) } }
    var keyPointers = cKeys.map { UnsafePointer($0) } + [nil]
    var valuePointers = cValues.map { UnsafePointer($0) } + [nil]
    guard let connection = PQconnectdbParams(&keyPointers, &valuePointers, 1) else {
      throw StoreError("\(location): cannot connect: out of memory")
    }
    self.connection = connection
    // The server's notices ("relation … already exists, skipping") are not the user's business.
    PQsetNoticeProcessor(connection, { _, _ in }, nil)
    guard PQstatus(connection) == CONNECTION_OK else {
      // Every property is set: deinit finishes the connection.
      let message = Self.message(PQerrorMessage(connection))
      throw StoreError("\(location): cannot connect: \(message)")
    }
    do {
      try script(Self.sessionSettings)
      try migrate()
    } catch {
      throw StoreError("\(location): \(describe(error))")
    }
  }

  deinit { PQfinish(connection) }

  /// `postgresql://user:secret@host/db` → `postgresql://user@host/db` (and `password=` in the query dropped).
  static func redacted(_ url: String) -> String {
    guard var parts = URLComponents(string: url) else { return "the PostgreSQL store" }
    parts.password = nil
    if let items = parts.queryItems {
      let kept = items.filter { $0.name.lowercased() != "password" }
      parts.queryItems = kept.isEmpty ? nil : kept
    }
    return parts.string ?? "the PostgreSQL store"
  }

  static func message(_ text: UnsafePointer<CChar>?) -> String {
    guard let text else { return "unknown error" }
    return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
      .replacingOccurrences(of: "\n", with: "; ")
  }

  // MARK: Schema

  /// Applies the migrations not yet applied, in one transaction that waits for any other
  /// worker doing the same; refuses a database with migrations this program does not know.
  private func migrate() throws {
    try write { session in
      try session.execute("SELECT pg_advisory_xact_lock(7283519001)")
      try session.execute("CREATE TABLE IF NOT EXISTS recur_migrations (identifier TEXT PRIMARY KEY)")
      let applied = Set(
        try session.rows("SELECT identifier FROM recur_migrations").compactMap { $0.string("identifier") })
      let known = Set(Schema.migrations.map(\.identifier))
      if !applied.isSubset(of: known) { throw StoreError(Store.newerSchema(location)) }
      for (identifier, sql) in Schema.migrations where !applied.contains(identifier) {
        try script(Schema.postgres(sql))
        try session.execute("INSERT INTO recur_migrations (identifier) VALUES (?)", [identifier])
      }
    }
  }

  // MARK: Transactions

  func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    let session = PostgresSession(backend: self)
    var attempt = 1
    while true {
      try session.script("BEGIN")
      do {
        let value = try body(session)
        try session.script("COMMIT")
        return value
      } catch {
        try? session.script("ROLLBACK")
        // Workers' transactions can deadlock on each other's rows; PostgreSQL ends one,
        // which is tried again.
        guard let failure = error as? PostgresFailure, failure.isTransient, attempt < Self.attempts else { throw error }
        attempt += 1
        usleep(UInt32.random(in: 1_000...20_000))
      }
    }
  }

  /// Tries of a transaction PostgreSQL ended for a deadlock or a serialization failure.
  static let attempts = 5

  func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body(PostgresSession(backend: self))
  }

  func integrityCheck() throws -> String {
    try read { session in
      // PostgreSQL keeps its own pages sound; what can be checked from here is that the
      // tables answer.
      _ = try session.rows("SELECT COUNT(*) AS n FROM runs")
      return "ok"
    }
  }

  func describe(_ error: any Error) -> String {
    if let error = error as? StoreError { return error.description }
    if let error = error as? PostgresFailure { return error.description }
    return "\(error)"
  }

  // MARK: Statements (called with the lock held)

  /// A statement's `?` placeholders as PostgreSQL's `$1, $2, …` (made once, when it is prepared).
  fileprivate func numberedSQL(_ sql: String) -> String {
    var result = ""
    var count = 0
    var quoted = false
    for character in sql {
      if character == "'" { quoted.toggle() }
      if character == "?" && !quoted {
        count += 1
        result += "$\(count)"
      } else {
        result.append(character)
      }
    }
    return result
  }

  /// Runs a statement; PGRES errors become a StoreError with the server's message.
  fileprivate func run(_ sql: String, _ arguments: [any SQLBindable]) throws -> OpaquePointer {
    reconnectIfLost()
    let name: String
    if let known = prepared[sql] {
      name = known
    } else {
      name = "recur_\(prepared.count)"
      PQclear(try checked(PQprepare(connection, name, numberedSQL(sql), 0, nil)))
      prepared[sql] = name
    }
    let texts: [String?] = arguments.map { argument in
      switch argument.sqlValue {
      case .null: return nil
      case .integer(let value): return String(value)
      case .real(let value):
        return value.isFinite ? String(value) : (value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
      // PostgreSQL's text cannot hold U+0000.
      case .text(let value):
        return value.contains("\u{0}") ? value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : value
      }
    }
    let cTexts = texts.map { $0.map { strdup($0) } ?? nil }
    defer { cTexts.forEach { free($0) } }
    let pointers = cTexts.map { UnsafePointer($0) }
    let result = pointers.withUnsafeBufferPointer { buffer in
      PQexecPrepared(connection, name, Int32(buffer.count), buffer.baseAddress, nil, nil, 0)
    }
    return try checked(result)
  }

  fileprivate func checked(_ result: OpaquePointer?) throws -> OpaquePointer {
    guard let result else { throw StoreError(Self.message(PQerrorMessage(connection))) }
    switch PQresultStatus(result) {
    case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return result
    default:
      let message = Self.message(PQresultErrorMessage(result))
      let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
      PQclear(result)
      throw PostgresFailure(description: message, state: state)
    }
  }

  /// A commit does not wait for the server's write-ahead log to reach the disk, as the
  /// SQLite store's (WAL, synchronous NORMAL) does not: a crash of the server can lose the
  /// last fraction of a second of commits, never consistency — a document and its queue
  /// row commit together, so a lost commit is done again by the next claim or run. Waiting
  /// cost a disk flush per document.
  static let sessionSettings = "SET synchronous_commit TO off"

  /// A lost connection is made again (the server restarted); its prepared statements went with it.
  private func reconnectIfLost() {
    guard PQstatus(connection) != CONNECTION_OK else { return }
    PQreset(connection)
    prepared.removeAll()
    if PQstatus(connection) == CONNECTION_OK { PQclear(PQexec(connection, Self.sessionSettings)) }
  }

  fileprivate func script(_ sql: String) throws {
    reconnectIfLost()
    PQclear(try checked(PQexec(connection, sql)))
  }
}

/// The backend's connection inside `read` or `write`.
private struct PostgresSession: StoreSession {
  let backend: PostgresBackend

  /// Statements without arguments, several at once (migrations, BEGIN, COMMIT).
  func script(_ sql: String) throws { try backend.script(sql) }

  func execute(_ sql: String, _ arguments: [any SQLBindable]) throws {
    PQclear(try backend.run(sql, arguments))
  }

  func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [StoreRow] {
    let result = try backend.run(sql, arguments)
    defer { PQclear(result) }
    let fields = Int(PQnfields(result))
    var columns: [String: Int] = [:]
    var kinds: [Oid] = []
    for field in 0..<fields {
      let name = String(cString: PQfname(result, Int32(field)))
      if columns[name] == nil { columns[name] = field }
      kinds.append(PQftype(result, Int32(field)))
    }
    var rows: [StoreRow] = []
    for row in 0..<Int(PQntuples(result)) {
      var values: [SQLValue] = []
      values.reserveCapacity(fields)
      for field in 0..<fields {
        if PQgetisnull(result, Int32(row), Int32(field)) != 0 {
          values.append(.null)
          continue
        }
        let text = String(cString: PQgetvalue(result, Int32(row), Int32(field)))
        switch kinds[field] {
        // int8, int2, int4
        case 20, 21, 23: values.append(Int64(text).map(SQLValue.integer) ?? .text(text))
        // float4, float8, numeric
        case 700, 701, 1700: values.append(Double(text).map(SQLValue.real) ?? .text(text))
        default: values.append(.text(text))
        }
      }
      rows.append(StoreRow(columns: columns, values: values))
    }
    return rows
  }
}

/// A statement the server refused: its message and SQLSTATE code.
struct PostgresFailure: Error, CustomStringConvertible {
  var description: String
  var state: String?

  /// A deadlock or serialization failure: the same transaction may succeed if tried again.
  var isTransient: Bool { state == "40P01" || state == "40001" }
}
