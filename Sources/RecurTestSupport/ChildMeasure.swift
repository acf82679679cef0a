import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What a benchmark's child process cost.
public struct ChildCost: Sendable {
  public var seconds: Double
  public var status: Int32
  /// Peak resident memory in MB.
  public var peakMB: Double
}

/// Runs a child to its end (output discarded): wall seconds, exit status and peak resident
/// memory, from wait4's rusage (Foundation's Process reaps its children itself, so the
/// child is spawned directly).
public func measureChild(_ executable: String, _ arguments: [String]) throws -> ChildCost {
  var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  var pid: pid_t = 0
  let start = Date()
  let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
  guard spawned == 0 else { throw NSError(domain: "measureChild", code: Int(spawned)) }
  var status: Int32 = 0
  var usage = rusage()
  _ = wait4(pid, &status, 0, &usage)
  let seconds = Date().timeIntervalSince(start)
  return ChildCost(seconds: seconds, status: (status >> 8) & 0xFF, peakMB: Double(usage.ru_maxrss) / 1024)
}
