import CCurl

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// When to try again, and how long to wait first.
enum RetryPolicy {
  /// libcurl results worth another attempt: the connection or the server may recover.
  static let retryableCurlCodes: Set<UInt32> = [
    CURLE_COULDNT_RESOLVE_HOST.rawValue, CURLE_COULDNT_CONNECT.rawValue,
    CURLE_OPERATION_TIMEDOUT.rawValue, CURLE_SEND_ERROR.rawValue, CURLE_RECV_ERROR.rawValue,
    CURLE_GOT_NOTHING.rawValue, CURLE_PARTIAL_FILE.rawValue, CURLE_HTTP2.rawValue,
    CURLE_HTTP2_STREAM.rawValue, CURLE_SSL_CONNECT_ERROR.rawValue,
  ]

  static func isRetryable(status: Int) -> Bool {
    status == 429 || (500...599).contains(status)
  }

  /// Exponential backoff with jitter: about `base × 2^(attempt-1)`, drawn from its
  /// upper half so retries of many URLs do not arrive together.
  static func backoff(afterAttempt attempt: Int, base: Double) -> Double {
    let exponent = Double(max(0, min(attempt - 1, 16)))
    let full = base * pow(2, exponent)
    return full * Double.random(in: 0.5...1.0)
  }

  /// Seconds a Retry-After header asks for: delta-seconds or an HTTP date.
  /// Nil when the value is neither; a date in the past means zero.
  static func retryAfterSeconds(_ value: String, now: Double = currentEpochSeconds()) -> Double? {
    let text = value.trimmed()
    if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
      return Double(text)
    }
    let epoch = curl_getdate(text, nil)
    guard epoch >= 0 else { return nil }
    return max(0, Double(epoch) - now)
  }

  static func currentEpochSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
  }
}

/// Seconds on a clock that never jumps, for scheduling and elapsed times.
func monotonicSeconds() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_MONOTONIC, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
