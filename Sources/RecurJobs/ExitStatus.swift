/// The exit codes of DESIGN.md, which cron and scripts act on.
public enum ExitStatus: Int32, Sendable {
  /// Everything succeeded.
  case success = 0
  /// Finished, but some documents failed; the output says which and why.
  case partialFailure = 1
  /// The command line or a configuration file is wrong.
  case usage = 2
  /// Nothing could be done (an internal or environment failure).
  case fatal = 3
}

/// An error a user can act on: what went wrong, where, and the exit status it maps to.
public struct RecurError: Error, CustomStringConvertible, Sendable {
  public var status: ExitStatus
  public var message: String
  /// The file, option or URL the problem is in, when there is one.
  public var location: String?

  public init(_ status: ExitStatus, _ message: String, location: String? = nil) {
    self.status = status
    self.message = message
    self.location = location
  }

  public var description: String {
    if let location { return "\(location): \(message)" }
    return message
  }
}
