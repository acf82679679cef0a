import CCurl
import Logging

/// The real fetcher: libcurl's multi interface on the calling thread, with global and
/// per-host concurrency limits, per-host delays, robots.txt, retries, conditional
/// requests and size and time limits (see `FetchSettings`).
public struct CurlFetcher: Fetching {
  public let settings: FetchSettings
  private let logger: Logger
  /// Asked between transfers; when it answers true, the transfers in flight are stopped
  /// and every request not yet finished fails with the reason "interrupted".
  public var stopRequested: (@Sendable () -> Bool)?
  /// Per-origin delays and robots.txt rules carried from one call to the next.
  private let memory = OriginMemory()

  /// libcurl's global state, set up once per process before any handle exists.
  static let initialiseLibcurl: Void = {
    curl_global_init(Int(CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32))
  }()

  public init(settings: FetchSettings = FetchSettings(), logger: Logger = Logger(label: "recur.fetch")) {
    self.settings = settings
    self.logger = logger
  }

  /// The libcurl version string, for `--version` and reports.
  public static var libcurlVersion: String {
    String(cString: curl_version())
  }

  public func fetch(_ requests: [FetchRequest], onResult: (FetchResult) -> Void) {
    if let problem = settings.problem() {
      for request in requests {
        onResult(
          FetchResult(
            url: request.url, finalURL: request.url, outcome: .failed, reason: "invalid fetch settings: \(problem)"))
      }
      return
    }
    withoutActuallyEscaping(onResult) { emit in
      guard let session = FetchSession(settings: settings, logger: logger, memory: memory, emit: emit) else {
        for request in requests {
          emit(
            FetchResult(
              url: request.url, finalURL: request.url, outcome: .failed,
              reason: "libcurl could not create a multi handle"))
        }
        return
      }
      session.stopRequested = stopRequested
      session.run(requests)
    }
  }
}
