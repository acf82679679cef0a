import CCurl

/// One HTTP exchange in flight: owns the buffers libcurl writes into. Lives only on
/// the fetch session's thread; libcurl receives it as an unretained pointer while the
/// session holds it in its table of active transfers.
final class Transfer {
  enum StopReason {
    case tooLarge(limit: Int)
    case contentType(String?)
    case stalled(seconds: Double)
  }

  let handle: UnsafeMutableRawPointer
  let job: FetchJob
  let url: String
  let maxBytes: Int
  /// Media types a 2xx body may have; nil means any (robots.txt, or an empty setting).
  let acceptedTypes: Set<String>?
  /// Stop at `maxBytes` and keep what arrived (robots.txt) instead of failing.
  let truncateAtLimit: Bool

  var body: [UInt8] = []
  var status: Int?
  var headers: [String: String] = [:]
  var mime: String?
  var charset: String?
  var typeDecided = false
  var stopReason: StopReason?
  var truncated = false
  let errorBuffer: UnsafeMutablePointer<CChar>
  var requestHeaders: UnsafeMutablePointer<curl_slist>?
  /// Seconds without a byte before the transfer counts as stalled.
  let stallTimeout: Double
  private var lastActivity = monotonicSeconds()
  private var lastCounts: (curl_off_t, curl_off_t) = (0, 0)

  init(
    handle: UnsafeMutableRawPointer, job: FetchJob, maxBytes: Int, acceptedTypes: Set<String>?,
    truncateAtLimit: Bool, stallTimeout: Double
  ) {
    self.stallTimeout = stallTimeout
    self.handle = handle
    self.job = job
    self.url = job.url
    self.maxBytes = maxBytes
    self.acceptedTypes = acceptedTypes
    self.truncateAtLimit = truncateAtLimit
    self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
  }

  deinit {
    errorBuffer.deallocate()
    if let requestHeaders { curl_slist_free_all(requestHeaders) }
  }

  var curlErrorMessage: String {
    let message = String(cString: errorBuffer)
    return message.isEmpty ? "" : message
  }

  var isSuccessStatus: Bool {
    guard let status else { return true }  // file:// has no status: success is CURLE_OK.
    return (200..<300).contains(status)
  }

  /// Decides the media type once, from the header or the first bytes.
  /// Returns false when the type is not wanted and the transfer should stop.
  func decideContentType(firstBytes: some Collection<UInt8>) -> Bool {
    if typeDecided { return true }
    typeDecided = true
    let resolved = ContentTypePolicy.resolve(header: headers["content-type"], url: url, prefix: firstBytes)
    mime = resolved.mime
    charset = resolved.charset
    if let acceptedTypes, !acceptedTypes.contains(mime ?? "") {
      stopReason = .contentType(mime)
      return false
    }
    return true
  }

  // MARK: libcurl callbacks

  static let writeCallback: CCurl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return length }
    let chunk = UnsafeRawBufferPointer(start: data, count: length)
    if transfer.isSuccessStatus && !transfer.decideContentType(firstBytes: chunk) {
      return 0
    }
    if transfer.body.count + length > transfer.maxBytes {
      if transfer.truncateAtLimit {
        transfer.body.append(contentsOf: chunk.prefix(transfer.maxBytes - transfer.body.count))
        transfer.truncated = true
      } else {
        transfer.stopReason = .tooLarge(limit: transfer.maxBytes)
      }
      return 0
    }
    transfer.body.append(contentsOf: chunk)
    return length
  }

  /// Stops a transfer that has received nothing for `stallTimeout` seconds. libcurl's
  /// own low-speed check averages over a window and notices a stall seconds late.
  static let progressCallback: CCurl_xferinfo_callback = { userdata, _, downloaded, _, uploaded in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let now = monotonicSeconds()
    if (downloaded, uploaded) != transfer.lastCounts {
      transfer.lastCounts = (downloaded, uploaded)
      transfer.lastActivity = now
      return 0
    }
    if now - transfer.lastActivity >= transfer.stallTimeout {
      transfer.stopReason = .stalled(seconds: transfer.stallTimeout)
      return 1
    }
    return 0
  }

  static let headerCallback: CCurl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    guard let data else { return length }
    transfer.lastActivity = monotonicSeconds()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
      // A new response (after 100 Continue, or a proxy's answer) starts afresh.
      transfer.headers.removeAll()
      let fields = line.split(separator: " ", maxSplits: 2)
      transfer.status = fields.count > 1 ? Int(fields[1]) : nil
    } else if let colon = line.firstIndex(of: ":") {
      let name = line[..<colon].trimmed().lowercased()
      let value = line[line.index(after: colon)...].trimmed()
      transfer.headers[name] = value
    }
    return length
  }
}
