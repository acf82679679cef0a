import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A throwaway PostgreSQL server for tests: `initdb` into a temporary folder and
/// `pg_ctl start` on a free loopback port (as the `postgres` user when running as root,
/// since PostgreSQL refuses to run as root), stopped and removed by `stop()`. Local
/// connections are trusted; TCP connections need the password (SCRAM), so a test can try
/// a wrong one.
public final class PostgresServer: @unchecked Sendable {
  public let port: Int
  public let user = "recur"
  public let password = "loopback-secret-7d41"
  let folder: URL
  let bin: String
  private var stopped = false

  public enum Failure: Error, CustomStringConvertible {
    case missing(String)
    case failed(String)
    public var description: String {
      switch self {
      case .missing(let what), .failed(let what): return what
      }
    }
  }

  /// The folder of Debian's server binaries (`/usr/lib/postgresql/VERSION/bin`), newest first.
  public static func binaries() -> String? {
    let root = "/usr/lib/postgresql"
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
      .first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
  }

  public init() throws {
    guard let bin = Self.binaries() else {
      throw Failure.missing("no PostgreSQL server in /usr/lib/postgresql (make test installs Debian's postgresql)")
    }
    self.bin = bin
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-pg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    port = try Self.freePort()
    do {
      try start()
    } catch {
      stop()
      throw error
    }
  }

  deinit { stop() }

  /// A URL for database `name` (created when missing), with or without the password.
  public func url(database name: String, password: String? = nil) -> String {
    let secret = password.map { ":" + $0 } ?? ""
    return "postgresql://\(user)\(secret)@127.0.0.1:\(port)/\(name)"
  }

  /// Creates a fresh database and returns its URL (password included).
  public func createDatabase(_ name: String) throws -> String {
    try run(bin + "/createdb", ["-h", folder.path + "/socket", "-p", String(port), "-U", user, name])
    return url(database: name, password: password)
  }

  public func stop() {
    guard !stopped else { return }
    stopped = true
    if FileManager.default.fileExists(atPath: folder.path + "/data/postmaster.pid") {
      try? run(bin + "/pg_ctl", ["-D", folder.path + "/data", "-m", "immediate", "-w", "stop"])
    }
    try? FileManager.default.removeItem(at: folder)
  }

  private func start() throws {
    let socket = folder.path + "/socket"
    try FileManager.default.createDirectory(atPath: socket, withIntermediateDirectories: true)
    let passwordFile = folder.path + "/password"
    try Data(password.utf8).write(to: URL(fileURLWithPath: passwordFile))
    if getuid() == 0 { try handOver(folder.path) }
    try run(
      bin + "/initdb",
      [
        "-D", folder.path + "/data", "-U", user, "--pwfile=" + passwordFile, "--auth-local=trust",
        "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
      ])
    try run(
      bin + "/pg_ctl",
      [
        "-D", folder.path + "/data", "-l", folder.path + "/server.log", "-w", "-t", "60", "-o",
        "-p \(port) -k \(socket) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
        "start",
      ])
  }

  /// Gives the folder to the `postgres` user (the server refuses to run as root).
  private func handOver(_ path: String) throws {
    guard let account = getpwnam("postgres") else {
      throw Failure.missing("running as root, and there is no postgres user to run the server as")
    }
    for item in [path, path + "/socket", path + "/password"] {
      guard chown(item, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
        throw Failure.failed("cannot hand \(item) to the postgres user")
      }
    }
  }

  /// Runs a server tool (through `runuser -u postgres` as root), failing with its output.
  /// Spawned and reaped here, not through Foundation's Process: the server `pg_ctl start`
  /// leaves running inherits the descriptor Process watches for the child's end, so
  /// `waitUntilExit` would wait for the server to stop.
  private func run(_ tool: String, _ arguments: [String]) throws {
    let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] + arguments : [tool] + arguments
    let outputPath = folder.path + "/tool-output"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let cArguments = command.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    var child: pid_t = 0
    let spawned = posix_spawn(&child, command[0], &actions, nil, cArguments, environ)
    guard spawned == 0 else { throw Failure.failed("cannot run \(command[0]): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    // Exited normally with status 0 (the wait status's low 7 bits are the signal, the next 8 the code).
    guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
      let log = (try? String(contentsOfFile: folder.path + "/server.log", encoding: .utf8)) ?? ""
      throw Failure.failed("\((tool as NSString).lastPathComponent) failed: \(text) \(log.suffix(2000))")
    }
  }

  /// A loopback port nothing listens on now (the kernel's pick for port 0).
  public static func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw Failure.failed("cannot open a socket") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
      }
    }
    guard bound else { throw Failure.failed("cannot find a free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
