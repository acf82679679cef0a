import Foundation
import RecurStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a file whole or not at all: into a hidden temporary file beside it, flushed to
/// the disk, then renamed over the name. On any failure (no space, a file-size limit, a
/// read-only folder) the temporary file is removed, the old file (if any) stays, and the
/// error names the path and the system's reason.
enum WholeFile {
  static func write(_ text: String, to path: String) throws(RecurError) {
    var bytes = text
    var failure: RecurError?
    bytes.withUTF8 { buffer in
      do throws(RecurError) {
        try write(UnsafeRawBufferPointer(buffer), to: path)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
  }

  static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(RecurError) {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw failure(path) }
    // The first failing call's reason, read before close and unlink can change errno.
    var error: RecurError?
    var written = 0
    while written < bytes.count {
      #if canImport(Glibc)
        let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
      #else
        let count = Darwin.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
      #endif
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        error = failure(path)
        break
      }
      written += count
    }
    if error == nil && fsync(descriptor) != 0 { error = failure(path) }
    if close(descriptor) != 0 && error == nil { error = failure(path) }
    if error == nil && rename(temporary, path) != 0 { error = failure(path) }
    if let error {
      unlink(temporary)
      throw error
    }
  }

  /// The error for `errno` just after a failed call, with the likely cause of a lack of room.
  static func failure(_ path: String) -> RecurError {
    let code = errno
    var reason = String(cString: strerror(code))
    if code == EFBIG || code == ENOSPC || code == EDQUOT,
      let cause = DiskSpace.reason(folder: (path as NSString).deletingLastPathComponent)
    {
      reason += " (\(cause))"
    }
    return RecurError(.fatal, "cannot write the report: \(reason)", location: path)
  }
}
