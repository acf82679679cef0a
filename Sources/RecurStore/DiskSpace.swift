import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a write may have failed for want of room: the process's file-size limit or a
/// nearly full disk. Named in the error a failed store or report write gives, since the
/// system's own reason ("disk I/O error", "File too large") does not say which.
public enum DiskSpace {
  /// Free space below which a failed write is put down to a full disk.
  static let nearlyFull: UInt64 = 64 << 20

  /// The likely cause of a failed write into `folder`, or nil when neither applies.
  public static func reason(folder: String) -> String? {
    var limit = rlimit()
    #if canImport(Glibc)
      let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
    #else
      let resource = RLIMIT_FSIZE
    #endif
    // RLIM_INFINITY is all ones (its C macro does not import as a value Swift can compare).
    if getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max {
      return "the file-size limit (ulimit -f) is \(limit.rlim_cur) bytes"
    }
    var system = statvfs()
    if statvfs(folder.isEmpty ? "." : folder, &system) == 0 {
      let free = UInt64(system.f_bavail) * UInt64(system.f_frsize)
      if free < nearlyFull { return "the disk is full: \(free) bytes free" }
    }
    return nil
  }
}
