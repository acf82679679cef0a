import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One run per job at a time: an exclusive `flock` on `STORE.lock`, which the kernel
/// releases when the process ends however it ends (a `kill -9` leaves no stale lock).
/// The file holds the holder's PID and start time, for the message a second run prints.
public final class JobLock {
  private let descriptor: Int32
  public let path: String

  public init(path: String, job: String) throws(RecurError) {
    self.path = path
    let folder = (path as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw RecurError(.fatal, "cannot open the lock file: \(String(cString: strerror(errno)))", location: path)
    }
    if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
      close(descriptor)
      let who = holder.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
      throw RecurError(.usage, "job \(job) is already running\(who); one run per job at a time", location: path)
    }
    self.descriptor = descriptor
    let stamp = ISO8601DateFormatter().string(from: Date())
    let text = "pid \(getpid()) since \(stamp)\n"
    _ = ftruncate(descriptor, 0)
    _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
  }

  deinit {
    _ = ftruncate(descriptor, 0)
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
