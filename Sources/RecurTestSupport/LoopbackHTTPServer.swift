import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 at an ephemeral port, for tests and
/// benchmarks that must fetch from a real server. A thread per connection,
/// keep-alive, GET and HEAD only. It counts requests and the most requests in
/// flight at once per Host header, so tests can check the fetcher's limits.
public final class LoopbackHTTPServer: @unchecked Sendable {
  public struct Request: Sendable {
    public var method: String
    /// Path and query, as on the request line.
    public var target: String
    /// Header names lower-cased.
    public var headers: [String: String]
    /// When the request head had arrived.
    public var receivedAt: Date
    /// The Host header without the port.
    public var host: String {
      let value = headers["host"] ?? ""
      if value.hasPrefix("[") { return String(value.prefix { $0 != "]" }.dropFirst()) }
      return String(value.prefix { $0 != ":" })
    }
    public var path: String { String(target.prefix { $0 != "?" }) }
  }

  public struct Reply: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Seconds to wait before answering (to make requests overlap).
    public var delay: Double = 0
    /// Send the headers and this many body bytes, then go silent for `stallSeconds`.
    public var stallAfterBytes: Int?
    public var stallSeconds: Double = 0

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
      self.status = status
      self.headers = headers
      self.body = body
    }

    public static func html(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> Reply {
      Reply(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + headers, body: Array(text.utf8))
    }

    public static func text(_ text: String, status: Int = 200, type: String = "text/plain") -> Reply {
      Reply(status: status, headers: [("Content-Type", type)], body: Array(text.utf8))
    }

    public static func redirect(to location: String, status: Int = 302) -> Reply {
      Reply(status: status, headers: [("Location", location)], body: [])
    }
  }

  public let port: Int
  private let listener: Int32
  private let handler: @Sendable (Request) -> Reply
  private let lock = NSLock()
  private var stopped = false
  private var connections: Set<Int32> = []
  private var inFlight: [String: Int] = [:]
  private var peakInFlight: [String: Int] = [:]
  private var requestLog: [Request] = []
  private let acceptThreadDone = DispatchSemaphore(value: 0)

  public init(handler: @escaping @Sendable (Request) -> Reply) throws {
    self.handler = handler
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw ServerError("socket() failed: errno \(errno)") }
    var yes: Int32 = 1
    setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(socketFD, 512) == 0 else {
      close(socketFD)
      throw ServerError("bind/listen on 127.0.0.1 failed: errno \(errno)")
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
    }
    self.port = Int(UInt16(bigEndian: address.sin_port))
    self.listener = socketFD
    let thread = Thread { [self] in acceptLoop() }
    thread.stackSize = 1 << 20
    thread.start()
  }

  deinit { stop() }

  /// `http://127.0.0.1:PORT` followed by `path`.
  public func url(_ path: String, host: String = "127.0.0.1") -> String {
    "http://\(host):\(port)\(path)"
  }

  /// The most requests that were ever in flight at once for `host`.
  public func peakConcurrency(host: String) -> Int {
    lock.withLock { peakInFlight[host] ?? 0 }
  }

  /// Every request received so far, in arrival order.
  public var requests: [Request] {
    lock.withLock { requestLog }
  }

  public func requests(to path: String) -> [Request] {
    requests.filter { $0.path == path }
  }

  /// Closes the listener and every open connection; idempotent.
  public func stop() {
    // An array built under the lock: a copy of the set would share its storage with the
    // one the serving threads remove from (the thread sanitizer saw the two race).
    let open: [Int32]? = lock.withLock {
      if stopped { return nil }
      stopped = true
      return Array(connections)
    }
    guard let open else { return }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
  }

  private var isStopped: Bool { lock.withLock { stopped } }

  private func acceptLoop() {
    while !isStopped {
      let connection = accept(listener, nil, nil)
      if connection < 0 {
        if errno == EINTR { continue }
        break
      }
      var noDelay: Int32 = 1
      setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
      let registered = lock.withLock { () -> Bool in
        if stopped { return false }
        connections.insert(connection)
        return true
      }
      guard registered else {
        close(connection)
        break
      }
      let thread = Thread { [self] in serve(connection) }
      thread.stackSize = 512 * 1024
      thread.start()
    }
  }

  private func serve(_ connection: Int32) {
    defer {
      lock.withLock { _ = connections.remove(connection) }
      close(connection)
    }
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      // Read until a whole request head has arrived.
      var headEnd: Int?
      while headEnd == nil {
        headEnd = Self.findHeadEnd(buffer)
        if headEnd != nil { break }
        let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return }
        buffer.append(contentsOf: chunk[0..<count])
        if buffer.count > 64 * 1024 { return }
      }
      guard let end = headEnd, let request = Self.parseHead(Array(buffer[0..<end])) else { return }
      buffer.removeFirst(end + 4)

      let host = request.host
      lock.withLock {
        requestLog.append(request)
        inFlight[host, default: 0] += 1
        peakInFlight[host] = max(peakInFlight[host] ?? 0, inFlight[host] ?? 0)
      }
      let reply = handler(request)
      if reply.delay > 0 { sleepUnlessStopped(reply.delay) }
      let keepOpen = send(reply, for: request, on: connection)
      lock.withLock { inFlight[host, default: 1] -= 1 }
      if !keepOpen || isStopped { return }
      if request.headers["connection"]?.lowercased() == "close" { return }
    }
  }

  /// Writes a reply; false when the connection must close afterwards.
  private func send(_ reply: Reply, for request: Request, on connection: Int32) -> Bool {
    var head = "HTTP/1.1 \(reply.status) \(Self.phrase(reply.status))\r\n"
    var hasLength = false
    for (name, value) in reply.headers {
      head += "\(name): \(value)\r\n"
      if name.lowercased() == "content-length" { hasLength = true }
    }
    if !hasLength { head += "Content-Length: \(reply.body.count)\r\n" }
    head += "\r\n"
    let bodyAllowed = request.method != "HEAD" && reply.status != 304 && reply.status >= 200
    if let stallAfter = reply.stallAfterBytes {
      guard writeAll(Array(head.utf8) + reply.body.prefix(stallAfter), to: connection) else { return false }
      sleepUnlessStopped(reply.stallSeconds)
      return false
    }
    return writeAll(Array(head.utf8) + (bodyAllowed ? reply.body : []), to: connection)
  }

  private func writeAll(_ bytes: [UInt8], to connection: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes {
        Glibc.send(connection, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      }
      if written <= 0 { return false }
      offset += written
    }
    return true
  }

  private func sleepUnlessStopped(_ seconds: Double) {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline && !isStopped {
      usleep(UInt32(min(20_000, max(1000, deadline.timeIntervalSinceNow * 1_000_000))))
    }
  }

  private static func findHeadEnd(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
      return index
    }
    return nil
  }

  private static func parseHead(_ bytes: [UInt8]) -> Request? {
    let text = String(decoding: bytes, as: UTF8.self)
    var lines = text.components(separatedBy: "\r\n")
    guard !lines.isEmpty else { return nil }
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count >= 2 else { return nil }
    var headers: [String: String] = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
        .trimmingCharacters(in: .whitespaces)
    }
    return Request(
      method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, receivedAt: Date())
  }

  private static func phrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 304: "Not Modified"
    case 404: "Not Found"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    default: "Status"
    }
  }
}

public struct ServerError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
