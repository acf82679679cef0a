import Foundation

/// Reads a file of URLs: one a line; blank lines and `#` comments ignored.
public enum URLListReader {
  public static func read(path: String) throws(RecurError) -> [String] {
    let data: Data
    if path == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: path) else {
        throw RecurError(.usage, "cannot read the URL list", location: path)
      }
      data = contents
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw RecurError(.usage, "the URL list is not UTF-8 text", location: path)
    }
    return parse(text)
  }

  public static func parse(_ text: String) -> [String] {
    text.split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty && !$0.hasPrefix("#") }
  }
}
