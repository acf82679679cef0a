import Foundation
import XCTest

/// Runs the built `recur` executable as a user would.
enum RecurCLI {
  /// The repository's root folder.
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// `../shared/data` beside the repository when it holds `file`; otherwise the test is
  /// skipped with a message (a user's fresh clone has no shared data).
  static func sharedData(holding file: String) throws -> String {
    let data = repository.deletingLastPathComponent().appendingPathComponent("shared/data").path
    guard FileManager.default.fileExists(atPath: data + "/" + file) else {
      throw XCTSkip("\(data) is absent (a fresh clone without ../shared/data): the shipped-score check is skipped")
    }
    return data
  }

  static func binary() throws -> URL {
    // The test runner sits in the build products folder beside the executable.
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent()
    let binary = products.appendingPathComponent("recur")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      throw XCTSkip("the recur executable is not built beside the tests (\(binary.path)); run `make test`")
    }
    return binary
  }

  /// Exit status, standard output and standard error of `recur ARGUMENTS`.
  static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    try run(in: try binary().path, arguments)
  }

  /// Exit status, standard output and standard error of `EXECUTABLE ARGUMENTS` (`recur`
  /// run through a wrapper such as `prlimit`).
  static func run(in executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
    status: Int32, out: String, err: String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Standard error is read on another thread so neither pipe can fill and stall the child.
    let errReader = ErrorReader(err.fileHandleForReading)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = errReader.wait()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
  }
}

/// Reads a pipe to its end on a background queue.
final class ErrorReader: @unchecked Sendable {
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    DispatchQueue.global().async {
      self.data = handle.readDataToEndOfFile()
      self.done.signal()
    }
  }

  func wait() -> Data {
    done.wait()
    return data
  }
}

/// A `recur` process started in the background (a worker of a shared run).
final class RunningRecur {
  let process = Process()
  private let out: ErrorReader
  private let err: ErrorReader

  init(_ arguments: [String], environment: [String: String] = [:]) throws {
    process.executableURL = try RecurCLI.binary()
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    try process.run()
    out = ErrorReader(outPipe.fileHandleForReading)
    err = ErrorReader(errPipe.fileHandleForReading)
  }

  /// Exit status (or, killed, the signal's number), standard output and standard error.
  func wait() -> (status: Int32, out: String, err: String) {
    let outData = out.wait()
    let errData = err.wait()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
  }

  func kill(_ signal: Int32) { _ = Glibc.kill(process.processIdentifier, signal) }
}
