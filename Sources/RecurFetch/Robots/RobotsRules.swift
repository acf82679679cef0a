/// The rules of one robots.txt (RFC 9309) that apply to one product token.
public struct RobotsRules: Sendable, Hashable {
  public struct Rule: Sendable, Hashable {
    public var allow: Bool
    /// The path pattern, percent-escapes upper-cased; `*` matches any run, a final `$` anchors.
    public var pattern: String

    /// The rule as it would read in robots.txt, for reasons shown to a user.
    public var description: String { (allow ? "Allow: " : "Disallow: ") + pattern }
  }

  public var rules: [Rule]
  /// Seconds between requests the matched group asks for, if it does.
  public var crawlDelay: Double?

  public static let allowAll = RobotsRules(rules: [], crawlDelay: nil)
  public static let disallowAll = RobotsRules(
    rules: [Rule(allow: false, pattern: "/")], crawlDelay: nil)

  public init(rules: [Rule], crawlDelay: Double?) {
    self.rules = rules
    self.crawlDelay = crawlDelay
  }

  /// Parses a robots.txt body and keeps the groups for `productToken` (compared
  /// case-insensitively), or the `*` groups when none names it. Lines that do not
  /// parse are ignored, as the RFC asks; only the first 500 KiB are read.
  public init(parsing body: [UInt8], productToken: String) {
    let limit = 500 * 1024
    let text = String(decoding: body.prefix(limit), as: UTF8.self)
    let token = productToken.lowercased()

    struct Group {
      var agents: [String] = []
      var rules: [Rule] = []
      var crawlDelay: Double?
    }
    var groups: [Group] = []
    var current = Group()
    var lastWasAgent = false

    for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
      var line = Substring(rawLine)
      if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingWhitespace().lowercased()
      let value = String(line[line.index(after: colon)...].trimmingWhitespace())
      switch key {
      case "user-agent":
        if !lastWasAgent && !current.agents.isEmpty {
          groups.append(current)
          current = Group()
        }
        current.agents.append(value.lowercased())
        lastWasAgent = true
        continue
      case "allow", "disallow":
        // Rules before any user-agent line belong to no group.
        if !current.agents.isEmpty && !value.isEmpty {
          current.rules.append(Rule(allow: key == "allow", pattern: RobotsRules.normalise(value)))
        }
      case "crawl-delay":
        if !current.agents.isEmpty, let seconds = Double(value), seconds.isFinite, seconds >= 0 {
          current.crawlDelay = seconds
        }
      default:
        break
      }
      lastWasAgent = false
    }
    if !current.agents.isEmpty { groups.append(current) }

    var chosen = groups.filter { $0.agents.contains(token) }
    if chosen.isEmpty { chosen = groups.filter { $0.agents.contains("*") } }
    self.rules = chosen.flatMap(\.rules)
    self.crawlDelay = chosen.compactMap(\.crawlDelay).max()
  }

  /// The rule deciding `pathAndQuery` (the URL's path with its query), or nil when none matches.
  /// The longest matching pattern wins; on a tie, Allow wins.
  public func decidingRule(for pathAndQuery: String) -> Rule? {
    let path = RobotsRules.normalise(pathAndQuery.isEmpty ? "/" : pathAndQuery)
    if path == "/robots.txt" { return nil }
    var best: Rule?
    for rule in rules where RobotsRules.matches(pattern: rule.pattern, path: path) {
      guard let current = best else {
        best = rule
        continue
      }
      let length = rule.pattern.utf8.count
      let bestLength = current.pattern.utf8.count
      if length > bestLength || (length == bestLength && rule.allow && !current.allow) {
        best = rule
      }
    }
    return best
  }

  public func allows(_ pathAndQuery: String) -> Bool {
    decidingRule(for: pathAndQuery)?.allow ?? true
  }

  /// Percent-encodes bytes outside printable ASCII and upper-cases existing escapes,
  /// so a pattern and a path written differently compare equal.
  static func normalise(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
        isHex(bytes[index + 1]), isHex(bytes[index + 2])
      {
        out.append(byte)
        out.append(upper(bytes[index + 1]))
        out.append(upper(bytes[index + 2]))
        index += 3
        continue
      }
      if byte <= 0x20 || byte >= 0x7F {
        out.append(UInt8(ascii: "%"))
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0x0F)])
      } else {
        out.append(byte)
      }
      index += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func isHex(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
  }

  private static func upper(_ byte: UInt8) -> UInt8 {
    (0x61...0x66).contains(byte) ? byte - 0x20 : byte
  }

  /// Whether `pattern` matches a prefix of `path` (or all of it, with a final `$`).
  /// `*` matches any run of bytes. Leftmost matching of each `*`-separated piece is
  /// enough: taking the earliest place for a piece never rules out a later one.
  static func matches(pattern: String, path: String) -> Bool {
    var patternBytes = Array(pattern.utf8)
    let anchored = patternBytes.last == UInt8(ascii: "$")
    if anchored { patternBytes.removeLast() }
    let pieces = patternBytes.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false)
      .map(Array.init)
    let subject = Array(path.utf8)

    guard let first = pieces.first, subject.starts(with: first) else { return false }
    if pieces.count == 1 {
      return anchored ? subject.count == first.count : true
    }
    var position = first.count
    for piece in pieces.dropFirst().dropLast() {
      guard let found = find(piece, in: subject, from: position) else { return false }
      position = found + piece.count
    }
    let last = pieces[pieces.count - 1]
    if anchored {
      return subject.count - last.count >= position && subject.suffix(last.count).elementsEqual(last)
    }
    return find(last, in: subject, from: position) != nil
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    if needle.isEmpty { return start }
    guard haystack.count - needle.count >= start else { return nil }
    for offset in start...(haystack.count - needle.count)
    where haystack[offset] == needle[0] && haystack[offset..<offset + needle.count].elementsEqual(needle) {
      return offset
    }
    return nil
  }
}

extension Substring {
  func trimmingWhitespace() -> Substring {
    var result = self
    while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
    while let last = result.last, last == " " || last == "\t" { result.removeLast() }
    return result
  }
}
