/// Every knob of the fetch stage, with the defaults a job gets when it names none.
/// The `recur fetch` options and the job file's `[fetch]` table map onto these one to one.
public struct FetchSettings: Sendable, Hashable {
  /// The version string the default User-Agent names.
  public static let recurVersion = "0.1.0"
  public static let defaultUserAgent = "Recur/\(recurVersion) (batch review and article labeler)"

  /// Transfers in flight at once, over all hosts.
  public var concurrency = 8
  /// Transfers in flight at once to one host.
  public var perHostConcurrency = 2
  /// Minimum seconds between the starts of two requests to one host. A robots.txt
  /// Crawl-delay wins when larger (up to `maxCrawlDelay`).
  public var perHostDelay = 1.0
  /// Obey robots.txt (RFC 9309). Turning it off must be explicit.
  public var obeyRobots = true
  /// Transfers made for one URL at most, the first included.
  public var maxAttempts = 3
  /// The first retry waits about this long (seconds); each further one doubles it, with jitter.
  public var retryBaseDelay = 0.5
  /// A Retry-After header is honoured up to this many seconds.
  public var maxRetryAfter = 60.0
  /// A robots.txt Crawl-delay is honoured up to this many seconds, so one host cannot stall a run.
  public var maxCrawlDelay = 60.0
  /// Seconds to establish a connection.
  public var connectTimeout = 10.0
  /// Seconds for a whole transfer.
  public var timeout = 30.0
  /// A transfer that receives nothing for this many seconds is stalled and stopped.
  public var lowSpeedTimeout = 15.0
  /// Largest decoded body kept, in bytes; the transfer stops past it.
  public var maxBytes = 10 * 1024 * 1024
  /// Redirects followed at most.
  public var maxRedirects = 5
  public var userAgent = FetchSettings.defaultUserAgent
  /// Media types kept; any other is `skipped`. Empty means every type.
  public var acceptedContentTypes: Set<String> = ["text/html", "application/xhtml+xml"]

  public init() {}

  /// The robots.txt product token: the User-Agent's first word (`Recur` by default).
  public var robotsProductToken: String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
    return String(userAgent.prefix { allowed.contains($0) })
  }

  /// A reason why these settings cannot work, or nil when they are usable.
  public func problem() -> String? {
    if concurrency < 1 { return "concurrency must be at least 1" }
    if perHostConcurrency < 1 { return "per-host concurrency must be at least 1" }
    if perHostDelay < 0 { return "per-host delay must not be negative" }
    if maxAttempts < 1 { return "retries (attempts) must be at least 1" }
    if retryBaseDelay < 0 || maxRetryAfter < 0 || maxCrawlDelay < 0 {
      return "retry and crawl delays must not be negative"
    }
    if connectTimeout <= 0 || timeout <= 0 || lowSpeedTimeout <= 0 {
      return "timeouts must be positive"
    }
    if maxBytes < 1 { return "max-bytes must be at least 1" }
    if maxRedirects < 0 { return "max-redirects must not be negative" }
    if userAgent.isEmpty || userAgent.contains(where: { $0 == "\r" || $0 == "\n" }) {
      return "the user agent must be one non-empty line"
    }
    return nil
  }
}
