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
    let file = try StreamedFile(path: path)
    file.append(text)
    try file.commit()
  }
}

/// A file written a piece at a time with `WholeFile`'s guarantee: `append` as the text
/// comes (it is buffered and written in blocks), then `commit` renames it into place; a
/// failure at any point, or a file never committed, leaves the old file as it was and no
/// temporary file behind.
final class StreamedFile {
  let path: String
  private let temporary: String
  private var descriptor: Int32
  private var buffer: [UInt8] = []
  /// The first failing call's reason, read before close and unlink can change errno.
  private var failure: RecurError?
  private static let block = 1 << 20

  init(path: String) throws(RecurError) {
    self.path = path
    let url = URL(fileURLWithPath: path)
    temporary =
      url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
      .path
    descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw Self.failure(path) }
    buffer.reserveCapacity(Self.block + (64 << 10))
  }

  deinit { if descriptor >= 0 { abandon() } }

  func append(_ text: String) {
    guard failure == nil else { return }
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= Self.block { flush() }
  }

  /// Writes what is buffered, fsyncs and renames the file into place.
  func commit() throws(RecurError) {
    flush()
    if failure == nil && fsync(descriptor) != 0 { failure = Self.failure(path) }
    if close(descriptor) != 0 && failure == nil { failure = Self.failure(path) }
    descriptor = -1
    if failure == nil && rename(temporary, path) != 0 { failure = Self.failure(path) }
    if let failure {
      unlink(temporary)
      throw failure
    }
  }

  /// Gives the file up: the temporary is removed, the old file stays.
  func abandon() {
    if descriptor >= 0 { close(descriptor) }
    descriptor = -1
    unlink(temporary)
  }

  private func flush() {
    guard failure == nil, !buffer.isEmpty else { return }
    var written = 0
    buffer.withUnsafeBytes { bytes in
      while written < bytes.count {
        #if canImport(Glibc)
          let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        #else
          let count = Darwin.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        #endif
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else {
          failure = Self.failure(path)
          return
        }
        written += count
      }
    }
    buffer.removeAll(keepingCapacity: true)
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
