import ArgumentParser
import RecurFetch
import RecurJobs

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

struct Fetch: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch URLs by hand with a job's fetch settings; one line per URL.",
    discussion: """
      Every URL gets one line: outcome (ok, unchanged, skipped, failed), status, type, size, \
      time and, when not ok, the reason. With --json each line is a JSON object with the keys \
      url, final_url, status, content_type, charset, bytes, elapsed_ms, attempts, outcome, \
      reason. A summary goes to standard error. Exit 0 when every URL is ok, unchanged or \
      skipped; 1 when any failed.

      Example: recur fetch --json https://example.org/review.html file:///srv/pages/a.html
      """
  )

  @Argument(help: "http, https or file URLs.")
  var urls: [String] = []

  @Option(name: .customLong("input"), help: "Also read URLs from this file, one a line ('-' for standard input).")
  var inputFile: String?

  @Flag(help: "Print one JSON object per URL.")
  var json = false

  @Option(help: "Transfers in flight at once.")
  var concurrency = FetchSettings().concurrency

  @Option(name: .customLong("per-host"), help: "Transfers in flight at once to one host.")
  var perHost = FetchSettings().perHostConcurrency

  @Option(help: "Minimum seconds between requests to one host (a larger robots.txt Crawl-delay wins).")
  var delay = FetchSettings().perHostDelay

  @Flag(name: .customLong("no-robots"), help: "Do not fetch or obey robots.txt.")
  var noRobots = false

  @Option(help: "Transfers made for one URL at most, the first included.")
  var retries = FetchSettings().maxAttempts

  @Option(name: .customLong("connect-timeout"), help: "Seconds to establish a connection.")
  var connectTimeout = FetchSettings().connectTimeout

  @Option(help: "Seconds for a whole transfer.")
  var timeout = FetchSettings().timeout

  @Option(name: .customLong("low-speed-timeout"), help: "Stop a transfer that receives nothing for this many seconds.")
  var lowSpeedTimeout = FetchSettings().lowSpeedTimeout

  @Option(name: .customLong("max-bytes"), help: "Largest decoded body kept, in bytes.")
  var maxBytes = FetchSettings().maxBytes

  @Option(name: .customLong("user-agent"), help: "The User-Agent header; its first word is the robots.txt token.")
  var userAgent = FetchSettings().userAgent

  @Option(
    name: .customLong("accept-type"),
    help: "A media type to keep (repeatable); default text/html and application/xhtml+xml.")
  var acceptTypes: [String] = []

  @Flag(name: .customLong("any-type"), help: "Keep every content type.")
  var anyType = false

  @Option(help: "An ETag from an earlier fetch, sent as If-None-Match.")
  var etag: String?

  @Option(
    name: .customLong("last-modified"), help: "A Last-Modified date from an earlier fetch, sent as If-Modified-Since.")
  var lastModified: String?

  @Flag(name: .shortAndLong, help: "Log retries and robots.txt decisions to standard error.")
  var verbose = false

  mutating func run() throws {
    LogSetup.bootstrap(verbose: verbose)
    var settings = FetchSettings()
    settings.concurrency = concurrency
    settings.perHostConcurrency = perHost
    settings.perHostDelay = delay
    settings.obeyRobots = !noRobots
    settings.maxAttempts = retries
    settings.connectTimeout = connectTimeout
    settings.timeout = timeout
    settings.lowSpeedTimeout = lowSpeedTimeout
    settings.maxBytes = maxBytes
    settings.userAgent = userAgent
    if anyType {
      settings.acceptedContentTypes = []
    } else if !acceptTypes.isEmpty {
      settings.acceptedContentTypes = Set(acceptTypes.map { $0.lowercased() })
    }

    var allURLs = urls
    if let inputFile {
      allURLs += try URLListReader.read(path: inputFile)
    }
    let command = FetchCommand(
      urls: allURLs, settings: settings,
      validators: Validators(etag: etag, lastModified: lastModified),
      format: json ? .jsonLines : .text)
    let status = try command.run(
      fetcher: CurlFetcher(settings: settings), write: Console.out, log: Console.error)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}
