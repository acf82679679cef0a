/// One record of a CSV file: its fields and the line it starts on (1-based).
public struct CSVRecord: Equatable, Sendable {
  public var line: Int
  public var fields: [String]
}

/// The records of a CSV file as spreadsheets write them (RFC 4180): fields separated by
/// `separator`; a field in double quotes may hold separators, line breaks and doubled quotes
/// (`""` for `"`); a record ends at a line break (`\n`, `\r\n` or `\r`) outside quotes. A quote
/// inside an unquoted field (`a 5" screen`) is kept as written, as is text after a closing
/// quote. Blank lines are no records. A quoted field still open at the end of the file is
/// refused with the line it opened on (`name` names the file; `firstLine` is the number of
/// the first line of `contents` in it).
public func csvRecords(_ contents: String, separator: Unicode.Scalar, name: String, firstLine: Int = 1)
  throws(DataFileError) -> [CSVRecord]
{
  var records: [CSVRecord] = []
  var fields: [String] = []
  var field = String.UnicodeScalarView()
  var line = firstLine
  var recordLine = firstLine
  var quoteLine = 0
  var inQuotes = false
  // The field was quoted and its closing quote seen: a doubled quote continues it.
  var closed = false
  var previousWasReturn = false
  func endField() {
    fields.append(String(field))
    field.removeAll(keepingCapacity: true)
    closed = false
  }
  func endRecord() {
    endField()
    if fields.count > 1 || !fields[0].isEmpty { records.append(CSVRecord(line: recordLine, fields: fields)) }
    fields.removeAll(keepingCapacity: true)
  }
  for scalar in contents.unicodeScalars {
    let isReturn = scalar == "\r"
    defer { previousWasReturn = isReturn }
    if scalar == "\n" || isReturn {
      if scalar == "\n" && previousWasReturn {
        if inQuotes { field.append(scalar) }
        continue
      }
      line += 1
      if inQuotes {
        field.append(scalar)
      } else {
        endRecord()
        recordLine = line
      }
      continue
    }
    if inQuotes {
      if scalar == "\"" {
        inQuotes = false
        closed = true
      } else {
        field.append(scalar)
      }
    } else if scalar == separator {
      endField()
    } else if scalar == "\"" && closed {
      // `""` inside a quoted field: one quote, and the field goes on.
      field.append(scalar)
      inQuotes = true
      closed = false
    } else if scalar == "\"" && field.isEmpty {
      inQuotes = true
      quoteLine = line
    } else {
      field.append(scalar)
      closed = false
    }
  }
  if inQuotes {
    throw DataFileError("\(name):\(quoteLine): a quoted field opens here and is never closed")
  }
  if !field.isEmpty || !fields.isEmpty { endRecord() }
  return records
}
