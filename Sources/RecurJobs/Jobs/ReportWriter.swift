import Foundation
import RecurReport
import RecurStore

/// Builds a run's report from the store and writes its files to
/// `REPORTS/NAME/RUN-ID/` (each file written whole, then renamed into place), pointing
/// `REPORTS/NAME/latest` at the newest.
public struct ReportWriter {
  public let job: JobFile
  public let store: Store
  public let now: @Sendable () -> String

  public init(job: JobFile, store: Store, now: @escaping @Sendable () -> String) {
    self.job = job
    self.store = store
    self.now = now
  }

  /// The folder of one run's report.
  public func folder(run: Int64) -> String {
    (job.jobReportDirectory as NSString).appendingPathComponent(String(run))
  }

  /// Writes the report of `run` in the job's formats; returns the files written. The
  /// documents are streamed from the store a page at a time: each goes to the exports and
  /// the document list as it comes and leaves only sums and a bounded selection behind, so
  /// memory stays bounded whatever the size of the run.
  public func write(run: Int64) throws(RecurError) -> [String] {
    var report = try header(run: run)
    let folder = folder(run: run)
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw RecurError(.fatal, "cannot create the report folder: \(error.localizedDescription)", location: folder)
    }
    @Sendable func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    let formats = job.formats
    let jsonLines = formats.contains("jsonl") ? try StreamedFile(path: path("documents.jsonl")) : nil
    let entities = formats.contains("csv") ? try StreamedFile(path: path("entities.csv")) : nil
    entities?.append(DataExports.csvHeader)
    let list = path("documents")
    let pages = report.documentPages
    if pages > 0 {
      do {
        try FileManager.default.createDirectory(atPath: list, withIntermediateDirectories: true)
      } catch {
        throw RecurError(
          .fatal, "cannot create the document list folder: \(error.localizedDescription)", location: list)
      }
    }
    var figures = ReportFigures()
    var page: [ReportDocument] = []
    var written = 0
    // A page that cannot be written stops the list, not the rest: every other file is
    // still tried, and the first error (in the order of the formats, then the list) is thrown.
    var pageFailure: RecurError?
    let exportComments = job.exportComments
    func writePage() {
      guard pageFailure == nil, !page.isEmpty else {
        page.removeAll(keepingCapacity: true)
        return
      }
      written += 1
      do throws(RecurError) {
        try WholeFile.write(
          HTMLReport.documentPage(report, documents: page, page: written),
          to: (list as NSString).appendingPathComponent("\(written).html"))
      } catch {
        pageFailure = error
      }
      page.removeAll(keepingCapacity: true)
    }
    do throws(StoreError) {
      try store.forEachDocument(run: run) { item in
        let document = Self.document(item)
        figures.add(document)
        jsonLines?.append(DataExports.jsonLine(document, exportComments: exportComments))
        entities?.append(DataExports.csvRows(document))
        guard pages > 0 else { return }
        page.append(document)
        if page.count == Report.documentsPerPage { writePage() }
      }
    } catch {
      throw RecurError(.fatal, error.description)
    }
    writePage()
    figures.finish(known: report.knownGroups)
    report.documentCount = figures.documents

    // The two renderings (and the people), each on a core of its own; then the exports
    // are put in place.
    let rendered = formats.filter { $0 == "html" || $0 == "md" } + (formats.contains("csv") ? ["people"] : [])
    let outcomes = ParallelSlots<Result<String, RecurError>>(count: rendered.count)
    let final = report
    let summed = figures
    DispatchQueue.concurrentPerform(iterations: rendered.count) { index in
      let (name, text): (String, String)
      switch rendered[index] {
      case "html": (name, text) = ("report.html", HTMLReport.render(final, figures: summed))
      case "md": (name, text) = ("report.md", MarkdownReport.render(final, figures: summed))
      default: (name, text) = ("people.csv", DataExports.peopleCSV(summed))
      }
      do throws(RecurError) {
        try WholeFile.write(text, to: path(name))
        outcomes.set(index, .success(path(name)))
      } catch {
        outcomes.set(index, .failure(error))
      }
    }
    var errors: [String: RecurError] = [:]
    for (index, outcome) in outcomes.values.enumerated() {
      if case .failure(let error) = outcome { errors[rendered[index]] = error }
    }
    for (format, file) in [("jsonl", jsonLines), ("csv", entities)] {
      do throws(RecurError) {
        try file?.commit()
      } catch {
        errors[format] = error
      }
    }
    if let first = (formats + ["people"]).lazy.compactMap({ errors[$0] }).first ?? pageFailure { throw first }
    // Pages left from an earlier writing with more of them.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: list)) ?? [] {
      guard name.hasSuffix(".html"), let number = Int(name.dropLast(5)), number > written else { continue }
      try? FileManager.default.removeItem(atPath: (list as NSString).appendingPathComponent(name))
    }
    do throws(StoreError) {
      try store.savePersonGroups(job: job.name, figures.groups)
    } catch {
      throw RecurError(.fatal, error.description)
    }
    pointLatest(at: run)
    let names = ["html": "report.html", "md": "report.md", "jsonl": "documents.jsonl", "csv": "entities.csv"]
    return formats.compactMap { names[$0].map(path) } + (formats.contains("csv") ? [path("people.csv")] : [])
  }

  /// `latest` → the newest run's folder, replaced atomically (a relative link, so the
  /// reports folder can move).
  func pointLatest(at run: Int64) {
    let latest = (job.jobReportDirectory as NSString).appendingPathComponent("latest")
    let staging = latest + ".new"
    try? FileManager.default.removeItem(atPath: staging)
    guard (try? FileManager.default.createSymbolicLink(atPath: staging, withDestinationPath: String(run))) != nil else {
      return
    }
    if rename(staging, latest) != 0 { try? FileManager.default.removeItem(atPath: staging) }
  }

  /// The report of `run` with its documents, from the store alone (held in memory: for
  /// tests and small runs; `write` streams them).
  public func build(run: Int64) throws(RecurError) -> Report {
    var report = try header(run: run)
    do throws(StoreError) {
      // One document at a time: the report keeps each one's figures, names and the
      // sentences that drove its label, never its text.
      try store.forEachDocument(run: run) { report.documents.append(Self.document($0)) }
    } catch {
      throw RecurError(.fatal, error.description)
    }
    report.documentCount = report.documents.count
    return report
  }

  /// The report of `run` without its documents: the run, its history, its models, and
  /// how many documents it has.
  func header(run: Int64) throws(RecurError) -> Report {
    do {
      guard let record = try store.run(run), record.job == job.name else {
        throw RecurError(.usage, "job \(job.name) has no run \(run) in \(store.path)")
      }
      let history = try store.runs(job: job.name).filter { $0.id <= run }.map(Self.summary)
      let models = record.models.map { model in
        ReportModel(
          role: model.role, name: model.name, version: model.version,
          scores: model.scores.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
          trainedOn: model.trainedOn ?? [])
      }
      var report = Report(
        job: job.name, title: job.title, run: Self.summary(record), history: history, documents: [],
        models: models, partial: record.status != .finished, generatedAt: now())
      report.exportComments = job.exportComments
      report.formats = job.formats
      report.documentCount = try store.outcomes(run: run).values.reduce(0, +)
      report.knownGroups = try store.personGroups(job: job.name)
      return report
    } catch let error as RecurError {
      throw error
    } catch {
      throw RecurError(.fatal, "\(error)")
    }
  }

  static func summary(_ run: RunRecord) -> RunSummary {
    var outcomes: [String: Int] = [:]
    var labels: [String: Int] = [:]
    for (key, value) in run.counts {
      if key.hasPrefix("label:") { labels[String(key.dropFirst(6))] = value } else { outcomes[key] = value }
    }
    return RunSummary(
      id: run.id, startedAt: run.startedAt, finishedAt: run.finishedAt, status: run.status.rawValue,
      seconds: run.seconds, outcomes: outcomes, labels: labels)
  }

  static func document(_ item: RunDocument) -> ReportDocument {
    let document = item.results.document
    let sentiment = item.results.sentiment
    let failed = item.outcome == .failed || item.outcome == .skipped
    var report = ReportDocument(
      url: document.url, finalURL: document.finalURL, site: site(document), title: document.title,
      published: document.published, language: document.language, kind: document.kind,
      outcome: item.outcome.rawValue, reason: item.reason, label: failed ? nil : sentiment?.label,
      probability: failed ? nil : sentiment?.probability, positive: failed ? nil : sentiment?.positive,
      labelReason: failed ? nil : sentiment?.reason,
      sentences: failed
        ? []
        : (sentiment?.sentences ?? []).map {
          ReportSentence(text: $0.text, positive: $0.positive, opinion: $0.opinion)
        },
      names: failed
        ? []
        : (item.results.names?.entities ?? []).map {
          ReportName(type: $0.type, text: $0.text, start: $0.start, end: $0.end, confidence: $0.confidence)
        },
      people: failed
        ? [] : (item.results.names?.people ?? []).map { ReportPerson(name: $0.name, mentions: $0.mentions) },
      reviews: failed
        ? []
        : item.results.reviews.filter { !$0.isComment }.map {
          ReportReview(
            author: $0.author, rating: $0.rating, bestRating: $0.bestRating, normalisedRating: $0.normalisedRating,
            label: $0.label, probability: $0.probability)
        },
      contentHash: document.contentHash,
      words: document.text.map(Self.wordCount) ?? 0
    )
    report.opinion = failed ? nil : sentiment?.opinion
    report.mentions = failed ? [] : Self.mentions(item.results)
    report.comments =
      failed
      ? []
      : item.results.reviews.filter(\.isComment).map {
        ReportComment(author: $0.author, date: $0.date, text: $0.body, label: $0.label, probability: $0.probability)
      }
    return report.keepingDrivingSentences()
  }

  /// The sentences naming each person (by the grouped name whose forms include the
  /// entity's text) and each other name, once per name and sentence, with the sentence's
  /// scores. Entities and sentences share offsets (Unicode scalars into the text).
  static func mentions(_ results: DocumentResults) -> [ReportMention] {
    guard let sentences = results.sentiment?.sentences, !sentences.isEmpty, let names = results.names else {
      return []
    }
    var person: [String: String] = [:]
    for grouped in names.people {
      person[grouped.name] = grouped.name
      for form in grouped.forms { person[form] = grouped.name }
    }
    var mentions: [ReportMention] = []
    var seen: Set<String> = []
    for entity in names.entities {
      // Sentences are in text order: the last one starting at or before the entity.
      var low = 0
      var high = sentences.count
      while low < high {
        let middle = (low + high) / 2
        if sentences[middle].start <= entity.start { low = middle + 1 } else { high = middle }
      }
      guard low > 0, entity.start < sentences[low - 1].end else { continue }
      let sentence = sentences[low - 1]
      let name = entity.type == "PER" ? person[entity.text] ?? entity.text : entity.text
      guard seen.insert("\(entity.type)\u{0}\(name)\u{0}\(low)").inserted else { continue }
      mentions.append(
        ReportMention(
          name: name, type: entity.type, positive: sentence.positive, opinion: sentence.opinion,
          sentence: sentence.text))
    }
    return mentions
  }

  /// Runs of non-whitespace in `text`, read by scalar (no grapheme breaking: a report
  /// counts every document's words).
  static func wordCount(_ text: String) -> Int {
    var count = 0
    var inWord = false
    for scalar in text.unicodeScalars {
      let space =
        scalar.isASCII ? (scalar.value == 32 || (9...13).contains(scalar.value)) : scalar.properties.isWhitespace
      if space {
        inWord = false
      } else if !inWord {
        inWord = true
        count += 1
      }
    }
    return count
  }

  /// The site a document is grouped under: its declared site name, else its host.
  static func site(_ document: StoredDocument) -> String {
    if let name = document.siteName, !name.isEmpty { return name }
    let url = document.finalURL ?? document.url
    // Local pages are grouped by the folder they are in.
    if url.lowercased().hasPrefix("file:") {
      let path = URL(string: url)?.path ?? String(url.dropFirst(5))
      let folder = (path as NSString).deletingLastPathComponent
      return "folder " + ((folder as NSString).lastPathComponent.isEmpty ? "/" : (folder as NSString).lastPathComponent)
    }
    guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return "unknown" }
    return host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
  }
}

extension ReportDocument {
  /// The document with only the sentences a report shows (the three that drove its label).
  func keepingDrivingSentences() -> ReportDocument {
    var reduced = self
    reduced.sentences = drivingSentences(3)
    return reduced
  }
}
