import RecurFetch
import RecurReport

/// `recur fetch`: fetch URLs by hand with a job's fetch settings and print one line per URL.
public struct FetchCommand {
  public enum Format: Sendable {
    case text
    case jsonLines
  }

  public var urls: [String]
  public var settings: FetchSettings
  public var validators: Validators
  public var format: Format

  public init(urls: [String], settings: FetchSettings, validators: Validators = Validators(), format: Format) {
    self.urls = urls
    self.settings = settings
    self.validators = validators
    self.format = format
  }

  /// Fetches with `fetcher`, writes each result as it finishes and a summary to
  /// `log`, and returns the exit status: failure when any URL failed.
  public func run(
    fetcher: any Fetching, write: (String) -> Void, log: (String) -> Void
  ) throws(RecurError) -> ExitStatus {
    if urls.isEmpty { throw RecurError(.usage, "no URLs given") }
    if let problem = settings.problem() { throw RecurError(.usage, problem) }
    let requests = urls.map { FetchRequest(url: $0, validators: validators) }
    var tally = FetchTally()
    let started = monotonicNow()
    fetcher.fetch(requests) { result in
      tally.add(result)
      switch format {
      case .jsonLines: write(Self.jsonLine(for: result))
      case .text: write(Self.textLine(for: result))
      }
    }
    log(tally.summary(seconds: monotonicNow() - started))
    return tally.failed > 0 ? .partialFailure : .success
  }

  /// The JSON line of one result; keys in the documented order.
  public static func jsonLine(for result: FetchResult) -> String {
    var object = JSONObjectWriter()
    object.add("url", result.url)
    object.add("final_url", result.finalURL)
    object.add("status", result.status)
    object.add("content_type", result.contentType)
    object.add("charset", result.charset)
    object.add("bytes", result.body.count)
    object.add("elapsed_ms", result.elapsedMilliseconds, decimals: 1)
    object.add("attempts", result.attempts)
    object.add("outcome", result.outcome.rawValue)
    object.add("reason", result.reason)
    return object.json
  }

  public static func textLine(for result: FetchResult) -> String {
    let status = result.status.map(String.init) ?? "-"
    let type = result.contentType ?? "-"
    let size = result.outcome == .ok ? ByteCount.format(result.body.count) : "-"
    let time = String(Int(result.elapsedMilliseconds.rounded())) + " ms"
    var line = [
      result.outcome.rawValue.padding(9), status.padding(4), type.padding(22), size.padding(9),
      time.padding(8), result.url,
    ].joined(separator: " ")
    if result.finalURL != result.url { line += " → " + result.finalURL }
    if let reason = result.reason { line += "  (" + reason + ")" }
    return line
  }
}

/// Counts of results by outcome, for summaries.
public struct FetchTally: Sendable {
  public private(set) var ok = 0
  public private(set) var unchanged = 0
  public private(set) var skipped = 0
  public private(set) var failed = 0
  public private(set) var bytes = 0

  public init() {}

  public var total: Int { ok + unchanged + skipped + failed }

  public mutating func add(_ result: FetchResult) {
    switch result.outcome {
    case .ok: ok += 1
    case .unchanged: unchanged += 1
    case .skipped: skipped += 1
    case .failed: failed += 1
    }
    bytes += result.body.count
  }

  public func summary(seconds: Double) -> String {
    let noun = total == 1 ? "URL" : "URLs"
    let time = JSONObjectWriter.format(seconds, decimals: 2)
    return
      "fetched \(total) \(noun) in \(time) s: \(ok) ok, \(unchanged) unchanged, \(skipped) skipped, \(failed) failed (\(ByteCount.format(bytes)))"
  }
}

enum ByteCount {
  static func format(_ bytes: Int) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    if bytes < 1024 * 1024 { return JSONObjectWriter.format(Double(bytes) / 1024, decimals: 1) + " KiB" }
    return JSONObjectWriter.format(Double(bytes) / 1024 / 1024, decimals: 1) + " MiB"
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
