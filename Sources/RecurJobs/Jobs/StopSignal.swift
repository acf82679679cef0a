import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SIGINT and SIGTERM during a run: the first asks the run to stop after the documents in
/// flight (it then writes a partial report and exits 1); a second one exits at once
/// (every committed document is safe in the store).
public enum StopSignal {
  static let received = Atomic<Int>(0)

  public static var requested: Bool { received.load(ordering: .relaxed) > 0 }

  public static func install() {
    received.store(0, ordering: .relaxed)
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
  }

  public static func uninstall() {
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }

  /// Stops the run as if a signal had come (tests).
  public static func request() { received.add(1, ordering: .relaxed) }
}

private func handler(_ signal: Int32) {
  let count = StopSignal.received.add(1, ordering: .relaxed).newValue
  if count == 1 {
    let message = "\nrecur: stopping after the documents in flight (again to stop at once)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
  } else {
    _exit(1)
  }
}
