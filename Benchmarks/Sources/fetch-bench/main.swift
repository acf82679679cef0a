// Fetch throughput: Recur's CurlFetcher against `curl --parallel` over the same URL list
// from the same loopback server. Both use libcurl, so the ratio is Recur's own overhead.
//
//   swift run -c release fetch-bench [--pages N] [--concurrency N] [--repeats N]
// With JSON=1 in the environment, one JSON object per line per tool as well.
import Foundation
import RecurFetch
import RecurTestSupport

struct Options {
  var pages = 2000
  var concurrency = 32
  var repeats = 5
  var pageBytes = 2048

  init(_ arguments: [String]) {
    var index = 1
    while index + 1 < arguments.count {
      let value = Int(arguments[index + 1]) ?? 0
      switch arguments[index] {
      case "--pages": pages = max(1, value)
      case "--concurrency": concurrency = max(1, value)
      case "--repeats": repeats = max(1, value)
      case "--page-bytes": pageBytes = max(16, value)
      default: break
      }
      index += 2
    }
  }
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

let options = Options(CommandLine.arguments)
let filler = String(repeating: "Quiet, patient and warm. ", count: options.pageBytes / 25)
let page = "<!doctype html><html><head><title>Page</title></head><body><p>\(filler)</p></body></html>"
let server = try LoopbackHTTPServer { request in
  request.path == "/robots.txt" ? .text("", status: 404) : .html(page)
}
let urls = (0..<options.pages).map { server.url("/page/\($0).html") }

var settings = FetchSettings()
settings.concurrency = options.concurrency
settings.perHostConcurrency = options.concurrency
settings.perHostDelay = 0
settings.obeyRobots = false
let fetcher = CurlFetcher(settings: settings)

func timeRecur() -> (seconds: Double, ok: Int) {
  var ok = 0
  let start = Date()
  fetcher.fetch(urls.map { FetchRequest(url: $0) }) { if $0.outcome == .ok { ok += 1 } }
  return (Date().timeIntervalSince(start), ok)
}

let config = FileManager.default.temporaryDirectory.appendingPathComponent("recur-fetch-bench-\(getpid()).curl")
try urls.map { "url = \"\($0)\"\noutput = \"/dev/null\"\n" }.joined().write(
  to: config, atomically: true, encoding: .utf8)
defer { try? FileManager.default.removeItem(at: config) }

func timeCurl() throws -> Double {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [
    "curl", "--silent", "--fail", "--parallel", "--parallel-max", String(options.concurrency),
    "--config", config.path,
  ]
  process.standardError = FileHandle.nullDevice  // its parallel progress meter ignores --silent
  let start = Date()
  try process.run()
  process.waitUntilExit()
  let seconds = Date().timeIntervalSince(start)
  guard process.terminationStatus == 0 else {
    throw ServerErrorText("curl exited with status \(process.terminationStatus)")
  }
  return seconds
}

struct ServerErrorText: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

// One warm-up of each, then alternate so drift hits both alike.
_ = timeRecur()
_ = try timeCurl()
var recurRates: [Double] = []
var curlRates: [Double] = []
for _ in 0..<options.repeats {
  let recur = timeRecur()
  guard recur.ok == options.pages else {
    print("recur fetched only \(recur.ok) of \(options.pages) pages")
    exit(1)
  }
  recurRates.append(Double(options.pages) / recur.seconds)
  curlRates.append(Double(options.pages) / (try timeCurl()))
}
server.stop()

let recurMedian = median(recurRates)
let curlMedian = median(curlRates)
print(
  "fetch: \(options.pages) pages of \(page.utf8.count) B from 127.0.0.1, concurrency \(options.concurrency), robots and politeness off, median of \(options.repeats)"
)
print("tool    pages/s (median)   runs")
print(
  "recur   \(String(format: "%10.0f", recurMedian))         \(recurRates.map { String(format: "%.0f", $0) }.joined(separator: " "))"
)
print(
  "curl    \(String(format: "%10.0f", curlMedian))         \(curlRates.map { String(format: "%.0f", $0) }.joined(separator: " "))"
)
print("ratio recur/curl: \(String(format: "%.2f", recurMedian / curlMedian))")
if ProcessInfo.processInfo.environment["JSON"] == "1" {
  print(
    "{\"tool\":\"recur\",\"pages\":\(options.pages),\"concurrency\":\(options.concurrency),\"pages_per_s\":\(Int(recurMedian))}"
  )
  print(
    "{\"tool\":\"curl\",\"pages\":\(options.pages),\"concurrency\":\(options.concurrency),\"pages_per_s\":\(Int(curlMedian))}"
  )
}
