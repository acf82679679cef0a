// End to end: `recur run` over the WCXB pages served from a loopback HTTP server —
// fetch, parse, label sentiment and names, store, report — timed as a child process, with
// its peak memory (ru_maxrss). Beside it, the Python glue Recur replaces (trafilatura +
// VADER + spaCy, Benchmarks/peers/python_glue_run.py) over the same URLs from the same
// server, when the peers' virtual environment exists.
//
//   run-bench --recur PATH --models DIR --data WCXB_DIR [--pages N] [--repeats N] [--python PATH]
//
// Each repeat starts from an empty store (every page fetched and labelled); the rerun
// line is a second run over the same store (every page unchanged).
import Foundation
import RecurTestSupport
import RecurText

struct Options {
  var recur = ""
  var models = ""
  var data = "../../shared/data/wcxb"
  var pages = 0
  var repeats = 3
  var python = "/tmp/peers/bin/python"

  init(_ arguments: [String]) {
    var index = 1
    while index + 1 < arguments.count {
      let value = arguments[index + 1]
      switch arguments[index] {
      case "--recur": recur = value
      case "--models": models = value
      case "--data": data = value
      case "--pages": pages = Int(value) ?? 0
      case "--repeats": repeats = max(1, Int(value) ?? 1)
      case "--python": python = value
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

func measure(_ executable: String, _ arguments: [String]) throws -> (seconds: Double, status: Int32, peakMB: Double) {
  let cost = try measureChild(executable, arguments)
  return (cost.seconds, cost.status, cost.peakMB)
}

let options = Options(CommandLine.arguments)
guard !options.recur.isEmpty, !options.models.isEmpty else {
  print("usage: run-bench --recur PATH --models DIR --data WCXB_DIR [--pages N] [--repeats N]")
  exit(2)
}
let htmlFolder = options.data + "/html"
guard
  let names = try? FileManager.default.contentsOfDirectory(atPath: htmlFolder).filter({
    $0.hasSuffix(".html") || $0.hasSuffix(".html.gz")
  }).sorted(),
  !names.isEmpty
else {
  print("no WCXB pages in \(htmlFolder)")
  exit(2)
}
let chosen = options.pages > 0 ? Array(names.prefix(options.pages)) : names
var bodies: [String: [UInt8]] = [:]
var totalBytes = 0
// Pages are served as plain HTML (the WCXB files are gzipped on disk).
for name in chosen {
  var bytes = Array(FileManager.default.contents(atPath: htmlFolder + "/" + name) ?? Data())
  if Gzip.isGzip(bytes), let plain = try? Gzip.decompress(bytes) { bytes = plain }
  bodies["/" + name] = bytes
  totalBytes += bytes.count
}
let pages = bodies
let server = try LoopbackHTTPServer { request in
  guard let body = pages[request.path] else { return .text("not here", status: 404) }
  return LoopbackHTTPServer.Reply(status: 200, headers: [("Content-Type", "text/html")], body: body)
}
let urls = chosen.map { server.url("/" + $0) }
let work = FileManager.default.temporaryDirectory.appendingPathComponent("recur-run-bench-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }
let urlFile = work.appendingPathComponent("urls.txt")
try Data((urls.joined(separator: "\n") + "\n").utf8).write(to: urlFile)

func job(_ index: Int) throws -> String {
  let path = work.appendingPathComponent("bench-\(index).toml").path
  try Data(
    """
    version = 1
    name = "bench"
    [sources]
    url_files = ["\(urlFile.path)"]
    [fetch]
    concurrency = 8
    per_host_concurrency = 8
    per_host_delay = 0
    obey_robots = false
    [models]
    sentiment_model = "\(options.models)/sentiment"
    names_model = "\(options.models)/names"
    [report]
    directory = "\(work.path)/reports-\(index)"
    """.utf8
  ).write(to: URL(fileURLWithPath: path))
  return path
}

print(
  "pages: \(chosen.count) (\(String(format: "%.1f", Double(totalBytes) / 1e6)) MB) from a loopback server; \(options.repeats) repeats, medians"
)
var recurSeconds: [Double] = []
var recurPeak: [Double] = []
var rerunSeconds: [Double] = []
for index in 0..<options.repeats {
  let path = try job(index)
  let first = try measure(options.recur, ["run", path, "--quiet"])
  guard first.status <= 1 else {
    print("recur run failed with exit \(first.status)")
    exit(3)
  }
  recurSeconds.append(first.seconds)
  recurPeak.append(first.peakMB)
  rerunSeconds.append(try measure(options.recur, ["run", path, "--quiet"]).seconds)
}
let recurRate = Double(chosen.count) / median(recurSeconds)
print(
  String(
    format:
      "recur run (fetch+parse+sentiment+names+store+report): %.1f documents/s (median %.2f s), peak memory %.0f MB (max %.0f)",
    recurRate, median(recurSeconds), median(recurPeak), recurPeak.max() ?? 0))
print(
  String(format: "recur rerun (every page unchanged): %.1f documents/s", Double(chosen.count) / median(rerunSeconds)))

if FileManager.default.isExecutableFile(atPath: options.python) {
  let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("peers/python_glue_run.py").path
  var seconds: [Double] = []
  var peaks: [Double] = []
  for index in 0..<options.repeats {
    let out = work.appendingPathComponent("glue-\(index)")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let result = try measure(options.python, [script, urlFile.path, out.path])
    guard result.status == 0 else {
      print("python glue failed with exit \(result.status)")
      break
    }
    seconds.append(result.seconds)
    peaks.append(result.peakMB)
  }
  if !seconds.isEmpty {
    let rate = Double(chosen.count) / median(seconds)
    print(
      String(
        format: "python glue (urllib+trafilatura+VADER+spaCy): %.1f documents/s (median %.2f s), peak memory %.0f MB",
        rate, median(seconds), median(peaks)))
    print(String(format: "ratio: recur is %.1fx the glue's documents/s", recurRate / rate))
  }
} else {
  print("python glue: skipped (no \(options.python); see ../shared/bench/README.md)")
}
server.stop()
