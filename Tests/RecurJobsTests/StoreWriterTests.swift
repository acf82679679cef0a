import Foundation
import RecurStore
import XCTest

@testable import RecurJobs

/// The background saver of labelled chunks: in order, and a failure stops it and surfaces.
final class StoreWriterTests: XCTestCase {
  final class Log: @unchecked Sendable {
    let lock = NSLock()
    var entries: [Int] = []
    func add(_ value: Int) { lock.withLock { entries.append(value) } }
  }

  func testSubmissionsRunInOrderAndFinishWaitsForThem() throws {
    let writer = StoreWriter()
    let log = Log()
    for chunk in 0..<20 {
      try writer.submit { () throws(StoreError) in
        Thread.sleep(forTimeInterval: 0.001)
        log.add(chunk)
      }
    }
    try writer.finish()
    XCTAssertEqual(log.entries, Array(0..<20))
  }

  func testTheFirstFailureIsThrownAndNothingMoreIsWritten() throws {
    let writer = StoreWriter()
    let log = Log()
    try writer.submit { () throws(StoreError) in log.add(1) }
    try writer.submit { () throws(StoreError) in throw StoreError("disk full") }
    XCTAssertThrowsError(try writer.submit { () throws(StoreError) in log.add(3) }) { error in
      XCTAssertEqual((error as? StoreError)?.description, "disk full")
    }
    XCTAssertThrowsError(try writer.finish())
    XCTAssertEqual(log.entries, [1])
  }
}
