import Foundation
import RecurFetch
import RecurStore

/// One chunk of a run's URLs, fetched, with what the store remembered of them.
struct FetchedChunk: Sendable {
  var urls: [String]
  /// Each URL's place in the run (its queue position in a shared run).
  var positions: [Int]
  var previous: [String: PreviousState]
  var results: [FetchResult]
}

/// Fetches a run's chunks on a thread of its own (libcurl handles stay on it), at most
/// two chunks ahead of the consumer, so fetching overlaps parsing and labelling while
/// memory stays bounded. The chunks come from `claim`: a list cut in pieces for a run of
/// its own, claims from the queue for a worker of a shared run.
final class ChunkFeeder: @unchecked Sendable {
  /// The next chunk to fetch, waiting for one if need be; nil when there are no more.
  typealias Claim = @Sendable () throws(StoreError) -> [ClaimedURL]?
  /// A URL claimed this many times was held by workers that all stopped before committing
  /// it (a page that kills the process?): it is recorded as failed, not fetched again.
  static let maxClaims = 3

  private let claim: Claim
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
  private var failure: StoreError?
  private let capacity = 2

  /// A run's own URLs, in chunks, at positions from `firstPosition`.
  static func chunks(_ urls: [String], size: Int, firstPosition: Int) -> Claim {
    let pieces = stride(from: 0, to: urls.count, by: size).map { start in
      (start..<min(urls.count, start + size)).map {
        ClaimedURL(position: firstPosition + $0, url: urls[$0], attempts: 1)
      }
    }
    let next = Counter()
    return { () throws(StoreError) -> [ClaimedURL]? in
      let index = next.increment()
      return index < pieces.count ? pieces[index] : nil
    }
  }

  init(claim: @escaping Claim, store: Store, fetcher: any Fetching, sendValidators: Bool, parserVersion: String) {
    self.claim = claim
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
    while true {
      condition.lock()
      while ready.count >= capacity && !stopped { condition.wait() }
      let stop = stopped || StopSignal.requested
      condition.unlock()
      if stop { break }
      let claimed: [ClaimedURL]
      do throws(StoreError) {
        guard let next = try claim() else { break }
        claimed = next
      } catch {
        condition.lock()
        failure = error
        condition.unlock()
        break
      }
      let givenUp = claimed.filter { $0.attempts > Self.maxClaims }
      let urls = claimed.filter { $0.attempts <= Self.maxClaims }.map(\.url)
      // A store that cannot be read here fails the URLs; the consumer records why.
      let previous = (try? store.previousStates(urls: urls)) ?? [:]
      let requests = urls.map { url in
        // Validators only for documents whose text is stored: a 304 must have something to reuse.
        guard sendValidators, let state = previous[url], state.text != nil, state.parserVersion == parserVersion else {
          return FetchRequest(url: url)
        }
        return FetchRequest(url: url, validators: Validators(etag: state.etag, lastModified: state.lastModified))
      }
      var results = fetcher.fetchAll(requests)
      results += givenUp.map {
        FetchResult(
          url: $0.url, finalURL: $0.url, outcome: .failed,
          reason: "claimed \($0.attempts - 1) times by workers that stopped before committing it; not fetched again")
      }
      let positions = claimed.filter { $0.attempts <= Self.maxClaims }.map(\.position) + givenUp.map(\.position)
      condition.lock()
      ready.append(
        FetchedChunk(urls: urls + givenUp.map(\.url), positions: positions, previous: previous, results: results))
      condition.broadcast()
      condition.unlock()
    }
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// The next fetched chunk, waiting for it; nil when all are done. Throws the store error
  /// that stopped the claims.
  func next() throws(StoreError) -> FetchedChunk? {
    condition.lock()
    defer { condition.unlock() }
    while ready.isEmpty && !finished { condition.wait() }
    if ready.isEmpty, let failure { throw failure }
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

/// A count shared across threads.
final class Counter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()

  /// The value before adding one.
  func increment() -> Int {
    lock.withLock {
      defer { value += 1 }
      return value
    }
  }
}
