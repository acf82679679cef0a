import Logging

/// Sends log lines to standard error; once per process.
public enum LogSetup {
  public static func bootstrap(verbose: Bool) {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = verbose ? .debug : .warning
      return handler
    }
  }
}
