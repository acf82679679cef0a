import Foundation
import RecurFetch
import RecurStore
import RecurText
import TOMLKit

/// A job file (`jobs/NAME.toml`, schema version 1; every key is documented with its
/// default in `jobs/README.md`). Relative paths in it are read against the job file's folder.
public struct JobFile: Sendable, Equatable {
  public static let schemaVersion = 1
  public static let reportFormats = ["html", "md", "jsonl", "csv"]

  /// The file it was read from.
  public var path: String
  /// The job's name: reports go to `REPORTS/NAME/`. Defaults to the file name without `.toml`.
  public var name: String

  // [sources]
  public var urls: [String] = []
  public var urlFiles: [String] = []
  public var sitemaps: [String] = []
  public var feeds: [String] = []
  public var folders: [String] = []
  public var include: [String] = []
  public var exclude: [String] = []
  /// Documents per run at most; 0 means no limit.
  public var limit = 0

  // [fetch]
  public var fetch = FetchSettings()

  // [models]
  public var sentiment = true
  public var names = true
  /// A model folder, or nil for the shipped model.
  public var sentimentModel: String?
  public var namesModel: String?
  /// The block model folder that picks main text; nil for the shipped one (or the rules
  /// alone when none is found).
  public var extractModel: String?

  // [report]
  public var title: String
  public var formats: [String] = JobFile.reportFormats
  public var reportDirectory: String
  /// Whether `documents.jsonl` carries each document's comments, not only their count.
  public var exportComments = false

  // [store]
  public var storePath: String
  /// A PostgreSQL store (`postgresql://user@host:port/db`), shared by workers on several
  /// machines; nil for the SQLite file at `storePath`. `RECUR_STORE_URL` overrides it.
  public var storeURL: String?
  /// Seconds a worker of a shared run holds the URLs it claimed without a heartbeat (it
  /// renews them every third of this): a killed worker's URLs go to the others after it.
  public var leaseSeconds = 30.0

  /// What messages call the store: the SQLite path, or the URL without its password.
  public var storeLocation: String { storeURL.map(Store.redacted) ?? storePath }

  /// The folder the job's reports go to: `REPORTS/NAME`.
  public var jobReportDirectory: String { (reportDirectory as NSString).appendingPathComponent(name) }
}

/// A job file problem, located: `jobs/x.toml:7: [fetch] timeout: expected a number, found a string`.
public struct JobFileError: Error, CustomStringConvertible, Sendable {
  public var path: String
  public var line: Int?
  public var message: String

  public var description: String {
    if let line { return "\(path):\(line): \(message)" }
    return "\(path): \(message)"
  }
}

extension JobFile {
  /// Reads and checks a job file. Unknown keys, wrong types, missing required keys and
  /// impossible values are refused with the file, line and key named.
  public static func load(path: String) throws(JobFileError) -> JobFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw JobFileError(path: path, line: nil, message: "cannot read the job file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw JobFileError(path: path, line: nil, message: "the job file is not UTF-8 text")
    }
    var job = try parse(text, path: path)
    // Containers set the store from outside, whatever the file says.
    if let url = ProcessInfo.processInfo.environment["RECUR_STORE_URL"], !url.isEmpty {
      guard isStoreURL(url) else {
        throw JobFileError(
          path: path, line: nil,
          message: "RECUR_STORE_URL must be a postgresql:// URL, found \"\(Store.redacted(url))\"")
      }
      job.storeURL = url
    }
    return job
  }

  static func isStoreURL(_ url: String) -> Bool {
    let lower = url.lowercased()
    return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
  }

  public static func parse(_ text: String, path: String) throws(JobFileError) -> JobFile {
    if let problem = TableHeaderCheck.problem(text) {
      throw JobFileError(path: path, line: problem.line, message: "not valid TOML: " + problem.message)
    }
    let root: TOMLTable
    do {
      root = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw JobFileError(path: path, line: error.source.begin.line, message: "not valid TOML: \(error.description)")
    } catch {
      throw JobFileError(path: path, line: nil, message: "not valid TOML: \(error)")
    }
    var reader = TableReader(root: root, locator: KeyLocator(text), path: path)
    return try reader.job()
  }
}

/// Finds the line a key is written on, for error messages (the TOML library keeps no positions).
struct KeyLocator {
  private var lines: [(table: String, key: String, line: Int)] = []
  private var tables: [String: Int] = [:]

  init(_ text: String) {
    var table = ""
    for (index, raw) in text.fileLines.enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.hasPrefix("[") {
        table = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] \t")).components(separatedBy: "#")[0]
          .trimmingCharacters(in: CharacterSet(charactersIn: "[] \t"))
        if tables[table] == nil { tables[table] = index + 1 }
      } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
        let key = line[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
        lines.append((table, key, index + 1))
      }
    }
  }

  func line(table: String, key: String?) -> Int? {
    guard let key else { return tables[table] }
    return lines.first { $0.table == table && $0.key == key }?.line ?? tables[table]
  }
}

/// Reads the tables of a job file, checking every key against the schema.
struct TableReader {
  let root: TOMLTable
  let locator: KeyLocator
  let path: String

  static let schema: [String: Set<String>] = [
    "": ["version", "name", "sources", "fetch", "models", "report", "store"],
    "sources": ["urls", "url_files", "sitemaps", "feeds", "folders", "include", "exclude", "limit"],
    "fetch": [
      "concurrency", "per_host_concurrency", "per_host_delay", "obey_robots", "max_attempts", "connect_timeout",
      "timeout", "max_bytes", "max_redirects", "user_agent",
    ],
    "models": ["sentiment", "names", "sentiment_model", "names_model", "extract_model"],
    "report": ["title", "formats", "directory", "export_comments"],
    "store": ["path", "url", "lease_seconds"],
  ]

  func fail(_ table: String, _ key: String?, _ message: String) -> JobFileError {
    let name = key.map { table.isEmpty ? $0 : "[\(table)] \($0)" } ?? "[\(table)]"
    return JobFileError(path: path, line: locator.line(table: table, key: key), message: "\(name): \(message)")
  }

  func table(_ name: String) throws(JobFileError) -> TOMLTable? {
    guard let value = root[name] else { return nil }
    guard let table = value.table else {
      throw fail("", name, "expected a table ([\(name)]), found \(describe(value))")
    }
    for key in table.keys where !(Self.schema[name] ?? []).contains(key) {
      throw fail(name, key, "unknown key (known: \((Self.schema[name] ?? []).sorted().joined(separator: ", ")))")
    }
    return table
  }

  func describe(_ value: TOMLValueConvertible) -> String {
    switch value.type {
    case .string: return "a string"
    case .int: return "an integer"
    case .double: return "a number"
    case .bool: return "true/false"
    case .array: return "an array"
    case .table: return "a table"
    default: return "a date or time"
    }
  }

  func string(_ table: TOMLTable?, _ name: String, _ key: String) throws(JobFileError) -> String? {
    guard let value = table?[key] else { return nil }
    guard let string = value.string else { throw fail(name, key, "expected a string, found \(describe(value))") }
    return string
  }

  func strings(_ table: TOMLTable?, _ name: String, _ key: String) throws(JobFileError) -> [String]? {
    guard let value = table?[key] else { return nil }
    guard let array = value.array else {
      throw fail(name, key, "expected an array of strings, found \(describe(value))")
    }
    var strings: [String] = []
    for element in array {
      guard let string = element.string else {
        throw fail(name, key, "expected an array of strings, found \(describe(element)) in it")
      }
      strings.append(string)
    }
    return strings
  }

  func int(_ table: TOMLTable?, _ name: String, _ key: String, minimum: Int) throws(JobFileError) -> Int? {
    guard let value = table?[key] else { return nil }
    guard let int = value.int else { throw fail(name, key, "expected an integer, found \(describe(value))") }
    guard int >= minimum else { throw fail(name, key, "must be at least \(minimum), found \(int)") }
    return int
  }

  func number(_ table: TOMLTable?, _ name: String, _ key: String, positive: Bool) throws(JobFileError) -> Double? {
    guard let value = table?[key] else { return nil }
    guard let number = value.double ?? value.int.map(Double.init) else {
      throw fail(name, key, "expected a number, found \(describe(value))")
    }
    guard number.isFinite, positive ? number > 0 : number >= 0 else {
      throw fail(name, key, positive ? "must be more than 0" : "must not be negative")
    }
    return number
  }

  func bool(_ table: TOMLTable?, _ name: String, _ key: String) throws(JobFileError) -> Bool? {
    guard let value = table?[key] else { return nil }
    guard let bool = value.bool else { throw fail(name, key, "expected true or false, found \(describe(value))") }
    return bool
  }

  mutating func job() throws(JobFileError) -> JobFile {
    for key in root.keys where !(Self.schema[""] ?? []).contains(key) {
      throw fail("", key, "unknown key (known: \((Self.schema[""] ?? []).sorted().joined(separator: ", ")))")
    }
    guard let versionValue = root["version"] else {
      throw JobFileError(
        path: path, line: nil, message: "version: missing (add `version = \(JobFile.schemaVersion)` at the top)")
    }
    guard let version = versionValue.int else {
      throw fail("", "version", "expected an integer, found \(describe(versionValue))")
    }
    guard version == JobFile.schemaVersion else {
      throw fail(
        "", "version", "schema version \(version) is not supported (this Recur reads version \(JobFile.schemaVersion))")
    }
    let folder = (path as NSString).deletingLastPathComponent
    func resolve(_ file: String) -> String {
      let expanded = (file as NSString).expandingTildeInPath
      if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
      let joined = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(expanded)
      return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    let fileName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let name = try string(root, "", "name") ?? fileName
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".")
    else {
      throw fail("", "name", "must be letters, digits, '-', '_' or '.' (it names the report folder), found \"\(name)\"")
    }

    let sources = try table("sources")
    let fetchTable = try table("fetch")
    let models = try table("models")
    let report = try table("report")
    let store = try table("store")

    // Reports go beside the jobs folder (DESIGN.md's layout) or beside a job file elsewhere.
    let defaultReports = (folder as NSString).lastPathComponent == "jobs" ? "../reports" : "reports"
    let reportDirectory = resolve(try string(report, "report", "directory") ?? defaultReports)
    var job = JobFile(
      path: path, name: name, title: "Recur report: \(name)", reportDirectory: reportDirectory,
      storePath: "")
    job.storePath =
      try string(store, "store", "path").map(resolve)
      ?? (job.jobReportDirectory as NSString).appendingPathComponent("recur.sqlite")
    if let url = try string(store, "store", "url") {
      if try string(store, "store", "path") != nil {
        throw fail("store", "url", "give the store a path (SQLite) or a url (PostgreSQL), not both")
      }
      guard JobFile.isStoreURL(url) else {
        throw fail("store", "url", "must be a postgresql:// URL, found \"\(Store.redacted(url))\"")
      }
      job.storeURL = url
    }
    if let lease = try number(store, "store", "lease_seconds", positive: true) {
      guard lease >= 1, lease <= 3600 else { throw fail("store", "lease_seconds", "must be 1 to 3600 seconds") }
      job.leaseSeconds = lease
    }

    job.urls = try strings(sources, "sources", "urls") ?? []
    for url in job.urls where !url.contains("://") {
      throw fail("sources", "urls", "\"\(url)\" is not a URL (http://, https:// or file://)")
    }
    job.urlFiles = (try strings(sources, "sources", "url_files") ?? []).map(resolve)
    job.sitemaps = try (strings(sources, "sources", "sitemaps") ?? []).map { item throws(JobFileError) in
      item.contains("://") ? item : "file://" + resolve(item)
    }
    job.feeds = try (strings(sources, "sources", "feeds") ?? []).map { item throws(JobFileError) in
      item.contains("://") ? item : "file://" + resolve(item)
    }
    job.folders = (try strings(sources, "sources", "folders") ?? []).map(resolve)
    job.include = try strings(sources, "sources", "include") ?? []
    job.exclude = try strings(sources, "sources", "exclude") ?? []
    for (key, patterns) in [("include", job.include), ("exclude", job.exclude)] {
      for pattern in patterns {
        do {
          _ = try Regex(pattern)
        } catch {
          throw fail("sources", key, "\"\(pattern)\" is not a valid regular expression")
        }
      }
    }
    job.limit = try int(sources, "sources", "limit", minimum: 0) ?? 0
    if job.urls.isEmpty && job.urlFiles.isEmpty && job.sitemaps.isEmpty && job.feeds.isEmpty && job.folders.isEmpty {
      throw JobFileError(
        path: path, line: locator.line(table: "sources", key: nil),
        message: "[sources]: no sources (give urls, url_files, sitemaps, feeds or folders)")
    }

    var fetch = FetchSettings()
    fetch.concurrency = try int(fetchTable, "fetch", "concurrency", minimum: 1) ?? fetch.concurrency
    fetch.perHostConcurrency =
      try int(fetchTable, "fetch", "per_host_concurrency", minimum: 1) ?? fetch.perHostConcurrency
    fetch.perHostDelay = try number(fetchTable, "fetch", "per_host_delay", positive: false) ?? fetch.perHostDelay
    fetch.obeyRobots = try bool(fetchTable, "fetch", "obey_robots") ?? fetch.obeyRobots
    fetch.maxAttempts = try int(fetchTable, "fetch", "max_attempts", minimum: 1) ?? fetch.maxAttempts
    fetch.connectTimeout = try number(fetchTable, "fetch", "connect_timeout", positive: true) ?? fetch.connectTimeout
    fetch.timeout = try number(fetchTable, "fetch", "timeout", positive: true) ?? fetch.timeout
    fetch.maxBytes = try int(fetchTable, "fetch", "max_bytes", minimum: 1) ?? fetch.maxBytes
    fetch.maxRedirects = try int(fetchTable, "fetch", "max_redirects", minimum: 0) ?? fetch.maxRedirects
    fetch.userAgent = try string(fetchTable, "fetch", "user_agent") ?? fetch.userAgent
    if let problem = fetch.problem() { throw fail("fetch", nil, problem) }
    job.fetch = fetch

    job.sentiment = try bool(models, "models", "sentiment") ?? true
    job.names = try bool(models, "models", "names") ?? true
    job.sentimentModel = try string(models, "models", "sentiment_model").map(resolve)
    job.namesModel = try string(models, "models", "names_model").map(resolve)
    job.extractModel = try string(models, "models", "extract_model").map(resolve)

    job.title = try string(report, "report", "title") ?? job.title
    job.formats = try strings(report, "report", "formats") ?? job.formats
    job.exportComments = try bool(report, "report", "export_comments") ?? false
    for format in job.formats where !JobFile.reportFormats.contains(format) {
      throw fail(
        "report", "formats", "unknown format \"\(format)\" (known: \(JobFile.reportFormats.joined(separator: ", ")))")
    }
    return job
  }
}

/// The TOML library (toml++ inside TOMLKit, its assertions compiled in) stops the whole
/// process instead of reporting an error on two kinds of input, so they are found here
/// first: a table header whose name starts with a character that cannot start a key
/// (`[@x]`, `[éx]`; a header is a `[` or `[[` that starts a line outside any string,
/// comment, array or inline table), and a `}` where an array's value should be (`[}]`,
/// `[1, }]`). Both were found by `make fuzz`.
enum TableHeaderCheck {
  static let badHeader = "a table name must start with a letter, digit, '_', '-' or a quote"
  static let braceInArray = "'}' where an array's value or its closing ']' should be"

  /// The 1-based line of the first header whose name starts badly, or nil.
  static func badHeaderLine(_ text: String) -> Int? {
    guard let problem = problem(text), problem.message == badHeader else { return nil }
    return problem.line
  }

  static func isKeyStart(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "-", "\"", "'", "]", " ", "\t": return true
    default: return false
    }
  }

  /// The first input the TOML library would abort on: its 1-based line and what is wrong.
  static func problem(_ text: String) -> (line: Int, message: String)? {
    let scalars = Array(text.unicodeScalars)
    var line = 1
    // The arrays and inline tables open at this point, innermost last.
    var open: [Unicode.Scalar] = []
    var depth: Int { open.count }
    // Just after an array's `[` or `,`: the next significant character starts a value.
    var expectingArrayValue = false
    var atLineStart = true
    var index = 0
    func starts(_ marker: String, at position: Int) -> Bool {
      var offset = position
      for scalar in marker.unicodeScalars {
        guard offset < scalars.count, scalars[offset] == scalar else { return false }
        offset += 1
      }
      return true
    }
    /// Moves past a string opening at `index`, counting its lines.
    func skipString() {
      let quote = scalars[index]
      let triple = String(repeating: String(quote), count: 3)
      let multiline = starts(triple, at: index)
      index += multiline ? 3 : 1
      while index < scalars.count {
        let scalar = scalars[index]
        if scalar == "\\" && quote == "\"" {
          index += 2
          continue
        }
        if multiline ? starts(triple, at: index) : scalar == quote {
          index += multiline ? 3 : 1
          // A closing triple quote may be followed by up to two more quotes of the string.
          while multiline, index < scalars.count, scalars[index] == quote { index += 1 }
          return
        }
        if scalar == "\n" {
          line += 1
          if !multiline { return }
        }
        index += 1
      }
    }
    while index < scalars.count {
      let scalar = scalars[index]
      switch scalar {
      case "\n":
        line += 1
        atLineStart = true
        index += 1
        continue
      case " ", "\t", "\r":
        index += 1
        continue
      case "\u{FEFF}" where index == 0:
        // A byte-order mark: the TOML library reads past it, so the first line starts after it.
        index += 1
        continue
      case "#":
        while index < scalars.count, scalars[index] != "\n" { index += 1 }
        continue
      case "\"", "'":
        expectingArrayValue = false
        skipString()
      case "[" where atLineStart && depth == 0:
        var next = index + 1
        if next < scalars.count, scalars[next] == "[" { next += 1 }
        while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
        if next < scalars.count, !isKeyStart(scalars[next]) { return (line, badHeader) }
        // The rest of the header line holds no values.
        while index < scalars.count, scalars[index] != "\n", scalars[index] != "#" {
          if scalars[index] == "\"" || scalars[index] == "'" { skipString() } else { index += 1 }
        }
        atLineStart = false
        continue
      case "[", "{":
        open.append(scalar)
        expectingArrayValue = scalar == "["
        index += 1
      case "}" where expectingArrayValue:
        return (line, braceInArray)
      case "]", "}":
        if !open.isEmpty { open.removeLast() }
        expectingArrayValue = false
        index += 1
      case ",":
        expectingArrayValue = open.last == "["
        index += 1
      default:
        expectingArrayValue = false
        index += 1
      }
      atLineStart = false
    }
    return nil
  }
}
