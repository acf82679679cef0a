import XCTest

@testable import RecurModels

final class CSVRecordsTests: XCTestCase {
  func testQuotedFieldsLineBreaksAndLinesAreRead() throws {
    let contents = "a,\"b, c\",d\r\n\"e\"\"f\",\"\",\"two\r\nlines\"\r\rg,h 5\" wide,\"i\"j\n\nk"
    let records = try csvRecords(contents, separator: ",", name: "t.csv")
    XCTAssertEqual(
      records,
      [
        CSVRecord(line: 1, fields: ["a", "b, c", "d"]),
        CSVRecord(line: 2, fields: ["e\"f", "", "two\r\nlines"]),
        CSVRecord(line: 5, fields: ["g", "h 5\" wide", "ij"]),
        CSVRecord(line: 7, fields: ["k"]),
      ])
    XCTAssertEqual(
      try csvRecords("x;\"y;z\"\n", separator: ";", name: "s.csv"), [CSVRecord(line: 1, fields: ["x", "y;z"])])
    XCTAssertEqual(try csvRecords("", separator: ",", name: "e.csv"), [])
    XCTAssertThrowsError(try csvRecords("a,b\nc,\"d\ne,f\n", separator: ",", name: "u.csv")) { error in
      XCTAssertEqual("\(error)", "u.csv:2: a quoted field opens here and is never closed")
    }
  }
}
