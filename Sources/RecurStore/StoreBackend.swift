import Foundation

/// A value bound to a statement or read from a row, the same for both backends.
public enum SQLValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
}

/// What a statement's arguments may be: text, whole and real numbers, and nil.
public protocol SQLBindable {
  var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
  public var sqlValue: SQLValue { map(\.sqlValue) ?? .null }
}

/// One row of a result: its values by column name (the names are shared by every row).
public struct StoreRow: Sendable {
  let columns: [String: Int]
  let values: [SQLValue]

  public subscript(_ name: String) -> SQLValue { columns[name].map { values[$0] } ?? .null }

  public func string(_ name: String) -> String? {
    switch self[name] {
    case .text(let text): return text
    case .integer(let value): return String(value)
    case .real(let value): return String(value)
    case .null: return nil
    }
  }

  public func int64(_ name: String) -> Int64? {
    switch self[name] {
    case .integer(let value): return value
    case .real(let value): return Int64(exactly: value.rounded())
    case .text(let text): return Int64(text)
    case .null: return nil
    }
  }

  public func int(_ name: String) -> Int? { int64(name).map { Int(truncatingIfNeeded: $0) } }

  public func double(_ name: String) -> Double? {
    switch self[name] {
    case .real(let value): return value
    case .integer(let value): return Double(value)
    case .text(let text): return Double(text)
    case .null: return nil
    }
  }
}

/// The statements of one transaction (or one read) on a backend's connection. SQL is
/// written once for both backends, with `?` placeholders, in the dialect both share
/// (`INSERT … ON CONFLICT … DO UPDATE`, `RETURNING`).
public protocol StoreSession {
  func execute(_ sql: String, _ arguments: [any SQLBindable]) throws
  func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [StoreRow]
}

extension StoreSession {
  func execute(_ sql: String) throws { try execute(sql, []) }
  func rows(_ sql: String) throws -> [StoreRow] { try rows(sql, []) }
  func row(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> StoreRow? {
    try rows(sql, arguments).first
  }
}

/// Where a store keeps its tables: SQLite (the embedded default) or PostgreSQL (shared by
/// workers on several machines). Each serialises its own connection's use.
public protocol StoreBackend: Sendable {
  /// The file path, or the URL without its password: what messages name.
  var location: String { get }
  /// Runs `body` in one transaction: all of its statements are committed, or none.
  func write<T>(_ body: (any StoreSession) throws -> T) throws -> T
  /// Runs `body`'s reads.
  func read<T>(_ body: (any StoreSession) throws -> T) throws -> T
  /// The database's own consistency check: "ok" when sound.
  func integrityCheck() throws -> String
  /// A readable reason for an error the backend threw.
  func describe(_ error: any Error) -> String
}
