import Foundation
import RecurFetch
import RecurStore

/// One chunk of a run's URLs, fetched, with what the store remembered of them.
struct FetchedChunk: Sendable {
  var urls: [String]
  var previous: [String: PreviousState]
  var results: [FetchResult]
}

/// Fetches a run's chunks on a thread of its own (libcurl handles stay on it), at most
/// two chunks ahead of the consumer, so fetching overlaps parsing and labelling while
/// memory stays bounded.
final class ChunkFeeder: @unchecked Sendable {
  private let chunks: [[String]]
  private let store: Store
  private let fetcher: any Fetching
  private let sendValidators: Bool
  /// Validators go only with documents this parser made: text from another is parsed
  /// again, which a 304 would not allow.
  private let parserVersion: String
  private let condition = NSCondition()
  private var ready: [FetchedChunk] = []
  private var finished = false
  private var stopped = false
  private let capacity = 2

  init(chunks: [[String]], store: Store, fetcher: any Fetching, sendValidators: Bool, parserVersion: String) {
    self.chunks = chunks
    self.store = store
    self.fetcher = fetcher
    self.sendValidators = sendValidators
    self.parserVersion = parserVersion
  }

  func start() {
    let thread = Thread { [self] in produce() }
    thread.name = "recur-fetch"
    thread.stackSize = 4 << 20
    thread.start()
  }

  private func produce() {
    for urls in chunks {
      condition.lock()
      while ready.count >= capacity && !stopped { condition.wait() }
      let stop = stopped || StopSignal.requested
      condition.unlock()
      if stop { break }
      // A store that cannot be read here fails the URLs; the consumer records why.
      let previous = (try? store.previousStates(urls: urls)) ?? [:]
      let requests = urls.map { url in
        // Validators only for documents whose text is stored: a 304 must have something to reuse.
        guard sendValidators, let state = previous[url], state.text != nil, state.parserVersion == parserVersion else {
          return FetchRequest(url: url)
        }
        return FetchRequest(url: url, validators: Validators(etag: state.etag, lastModified: state.lastModified))
      }
      let results = fetcher.fetchAll(requests)
      condition.lock()
      ready.append(FetchedChunk(urls: urls, previous: previous, results: results))
      condition.broadcast()
      condition.unlock()
    }
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// The next fetched chunk, waiting for it; nil when all are done.
  func next() -> FetchedChunk? {
    condition.lock()
    defer { condition.unlock() }
    while ready.isEmpty && !finished { condition.wait() }
    guard !ready.isEmpty else { return nil }
    let chunk = ready.removeFirst()
    condition.broadcast()
    return chunk
  }

  /// Stops after the chunk being fetched and waits for the fetch thread to end.
  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    while !finished { condition.wait() }
    ready.removeAll()
    condition.unlock()
  }
}
