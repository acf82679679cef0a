// Parse + extract throughput over the pages of a WCXB-layout folder, beside libxml2's
// parse alone over the same bytes (the floor). Pages are decompressed and decoded
// first; timing covers the in-process call only, as ../shared/bench/extract_peers.py
// times its peers. Median of `--repeats` passes.
//
// Recur is timed twice: with the shipped block model (../models/extract, as `recur run`
// and `recur extract` use it) and with the rules alone.
//
//   swift run -c release extract-bench --data ../../shared/data/wcxb [--repeats 3] [--limit N]
//     [--model ../models/extract] [--only model]
import Foundation
import RecurText

var folder = "../shared/data/wcxb"
var repeats = 3
var limit = Int.max
var modelFolder = "../models/extract"
// `--only model` times the block-model row alone (for a profiler).
var only = ""
var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.count >= 2 {
  let (name, value) = (arguments.removeFirst(), arguments.removeFirst())
  switch name {
  case "--data": folder = value
  case "--repeats": repeats = max(1, Int(value) ?? repeats)
  case "--limit": limit = max(1, Int(value) ?? limit)
  case "--model": modelFolder = value
  case "--only": only = value
  default: break
  }
}

guard let index = try? String(contentsOfFile: folder + "/index.tsv", encoding: .utf8) else {
  print("no index.tsv in \(folder)")
  exit(2)
}
var pages: [[UInt8]] = []
for row in index.split(whereSeparator: \.isNewline).dropFirst().prefix(limit) {
  let id = row.split(separator: "\t")[0]
  guard let data = FileManager.default.contents(atPath: "\(folder)/html/\(id).html.gz"),
    let bytes = try? Gzip.decompress(Array(data))
  else { continue }
  pages.append(bytes)
}
let texts = pages.map { DecodedText(bytes: $0, httpCharset: nil).text }
let megabytes = Double(pages.reduce(0) { $0 + $1.count }) / 1e6

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func time(_ body: () -> Void) -> Double {
  let start = Date()
  body()
  return Date().timeIntervalSince(start)
}

let model: BlockModel
do {
  model = try BlockModel.load(folder: modelFolder)
} catch {
  print("cannot load the block model: \(error)")
  exit(2)
}
var parseOnly: [Double] = []
var eventsOnly: [Double] = []
var treeOnly: [Double] = []
var full: [Double] = []
var rules: [Double] = []
let withModel = DocumentParser(blockModel: model)
let rulesOnly = DocumentParser()
if only == "model" {
  let seconds = median((0..<repeats).map { _ in time { for page in pages { _ = withModel.parse(page, url: "") } } })
  print(String(format: "recur parse + extract (block model)   %6.1f MB/s", megabytes / seconds))
  exit(0)
}
for _ in 0..<repeats {
  parseOnly.append(time { for text in texts { _ = HTMLParser.parseOnly(text) } })
  eventsOnly.append(time { for text in texts { _ = HTMLParser.parseEventsOnly(text) } })
  treeOnly.append(time { for text in texts { _ = HTMLParser.parse(text) } })
  full.append(time { for page in pages { _ = withModel.parse(page, url: "") } })
  rules.append(time { for page in pages { _ = rulesOnly.parse(page, url: "") } })
}
let floor = megabytes / median(parseOnly)
let events = megabytes / median(eventsOnly)
let tree = megabytes / median(treeOnly)
let extraction = megabytes / median(full)
let rulesSpeed = megabytes / median(rules)
print(String(format: "%d pages, %.1f MB (1 MB = 10^6 bytes), median of %d passes", pages.count, megabytes, repeats))
print(String(format: "libxml2 parse only (its tree)         %6.1f MB/s", floor))
print(String(format: "libxml2 parse events only (no tree)   %6.1f MB/s", events))
print(String(format: "recur parse to its tree                %6.1f MB/s", tree))
print(String(format: "recur parse + extract (block model)   %6.1f MB/s", extraction))
print(String(format: "recur parse + extract (rules alone)   %6.1f MB/s", rulesSpeed))
print(
  String(
    format: "extraction time / parse-only time: %.2f (block model), %.2f (rules alone)", floor / extraction,
    floor / rulesSpeed))
