import Foundation

/// A training, evaluation or vector file that cannot be used, with where and why.
public struct DataFileError: Error, CustomStringConvertible, Equatable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Reads a whole text file as UTF-8 (invalid bytes become U+FFFD rather than failing the run;
/// a byte-order mark, which editors on Windows write first, is dropped).
func readTextFile(_ path: String, maxBytes: Int = 1 << 31) throws(DataFileError) -> String {
  var isFolder: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
    throw DataFileError("\(path) is a folder, not a file")
  }
  guard let handle = FileHandle(forReadingAtPath: path) else {
    throw DataFileError("cannot read \(path): no such file or not readable")
  }
  defer { try? handle.close() }
  let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
  guard size <= maxBytes else { throw DataFileError("\(path) is \(size) bytes, over the \(maxBytes)-byte limit") }
  try? handle.seek(toOffset: 0)
  let data = (try? handle.readToEnd()) ?? Data()
  let text = String(decoding: data, as: UTF8.self)
  return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
}
