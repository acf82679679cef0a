// Parse + extract throughput over the pages of a WCXB-layout folder, beside libxml2's
// parse alone over the same bytes (the floor). Pages are decompressed and decoded
// first; timing covers the in-process call only, as ../shared/bench/extract_peers.py
// times its peers. Median of `--repeats` passes.
//
//   swift run -c release extract-bench --data ../../shared/data/wcxb [--repeats 3] [--limit N]
import Foundation
import RecurText

var folder = "../shared/data/wcxb"
var repeats = 3
var limit = Int.max
var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.count >= 2 {
  let (name, value) = (arguments.removeFirst(), arguments.removeFirst())
  switch name {
  case "--data": folder = value
  case "--repeats": repeats = max(1, Int(value) ?? repeats)
  case "--limit": limit = max(1, Int(value) ?? limit)
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

var parseOnly: [Double] = []
var full: [Double] = []
let parser = DocumentParser()
for _ in 0..<repeats {
  parseOnly.append(time { for text in texts { _ = HTMLParser.parseOnly(text) } })
  full.append(time { for page in pages { _ = parser.parse(page, url: "") } })
}
let floor = megabytes / median(parseOnly)
let extraction = megabytes / median(full)
print(String(format: "%d pages, %.1f MB (1 MB = 10^6 bytes), median of %d passes", pages.count, megabytes, repeats))
print(String(format: "libxml2 parse only      %6.1f MB/s", floor))
print(String(format: "recur parse + extract   %6.1f MB/s", extraction))
print(String(format: "extraction time / parse-only time: %.2f", floor / extraction))
