#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Unbuffered line output to the standard streams: each line leaves at once, so a
/// pipe sees results as they finish.
public enum Console {
  public static func out(_ line: String) {
    writeAll(line + "\n", to: 1)
  }

  public static func error(_ line: String) {
    writeAll(line + "\n", to: 2)
  }

  /// Writes to standard error as is (a progress line redrawn with `\r`).
  public static func errorRaw(_ text: String) {
    writeAll(text, to: 2)
  }

  /// Whether standard error is a terminal (progress bars) or not (plain log lines).
  public static var errorIsTerminal: Bool { isatty(2) == 1 }

  private static func writeAll(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return }
      offset += written
    }
  }
}
