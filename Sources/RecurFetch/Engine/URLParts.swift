import CCurl

/// The parts of a URL the scheduler needs, read by libcurl's own URL parser so that
/// what is scheduled is exactly what libcurl will request.
struct URLParts: Sendable, Hashable {
  var scheme: String
  var host: String
  var port: Int
  /// Path plus `?query`, as sent on the request line; "/" when empty.
  var pathAndQuery: String

  static let fetchableSchemes: Set<String> = ["http", "https", "file"]

  /// The politeness and robots.txt key: `scheme://host:port`.
  var origin: String { "\(scheme)://\(host):\(port)" }

  var isHTTP: Bool { scheme == "http" || scheme == "https" }

  /// Parses an absolute URL; a reason when it cannot be fetched.
  static func parse(_ url: String) -> Result<URLParts, URLProblem> {
    guard let handle = curl_url() else { return .failure(URLProblem(reason: "out of memory parsing the URL")) }
    defer { curl_url_cleanup(handle) }
    if url.isEmpty || url.utf8.count > 8192 {
      return .failure(URLProblem(reason: "not a valid URL (empty or longer than 8192 bytes)"))
    }
    let setCode = curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME))
    guard setCode == CURLUE_OK else {
      return .failure(URLProblem(reason: "not a valid absolute URL (\(String(cString: curl_url_strerror(setCode))))"))
    }
    let scheme = (part(handle, CURLUPART_SCHEME, 0) ?? "").lowercased()
    guard fetchableSchemes.contains(scheme) else {
      return .failure(URLProblem(reason: "unsupported scheme '\(scheme)': only http, https and file URLs are fetched"))
    }
    let host = (part(handle, CURLUPART_HOST, 0) ?? "").lowercased()
    let port = part(handle, CURLUPART_PORT, UInt32(CURLU_DEFAULT_PORT)).flatMap { Int($0) } ?? 0
    var path = part(handle, CURLUPART_PATH, 0) ?? "/"
    if path.isEmpty { path = "/" }
    if let query = part(handle, CURLUPART_QUERY, 0), !query.isEmpty { path += "?" + query }
    if scheme != "file" && host.isEmpty {
      return .failure(URLProblem(reason: "not a valid URL: no host"))
    }
    return .success(URLParts(scheme: scheme, host: host, port: port, pathAndQuery: path))
  }

  private static func part(_ handle: OpaquePointer, _ which: CURLUPart, _ flags: UInt32) -> String? {
    var value: UnsafeMutablePointer<CChar>?
    guard curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
    defer { curl_free(value) }
    return String(cString: value)
  }
}

struct URLProblem: Error, Sendable {
  var reason: String
}
