/// What became of one requested URL. Every request yields exactly one result.
public enum FetchOutcome: String, Sendable, Codable, CaseIterable {
  /// The body was fetched and is in `FetchResult.body`.
  case ok
  /// The server answered 304 to the validators sent: the earlier body still holds.
  case unchanged
  /// Deliberately not fetched (robots.txt, content type); `reason` says why.
  case skipped
  /// Could not be fetched; `reason` says why.
  case failed
}

/// The result of fetching one URL.
public struct FetchResult: Sendable {
  /// The URL as requested.
  public var url: String
  /// The URL the body came from, after redirects.
  public var finalURL: String
  /// The HTTP status of the last response; nil when no HTTP response arrived
  /// (connection errors, `file://` URLs).
  public var status: Int?
  /// The media type, lower-cased and without parameters (`text/html`); sniffed
  /// from the body when the server sent none.
  public var contentType: String?
  /// The `charset` parameter of the Content-Type header, as the server sent it.
  public var charset: String?
  /// Validators of this response, to send on the next run.
  public var validators: Validators
  /// The decoded body (content encodings removed). Empty unless `outcome == .ok`.
  public var body: [UInt8]
  /// Wall time from the first attempt's start to the end, in milliseconds.
  public var elapsedMilliseconds: Double
  /// Transfers made for the final URL: 1 plus the number of retries.
  public var attempts: Int
  /// URLs passed through on the way to `finalURL`, in order (empty without redirects).
  public var redirects: [String]
  public var outcome: FetchOutcome
  /// Why the outcome is not a plain `ok`; nil for `ok`.
  public var reason: String?

  public init(
    url: String, finalURL: String, status: Int? = nil, contentType: String? = nil,
    charset: String? = nil, validators: Validators = Validators(), body: [UInt8] = [],
    elapsedMilliseconds: Double = 0, attempts: Int = 0, redirects: [String] = [],
    outcome: FetchOutcome, reason: String? = nil
  ) {
    self.url = url
    self.finalURL = finalURL
    self.status = status
    self.contentType = contentType
    self.charset = charset
    self.validators = validators
    self.body = body
    self.elapsedMilliseconds = elapsedMilliseconds
    self.attempts = attempts
    self.redirects = redirects
    self.outcome = outcome
    self.reason = reason
  }
}
