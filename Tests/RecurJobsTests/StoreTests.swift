import Foundation
import GRDB
import RecurTestSupport
import XCTest

@testable import RecurStore

final class StoreTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  /// Runs `body` on a new SQLite store and on a new PostgreSQL store: the same test code
  /// for both backends.
  func eachBackend(_ body: (Store, String) throws -> Void) throws {
    try body(try Store(path: folder.appendingPathComponent("a/b/job.sqlite").path), "sqlite")
    let server = try TestPostgres.server()
    try body(try Store(url: try server.createDatabase(TestPostgres.freshName())), "postgres")
  }

  func testContentHashIsSHA256() {
    XCTAssertEqual(ContentHash.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(
      ContentHash.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      ContentHash.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    // Fed in uneven pieces, the digest is the same as in one go.
    let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    var hasher = ContentHash()
    var offset = 0
    for size in [1, 63, 64, 65, 1000, 7] where offset < million.count {
      hasher.update(Array(million[offset..<offset + size]))
      offset += size
    }
    hasher.update(Array(million[offset...]))
    XCTAssertEqual(hasher.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  func document(_ url: String, hash: String, text: String) -> StoredDocument {
    StoredDocument(url: url, finalURL: url, httpStatus: 200, etag: "\"v1\"", contentHash: hash, title: "T", text: text)
  }

  func sentiment(_ version: String) -> StoredSentiment {
    StoredSentiment(
      modelVersion: version, label: "positive", probability: 0.9, positive: 0.9, opinion: 0.7, language: "en",
      reason: nil, sentences: [StoredSentence(start: 0, end: 5, positive: 0.9, text: "Good.", opinion: 0.7)])
  }

  func testADocumentRoundTripsWithItsLabelsAndIsReusedLater() throws {
    try eachBackend { store, backend in try roundTrip(store) }
  }

  func roundTrip(_ store: Store) throws {
    let run = try store.beginRun(job: "j", stage: "report", models: [], at: "2026-01-01T00:00:00Z")
    let names = StoredNames(
      modelVersion: "n1", entities: [StoredEntity(type: "PER", text: "Ada Lane", start: 0, end: 8, confidence: 0.99)],
      people: [StoredPerson(name: "Ada Lane", mentions: 1, forms: ["Ada Lane"], confidence: 0.99)])
    let review = StoredReview(
      author: "Bo", title: nil, rating: 4, bestRating: 5, normalisedRating: 0.75, date: nil, body: "Nice.",
      source: "json-ld", label: "positive", probability: 0.8)
    var page = document("https://e.org/1", hash: "h1", text: "Ada Lane. Good.")
    page.subjects = [
      StoredSubject(name: "Vortex 900", type: "Product"), StoredSubject(name: "Copper Pot", type: "Restaurant"),
    ]
    page.linkedSites = ["apache", "spark", "xero"]
    try store.save(
      run: run, position: 0, outcome: .fetched,
      results: DocumentResults(document: page, sentiment: sentiment("s1"), names: names, reviews: [review]), fetch: nil)
    try store.record(run: run, position: 1, url: "https://e.org/2", outcome: .failed, reason: "HTTP 404", fetch: nil)
    try store.finishRun(run, status: .finished, at: "2026-01-01T00:01:00Z", seconds: 60)

    let documents = try store.documents(run: run)
    XCTAssertEqual(documents.map(\.outcome), [.fetched, .failed])
    XCTAssertEqual(documents[0].results.sentiment, sentiment("s1"))
    XCTAssertEqual(documents[0].results.names, names)
    XCTAssertEqual(documents[0].results.reviews, [review])
    XCTAssertEqual(documents[0].results.document.subjects, page.subjects)
    XCTAssertEqual(try store.storedResults(url: "https://e.org/1")?.document.subjects, page.subjects)
    XCTAssertEqual(documents[0].results.document.linkedSites, page.linkedSites)
    XCTAssertEqual(documents[1].reason, "HTTP 404")
    XCTAssertEqual(try store.run(run)?.counts, ["fetched": 1, "failed": 1, "label:positive": 1])

    let previous = try store.previousStates(urls: ["https://e.org/1", "https://e.org/2", "https://e.org/3"])
    XCTAssertEqual(previous.count, 2)
    XCTAssertEqual(previous["https://e.org/1"]?.contentHash, "h1")
    XCTAssertEqual(previous["https://e.org/1"]?.etag, "\"v1\"")
    XCTAssertEqual(previous["https://e.org/1"]?.sentimentVersion, "s1")
    XCTAssertEqual(previous["https://e.org/1"]?.namesVersion, "n1")
    XCTAssertNil(previous["https://e.org/2"]?.text, "a failed URL has no text to reuse")

    // A second run reuses the labels: no new rows, the same labels.
    let second = try store.beginRun(job: "j", stage: "report", models: [], at: "2026-01-02T00:00:00Z")
    try store.reuse(
      run: second, position: 0, documentID: previous["https://e.org/1"]!.documentID, etag: "\"v2\"",
      lastModified: nil, fetch: nil)
    XCTAssertEqual(try store.documents(run: second).first?.results.sentiment, sentiment("s1"))
    XCTAssertEqual(try store.documents(run: second).first?.results.document.etag, "\"v2\"")
    let counts = try store.tableCounts()
    XCTAssertEqual(counts["documents"], 2)
    XCTAssertEqual(counts["labels"], 1)
    XCTAssertEqual(counts["entities"], 1)
    XCTAssertEqual(try store.integrityCheck(), "ok")
  }

  func testNewContentWithoutNewLabelsDropsTheOldLabels() throws {
    try eachBackend { store, _ in try dropsOldLabels(store) }
  }

  func dropsOldLabels(_ store: Store) throws {
    let run = try store.beginRun(job: "j", stage: "report", models: [], at: "t")
    try store.save(
      run: run, position: 0, outcome: .fetched,
      results: DocumentResults(document: document("u", hash: "h1", text: "a"), sentiment: sentiment("s1")), fetch: nil)
    // The same content stored again without labels keeps them ...
    try store.save(
      run: run, position: 0, outcome: .fetched,
      results: DocumentResults(document: document("u", hash: "h1", text: "a")),
      fetch: nil)
    XCTAssertEqual(try store.previousStates(urls: ["u"])["u"]?.sentimentVersion, "s1")
    // ... new content without labels drops them, so they are never reused for text they did not read.
    try store.save(
      run: run, position: 0, outcome: .fetched,
      results: DocumentResults(document: document("u", hash: "h2", text: "b")),
      fetch: nil)
    XCTAssertNil(try store.previousStates(urls: ["u"])["u"]?.sentimentVersion)
  }

  func testARunLeftRunningIsMarkedInterruptedByTheNext() throws {
    try eachBackend { store, backend in
      let first = try store.beginRun(job: "j", stage: "report", models: [], at: "t1")
      _ = try store.beginRun(job: "j", stage: "report", models: [], at: "t2")
      XCTAssertEqual(try store.run(first)?.status, .interrupted, backend)
    }
  }

  func testALargeRunIsReadBackWholeInItsOrderAPageAtATime() throws {
    try eachBackend { store, backend in
      let run = try store.beginRun(job: "j", stage: "report", models: [], at: "t")
      let count = Store.page * 2 + 17
      // Saved out of order; two documents share a position (a source problem and a URL).
      for index in (0..<count).reversed() {
        try store.save(
          run: run, position: index, outcome: .fetched,
          results: DocumentResults(document: document("https://e.org/\(index)", hash: "h", text: "t")), fetch: nil)
      }
      try store.record(run: run, position: 5, url: "https://e.org/x", outcome: .failed, reason: "r", fetch: nil)
      let urls = try store.documents(run: run).map(\.results.document.url)
      XCTAssertEqual(urls.count, count + 1, backend)
      XCTAssertEqual(Array(urls.prefix(5)), (0..<5).map { "https://e.org/\($0)" }, backend)
      XCTAssertEqual(Set(urls[5...6]), ["https://e.org/5", "https://e.org/x"], backend)
      XCTAssertEqual(urls.last, "https://e.org/\(count - 1)", backend)
    }
  }

  func testTextsNumbersAndNullsComeBackAsStored() throws {
    try eachBackend { store, backend in
      let run = try store.beginRun(job: "j", stage: "report", models: [], at: "t")
      var odd = document("https://e.org/ü?q='1'", hash: "h", text: "naïve ’quotes’ 'single' \\ ? $1 emoji 🎉")
      odd.httpStatus = nil
      odd.authors = ["Zoë", "O'Brien"]
      var labels = sentiment("s")
      labels.probability = 0.1 + 0.2
      labels.positive = nil
      try store.save(
        run: run, position: 0, outcome: .fetched, results: DocumentResults(document: odd, sentiment: labels),
        fetch: FetchLogEntry(
          url: odd.url, outcome: "fetched", httpStatus: 200, reason: nil, bytes: 1 << 40, milliseconds: 1.25,
          attempts: 1))
      let back = try XCTUnwrap(try store.documents(run: run).first?.results, backend)
      XCTAssertEqual(back.document, odd, backend)
      XCTAssertEqual(back.sentiment, labels, backend)
    }
  }

  /// A store written before the opinion output (schema v1, the old `mixed/neutral` label)
  /// opens, keeps its rows, and takes the new column; its labels are redone on the next run
  /// because the model version differs.
  func testAStoreFromBeforeTheOpinionOutputMigrates() throws {
    let path = folder.appendingPathComponent("old.sqlite").path
    do {
      let queue = try DatabaseQueue(path: path)
      try SQLiteBackend.migrator.migrate(queue, upTo: "v1")
      try queue.write { db in
        try db.execute(
          sql: """
            INSERT INTO runs (id, job, started_at, finished_at, status, stage, models, seconds)
              VALUES (1, 'j', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'finished', 'report', '[]', 60);
            INSERT INTO documents (id, url, content_hash, text, first_run, last_run)
              VALUES (1, 'https://e.org/1', 'h1', 'It was fine, I suppose.', 1, 1);
            INSERT INTO run_documents (run_id, document_id, position, outcome) VALUES (1, 1, 0, 'fetched');
            INSERT INTO labels (document_id, model, model_version, label, probability, positive, language, sentences)
              VALUES (1, 'sentiment', '1+old', 'mixed/neutral', 0.9, 0.55, 'en',
                      '[{"start":0,"end":23,"positive":0.55,"text":"It was fine, I suppose."}]');
            """)
      }
    }
    let store = try Store(path: path)
    let documents = try store.documents(run: 1)
    XCTAssertEqual(documents.first?.results.sentiment?.label, "mixed/neutral")
    XCTAssertNil(documents.first?.results.sentiment?.opinion)
    XCTAssertNil(documents.first?.results.sentiment?.sentences.first?.opinion)
    XCTAssertEqual(documents.first?.results.document.subjects, [], "a page stored before subjects has none")
    XCTAssertEqual(documents.first?.results.document.linkedSites, [], "nor the sites it links to")
    XCTAssertEqual(try store.previousStates(urls: ["https://e.org/1"])["https://e.org/1"]?.sentimentVersion, "1+old")
    // Its text came from a parser that recorded no version: the next run parses it again.
    XCTAssertNil(try store.previousStates(urls: ["https://e.org/1"])["https://e.org/1"]?.parserVersion)
    // The next run's labels, from a model with the opinion output, replace the old ones.
    let run = try store.beginRun(job: "j", stage: "report", models: [], at: "2026-01-02T00:00:00Z")
    var relabelled = documents[0].results
    relabelled.sentiment = sentiment("2+new")
    relabelled.document.parserVersion = "3+abc"
    try store.save(run: run, position: 0, outcome: .relabeled, results: relabelled, fetch: nil)
    XCTAssertEqual(try store.documents(run: run).first?.results.sentiment, sentiment("2+new"))
    XCTAssertEqual(try store.previousStates(urls: ["https://e.org/1"])["https://e.org/1"]?.parserVersion, "3+abc")
  }

  func testAFileThatIsNotADatabaseIsRefusedWithItsPath() throws {
    let path = folder.appendingPathComponent("junk.sqlite").path
    try Data("this is not sqlite, just text that is long enough to be a header".utf8).write(
      to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try Store(path: path)) { error in
      XCTAssertTrue("\(error)".contains(path), "\(error)")
    }
  }

  func testAnotherProgramsDatabaseIsRefusedAndLeftUntouched() throws {
    let path = folder.appendingPathComponent("other.sqlite").path
    do {
      let queue = try DatabaseQueue(path: path)
      try queue.write { db in try db.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)") }
    }
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try Store(path: path)) { error in
      XCTAssertTrue("\(error)".contains("not a Recur store (tables [\"invoices\"])"), "\(error)")
    }
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "no Recur table was added")
  }

  func testAStoreFromANewerRecurIsRefused() throws {
    let path = folder.appendingPathComponent("newer.sqlite").path
    _ = try Store(path: path)
    do {
      let queue = try DatabaseQueue(path: path)
      try queue.write { db in
        try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
      }
    }
    XCTAssertThrowsError(try Store(path: path)) { error in
      XCTAssertTrue("\(error)".contains("written by a newer Recur"), "\(error)")
      XCTAssertTrue("\(error)".contains(path), "\(error)")
    }
  }

  func testAPostgresStoreThatCannotBeReachedOrLoggedIntoIsRefusedWithoutThePassword() throws {
    let server = try TestPostgres.server()
    _ = try server.createDatabase("auth")
    let wrong = server.url(database: "auth", password: "not-the-secret-91")
    XCTAssertThrowsError(try Store(url: wrong)) { error in
      XCTAssertTrue("\(error)".contains("password authentication failed"), "\(error)")
      XCTAssertTrue(
        "\(error)".hasPrefix("postgresql://recur@127.0.0.1:\(server.port)/auth: cannot connect"), "\(error)")
      XCTAssertFalse("\(error)".contains("not-the-secret-91"), "the password is never printed")
    }
    let nobody = "postgresql://recur:\(server.password)@127.0.0.1:\(try PostgresServer.freePort())/auth"
    XCTAssertThrowsError(try Store(url: nobody)) { error in
      XCTAssertTrue("\(error)".lowercased().contains("connection refused"), "\(error)")
      XCTAssertFalse("\(error)".contains(server.password), "\(error)")
    }
  }

  func testAPostgresStoreFromANewerRecurIsRefused() throws {
    let server = try TestPostgres.server()
    let url = try server.createDatabase("newer")
    let store = try Store(url: url)
    try store.backend.write { try $0.execute("INSERT INTO recur_migrations (identifier) VALUES ('v99-future')", []) }
    XCTAssertThrowsError(try Store(url: url)) { error in
      XCTAssertTrue("\(error)".contains("written by a newer Recur"), "\(error)")
    }
  }

  func testThePeoplesGroupingIsKeptPerJob() throws {
    try eachBackend { store, backend in
      XCTAssertEqual(try store.personGroups(job: "a"), [:], backend)
      try store.savePersonGroups(job: "a", ["Trump": "Donald Trump", "J. Smith": "John Smith"])
      try store.savePersonGroups(job: "a", ["Trump": "Melania Trump"])
      try store.savePersonGroups(job: "b", ["Park": "Anna Park"])
      XCTAssertEqual(
        try store.personGroups(job: "a"), ["Trump": "Melania Trump", "J. Smith": "John Smith"], backend)
      XCTAssertEqual(try store.personGroups(job: "b"), ["Park": "Anna Park"], backend)
    }
  }

  func testClaimsLeaseEachURLToOneWorkerAndOneHostToOneWorkerAtATime() throws {
    let store = try Store(url: try TestPostgres.server().createDatabase(TestPostgres.freshName()))
    let urls = (0..<6).map { "http://\($0 % 2 == 0 ? "a.example" : "b.example")/p\($0)" } + ["file:///x/local.html"]
    let run = try store.openSharedRun(
      job: "j", stage: "parse", models: [], at: "2026-12-04T10:00:00Z", urls: urls, firstPosition: 0, worker: "one")
    XCTAssertTrue(try store.join(run: run, worker: "two", at: "2026-12-04T10:00:01Z", lease: 30))
    XCTAssertFalse(try store.join(run: run, worker: "two", at: "2026-12-04T10:00:02Z", lease: 30), "name in use")
    XCTAssertEqual(try store.liveRun(job: "j", lease: 30)?.id, run)

    // Worker one takes both hosts' first URLs; two may take only the local file meanwhile.
    let first = try store.claim(run: run, worker: "one", count: 2, lease: 30, hostDelay: 0)
    XCTAssertEqual(first.map(\.position), [0, 1])
    let second = try store.claim(run: run, worker: "two", count: 10, lease: 30, hostDelay: 0)
    XCTAssertEqual(second.map(\.url), ["file:///x/local.html"], "hosts a.example and b.example are one's")
    XCTAssertEqual(try store.queueCounts(run: run), QueueCounts(queued: 4, leased: 3))

    // One finishes position 0; a second commit of it (another worker after a lost lease) writes nothing.
    let document = DocumentResults(document: StoredDocument(url: urls[0], text: "x"))
    XCTAssertTrue(
      try store.save(run: run, position: 0, outcome: .fetched, results: document, fetch: nil, claimedBy: "one"))
    XCTAssertFalse(
      try store.save(run: run, position: 0, outcome: .fetched, results: document, fetch: nil, claimedBy: "two"))
    XCTAssertEqual(try store.documents(run: run).count, 1)

    // One stops: what it held goes back, its hosts are free, and two takes them.
    try store.leave(run: run, worker: "one", state: "stopped", hostDelay: 0)
    let rest = try store.claim(run: run, worker: "two", count: 10, lease: 30, hostDelay: 0)
    XCTAssertEqual(rest.map(\.position), [1, 2, 3, 4, 5])
    XCTAssertEqual(rest.map(\.attempts), [1, 1, 1, 1, 1], "a worker that left does not count as an attempt")
    XCTAssertEqual(try store.otherLiveWorkers(run: run, worker: "two", lease: 30), 0)

    // A lease that runs out: the URLs go to the next claim, counted as a second attempt.
    try store.leave(run: run, worker: "two", state: "stopped", hostDelay: 0)
    XCTAssertEqual(
      try store.claim(run: run, worker: "three", count: 2, lease: 0.2, hostDelay: 0).map(\.position), [1, 2])
    Thread.sleep(forTimeInterval: 0.4)
    XCTAssertEqual(try store.queueCounts(run: run).expired, 2)
    let retaken = try store.claim(run: run, worker: "four", count: 10, lease: 30, hostDelay: 0)
    XCTAssertEqual(retaken.map(\.position), [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(retaken.map(\.attempts), [2, 2, 1, 1, 1, 1])
    XCTAssertFalse(try store.closeSharedRun(run, at: "2026-12-04T10:01:00Z", seconds: 60), "URLs are left")
    for claimed in retaken {
      try store.record(
        run: run, position: claimed.position, url: claimed.url, outcome: .failed, reason: "test", fetch: nil,
        claimedBy: "four")
    }
    XCTAssertTrue(try store.closeSharedRun(run, at: "2026-12-04T10:01:00Z", seconds: 60))
    XCTAssertFalse(try store.closeSharedRun(run, at: "2026-12-04T10:01:00Z", seconds: 60), "closed once")
    XCTAssertEqual(try store.run(run)?.counts, ["fetched": 1, "failed": 6])
    XCTAssertEqual(try store.workers(run: run).map(\.worker), ["one", "two", "four"], "three never registered")
  }

  func testAHandedOnHostWaitsItsDelay() throws {
    let store = try Store(url: try TestPostgres.server().createDatabase(TestPostgres.freshName()))
    let run = try store.openSharedRun(
      job: "j", stage: "parse", models: [], at: "2026-12-04T10:00:00Z",
      urls: ["http://a.example/1", "http://a.example/2"], firstPosition: 0, worker: "one")
    let first = try store.claim(run: run, worker: "one", count: 1, lease: 30, hostDelay: 0.5)
    try store.record(
      run: run, position: 0, url: first[0].url, outcome: .failed, reason: "t", fetch: nil, claimedBy: "one")
    // One's next claim lets a.example go (none of its URLs held), free again after 0.5 s.
    XCTAssertEqual(try store.claim(run: run, worker: "one", count: 0, lease: 30, hostDelay: 0.5), [])
    XCTAssertEqual(try store.claim(run: run, worker: "two", count: 1, lease: 30, hostDelay: 0.5), [])
    Thread.sleep(forTimeInterval: 0.6)
    XCTAssertEqual(try store.claim(run: run, worker: "two", count: 1, lease: 30, hostDelay: 0.5).map(\.position), [1])
  }
}
