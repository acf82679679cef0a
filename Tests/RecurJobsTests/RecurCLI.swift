import Foundation
import XCTest

/// Runs the built `recur` executable as a user would.
enum RecurCLI {
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
private final class ErrorReader: @unchecked Sendable {
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
