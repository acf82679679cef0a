// RecurNN throughput in tokens/s, in the configurations of ../shared/bench/rnn_torch_bench.py:
// Embedding 20,000 × 100, hidden 128; sentiment (N → 1, softmax of the last state) over
// lengths 40 and 400 at batch 1 and 32; a bidirectional tagger (N → N, Linear 256 → 9,
// argmax) over length 30 at batch 1 and 32; training the sentiment model at batch 32,
// length 40 with Adam (lr 1e-3) and cross-entropy. Every cell, at 1 and 2 product threads.
// Each figure: warm-up calls, then `repeats` timed blocks of at least `min-block`
// seconds; the median per-call time of the blocks, and the minor page faults per call
// over the timed blocks (near zero once the engine's buffers are warm).
//
//   swift run -c release rnn-bench [--threads 1,2] [--repeats 7] [--min-block 0.25] [--cells rnn,gru,lstm]
//     [--kernels avx512|avx2|baseline] [--models sentiment,tagger,train] [--batches 1,32]
// With JSON=1 in the environment: one JSON object per line per configuration instead.
import Foundation
import RecurNN

var threadCounts = [1, 2]
var repeats = 7
var minBlock = 0.25
var cells = CellKind.allCases
var models = ["sentiment", "tagger", "train"]
var batches = [1, 32]
var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.count >= 2 {
  let (name, value) = (arguments.removeFirst(), arguments.removeFirst())
  switch name {
  case "--threads": threadCounts = value.split(separator: ",").compactMap { Int($0) }
  case "--repeats": repeats = max(1, Int(value) ?? repeats)
  case "--min-block": minBlock = Double(value) ?? minBlock
  case "--cells": cells = value.split(separator: ",").compactMap { CellKind(rawValue: String($0)) }
  case "--models": models = value.split(separator: ",").map(String.init)
  case "--batches": batches = value.split(separator: ",").compactMap { Int($0) }
  case "--kernels":
    if let path = KernelPath.allCases.first(where: { $0.name.hasPrefix(value) }) { path.select() }
  default: break
  }
}
// As `recur` does: freed step buffers stay in the heap for the next step.
FreedMemory.retain()
let json = ProcessInfo.processInfo.environment["JSON"] == "1"
let vocabulary = 20_000
let width = 100
let hidden = 128

func now() -> Double { Date().timeIntervalSinceReferenceDate }

func minorFaults() -> Int {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return usage.ru_minflt
}

/// The median seconds per call and the minor page faults per call of the timed blocks.
@MainActor func timePerCall(_ body: () -> Void) -> (seconds: Double, faults: Double) {
  for _ in 0..<3 { body() }
  let start = now()
  body()
  let one = max(now() - start, 1e-6)
  let calls = max(1, Int(minBlock / one))
  var perCall: [Double] = []
  let faultsBefore = minorFaults()
  for _ in 0..<repeats {
    let blockStart = now()
    for _ in 0..<calls { body() }
    perCall.append((now() - blockStart) / Double(calls))
  }
  let faults = Double(minorFaults() - faultsBefore) / Double(repeats * calls)
  perCall.sort()
  return (perCall[perCall.count / 2], faults)
}

@MainActor func report(
  _ model: String, _ cell: CellKind, _ threads: Int, _ batch: Int, _ length: Int,
  _ measured: (seconds: Double, faults: Double)
) {
  let tokens = Double(batch * length) / measured.seconds
  if json {
    print(
      "{\"model\":\"\(model)\",\"cell\":\"\(cell.rawValue)\",\"threads\":\(threads),\"batch\":\(batch),\"len\":\(length),\"tokens_per_s\":\(Int(tokens)),\"faults_per_call\":\(measured.faults)}"
    )
  } else {
    print(
      String(
        format: "%7d %-9@ %-5@ %5d %4d %9.3f %11.0f %12.2f", threads, model as NSString, cell.rawValue as NSString,
        batch, length, measured.seconds * 1000, tokens, measured.faults))
  }
}

/// The CPU's model name from /proc/cpuinfo (Linux), for the record.
func cpuModel() -> String {
  guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
    let name = line.split(separator: ":", maxSplits: 1).last
  else { return "unknown CPU" }
  return name.trimmingCharacters(in: .whitespaces)
}

if !json {
  print("# \(cpuModel()), kernels: \(KernelPath.current.name)")
  print("threads model     cell  batch  len   ms/call    tokens/s faults/call")
}
for threads in threadCounts {
  setProductThreads(threads)
  for cell in cells {
    var rng = SeededGenerator(seed: 1)
    // A model per part, as the reference script builds them: each is gone (with its
    // cached word projections) before the next is measured.
    func sentimentModel() -> ManyToOne {
      ManyToOne(
        embedding: Embedding(vocabulary: vocabulary, width: width, rng: &rng), cell: cell, hidden: hidden, classes: 2,
        rng: &rng)
    }
    if models.contains("sentiment") {
      let sentiment = sentimentModel()
      for length in [40, 400] {
        for batch in batches {
          let input = (0..<batch).map { _ in (0..<length).map { _ in Int(rng.next() % UInt64(vocabulary)) } }
          report("sentiment", cell, threads, batch, length, timePerCall { _ = sentiment.probabilities(input) })
        }
      }
    }
    if models.contains("tagger") {
      let tagger = ManyToMany(
        embedding: Embedding(vocabulary: vocabulary, width: width, rng: &rng), cell: cell, hidden: hidden, tags: 9,
        bidirectional: true, useCRF: false, rng: &rng)
      for batch in batches {
        let input = ManyToMany.Input(
          words: (0..<batch).map { _ in (0..<30).map { _ in Int(rng.next() % UInt64(vocabulary)) } })
        report(
          "tagger", cell, threads, batch, 30,
          timePerCall {
            var unused = SeededGenerator(seed: 0)
            let scores = withoutGradients { tagger.emissions(input, rng: &unused).scores.value }
            var tags = [Int](repeating: 0, count: scores.rows)
            for row in 0..<scores.rows {
              var best = 0
              for column in 1..<9 where scores[row, column] > scores[row, best] { best = column }
              tags[row] = best
            }
            precondition(tags.count == batch * 30)
          })
      }
    }
    guard models.contains("train") else { continue }
    let sentiment = sentimentModel()
    let optimizer = Adam(learningRate: 1e-3)
    let trainInput = (0..<32).map { _ in (0..<40).map { _ in Int(rng.next() % UInt64(vocabulary)) } }
    let labels = (0..<32).map { _ in Int(rng.next() % 2) }
    let parameters = sentiment.parameters()
    report(
      "train", cell, threads, 32, 40,
      timePerCall {
        sentiment.loss(trainInput, labels: labels, rng: &rng).backward()
        optimizer.update(parameters)
      })
  }
}
