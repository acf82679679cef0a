import Foundation
import RecurStore

// How many claims a second a PostgreSQL store sustains for workers of a shared run, with
// nothing else to do: WORKERS threads, each with its own connection (as separate
// processes would have), claim CHUNK URLs at a time from a run of URLS URLs over HOSTS
// hosts and commit each URL as its own transaction (the lightest commit a run makes), until
// the queue is drained. What this shows is where PostgreSQL becomes the bottleneck.
//
//   claim-bench --url postgresql://recur@127.0.0.1:5432/bench [--workers 16] [--urls 20000]
//               [--hosts 2000] [--chunk 32]

func option(_ name: String, _ fallback: String?) -> String? {
  let arguments = CommandLine.arguments
  if let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count { return arguments[index + 1] }
  return fallback
}

guard let url = option("url", nil) else {
  FileHandle.standardError.write(Data("usage: claim-bench --url postgresql://… [--workers N] [--urls N]\n".utf8))
  exit(2)
}
let workers = Int(option("workers", "16")!) ?? 16
let count = Int(option("urls", "20000")!) ?? 20000
let hosts = Int(option("hosts", "2000")!) ?? 2000
let chunk = Int(option("chunk", "32")!) ?? 32

final class Totals: @unchecked Sendable {
  let lock = NSLock()
  var claims = 0
  var empty = 0
  var documents = 0
  var failures: [String] = []
}

do {
  let opener = try Store(url: url)
  let urls = (0..<count).map { "https://h\($0 % hosts).example/page/\($0)" }
  let started = Date()
  let run = try opener.openSharedRun(
    job: "claim-bench-\(UUID().uuidString.prefix(8))", stage: "fetch", models: [],
    at: ISO8601DateFormatter().string(from: started), urls: urls, firstPosition: 0, worker: "w0")
  let enqueued = Date().timeIntervalSince(started)
  let totals = Totals()
  let begin = Date()
  DispatchQueue.concurrentPerform(iterations: workers) { index in
    do {
      let store = try Store(url: url)
      let worker = "w\(index)"
      if index > 0 { _ = try store.join(run: run, worker: worker, at: "now", lease: 60) }
      while true {
        let claimed = try store.claim(run: run, worker: worker, count: chunk, lease: 60, hostDelay: 0)
        if claimed.isEmpty {
          totals.lock.withLock { totals.empty += 1 }
          if try store.queueCounts(run: run).drained { break }
          Thread.sleep(forTimeInterval: 0.01)
          continue
        }
        for item in claimed {
          try store.record(
            run: run, position: item.position, url: item.url, outcome: .fetched, reason: nil, fetch: nil,
            claimedBy: worker)
        }
        totals.lock.withLock {
          totals.claims += 1
          totals.documents += claimed.count
        }
      }
    } catch {
      totals.lock.withLock { totals.failures.append("\(error)") }
    }
  }
  let seconds = Date().timeIntervalSince(begin)
  let done = try opener.queueCounts(run: run).done
  print(
    String(
      format:
        "workers %d, URLs %d over %d hosts, chunk %d: enqueue %.2f s; drained in %.2f s: %d claims (%.0f/s), "
        + "%d empty, %d documents committed (%.0f/s); queue done %d",
      workers, count, hosts, chunk, enqueued, seconds, totals.claims, Double(totals.claims) / seconds, totals.empty,
      totals.documents, Double(totals.documents) / seconds, done))
  if !totals.failures.isEmpty {
    print("failures: \(totals.failures.prefix(3))")
    exit(1)
  }
} catch {
  FileHandle.standardError.write(Data("claim-bench: \(error)\n".utf8))
  exit(1)
}
