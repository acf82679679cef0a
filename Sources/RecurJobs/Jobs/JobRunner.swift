import Foundation
import RecurFetch
import RecurModels
import RecurNN
import RecurStore
import RecurText

/// The stages of a run, in order; `--stage S` runs up to and including S.
public enum RunStage: String, Sendable, CaseIterable, Comparable {
  case fetch, parse, label, report

  public static func < (a: RunStage, b: RunStage) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// How a run talks while it works.
public enum ProgressStyle: Sendable {
  /// A bar redrawn in place on a terminal.
  case bar
  /// A plain line every few seconds, for cron and logs.
  case lines
  case quiet
}

/// What a run did.
public struct RunSummaryLine: Sendable {
  public var runID: Int64
  public var counts: [DocumentOutcome: Int]
  public var interrupted: Bool
  public var reportFiles: [String]
  public var seconds: Double
  public var status: ExitStatus
  /// In a shared run: this worker's name, and whether it closed the run (its counts are
  /// this worker's documents, its seconds the time it worked).
  public var worker: (name: String, closedRun: Bool)?
}

/// `recur run JOB.toml`: sources → fetch → parse → label → store → report, streaming the
/// URLs in chunks so memory stays bounded whatever the job's size. The fetch of the next
/// chunk (libcurl, its own thread) overlaps the parsing (both cores) and labelling of the
/// current one; every document is committed in its own transaction.
public final class JobRunner {
  public let job: JobFile
  public var stage: RunStage
  public var limit: Int?
  public var progress: ProgressStyle
  /// URLs a chunk holds: four per transfer in flight, so the fetch stays busy while the
  /// previous chunk is labelled. A chunk's bodies (and the next one's) are the most the run
  /// keeps in memory at once.
  public var chunkSize: Int
  /// Where log lines go (standard error by default).
  public var log: @Sendable (String) -> Void = { Console.error($0) }
  /// Builds the fetcher; tests substitute one.
  public var makeFetcher: @Sendable (FetchSettings) -> any Fetching = { settings in
    var fetcher = CurlFetcher(settings: settings)
    fetcher.stopRequested = { StopSignal.requested }
    return fetcher
  }
  /// ISO 8601 timestamps for runs and reports; tests fix it.
  public var now: @Sendable () -> String = { ISO8601DateFormatter().string(from: Date()) }
  /// The worker's name in a shared run's queue and `recur status` (default `HOST:PID`).
  public var workerID: String?
  /// The parse stage, with the block model when there is one (set when the run starts).
  var parser = DocumentParser()
  /// `DocumentParser.version` and the block model's fingerprint, stored with each text.
  var parserVersion = JobRunner.parserVersion(nil)

  /// `PARSER+FINGERPRINT`: the parser's version and the first 12 hex digits of the
  /// SHA-256 of the block model's weights (`rules` without one).
  static func parserVersion(_ model: BlockModel?) -> String {
    guard let model else { return DocumentParser.version + "+rules" }
    let bytes = model.serialized() + (model.tagger?.serialized(reading: model.reading.rawValue) ?? [])
    return DocumentParser.version + "+" + ContentHash.hex(bytes).prefix(12)
  }

  public init(job: JobFile, stage: RunStage = .report, limit: Int? = nil, progress: ProgressStyle = .lines) {
    self.job = job
    self.stage = stage
    self.limit = limit
    self.progress = progress
    chunkSize = max(4, job.fetch.concurrency * 4)
  }

  struct Labellers {
    var sentiment: DocumentSentiment?
    var sentimentVersion: ModelVersion?
    var names: DocumentNames?
    var namesVersion: ModelVersion?
    var versions: [ModelVersion] { [sentimentVersion, namesVersion].compactMap { $0 } }
  }

  public func run() throws(RecurError) -> RunSummaryLine {
    let lock = job.storeURL == nil ? try JobLock(path: job.storePath + ".lock", job: job.name) : nil
    defer { withExtendedLifetime(lock) {} }
    let started = monotonicNow()
    let store = try fatal { () throws(StoreError) in try Store(url: job.storeURL, path: job.storePath) }
    let labellers = try loadModels()
    let blockModel = try loadBlockModel(folder: job.extractModel)
    parser = DocumentParser(blockModel: blockModel)
    parserVersion = Self.parserVersion(blockModel)
    if store.isShared { return try runShared(store: store, labellers: labellers, started: started) }
    let sources = try collectSources()
    let runID = try fatal { () throws(StoreError) in
      try store.beginRun(job: job.name, stage: stage.rawValue, models: labellers.versions, at: now())
    }
    if progress != .quiet {
      log("run \(runID) of job \(job.name): \(sources.urls.count) URLs, store \(job.storeLocation)")
    }
    StopSignal.install()
    defer { StopSignal.uninstall() }

    var tally = Tally(total: sources.urls.count + sources.problems.count, style: progress, log: log)
    do throws(StoreError) {
      try recordProblems(sources.problems, run: runID, store: store)
      tally.add(.failed, count: sources.problems.count)
      let claim = ChunkFeeder.chunks(sources.urls, size: chunkSize, firstPosition: sources.problems.count)
      try drain(claim, run: runID, store: store, labellers: labellers, worker: nil, tally: &tally)
    } catch {
      // The documents committed so far stay; the run is marked interrupted.
      try? store.finishRun(runID, status: .interrupted, at: now(), seconds: monotonicNow() - started)
      throw RecurError(.fatal, error.description)
    }
    tally.finish()
    let interrupted = StopSignal.requested
    let seconds = monotonicNow() - started
    try fatal { () throws(StoreError) in
      try store.finishRun(runID, status: interrupted ? .interrupted : .finished, at: now(), seconds: seconds)
    }
    var files: [String] = []
    if stage == .report {
      files = try ReportWriter(job: job, store: store, now: now).write(run: runID)
    }
    let failed = tally.counts[.failed, default: 0]
    return RunSummaryLine(
      runID: runID, counts: tally.counts, interrupted: interrupted, reportFiles: files, seconds: seconds,
      status: interrupted || failed > 0 ? .partialFailure : .success, worker: nil)
  }

  /// The job's sources: feeds and sitemaps are XML, so their fetch keeps every media type.
  func collectSources() throws(RecurError) -> SourceCollector {
    var listingSettings = job.fetch
    listingSettings.acceptedContentTypes = []
    return try SourceCollector.collect(job, limit: limit, fetcher: makeFetcher(listingSettings))
  }

  /// Sources that could not be read, recorded as failed at the run's first positions.
  func recordProblems(_ problems: [SourceCollector.Problem], run: Int64, store: Store) throws(StoreError) {
    for (position, problem) in problems.enumerated() {
      try store.record(
        run: run, position: position, url: problem.url, outcome: .failed, reason: problem.reason, fetch: nil)
    }
  }

  /// Fetches, parses, labels and stores the chunks `claim` hands out until there are none
  /// (or a stop is asked for). A chunk's labelled documents are saved while the next one
  /// is parsed and labelled.
  func drain(
    _ claim: @escaping ChunkFeeder.Claim, run: Int64, store: Store, labellers: Labellers, worker: String?,
    tally: inout Tally
  ) throws(StoreError) {
    let feeder = ChunkFeeder(
      claim: claim, store: store, fetcher: makeFetcher(job.fetch), sendValidators: stage >= .parse,
      parserVersion: parserVersion)
    feeder.start()
    let writer = StoreWriter()
    do throws(StoreError) {
      while let chunk = try feeder.next() {
        try process(chunk, run: run, store: store, labellers: labellers, writer: writer, worker: worker, tally: &tally)
        if StopSignal.requested { break }
      }
    } catch {
      feeder.stop()
      try? writer.finish()
      throw error
    }
    feeder.stop()
    try writer.finish()
  }

  func fatal<T>(_ body: () throws(StoreError) -> T) throws(RecurError) -> T {
    do {
      return try body()
    } catch {
      throw RecurError(.fatal, error.description)
    }
  }

  func loadModels() throws(RecurError) -> Labellers {
    var labellers = Labellers()
    guard stage >= .label else { return labellers }
    // The workers share the cores; each matrix product keeps to its worker's thread.
    if Self.labelWorkers > 1 { setProductThreads(1) }
    // The names model loads on a second thread while the sentiment model loads here
    // (each is a JSON card with a large vocabulary and megabytes of weights to check).
    let namesFolder = job.namesModel ?? defaultModelDirectory("names")
    let names = LoadedNames()
    let namesLoaded = DispatchGroup()
    if job.names {
      DispatchQueue.global().async(group: namesLoaded) {
        do throws(DataFileError) {
          let model = try NamesModel.load(directory: namesFolder)
          names.result = .success(
            (model, Self.version(role: "names", card: model.card, folder: namesFolder)))
        } catch {
          names.result = .failure(error)
        }
      }
    }
    do {
      defer { namesLoaded.wait() }
      if job.sentiment {
        let folder = job.sentimentModel ?? defaultModelDirectory("sentiment")
        let model = try SentimentModel.load(directory: folder)
        labellers.sentiment = DocumentSentiment(model: model)
        labellers.sentimentVersion = Self.version(role: "sentiment", card: model.card, folder: folder)
      }
    } catch {
      throw RecurError(.usage, error.message, location: job.path)
    }
    switch names.result {
    case .success(let (model, version)):
      labellers.names = DocumentNames(model: model)
      labellers.namesVersion = version
    case .failure(let error):
      throw RecurError(.usage, error.message, location: job.path)
    case nil:
      break
    }
    return labellers
  }

  /// The names model loaded on another thread (written there before the group is left).
  final class LoadedNames: @unchecked Sendable {
    var result: Result<(NamesModel, ModelVersion), DataFileError>?
  }

  /// `VERSION+FINGERPRINT`: the card's version and the start of the weights' SHA-256.
  static func version(role: String, card: ModelCard, folder: String) -> ModelVersion {
    let weights = (folder as NSString).appendingPathComponent(ModelFolder.weightsFile)
    var hasher = ContentHash()
    if let handle = FileHandle(forReadingAtPath: weights) {
      while let block = try? handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(Array(block)) }
      try? handle.close()
    }
    let fingerprint = String(hasher.finalizeHex().prefix(12))
    return ModelVersion(
      role: role, name: card.name, version: card.version + "+" + fingerprint, scores: card.scores,
      trainedOn: trainedOn(card))
  }

  /// The training files a card names (`imdb/train.tsv: 22389 rows, …` → `imdb/train.tsv`),
  /// without its dev sets, word vectors, feature lists and left-out sources.
  static func trainedOn(_ card: ModelCard) -> [String] {
    card.trainingData.compactMap { line in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      let detail = line[colon...]
      if [", dev (", "word vectors", "(features)", "left out"].contains(where: { detail.contains($0) }) { return nil }
      return String(line[..<colon])
    }
  }

  // MARK: One chunk

  /// What to do with one fetched URL.
  enum Plan {
    case record(DocumentOutcome, String?)
    case reuse(documentID: Int64)
    /// Parse these bytes (new or changed content, or labels out of date); `hash` is their SHA-256.
    case parse(bytes: [UInt8], hash: String, outcome: DocumentOutcome)
    /// Label the stored text again (a 304 with labels out of date).
    case relabelStored(DocumentResults)
  }

  func process(
    _ chunk: FetchedChunk, run: Int64, store: Store, labellers: Labellers, writer: StoreWriter, worker: String?,
    tally: inout Tally
  ) throws(StoreError) {
    let plans = chunk.results.map { plan($0, previous: chunk.previous[$0.url], labellers: labellers, store: store) }
    let parsed = parseAll(chunk.results, plans: plans)
    // The documents needing labels, in chunk order.
    var pending: [(index: Int, results: DocumentResults, outcome: DocumentOutcome, reviews: [StoredReview])] = []
    for (index, result) in chunk.results.enumerated() {
      let position = chunk.positions[index]
      let fetch = Self.logEntry(result)
      switch plans[index] {
      case .record(let outcome, let reason):
        try store.record(
          run: run, position: position, url: result.url, outcome: outcome, reason: reason, fetch: fetch,
          claimedBy: worker)
        tally.add(outcome)
      case .reuse(let documentID):
        try store.reuse(
          run: run, position: position, documentID: documentID, etag: result.validators.etag,
          lastModified: result.validators.lastModified, fetch: fetch, claimedBy: worker)
        tally.add(.unchanged)
      case .parse(_, _, let outcome):
        guard let (document, reviews) = parsed[index] else {
          try store.record(
            run: run, position: position, url: result.url, outcome: .failed, reason: "internal error: not parsed",
            fetch: fetch, claimedBy: worker)
          tally.add(.failed)
          continue
        }
        if stage == .parse {
          try store.save(
            run: run, position: position, outcome: outcome, results: DocumentResults(document: document), fetch: fetch,
            claimedBy: worker)
          tally.add(outcome)
        } else {
          pending.append((index, DocumentResults(document: document), outcome, reviews))
        }
      case .relabelStored(let stored):
        pending.append((index, stored, .relabeled, stored.reviews))
      }
    }
    guard !pending.isEmpty else { return }
    let labelled = label(pending.map { ($0.results, $0.reviews) }, labellers: labellers)
    let saves = zip(pending, labelled).map { item, results in
      (
        position: chunk.positions[item.index], outcome: item.outcome, results: results,
        fetch: Self.logEntry(chunk.results[item.index])
      )
    }
    try writer.submit { () throws(StoreError) in
      for save in saves {
        try store.save(
          run: run, position: save.position, outcome: save.outcome, results: save.results, fetch: save.fetch,
          claimedBy: worker)
      }
    }
    for item in pending { tally.add(item.outcome) }
  }

  func plan(_ result: FetchResult, previous: PreviousState?, labellers: Labellers, store: Store) -> Plan {
    switch result.outcome {
    case .failed: return .record(.failed, result.reason ?? "could not fetch")
    case .skipped: return .record(.skipped, result.reason ?? "skipped")
    case .unchanged:
      guard let previous else { return .record(.failed, "the server answered 304 to a URL never stored") }
      if stage == .fetch || labelsCurrent(previous, labellers) { return .reuse(documentID: previous.documentID) }
      if let stored = try? store.storedResults(url: result.url), stored.document.text != nil {
        return .relabelStored(stored)
      }
      return .record(.failed, "the server answered 304 but the stored text could not be read")
    case .ok:
      if stage == .fetch { return .record(.fetched, nil) }
      if LabelCommand.looksBinary(result.body) { return .record(.failed, "not text: the body is binary data") }
      let hash = ContentHash.hex(result.body)
      guard let previous, previous.contentHash == hash, previous.text != nil else {
        return .parse(bytes: result.body, hash: hash, outcome: .fetched)
      }
      if labelsCurrent(previous, labellers) && previous.parserVersion == parserVersion {
        return .reuse(documentID: previous.documentID)
      }
      return .parse(bytes: result.body, hash: hash, outcome: .relabeled)
    }
  }

  /// Whether the stored labels were made by the models this run uses (for the stages it runs).
  func labelsCurrent(_ previous: PreviousState, _ labellers: Labellers) -> Bool {
    guard previous.text != nil else { return false }
    if stage < .label { return true }
    if let version = labellers.sentimentVersion?.version, previous.sentimentVersion != version { return false }
    if let version = labellers.namesVersion?.version, previous.namesVersion != version { return false }
    return true
  }

  /// Parses every body that needs it, on all cores.
  func parseAll(_ results: [FetchResult], plans: [Plan]) -> [(StoredDocument, [StoredReview])?] {
    let output = ParallelSlots<(StoredDocument, [StoredReview])>(count: results.count)
    let parser = self.parser
    let version = parserVersion
    DispatchQueue.concurrentPerform(iterations: results.count) { index in
      guard case .parse(let bytes, let hash, _) = plans[index] else { return }
      output.set(
        index, Self.parse(bytes, hash: hash, result: results[index], parser: parser, parserVersion: version))
    }
    return output.values
  }

  static func parse(
    _ raw: [UInt8], hash: String, result: FetchResult, parser: DocumentParser, parserVersion: String
  ) -> (StoredDocument, [StoredReview]) {
    var bytes = raw
    if Gzip.isGzip(bytes), let inflated = try? Gzip.decompress(bytes) { bytes = inflated }
    let page = parser.parse(bytes, url: result.finalURL, httpCharset: result.charset)
    var reviews = page.reviews
    // A page that is one review (a rating without a body of its own) is labelled by its text.
    if reviews.count == 1, reviews[0].body.allSatisfy(\.isWhitespace) { reviews[0].body = page.text }
    let document = StoredDocument(
      url: result.url, finalURL: result.finalURL, httpStatus: result.status, contentType: result.contentType,
      etag: result.validators.etag, lastModified: result.validators.lastModified, contentHash: hash,
      title: page.title, siteName: page.siteName, canonicalURL: page.canonicalURL, authors: page.authors,
      published: page.published, language: page.language, description: page.description, kind: page.kind.rawValue,
      method: page.method, encoding: page.encoding, extractionReason: page.reason, text: page.text,
      parserVersion: parserVersion, subjects: page.subjects.map { StoredSubject(name: $0.name, type: $0.type) },
      linkedSites: page.linkedSites)
    let stored = reviews.map { review in
      StoredReview(
        author: review.author, title: review.title, rating: review.rating, bestRating: review.bestRating,
        normalisedRating: review.normalisedRating, date: review.date, body: review.body, source: review.source,
        label: nil, probability: nil)
    }
    // Readers' comments are kept beside the reviews, labelled apart from the article.
    let comments = page.comments.map { comment in
      StoredReview(
        author: comment.author, title: nil, rating: nil, bestRating: nil, normalisedRating: nil, date: comment.date,
        body: comment.text, source: StoredReview.commentSource, label: nil, probability: nil)
    }
    return (document, stored + comments)
  }

  /// Labelling workers: one per core (each runs its products on its own thread), at most four.
  static let labelWorkers = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

  /// Labels the documents on every core: the documents are dealt to the workers by text
  /// length, each worker labels its share in one batch per model, and the results come
  /// back in the documents' order (labels do not depend on how documents are batched).
  func label(_ items: [(DocumentResults, [StoredReview])], labellers: Labellers) -> [DocumentResults] {
    let workers = min(Self.labelWorkers, items.count)
    guard workers > 1 else { return Self.labelTogether(items, labellers: labellers) }
    var shares = [[Int]](repeating: [], count: workers)
    var loads = [Int](repeating: 0, count: workers)
    let bySize = items.indices.sorted {
      (items[$0].0.document.text?.utf8.count ?? 0) > (items[$1].0.document.text?.utf8.count ?? 0)
    }
    for index in bySize {
      let lightest = loads.indices.min { loads[$0] < loads[$1] }!
      shares[lightest].append(index)
      loads[lightest] += (items[index].0.document.text?.utf8.count ?? 0) + 1
    }
    let output = ParallelSlots<[DocumentResults]>(count: workers)
    let dealt = shares
    let shared = SharedLabellers(labellers: labellers)
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      output.set(worker, Self.labelTogether(dealt[worker].map { items[$0] }, labellers: shared.labellers))
    }
    var results = items.map(\.0)
    for (worker, share) in shares.enumerated() {
      for (position, index) in share.enumerated() { results[index] = output.values[worker]![position] }
    }
    return results
  }

  /// Labels the documents' texts and their review items in one batch per model.
  static func labelTogether(_ items: [(DocumentResults, [StoredReview])], labellers: Labellers) -> [DocumentResults] {
    var out = items.map(\.0)
    if let labeller = labellers.sentiment, let version = labellers.sentimentVersion?.version {
      var texts = items.map { $0.0.document.text ?? "" }
      var languages = items.map { $0.0.document.language }
      for (results, reviews) in items {
        texts += reviews.map(\.body)
        languages += reviews.map { _ in results.document.language }
      }
      let labels = labeller.label(texts, languages: languages)
      var next = items.count
      for index in items.indices {
        let label = labels[index]
        out[index].sentiment = StoredSentiment(
          modelVersion: version, label: label.label.rawValue, probability: label.probability,
          positive: label.positive, opinion: label.opinion, language: label.language, reason: label.reason,
          sentences: label.sentences.map {
            StoredSentence(start: $0.start, end: $0.end, positive: $0.positive, text: $0.text, opinion: $0.opinion)
          })
        out[index].reviews = items[index].1.map { review in
          var review = review
          review.label = labels[next].label.rawValue
          review.probability = labels[next].probability
          next += 1
          return review
        }
      }
    }
    if let tagger = labellers.names, let version = labellers.namesVersion?.version {
      let found = tagger.tag(
        items.map { $0.0.document.text ?? "" },
        subjects: items.map { $0.0.document.subjects.map { PageSubject(name: $0.name, type: $0.type) } },
        linkedSites: items.map(\.0.document.linkedSites), languages: items.map { $0.0.document.language })
      for (index, names) in found.enumerated() {
        out[index].names = StoredNames(
          modelVersion: version,
          entities: names.entities.map {
            StoredEntity(type: $0.type, text: $0.text, start: $0.start, end: $0.end, confidence: $0.confidence)
          },
          people: names.people.map {
            StoredPerson(name: $0.name, mentions: $0.mentions, forms: $0.forms, confidence: $0.confidence)
          })
      }
    }
    return out
  }

  static func logEntry(_ result: FetchResult) -> FetchLogEntry {
    FetchLogEntry(
      url: result.url, outcome: result.outcome.rawValue, httpStatus: result.status, reason: result.reason,
      bytes: result.body.count, milliseconds: result.elapsedMilliseconds, attempts: result.attempts)
  }
}

/// The models, handed to the labelling workers: inference only reads their weights (each
/// call builds its own graph; the character encoder's reading cache takes a lock).
struct SharedLabellers: @unchecked Sendable {
  let labellers: JobRunner.Labellers
}

/// Write-once slots filled from `concurrentPerform`, each index by one iteration.
final class ParallelSlots<Value>: @unchecked Sendable {
  private var slots: [Value?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Value) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  var values: [Value?] { slots }
}
