import XCTest

@testable import RecurModels

final class ProgressWindowTests: XCTestCase {
  /// A report every `batches` batches and at the last one, each the mean loss of its own
  /// batches and their tokens a second.
  func testReportsEveryWindowAndAtTheLastBatch() {
    var window = ProgressWindow(every: 3)
    var reports: [(batch: Int, loss: Double, tokensPerSecond: Double)] = []
    let losses = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 7.0]
    for (number, loss) in losses.enumerated() {
      if let report = window.add(loss: loss, tokens: 100, last: number == losses.count - 1) {
        reports.append((number, report.loss, report.tokensPerSecond))
      }
    }
    XCTAssertEqual(reports.map(\.batch), [2, 5, 6])
    XCTAssertEqual(reports.map(\.loss), [2.0, 20.0, 7.0])
    XCTAssertTrue(reports.allSatisfy { $0.tokensPerSecond > 0 && $0.tokensPerSecond.isFinite })
  }
}
