import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the page's character encoding was chosen, in the order the rules are tried.
public enum EncodingSource: String, Sendable, Codable {
  case http = "http-header"
  case byteOrderMark = "bom"
  case meta = "meta"
  case utf8Check = "utf8-valid"
  case fallback = "windows-1252-fallback"
  /// The HTTP header or `<meta>` named another charset, but the bytes are UTF-8 with
  /// non-ASCII text in it (a page saved or re-served as UTF-8 that kept its old label):
  /// read as the label says, it would be mojibake.
  case utf8OverLabel = "utf8-valid-over-label"
}

/// Bytes of a page turned into UTF-8: HTTP charset, then BOM, then `<meta charset>` /
/// `http-equiv`, then a UTF-8 validity check, then windows-1252. A label (HTTP or meta)
/// naming another charset loses to bytes that are valid UTF-8 with non-ASCII text in them:
/// natural text in a legacy charset is next to never valid UTF-8 by accident. Whatever
/// comes out is valid UTF-8 (undecodable bytes become U+FFFD).
public struct DecodedText: Sendable {
  public var text: String
  /// The encoding used, lower-cased (`utf-8`, `windows-1252`, …).
  public var encoding: String
  public var source: EncodingSource

  /// How many characters were written twice over — UTF-8 read as windows-1252 and saved
  /// as UTF-8 again, `it’s` as `itâ€™s` — and are read as they were meant
  /// (`repairingDoubleEncoding`).
  public var repairs = 0

  public init(bytes: [UInt8], httpCharset: String?) {
    self.init(decoding: bytes, httpCharset: httpCharset)
    (text, repairs) = DecodedText.repairingDoubleEncoding(text)
  }

  init(decoding bytes: [UInt8], httpCharset: String?) {
    if let decoded = DecodedText.labelled(bytes, label: httpCharset, source: .http) {
      self = decoded
      return
    }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      self.init(text: String(decoding: bytes.dropFirst(3), as: UTF8.self), encoding: "utf-8", source: .byteOrderMark)
      return
    }
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
      let little = bytes[0] == 0xFF
      var units: [UInt16] = []
      units.reserveCapacity(bytes.count / 2)
      var index = 2
      while index + 1 < bytes.count {
        units.append(
          little
            ? UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
            : UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
        index += 2
      }
      self.init(
        text: String(decoding: units, as: UTF16.self), encoding: little ? "utf-16le" : "utf-16be",
        source: .byteOrderMark)
      return
    }
    if let decoded = DecodedText.labelled(bytes, label: DecodedText.metaCharset(bytes), source: .meta) {
      self = decoded
      return
    }
    if let text = String(validating: bytes, as: UTF8.self) {
      self.init(text: text, encoding: "utf-8", source: .utf8Check)
      return
    }
    self.init(text: DecodedText.windows1252(bytes), encoding: "windows-1252", source: .fallback)
  }

  /// The bytes read as a declared charset (`source` says where it was declared), or as
  /// UTF-8 when they are valid UTF-8 and the label names another; nil when the label is
  /// absent, unknown or unsafe.
  static func labelled(_ bytes: [UInt8], label: String?, source: EncodingSource) -> DecodedText? {
    guard let label = label.flatMap(normalise) else { return nil }
    if let text = utf8DespiteLabel(bytes, label: label) {
      return DecodedText(text: text, encoding: "utf-8", source: .utf8OverLabel)
    }
    return convert(bytes, from: label).map { DecodedText(text: $0, encoding: label, source: source) }
  }

  /// The bytes as UTF-8 when `label` names another charset but the bytes are valid UTF-8
  /// holding non-ASCII characters; nil otherwise.
  static func utf8DespiteLabel(_ bytes: [UInt8], label: String) -> String? {
    guard label != "utf-8", bytes.contains(where: { $0 >= 0x80 }) else { return nil }
    return String(validating: bytes, as: UTF8.self)
  }

  init(text: String, encoding: String, source: EncodingSource) {
    self.text = text
    self.encoding = encoding
    self.source = source
  }

  /// A charset label in a canonical spelling; nil for one that is empty or unsafe.
  static func normalise(_ label: String) -> String? {
    let trimmed = label.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")).lowercased()
    guard !trimmed.isEmpty, trimmed.count < 40,
      trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
    else { return nil }
    switch trimmed {
    case "utf8", "unicode-1-1-utf-8": return "utf-8"
    // The web treats these as windows-1252 (WHATWG Encoding): 0x80–0x9F are printable.
    case "iso-8859-1", "latin1", "l1", "iso8859-1", "iso_8859-1", "us-ascii", "ascii", "cp1252", "x-cp1252":
      return "windows-1252"
    default: return trimmed
    }
  }

  /// The charset a `<meta>` in the first 4 KiB declares. Read on bytes: markup is ASCII
  /// whatever the encoding, and this runs on every page.
  static func metaCharset(_ bytes: [UInt8]) -> String? {
    let head = bytes.prefix(4096).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    var searchStart = 0
    while let meta = head.firstIndex(of: Array("<meta".utf8), from: searchStart) {
      let tagStart = meta + 5
      let tagEnd = head[tagStart...].firstIndex(of: UInt8(ascii: ">")) ?? head.count
      if let charset = head[..<tagEnd].firstIndex(of: Array("charset=".utf8), from: tagStart) {
        let quotesAndSpaces: [UInt8] = [0x22, 0x27, 0x20]
        let valueStart = head[(charset + 8)..<tagEnd].firstIndex { !quotesAndSpaces.contains($0) } ?? tagEnd
        let terminators = Array("\"' ;/>".utf8)
        let valueEnd = head[valueStart..<tagEnd].firstIndex { terminators.contains($0) } ?? tagEnd
        if valueEnd > valueStart { return String(decoding: head[valueStart..<valueEnd], as: UTF8.self) }
      }
      searchStart = tagEnd
    }
    return nil
  }

  static let windows1252High: [UInt32] = [
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD,
    0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
    0x0153, 0xFFFD, 0x017E, 0x0178,
  ]

  static func windows1252(_ bytes: [UInt8]) -> String {
    var scalars = String.UnicodeScalarView()
    for byte in bytes {
      let value = (0x80...0x9F).contains(byte) ? windows1252High[Int(byte) - 0x80] : UInt32(byte)
      scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
    }
    return String(scalars)
  }

  /// The text with each character that was encoded twice read as it was meant. A page's
  /// UTF-8 read as windows-1252 (or Latin-1) and written out as UTF-8 again turns each of
  /// its non-ASCII characters into two to four: `’` into `â€™`, `é` into `Ã©`, `✓` into
  /// `â` and two control characters. A run of characters that reads, as windows-1252
  /// bytes, as one UTF-8 character whose first byte is one of those such text starts with
  /// (`Â`, `Ã` or `Å` before one more byte; `à`–`ï` before two; `ð`–`ô` before three) is
  /// that character, where the text shows itself encoded twice: a run that no text writes
  /// (`Â` or `Ã` and one more character, or a longer one holding a control character or one
  /// of windows-1252's `€`–`Ÿ`) is always read back; any other (`é »`, French spacing
  /// before a quote; `Å”`) only in a text that has such a sure run too. Letters that stand
  /// before such signs in real text are no first bytes here (`NESCAFÉ®`, `ß` before a soft
  /// hyphen or a quote). Done again for text encoded three times (whose second reading may
  /// hold control characters, which the third joins). Last, a control character of
  /// 0x80–0x9F left in the text (a windows-1252 byte read as Latin-1 once, `we\u{92}re`, or
  /// written as `&#146;`, which the web reads as windows-1252) is the windows-1252 character
  /// (`we’re`); no text means the control. Returns the text and the number of characters
  /// repaired.
  static func repairingDoubleEncoding(_ text: String) -> (text: String, repairs: Int) {
    var text = text
    let bytes: [UInt8]? = text.withUTF8 { mayNeedRepair($0) ? Array($0) : nil }
    guard var bytes else { return (text, 0) }
    var total = 0
    for pass in 0..<3 {
      let (repaired, count) = bytes.withUnsafeBufferPointer { repairing($0, again: pass > 0) }
      guard let repaired else { break }
      bytes = repaired
      total += count
    }
    let (windows1252, count) = bytes.withUnsafeBufferPointer { controlsAsWindows1252($0) }
    if let windows1252 {
      bytes = windows1252
      total += count
    }
    return total > 0 ? (String(decoding: bytes, as: UTF8.self), total) : (text, 0)
  }

  /// Whether UTF-8 `bytes` need `repairingDoubleEncoding`: they hold a sure run, or a
  /// control character of 0x80–0x9F (0xC2 then 0x80–0x9F).
  static func mayNeedRepair(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    mayBeEncodedTwice(bytes) || controlIndex(bytes, from: 0) != nil
  }

  /// Where the next control character of 0x80–0x9F that windows-1252 defines starts in
  /// UTF-8 `bytes`, at or after `start`.
  static func controlIndex(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
    guard let base = bytes.baseAddress else { return nil }
    var index = start
    while index + 1 < bytes.count {
      guard let found = memchr(base + index, 0xC2, bytes.count - index - 1) else { return nil }
      index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
      let next = bytes[index + 1]
      if (0x80...0x9F).contains(next), windows1252High[Int(next) - 0x80] != 0xFFFD { return index }
      index += 1
    }
    return nil
  }

  /// The bytes with each control character of 0x80–0x9F that windows-1252 defines as that
  /// character, and how many, when there is one; nil otherwise.
  static func controlsAsWindows1252(_ bytes: UnsafeBufferPointer<UInt8>) -> ([UInt8]?, Int) {
    guard var found = controlIndex(bytes, from: 0) else { return (nil, 0) }
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count + 8)
    var next = 0
    var count = 0
    while true {
      result.append(contentsOf: bytes[next..<found])
      let value = windows1252High[Int(bytes[found + 1]) - 0x80]
      result.append(contentsOf: String(Unicode.Scalar(value)!).utf8)
      next = found + 2
      count += 1
      guard let after = controlIndex(bytes, from: next) else { break }
      found = after
    }
    result.append(contentsOf: bytes[next...])
    return (result, count)
  }

  /// Whether UTF-8 `bytes` hold a sure run (`repairingDoubleEncoding`): a quick look before
  /// any copy is made, as nearly every text has none.
  static func mayBeEncodedTwice(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var sure = false
    forEachRun(bytes, again: false) { _, run in
      sure = run.sure
      return !sure
    }
    return sure
  }

  /// One pass of `repairingDoubleEncoding` over UTF-8 `bytes`: the bytes with every run
  /// read back, and how many, when there is a sure run; nil otherwise.
  static func repairing(_ bytes: UnsafeBufferPointer<UInt8>, again: Bool) -> ([UInt8]?, Int) {
    var runs: [(start: Int, length: Int, meant: [UInt8])] = []
    var sure = false
    forEachRun(bytes, again: again) { start, run in
      runs.append((start, run.length, run.meant))
      sure = sure || run.sure
      return true
    }
    guard sure else { return (nil, 0) }
    var repaired: [UInt8] = []
    repaired.reserveCapacity(bytes.count)
    var next = 0
    for run in runs {
      repaired.append(contentsOf: bytes[next..<run.start])
      repaired.append(contentsOf: run.meant)
      next = run.start + run.length
    }
    repaired.append(contentsOf: bytes[next...])
    return (repaired, runs.count)
  }

  /// Calls `body` with where each run (`run`) of UTF-8 `bytes` starts and the run, in order,
  /// while it returns true. Every run starts with 0xC3, found by `memchr`, not byte by byte.
  static func forEachRun(
    _ bytes: UnsafeBufferPointer<UInt8>, again: Bool,
    _ body: (Int, (length: Int, meant: [UInt8], sure: Bool)) -> Bool
  ) {
    guard let base = bytes.baseAddress else { return }
    var index = 0
    while index + 1 < bytes.count {
      guard let found = memchr(base + index, 0xC3, bytes.count - index) else { return }
      index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
      if let run = run(bytes, at: index, again: again) {
        guard body(index, run) else { return }
        index += run.length
      } else {
        index += 1
      }
    }
  }

  /// The twice-encoded character at `index` of UTF-8 `bytes`, if one starts there: its
  /// length in the bytes, the UTF-8 of the character meant, and whether the run is sure (`Â`
  /// or `Ã` and one more character, or three or four characters with a control character or
  /// one of `€`–`Ÿ` among them; not `Å` and one more, as a Swedish `PÅ”` ends). A character
  /// that can start one is `Â`, `Ã` or `Å` before one more (0xC3 then 0x82, 0x83 or 0x85),
  /// `à`–`ï` before two (0xC3 0xA0–0xAF), `ð`–`ô` before three (0xC3 0xB0–0xB4), and
  /// `again`, in text read back once, `Æ` and `Ë` (0xC3 0x86, 0x8B: windows-1252's `ƒ`, `ˆ`
  /// and `˜` encoded a third time).
  static func run(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, again: Bool) -> (
    length: Int, meant: [UInt8], sure: Bool
  )? {
    guard bytes[index] == 0xC3, index + 1 < bytes.count else { return nil }
    let second = bytes[index + 1]
    let following: Int
    switch second {
    case 0x82, 0x83, 0x85: following = 1
    case 0x86, 0x8B:
      guard again else { return nil }
      following = 1
    case 0xA0...0xAF: following = 2
    case 0xB0...0xB4: following = 3
    default: return nil
    }
    var meant: [UInt8] = [second + 0x40]
    var next = index + 2
    var sure = second == 0x82 || second == 0x83
    while meant.count <= following {
      guard let (length, byte) = continuation(bytes, at: next) else { return nil }
      meant.append(byte)
      sure = sure || following > 1 && byte < 0xA0
      next += length
    }
    guard let decoded = String(validating: meant, as: UTF8.self)?.unicodeScalars, decoded.count == 1 else {
      return nil
    }
    return (next - index, meant, sure)
  }

  /// The character at `index` of UTF-8 `bytes` when it reads, as windows-1252 (or Latin-1,
  /// whose 0x80–0x9F are control characters), as a byte that goes on with a UTF-8
  /// character (0x80–0xBF): its length in the bytes and that byte; nil otherwise.
  static func continuation(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (length: Int, byte: UInt8)? {
    guard index + 1 < bytes.count else { return nil }
    let first = bytes[index]
    if first == 0xC2 {
      let byte = bytes[index + 1]
      return (0x80...0xBF).contains(byte) ? (2, byte) : nil
    }
    let length = first >= 0xE0 ? 3 : 2
    guard first == 0xC5 || first == 0xC6 || first == 0xCB || first == 0xE2, index + length <= bytes.count,
      let scalar = String(validating: bytes[index..<(index + length)], as: UTF8.self)?.unicodeScalars.first,
      let byte = windows1252Bytes[scalar.value]
    else { return nil }
    return (length, byte)
  }

  static let windows1252Bytes: [UInt32: UInt8] = Dictionary(
    uniqueKeysWithValues: windows1252High.enumerated().filter { $0.element != 0xFFFD }.map {
      ($0.element, UInt8(0x80 + $0.offset))
    })

  /// UTF-8 bytes as text: valid input (nearly all) through the fast validating path,
  /// anything else with U+FFFD for each bad sequence.
  static func utf8Text(_ bytes: [UInt8]) -> String {
    String(validating: bytes, as: UTF8.self) ?? String(decoding: bytes, as: UTF8.self)
  }

  /// Converts from `label` with iconv; nil when the encoding is unknown.
  static func convert(_ bytes: [UInt8], from label: String) -> String? {
    switch label {
    case "utf-8": return utf8Text(bytes)
    case "windows-1252": return windows1252(bytes)
    default: break
    }
    let converter = iconv_open("UTF-8", label)
    guard converter != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(converter) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: max(16, bytes.count * 4))
    var result: [UInt8] = []
    input.withUnsafeMutableBufferPointer { inBuffer in
      output.withUnsafeMutableBufferPointer { outBuffer in
        var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress)?
          .assumingMemoryBound(to: CChar.self)
        var inLeft = inBuffer.count
        while inLeft > 0 {
          var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress)?
            .assumingMemoryBound(to: CChar.self)
          var outLeft = outBuffer.count
          let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
          result.append(contentsOf: UnsafeBufferPointer(start: outBuffer.baseAddress, count: outBuffer.count - outLeft))
          if status == -1 {
            if errno == E2BIG { continue }
            // An invalid or truncated sequence: mark it and skip one byte.
            result.append(contentsOf: [0xEF, 0xBF, 0xBD])
            inPointer = inPointer.map { $0 + 1 }
            inLeft -= 1
          }
        }
      }
    }
    return String(decoding: result, as: UTF8.self)
  }
}

extension Array where Element == UInt8 {
  /// Where `needle` first occurs at or after `start` (and ends by `endIndex`).
  func firstIndex(of needle: [UInt8], from start: Int) -> Int? { self[...].firstIndex(of: needle, from: start) }
}

extension ArraySlice where Element == UInt8 {
  /// Where `needle` first occurs at or after `start` within the slice.
  func firstIndex(of needle: [UInt8], from start: Int) -> Int? {
    guard let first = needle.first, needle.count <= count else { return nil }
    var index = Swift.max(start, startIndex)
    let last = endIndex - needle.count
    while index <= last {
      if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) { return index }
      index += 1
    }
    return nil
  }
}

extension StringProtocol {
  /// The text's lines, empty ones kept, split at `\n` and at `\r\n` — one `Character` in
  /// Swift, which a split at `"\n"` alone passes over, so a file saved with Windows line
  /// ends would read as one line.
  public var fileLines: [SubSequence] {
    split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
  }
}
