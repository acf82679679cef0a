import Foundation

/// The objects of a JSON-lines file, one a line, with their line numbers (1-based); blank
/// lines are skipped. A line that is no JSON object is refused with its number, and what a
/// line should look like (`example`).
func jsonLineObjects(_ contents: String, name: String, example: String) throws(DataFileError)
  -> [(line: Int, object: [String: Any])]
{
  var objects: [(line: Int, object: [String: Any])] = []
  for (offset, rawLine) in contents.fileLines.enumerated() {
    let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !line.isEmpty else { continue }
    guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
      throw DataFileError("\(name):\(offset + 1): not a JSON object (one a line: \(example))")
    }
    objects.append((offset + 1, object))
  }
  return objects
}

/// A JSON number that is a whole number, as an Int. JSONSerialization gives `true` and
/// `false` as numbers that also read as 1 and 0; their Objective-C type is `c` (char), a
/// number's `i`, `q` or `d`: they are none.
func jsonWholeNumber(_ value: Any?) -> Int? {
  guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
  return value as? Int
}
