import Foundation
import RecurTestSupport
import XCTest

/// One throwaway PostgreSQL server for the whole test process, started on first use and
/// stopped when the process exits; each test takes a database of its own.
enum TestPostgres {
  nonisolated(unsafe) private static var state: Result<PostgresServer, any Error>?

  static func server() throws -> PostgresServer {
    if state == nil {
      state = Result { try PostgresServer() }
      atexit { TestPostgres.stop() }
    }
    switch state! {
    case .success(let server): return server
    case .failure(let error as PostgresServer.Failure):
      // Only a machine without the server skips (`make test` installs it, so CI never does).
      if case .missing(let what) = error { throw XCTSkip(what) }
      throw error
    case .failure(let error): throw error
    }
  }

  static func stop() {
    if case .success(let server) = state { server.stop() }
  }

  /// A database name no other test uses.
  static func freshName() -> String {
    "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
  }
}
