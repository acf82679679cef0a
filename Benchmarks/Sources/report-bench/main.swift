import Foundation
import RecurStore
import RecurTestSupport

// `recur report` over synthetic stores of 1,000, 10,000 and 100,000 documents: the store
// is written through its own API (what is measured is reading it back and writing the
// report, not labelling), then `recur report` runs as a child process. Prints the time,
// the peak memory, and the size of report.html, the document list and the exports.
//
//   report-bench --recur PATH [--sizes 1000,10000,100000] [--work DIR]

func option(_ name: String, _ fallback: String) -> String {
  let arguments = CommandLine.arguments
  if let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count { return arguments[index + 1] }
  return fallback
}

let recur = option("recur", "")
guard !recur.isEmpty else {
  FileHandle.standardError.write(Data("usage: report-bench --recur PATH [--sizes 1000,10000] [--work DIR]\n".utf8))
  exit(2)
}
let sizes = option("sizes", "1000,10000,100000").split(separator: ",").compactMap { Int($0) }
let work = option("work", NSTemporaryDirectory() + "recur-report-bench")

/// A deterministic generator, so every size's store is the same corpus cut longer.
struct Generator {
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15
  mutating func next(_ bound: Int) -> Int {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int((state >> 33) % UInt64(bound))
  }
}

let words = [
  "kettle", "service", "film", "story", "price", "quality", "staff", "plot", "battery", "screen", "hotel", "room",
  "meal", "chef", "delivery", "sound", "design", "ending", "actor", "review",
]
let adjectives = ["great", "poor", "solid", "awful", "lovely", "dull", "superb", "fine", "cheap", "slow"]
let labels = ["positive", "negative", "mixed", "neutral"]

func sentence(_ random: inout Generator) -> String {
  "The \(words[random.next(words.count)]) was \(adjectives[random.next(adjectives.count)]) and the "
    + "\(words[random.next(words.count)]) felt \(adjectives[random.next(adjectives.count)]) to me."
}

func synthesise(count: Int, into folder: String) throws -> String {
  try? FileManager.default.removeItem(atPath: folder)
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  let jobPath = folder + "/bench.toml"
  try Data(
    """
    version = 1
    name = "bench"
    [sources]
    urls = ["https://example.org/"]
    [report]
    directory = "reports"
    [store]
    path = "bench.sqlite"
    """.utf8
  ).write(to: URL(fileURLWithPath: jobPath))
  let store = try Store(path: folder + "/bench.sqlite")
  let run = try store.beginRun(job: "bench", stage: "report", models: [], at: "2026-12-04T00:00:00Z")
  var random = Generator()
  for index in 0..<count {
    let host = "site\(random.next(400)).example"
    let url = "https://\(host)/reviews/\(index)"
    if random.next(20) == 0 {
      try store.record(run: run, position: index, url: url, outcome: .failed, reason: "HTTP 503", fetch: nil)
      continue
    }
    let sentences = (0..<12).map { _ in sentence(&random) }
    let text = sentences.joined(separator: " ")
    var offset = 0
    let scored = sentences.map { item -> StoredSentence in
      defer { offset += item.count + 1 }
      return StoredSentence(
        start: offset, end: offset + item.count, positive: Double(random.next(1000)) / 1000, text: item,
        opinion: Double(random.next(1000)) / 1000)
    }
    let label = labels[random.next(labels.count)]
    let positive = Double(random.next(1000)) / 1000
    let people = (0..<random.next(4)).map { _ -> StoredPerson in
      let name = "Person\(random.next(5000)) Surname\(random.next(800))"
      return StoredPerson(name: name, mentions: 1 + random.next(4), forms: [name], confidence: 0.9)
    }
    let entities =
      people.map { StoredEntity(type: "PER", text: $0.name, start: 0, end: $0.name.count, confidence: 0.9) }
      + (0..<random.next(6)).map { _ in
        StoredEntity(
          type: ["ORG", "LOC", "MISC"][random.next(3)], text: "Name\(random.next(3000))", start: 0, end: 8,
          confidence: 0.8)
      }
    var results = DocumentResults(
      document: StoredDocument(
        url: url, finalURL: url, httpStatus: 200, contentHash: String(index),
        title: "Review \(index) of a \(words[index % words.count])",
        siteName: host, published: "2026-11-\(10 + index % 18)", language: "en", kind: "review", text: text))
    results.sentiment = StoredSentiment(
      modelVersion: "bench", label: label, probability: 0.5 + positive / 2, positive: positive, language: "en",
      reason: nil, sentences: scored)
    results.names = StoredNames(modelVersion: "bench", entities: entities, people: people)
    try store.save(run: run, position: index, outcome: .fetched, results: results, fetch: nil)
  }
  try store.finishRun(run, status: .finished, at: "2026-12-04T01:00:00Z", seconds: 3600)
  return jobPath
}

func size(_ path: String) -> Int {
  ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

func megabytes(_ bytes: Int) -> String { String(format: "%.2f MB", Double(bytes) / 1_048_576) }

for count in sizes {
  let folder = work + "/\(count)"
  let started = Date()
  let job = try synthesise(count: count, into: folder)
  let built = Date().timeIntervalSince(started)
  let cost = try measureChild(recur, ["report", job])
  let reports = folder + "/reports/bench/1"
  let pages = (try? FileManager.default.contentsOfDirectory(atPath: reports + "/documents"))?.count ?? 0
  let pageBytes =
    (try? FileManager.default.contentsOfDirectory(atPath: reports + "/documents"))?.map {
      size(reports + "/documents/" + $0)
    }.reduce(0, +) ?? 0
  print(
    "\(count) documents (store built in \(String(format: "%.1f", built)) s, \(megabytes(size(folder + "/bench.sqlite")))): "
      + "recur report \(String(format: "%.2f", cost.seconds)) s, exit \(cost.status), peak \(String(format: "%.0f", cost.peakMB)) MB; "
      + "report.html \(megabytes(size(reports + "/report.html"))), report.md \(megabytes(size(reports + "/report.md"))), "
      + "\(pages) list pages \(megabytes(pageBytes)), documents.jsonl \(megabytes(size(reports + "/documents.jsonl"))), "
      + "entities.csv \(megabytes(size(reports + "/entities.csv")))")
}
