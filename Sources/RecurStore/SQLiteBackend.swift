import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, in WAL mode. Before anything is
/// written to an existing file, it is checked through a read-only connection (`check`).
final class SQLiteBackend: StoreBackend {
  let location: String
  private let database: DatabaseQueue

  init(path: String) throws(StoreError) {
    location = path
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
    } catch {
      throw StoreError("\(path): not a usable Recur database: \(Self.describe(error, path: path))")
    }
  }

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    for (identifier, sql) in Schema.migrations {
      migrator.registerMigration(identifier) { db in try db.execute(sql: sql) }
    }
    return migrator
  }

  func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
    try withoutActuallyEscaping(body) { body in
      let box = UncheckedBox(body)
      return try database.write { db in UncheckedBox(try box.value(SQLiteSession(db: db))) }.value
    }
  }

  func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
    try withoutActuallyEscaping(body) { body in
      let box = UncheckedBox(body)
      return try database.read { db in UncheckedBox(try box.value(SQLiteSession(db: db))) }.value
    }
  }

  func integrityCheck() throws -> String {
    try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
  }

  func describe(_ error: any Error) -> String { Self.describe(error, path: location) }

  static func describe(_ error: any Error, path: String) -> String {
    guard let error = error as? DatabaseError else { return "\(error)" }
    let message = error.message ?? "\(error.resultCode)"
    switch error.resultCode {
    case .SQLITE_CORRUPT: return "the database is damaged (\(message)). " + Store.damagedAdvice
    case .SQLITE_NOTADB: return message + ". " + Store.damagedAdvice
    case .SQLITE_FULL, .SQLITE_IOERR:
      return DiskSpace.reason(folder: (path as NSString).deletingLastPathComponent).map { message + " (\($0))" }
        ?? message
    default: return message
    }
  }

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
      throw StoreError("\(path): the database file is empty (truncated?). \(Store.damagedAdvice)")
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
            "\(path): the database is damaged (\(problems.prefix(3).joined(separator: "; "))). \(Store.damagedAdvice)")
        }
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        if !tables.isEmpty && !tables.contains("grdb_migrations") {
          throw StoreError("\(path): a SQLite database, but not a Recur store (tables \(tables.sorted().prefix(5)))")
        }
        if try migrator.hasBeenSuperseded(db) { throw StoreError(Store.newerSchema(path)) }
      }
      try reader.close()
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError("\(path): not a usable Recur database: \(describe(error, path: path))")
    }
  }
}

/// A GRDB connection inside `read` or `write`, its statements cached by their SQL.
private struct SQLiteSession: StoreSession {
  let db: Database

  func execute(_ sql: String, _ arguments: [any SQLBindable]) throws {
    try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
  }

  func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [StoreRow] {
    let statement = try db.cachedStatement(sql: sql)
    var columns: [String: Int] = [:]
    for (index, name) in statement.columnNames.enumerated() where columns[name] == nil { columns[name] = index }
    var rows: [StoreRow] = []
    let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
    while let row = try cursor.next() {
      rows.append(
        StoreRow(
          columns: columns,
          values: row.databaseValues.map { value in
            switch value.storage {
            case .null: return .null
            case .int64(let integer): return .integer(integer)
            case .double(let real): return .real(real)
            case .string(let text): return .text(text)
            case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
            }
          }))
    }
    return rows
  }

  static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
    StatementArguments(
      values.map { value -> DatabaseValue in
        switch value.sqlValue {
        case .null: return .null
        case .integer(let integer): return integer.databaseValue
        case .real(let real): return real.databaseValue
        case .text(let text): return text.databaseValue
        }
      })
  }
}

/// Carries a non-Sendable value into or out of GRDB's blocks, which run on the calling
/// thread's behalf while it waits.
final class UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
