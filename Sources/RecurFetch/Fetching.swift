/// Turns URLs into fetch results. The libcurl engine (`CurlFetcher`) is the real
/// one; `FixtureFetcher` serves canned results so later stages test without a network.
public protocol Fetching: Sendable {
  /// Fetches every request and calls `onResult` once per request, in completion
  /// order, on the calling thread. Returns when all are done.
  func fetch(_ requests: [FetchRequest], onResult: (FetchResult) -> Void)
}

extension Fetching {
  /// Fetches every request and returns the results in the order of `requests`.
  public func fetchAll(_ requests: [FetchRequest]) -> [FetchResult] {
    var byURL: [String: [FetchResult]] = [:]
    fetch(requests) { byURL[$0.url, default: []].append($0) }
    return requests.map { request in
      if var results = byURL[request.url], !results.isEmpty {
        let first = results.removeFirst()
        byURL[request.url] = results
        return first
      }
      return FetchResult(
        url: request.url, finalURL: request.url, outcome: .failed,
        reason: "internal error: the fetcher returned no result for this URL")
    }
  }
}

/// A fetcher that answers from a table, for tests of the stages after fetching.
/// A URL missing from the table fails with a reason.
public struct FixtureFetcher: Fetching {
  public var results: [String: FetchResult]

  public init(results: [String: FetchResult]) {
    self.results = results
  }

  public func fetch(_ requests: [FetchRequest], onResult: (FetchResult) -> Void) {
    for request in requests {
      onResult(
        results[request.url]
          ?? FetchResult(
            url: request.url, finalURL: request.url, attempts: 1, outcome: .failed,
            reason: "no fixture for this URL"))
    }
  }
}
