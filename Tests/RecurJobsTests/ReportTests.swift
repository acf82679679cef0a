import CLibXML2
import Foundation
import RecurReport
import RecurStore
import XCTest

@testable import RecurJobs

/// Reports from a fixture store: a Markdown snapshot, the HTML's structure, well-formed
/// markup, and no page text unescaped.
final class ReportTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  static let hostileTitle = "Best kettles <script>alert(\"x\")</script> & <b>more</b>"

  /// Two runs of a job: the second has an unchanged, a relabelled, a new hostile and a failed document.
  func fixtureStore() throws -> (JobFile, Store) {
    let job = try JobFile.parse(
      """
      version = 1
      name = "fixture"
      [sources]
      urls = ["https://films.example/a"]
      [report]
      title = "Fixture report"
      directory = "\(folder.path)/reports"
      """, path: folder.appendingPathComponent("fixture.toml").path)
    let store = try Store(path: job.storePath)
    let models = [
      ModelVersion(
        role: "sentiment", name: "sentiment", version: "1.0+abc", scores: ["sst2_dev_accuracy": 0.8326],
        trainedOn: ["imdb/train.tsv", "blitzer/books.tsv"]),
      ModelVersion(role: "names", name: "names", version: "1.0+def", scores: ["dev_f1": 0.9362]),
    ]
    func sentiment(
      _ label: String, _ positive: Double, _ sentences: [(String, Double)], opinions: [Double]? = nil
    ) -> StoredSentiment {
      StoredSentiment(
        modelVersion: "1.0+abc", label: label,
        probability: label == "negative" ? 1 - positive : label == "neutral" ? 0.8 : positive, positive: positive,
        language: "en", reason: nil,
        sentences: sentences.enumerated().map {
          StoredSentence(
            start: 0, end: $0.element.0.count, positive: $0.element.1, text: $0.element.0, opinion: opinions?[$0.offset]
          )
        })
    }
    let film = DocumentResults(
      document: StoredDocument(
        url: "https://films.example/a", finalURL: "https://films.example/a", httpStatus: 200, contentHash: "h-a",
        title: "Lanternlight | review", siteName: "Reel Notes", published: "2026-11-03T10:00:00Z", language: "en",
        kind: "review", text: "A superb film. Ines Calloway directs. The middle drags."),
      sentiment: sentiment("positive", 0.97, [("A superb film.", 0.99), ("The middle drags.", 0.2)]),
      names: StoredNames(
        modelVersion: "1.0+def",
        entities: [StoredEntity(type: "PER", text: "Ines Calloway", start: 15, end: 28, confidence: 0.98)],
        people: [StoredPerson(name: "Ines Calloway", mentions: 1, forms: ["Ines Calloway"], confidence: 0.98)]),
      reviews: [
        StoredReview(
          author: "Ines Calloway", title: nil, rating: 4.5, bestRating: 5, normalisedRating: 0.875, date: nil,
          body: "A superb film.", source: "microdata", label: "positive", probability: 0.99)
      ])
    let news = DocumentResults(
      document: StoredDocument(
        url: "https://news.example/closure", finalURL: "https://news.example/closure", contentHash: "h-n",
        title: "Steelworks to close", language: "en", kind: "article",
        text: "Hallam Steelworks will close. Gareth Ellis said people are devastated."),
      sentiment: sentiment(
        "neutral", 0.04, [("Hallam Steelworks will close.", 0.3), ("Gareth Ellis said people are devastated.", 0.03)],
        opinions: [0.04, 0.62]),
      names: StoredNames(
        modelVersion: "1.0+def",
        entities: [
          StoredEntity(type: "ORG", text: "Hallam Steelworks", start: 0, end: 17, confidence: 0.9),
          StoredEntity(type: "PER", text: "Gareth Ellis", start: 30, end: 42, confidence: 0.97),
        ],
        people: [StoredPerson(name: "Gareth Ellis", mentions: 1, forms: ["Gareth Ellis"], confidence: 0.97)]),
      reviews: [
        StoredReview(
          author: "A reader", title: nil, rating: 1, bestRating: 5, normalisedRating: 0, date: nil,
          body: "Sad news.", source: "json-ld", label: "negative", probability: 0.9),
        StoredReview(
          author: "<b>Rosa</b>", title: nil, rating: nil, bestRating: nil, normalisedRating: nil, date: "2026-11-21",
          body: "Thirty years I worked there <script>x</script>.", source: StoredReview.commentSource,
          label: "negative", probability: 0.8),
        StoredReview(
          author: "Tom", title: nil, rating: nil, bestRating: nil, normalisedRating: nil, date: nil,
          body: "Good riddance, the smoke was awful.", source: StoredReview.commentSource, label: "positive",
          probability: 0.6),
      ])
    let hostile = DocumentResults(
      document: StoredDocument(
        url: "https://shop.example/kettles?a=1&b=2", finalURL: "javascript:alert(1)", contentHash: "h-k",
        title: Self.hostileTitle, siteName: "Shop | \"Best\"", language: "en",
        text: "Great kettle, =cmd|' /C calc'!A0 fine."),
      sentiment: sentiment("mixed", 0.55, [("Great kettle <img src=x onerror=alert(2)>.", 0.55)]),
      names: StoredNames(
        modelVersion: "1.0+def",
        entities: [StoredEntity(type: "MISC", text: "=cmd|' /C calc'!A0", start: 14, end: 31, confidence: 0.5)],
        people: []))

    let first = try store.beginRun(job: "fixture", stage: "report", models: models, at: "2026-11-20T06:00:00Z")
    try store.save(run: first, position: 0, outcome: .fetched, results: film, fetch: nil)
    try store.save(run: first, position: 1, outcome: .fetched, results: news, fetch: nil)
    try store.finishRun(first, status: .finished, at: "2026-11-20T06:00:10Z", seconds: 10)

    let second = try store.beginRun(job: "fixture", stage: "report", models: models, at: "2026-11-27T06:00:00Z")
    let previous = try store.previousStates(urls: [film.document.url])
    try store.reuse(
      run: second, position: 0, documentID: previous[film.document.url]!.documentID, etag: nil, lastModified: nil,
      fetch: nil)
    try store.save(run: second, position: 1, outcome: .relabeled, results: news, fetch: nil)
    try store.save(run: second, position: 2, outcome: .fetched, results: hostile, fetch: nil)
    try store.record(
      run: second, position: 3, url: "https://films.example/gone", outcome: .failed,
      reason: "HTTP 404 <Not Found>", fetch: nil)
    try store.finishRun(second, status: .finished, at: "2026-11-27T06:00:04Z", seconds: 4)
    return (job, store)
  }

  func report() throws -> Report {
    let (job, store) = try fixtureStore()
    return try ReportWriter(job: job, store: store, now: { "2026-11-27T06:00:05Z" }).build(run: 2)
  }

  func testMarkdownMatchesTheSnapshot() throws {
    let markdown = MarkdownReport.render(try report())
    let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/report-snapshot.md")
    if ProcessInfo.processInfo.environment["RECUR_UPDATE_SNAPSHOTS"] == "1" {
      try Data(markdown.utf8).write(to: snapshot)
    }
    let expected = try String(contentsOf: snapshot, encoding: .utf8)
    XCTAssertEqual(markdown, expected, "set RECUR_UPDATE_SNAPSHOTS=1 to accept a deliberate change")
  }

  func testMarkdownEscapesPageText() throws {
    let markdown = MarkdownReport.render(try report())
    XCTAssertFalse(markdown.contains("<script>"))
    XCTAssertTrue(markdown.contains("Best kettles \\<script\\>"))
    // A table cell cannot be broken by a pipe from a page.
    for line in markdown.split(separator: "\n") where line.contains("Shop") {
      XCTAssertTrue(line.contains("Shop \\| \"Best\""), String(line))
    }
    XCTAssertFalse(markdown.contains("](<javascript:"), "no link to a javascript: URL")
  }

  /// The HTML is well-formed XML (checked by libxml2's strict parser, no recovery) and its
  /// sections and tables are the expected ones.
  func testHTMLParsesCleanlyAndHasEverySection() throws {
    let html = HTMLReport.render(try report())
    let tree = try XMLTree(html)
    XCTAssertEqual(
      tree.texts(of: "h2"),
      [
        "Run summary", "Sentiment", "People most mentioned", "Sentiment by site", "Failures", "Other names",
        "Review items: star ratings against predicted sentiment", "Readers' comments", "Documents",
        "Neutral documents", "Trend over runs",
        "Models",
      ])
    XCTAssertEqual(tree.count(of: "svg"), 2, "the sentiment chart and the trend chart")
    XCTAssertEqual(tree.count(of: "script"), 0)
    XCTAssertEqual(tree.count(of: "img"), 0)
    XCTAssertEqual(tree.count(of: "link"), 0)
    XCTAssertTrue(
      tree.attribute("content", ofElementWhere: "http-equiv", is: "Content-Security-Policy")?.hasPrefix(
        "default-src 'none'") ?? false)
    // The hostile title is text in a table cell, exactly as the page had it.
    XCTAssertTrue(tree.texts(of: "td").contains(Self.hostileTitle))
    XCTAssertTrue(tree.texts(of: "td").contains("HTTP 404 <Not Found>"))
    // Links only to http(s)/file URLs and to the report's own files.
    for href in tree.attributes("href") {
      XCTAssertTrue(
        href.hasPrefix("https://") || href.hasPrefix("http://") || href.hasPrefix("file://")
          || ["documents/1.html", "documents.jsonl"].contains(href), href)
    }
    XCTAssertTrue(tree.attributes("href").contains("https://films.example/a"))
    XCTAssertFalse(html.contains("<script>"))
    XCTAssertFalse(html.contains("<img src=x"))
    XCTAssertFalse(html.contains("http://") && html.contains("src=\"http"), "nothing loaded from elsewhere")
  }

  /// Comments are counted in every export, listed in `documents.jsonl` only when the job
  /// asks, and never counted as review items.
  func testCommentsAreReportedApartFromReviewItems() throws {
    var report = try report()
    let news = try XCTUnwrap(report.documents.first { $0.url == "https://news.example/closure" })
    XCTAssertEqual(news.reviews.count, 1, "the comments are not review items")
    XCTAssertEqual(news.comments.map(\.author), ["<b>Rosa</b>", "Tom"])
    func newsLine(_ report: Report) throws -> [String: Any] {
      let lines = DataExports.jsonLines(report).split(separator: "\n")
      let line = try XCTUnwrap(lines.first { $0.contains("news.example/closure") })
      return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
    XCTAssertEqual(try newsLine(report)["comments"] as? Int, 2)
    XCTAssertNil(try newsLine(report)["comment_items"])
    report.exportComments = true
    let items = try XCTUnwrap(try newsLine(report)["comment_items"] as? [[String: Any]])
    XCTAssertEqual(items.map { $0["label"] as? String }, ["negative", "positive"])
    XCTAssertEqual(items.first?["text"] as? String, "Thirty years I worked there <script>x</script>.")
    let html = HTMLReport.render(report)
    XCTAssertFalse(html.contains("<b>Rosa</b>") || html.contains("<script>x"))
    XCTAssertTrue(html.contains("2 comments under 1 document"), "the comments section counts them")
  }

  func testHTMLShowsPartialRunsAsSuch() throws {
    var partial = try report()
    partial.partial = true
    XCTAssertTrue(try XMLTree(HTMLReport.render(partial)).texts(of: "strong").contains("Partial report."))
    XCTAssertTrue(MarkdownReport.render(partial).contains("**Partial report.**"))
  }

  func testExportsKeepTheirKeyOrderAndQuoteCSV() throws {
    let report = try report()
    let lines = DataExports.jsonLines(report).split(separator: "\n")
    XCTAssertEqual(lines.count, 4, "every document of the run, the failed one too")
    let keys = [
      "url", "final_url", "site", "title", "published", "language", "kind", "outcome", "reason", "sentiment",
      "probability", "positive", "opinion", "label_reason", "words", "content_hash", "people", "entities", "reviews",
      "comments",
    ]
    for line in lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      XCTAssertEqual(Set(object?.keys.map { $0 } ?? []), Set(keys))
      var position = line.startIndex
      for key in keys {
        let found = line.range(of: "\"\(key)\":", range: position..<line.endIndex)
        XCTAssertNotNil(found, "\(key) in order")
        position = found?.upperBound ?? position
      }
    }
    let csv = DataExports.entitiesCSV(report)
    XCTAssertTrue(csv.hasPrefix("url,title,type,text,start,end,confidence\r\n"))
    XCTAssertTrue(csv.contains(",MISC,'=cmd|' /C calc'!A0,14,31,"), "a formula-like name is defused: \(csv)")
    XCTAssertTrue(
      csv.contains("\"Best kettles <script>alert(\"\"x\"\")</script> & <b>more</b>\""), "quotes doubled: \(csv)")
    XCTAssertEqual(csv.split(separator: "\r\n").count, 1 + 1 + 2 + 1)
  }

  func testWriterWritesEveryFormatAndPointsLatestAtTheRun() throws {
    let (job, store) = try fixtureStore()
    let files = try ReportWriter(job: job, store: store, now: { "t" }).write(run: 2)
    XCTAssertEqual(
      files.map { ($0 as NSString).lastPathComponent },
      ["report.html", "report.md", "documents.jsonl", "entities.csv", "people.csv"])
    let latest = (job.jobReportDirectory as NSString).appendingPathComponent("latest")
    XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: latest), "2")
    XCTAssertThrowsError(try ReportWriter(job: job, store: store, now: { "t" }).write(run: 9))
    // The people's grouping is kept in the store for later reports.
    XCTAssertEqual(try store.personGroups(job: "fixture"), ReportFigures(try report()).groups)
    // The streamed report says what the one built in memory says.
    let built = try ReportWriter(job: job, store: store, now: { "t" }).build(run: 2)
    let folder = job.jobReportDirectory + "/2/"
    XCTAssertEqual(try String(contentsOfFile: folder + "report.md", encoding: .utf8), MarkdownReport.render(built))
    XCTAssertEqual(try String(contentsOfFile: folder + "report.html", encoding: .utf8), HTMLReport.render(built))
    XCTAssertEqual(
      try String(contentsOfFile: folder + "documents.jsonl", encoding: .utf8), DataExports.jsonLines(built))
    XCTAssertEqual(try String(contentsOfFile: folder + "entities.csv", encoding: .utf8), DataExports.entitiesCSV(built))
    let page = try String(contentsOfFile: job.jobReportDirectory + "/2/documents/1.html", encoding: .utf8)
    XCTAssertTrue(page.contains(escapeHTML(Self.hostileTitle)), "the list escapes as the report does")
    XCTAssertFalse(page.contains("<script>"))
    _ = try XMLTree(page)
  }

  /// A report of `count` documents over `sites` sites, `count / 10` of them failed, each
  /// naming people of a corpus of `people` names; labels and probabilities spread out.
  static func synthetic(count: Int, sites: Int = 31, people: Int = 60) -> Report {
    let labels = ["positive", "negative", "mixed", "neutral"]
    let documents = (0..<count).map { index in
      let failed = index % 10 == 9
      let label = labels[index % labels.count]
      let probability = 0.5 + Double((index * 7919) % 500) / 1000
      return ReportDocument(
        url: "https://site\(index % sites).example/p/\(index)", finalURL: nil, site: "site\(index % sites).example",
        title: "Document \(index) <b>bold</b>", published: "2026-12-01", language: "en", kind: "article",
        outcome: failed ? "failed" : "fetched", reason: failed ? "HTTP 500 <oops>" : nil, label: failed ? nil : label,
        probability: failed ? nil : probability, positive: failed ? nil : probability, labelReason: nil,
        sentences: failed
          ? []
          : [ReportSentence(text: "Sentence of document \(index), long enough to be quoted.", positive: probability)],
        names: [ReportName(type: "ORG", text: "Org \(index % 45)", start: 0, end: 5, confidence: 0.9)],
        people: (0..<(index % 4)).map { ReportPerson(name: "Person \((index + $0) % people)", mentions: 1 + $0) },
        reviews: [], contentHash: nil, words: 300)
    }
    let run = RunSummary(
      id: 1, startedAt: "2026-12-04T00:00:00Z", finishedAt: nil, status: "finished", seconds: 10,
      outcomes: ["fetched": count - count / 10, "failed": count / 10], labels: [:])
    var report = Report(
      job: "big", title: "Big", run: run, history: [run], documents: documents, models: [], partial: false,
      generatedAt: "t")
    report.formats = ["html", "md", "jsonl", "csv"]
    return report
  }

  func testRankedTablesShowTheirTopRowsAndSumTheRest() throws {
    let report = Self.synthetic(count: 600)
    let figures = ReportFigures(report)
    XCTAssertEqual(figures.sites.count, 31)
    let sections = Dictionary(
      ReportFigures.sections(report, figures).map { ($0.title, $0) }, uniquingKeysWith: { a, _ in a })
    let sites = try XCTUnwrap(sections["Sentiment by site"]?.tables.first)
    XCTAssertEqual(sites.rows.count, ReportFigures.tableRows + 1)
    XCTAssertEqual(sites.rows.last?.first, .text("11 more sites"))
    let documentsColumn = sites.rows.map { row -> Int in
      guard case .text(let text) = row[1] else { return 0 }
      return Int(text) ?? 0
    }
    XCTAssertEqual(documentsColumn.reduce(0, +), 540, "the rows still add up to every labelled document")

    let people = try XCTUnwrap(sections["People most mentioned"]?.tables.first)
    XCTAssertEqual(people.rows.count, ReportFigures.tableRows + 1)
    XCTAssertGreaterThan(figures.people.count, ReportFigures.tableRows + 10)
    XCTAssertEqual(people.rows.last?.first, .text("\(figures.people.count - ReportFigures.tableRows) more people"))
    let names = try XCTUnwrap(sections["Other names"]?.tables.first)
    XCTAssertEqual(names.rows.last?.first, .text("25 more names"))

    let failures = try XCTUnwrap(sections["Failures"]?.tables.first)
    XCTAssertEqual(failures.rows.count, ReportFigures.itemRows + 1)
    XCTAssertEqual(failures.rows.last?.first, .text("10 more (every one in the document list)"))
  }

  func testTheDocumentsSectionShowsTheNotableOnesAndLinksTheFullList() throws {
    let report = Self.synthetic(count: 600)
    let section = try XCTUnwrap(
      ReportFigures.sections(report, ReportFigures(report)).first { $0.title == "Documents" })
    let rows = try XCTUnwrap(section.tables.first?.rows)
    XCTAssertEqual(rows.count, ReportFigures.documentRows)
    // The first rows are the most confident positive documents, most confident first.
    let opinion = report.documents.filter { !$0.failed && $0.label != "neutral" }
    let best = opinion.filter { $0.label == "positive" }.max { ($0.probability ?? 0) < ($1.probability ?? 0) }!
    XCTAssertEqual(rows.first?.first, .link(best.title!, best.url))
    XCTAssertTrue(section.paragraphs.contains { $0.hasPrefix("40 of \(opinion.count): the most confident") })
    XCTAssertEqual(
      section.links,
      [
        .page("All 600 documents, failures included (3 pages of up to 200)", "documents/1.html"),
        .page("Every document's data: documents.jsonl", "documents.jsonl"),
      ])

    // Page 2 of 3: documents 201–400 in order, links both ways, page text escaped.
    let page = HTMLReport.documentPage(report, page: 2)
    let tree = try XMLTree(page)
    XCTAssertEqual(tree.count(of: "tr"), 201, "a header and 200 rows")
    XCTAssertTrue(tree.texts(of: "td").contains("Document 200 <b>bold</b>"))
    XCTAssertFalse(tree.texts(of: "td").contains("Document 400 <b>bold</b>"))
    XCTAssertFalse(page.contains("<b>bold</b>"), "titles are escaped")
    XCTAssertTrue(tree.texts(of: "td").contains("failedHTTP 500 <oops>"), "failures keep their reason")
    XCTAssertEqual(
      Set(tree.attributes("href").filter { !$0.hasPrefix("https://") }),
      ["../report.html", "1.html", "3.html"])
    let last = try XMLTree(HTMLReport.documentPage(report, page: 3))
    XCTAssertFalse(last.attributes("rel").contains("next"))
  }

  func testReportHTMLStaysUnderTwoMegabytesWhateverTheCorpus() throws {
    let small = HTMLReport.render(Self.synthetic(count: 1_000)).utf8.count
    let large = HTMLReport.render(Self.synthetic(count: 20_000, sites: 400, people: 3_000)).utf8.count
    XCTAssertLessThan(large, 2 << 20)
    XCTAssertLessThan(Double(large), Double(small) * 1.5, "capped sections: \(small) → \(large) bytes")
  }

  func testSentimentTowardANameIsReadFromTheSentencesNamingIt() throws {
    let text = "Ada Lovelace wrote a superb program. The villain Grimsby was awful to everyone. Lovelace smiled."
    func at(_ piece: String) -> (Int, Int) {
      let range = text.range(of: piece)!
      return (
        text.distance(from: text.startIndex, to: range.lowerBound),
        text.distance(from: text.startIndex, to: range.upperBound)
      )
    }
    let sentences = [
      ("Ada Lovelace wrote a superb program.", 0.95, 0.9), ("The villain Grimsby was awful to everyone.", 0.04, 0.9),
      ("Lovelace smiled.", 0.7, 0.2),
    ].map { sentence, positive, opinion in
      let (start, end) = at(sentence)
      return StoredSentence(start: start, end: end, positive: positive, text: sentence, opinion: opinion)
    }
    let entities = ["Ada Lovelace", "Grimsby", "Lovelace smiled"].map { piece -> StoredEntity in
      let name = piece == "Lovelace smiled" ? "Lovelace" : piece
      let (start, _) = at(piece)
      return StoredEntity(type: "PER", text: name, start: start, end: start + name.count, confidence: 0.9)
    }
    var results = DocumentResults(
      document: StoredDocument(url: "https://b.example/1", title: "A glowing piece", siteName: "B", text: text))
    results.sentiment = StoredSentiment(
      modelVersion: "1", label: "positive", probability: 0.9, positive: 0.9, language: "en", reason: nil,
      sentences: sentences)
    results.names = StoredNames(
      modelVersion: "1", entities: entities,
      people: [
        StoredPerson(name: "Ada Lovelace", mentions: 2, forms: ["Ada Lovelace", "Lovelace"], confidence: 0.9),
        StoredPerson(name: "Grimsby", mentions: 1, forms: ["Grimsby"], confidence: 0.9),
      ])
    let document = ReportWriter.document(RunDocument(outcome: .fetched, reason: nil, results: results))
    XCTAssertEqual(document.mentions.map(\.name), ["Ada Lovelace", "Grimsby", "Ada Lovelace"])

    var report = Self.synthetic(count: 0)
    report.documents = [document]
    let figures = ReportFigures(report)
    let ada = try XCTUnwrap(figures.people.first { $0.name == "Ada Lovelace" })
    XCTAssertEqual(
      [ada.toward.positive, ada.toward.negative, ada.toward.neutral], [1, 0, 1], "little opinion: neutral")
    let villain = try XCTUnwrap(figures.people.first { $0.name == "Grimsby" })
    XCTAssertEqual([villain.toward.positive, villain.toward.negative, villain.toward.neutral], [0, 1, 0])
    XCTAssertEqual(villain.toward.mostNegative?.sentence, "The villain Grimsby was awful to everyone.")
    XCTAssertEqual(villain.averagePositive, 0.9, "the document reads positive; the sentences naming him do not")
    let row = try XCTUnwrap(
      ReportFigures.sections(report, figures).first { $0.title == "People most mentioned" }?.tables.first?.rows
        .first { $0.first == .text("Grimsby") })
    XCTAssertEqual(row[3], .text("0 / 1 / 0"))
    XCTAssertEqual(row[4], .text("0.04"))
  }

  func testPeopleAreGroupedAcrossTheCorpusOnlyWhenTheMatchIsUnambiguous() throws {
    // Each document names people (as the tagger grouped them within it) and other names.
    let corpus: [([String], [(String, String)])] = [
      (["Donald Trump"], []), (["Trump"], []), (["Trump"], []),
      (["Anna Park"], []), (["David Park"], []), (["Park"], []),
      (["Henry Ford"], []), (["Ford"], [("ORG", "Ford")]),
      (["John Smith"], []), (["J. Smith"], []), (["Mary Jones"], []), (["Mark Jones"], []), (["M. Jones"], []),
      (["WeWork"], [("ORG", "WeWork")]), ([], [("ORG", "WeWork")]),
    ]
    var report = Self.synthetic(count: 0)
    report.documents = corpus.enumerated().map { index, item in
      var document = Self.synthetic(count: 1).documents[0]
      document.url = "https://n.example/\(index)"
      document.people = item.0.map { ReportPerson(name: $0, mentions: 1) }
      document.names = item.1.map { ReportName(type: $0.0, text: $0.1, start: 0, end: 1, confidence: 1) }
      document.mentions = item.0.map {
        ReportMention(name: $0, type: "PER", positive: 0.9, opinion: 0.9, sentence: "\($0) was praised.")
      }
      return document
    }
    let people = Dictionary(uniqueKeysWithValues: ReportFigures(report).people.map { ($0.name, $0) })
    XCTAssertEqual(people["Donald Trump"]?.forms, ["Donald Trump", "Trump"], "a surname unique in the corpus joins")
    XCTAssertEqual(people["Donald Trump"]?.documents, 3)
    XCTAssertEqual(people["Donald Trump"]?.toward.positive, 3)
    XCTAssertNil(people["Trump"])
    XCTAssertNotNil(people["Park"], "two people share the surname: it stays apart")
    XCTAssertEqual(people["Anna Park"]?.forms, ["Anna Park"])
    XCTAssertNotNil(people["Ford"], "a surname that is also a company stays apart")
    XCTAssertEqual(people["Henry Ford"]?.forms, ["Henry Ford"])
    XCTAssertEqual(people["John Smith"]?.forms, ["John Smith", "J. Smith"], "an initial and a surname join")
    XCTAssertNotNil(people["M. Jones"], "two full names fit the initial: it stays apart")
    XCTAssertNil(people["WeWork"], "typed an organisation more often than a person: not a person")

    // A later corpus that meets only "Trump" keeps the grouping an earlier report made;
    // one where the form has become ambiguous does not.
    var later = report
    later.documents = [report.documents[1], report.documents[3], report.documents[4], report.documents[5]]
    later.knownGroups = ["Trump": "Donald Trump", "Park": "Anna Park"]
    let regrouped = Dictionary(uniqueKeysWithValues: ReportFigures(later).people.map { ($0.name, $0) })
    XCTAssertEqual(regrouped["Donald Trump"]?.forms, ["Donald Trump", "Trump"])
    XCTAssertEqual(regrouped["Donald Trump"]?.documents, 1)
    XCTAssertNotNil(regrouped["Park"], "David Park is in this corpus too")

    let csv = DataExports.peopleCSV(ReportFigures(report))
    XCTAssertTrue(csv.hasPrefix("name,forms,mentions,documents,positive_sentences,"), csv)
    XCTAssertTrue(csv.contains("\r\nDonald Trump,Donald Trump|Trump,3,3,3,0,0,0.9000,"), csv)
  }

  func testAReportOfAStoreOfThousandsIsSmallPagedAndWhole() throws {
    let job = try JobFile.parse(
      """
      version = 1
      name = "large"
      [sources]
      urls = ["https://l.example/"]
      [report]
      directory = "\(folder.path)/reports"
      """, path: folder.appendingPathComponent("large.toml").path)
    let store = try Store(path: job.storePath)
    let run = try store.beginRun(job: "large", stage: "report", models: [], at: "2026-12-04T00:00:00Z")
    let count = 3_000
    for index in 0..<count {
      let url = "https://site\(index % 97).example/r/\(index)"
      let text = "Review \(index) says the kettle by Maker\(index % 50) is lovely and that Person\(index % 300) agrees."
      var results = DocumentResults(
        document: StoredDocument(
          url: url, title: "Review \(index) <i>of</i> a kettle", siteName: "Site \(index % 97)", text: text))
      results.sentiment = StoredSentiment(
        modelVersion: "1", label: ["positive", "negative", "mixed", "neutral"][index % 4],
        probability: 0.6 + Double(index % 40) / 100, positive: Double(index % 100) / 100, language: "en", reason: nil,
        sentences: [StoredSentence(start: 0, end: text.count, positive: 0.8, text: text, opinion: 0.9)])
      results.names = StoredNames(
        modelVersion: "1",
        entities: [
          StoredEntity(type: "ORG", text: "Maker\(index % 50)", start: 30, end: 38, confidence: 0.9),
          StoredEntity(type: "PER", text: "Person\(index % 300)", start: 60, end: 70, confidence: 0.9),
        ],
        people: [StoredPerson(name: "Person\(index % 300)", mentions: 1, forms: [], confidence: 0.9)])
      try store.save(run: run, position: index, outcome: .fetched, results: results, fetch: nil)
    }
    try store.finishRun(run, status: .finished, at: "2026-12-04T01:00:00Z", seconds: 60)
    _ = try ReportWriter(job: job, store: store, now: { "t" }).write(run: run)
    let reports = job.jobReportDirectory + "/\(run)/"
    let html = try String(contentsOfFile: reports + "report.html", encoding: .utf8)
    XCTAssertLessThan(html.utf8.count, 200_000, "capped: the whole report of 3,000 documents")
    _ = try XMLTree(html)
    let pages = try FileManager.default.contentsOfDirectory(atPath: reports + "documents").sorted()
    XCTAssertEqual(pages.count, 15)
    var listed = 0
    for page in pages {
      let tree = try XMLTree(try String(contentsOfFile: reports + "documents/" + page, encoding: .utf8))
      listed += tree.count(of: "tr") - 1
    }
    XCTAssertEqual(listed, count, "every document once in the list")
    let lines = try String(contentsOfFile: reports + "documents.jsonl", encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, count)
    XCTAssertTrue(html.contains("All 3000 documents, failures included (15 pages of up to 200)"))
    XCTAssertTrue(html.contains("77 more sites"))
  }
}

/// A strict XML parse of a report, with the few queries the tests need.
struct XMLTree {
  struct Failure: Error, CustomStringConvertible { var description: String }
  private var elements: [(name: String, text: String, attributes: [String: String])] = []

  init(_ markup: String) throws {
    let bytes = Array(markup.utf8)
    let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
    let parsed = bytes.withUnsafeBufferPointer { buffer in
      buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
        xmlReadMemory($0, Int32(buffer.count), "report.html", "UTF-8", options)
      }
    }
    guard let document = parsed else {
      let message = xmlGetLastError().map { String(cString: $0.pointee.message) } ?? "unknown error"
      let line = xmlGetLastError().map { Int($0.pointee.line) } ?? 0
      throw Failure(description: "not well-formed at line \(line): \(message)")
    }
    defer { xmlFreeDoc(document) }
    var stack: [xmlNodePtr] = []
    if let root = xmlDocGetRootElement(document) { stack.append(root) }
    while let node = stack.popLast() {
      if node.pointee.type == XML_ELEMENT_NODE {
        let name = String(cString: node.pointee.name)
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
          let key = String(cString: current.pointee.name)
          if let value = xmlGetProp(node, current.pointee.name) {
            attributes[key] = String(cString: value)
            CLibXML2_free(value)
          }
          attribute = current.pointee.next
        }
        var text = ""
        if let content = xmlNodeGetContent(node) {
          text = String(cString: content)
          CLibXML2_free(content)
        }
        elements.append((name, text, attributes))
      }
      var child = node.pointee.last
      while let current = child {
        stack.append(current)
        child = current.pointee.prev
      }
    }
  }

  func texts(of name: String) -> [String] { elements.filter { $0.name == name }.map(\.text) }
  func count(of name: String) -> Int { elements.filter { $0.name == name }.count }
  func attributes(_ key: String) -> [String] { elements.compactMap { $0.attributes[key] } }
  func attribute(_ key: String, ofElementWhere other: String, is value: String) -> String? {
    elements.first { $0.attributes[other] == value }?.attributes[key]
  }

}
