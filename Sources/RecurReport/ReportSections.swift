/// One cell of a report table; each writer renders it its own way (a link is an `<a>` in
/// HTML and `[title](<url>)` in Markdown; stars are drawn in HTML only).
public enum ReportCell: Sendable, Equatable {
  case text(String)
  /// Several short paragraphs (the sentences that drove a label).
  case lines([String])
  /// A title linking to a URL; only http(s) and file URLs become links.
  case link(String, String)
  /// A label with its probability and an optional note (why a text was not scored).
  case label(String?, Double?, note: String?)
  /// A review's rating.
  case stars(ReportReview)
  /// A link to a file the report itself wrote, relative to the report (`documents/1.html`).
  case page(String, String)
}

public struct ReportTable: Sendable, Equatable {
  public var headers: [String]
  /// Columns of numbers, aligned right.
  public var numeric: Set<Int>
  public var rows: [[ReportCell]]
}

/// A report section: its heading, its paragraphs, an optional chart and its tables — or,
/// when it has nothing to show, one sentence saying so. The HTML and the Markdown reports
/// are both written from these, so they always say the same.
public struct ReportSection: Sendable, Equatable {
  public enum Chart: Sendable, Equatable {
    case distribution, trend
  }

  public var title: String
  public var paragraphs: [String] = []
  public var chart: Chart?
  public var tables: [ReportTable] = []
  /// Shown instead of the tables when there are none.
  public var empty: String?
  /// Links after the tables (the full document list, the data exports).
  public var links: [ReportCell] = []
}

extension ReportFigures {
  /// The sections of a report, in order.
  public static func sections(_ report: Report, _ figures: ReportFigures) -> [ReportSection] {
    [
      // What a reader needs first: the split, the people and how the text speaks of them,
      // the sites, what failed.
      summary(report), distribution(figures), people(figures), sites(figures), failures(figures),
      otherNames(figures), reviews(figures), comments(figures), documents(report, figures, neutral: false),
      documents(report, figures, neutral: true), trend(report), models(report),
    ]
  }

  static func summary(_ report: Report) -> ReportSection {
    var rows: [[ReportCell]] = [[.text("documents"), .text(String(report.documentCount))]]
    for outcome in outcomeOrder { rows.append([.text(outcome), .text(String(report.run.outcomes[outcome] ?? 0))]) }
    rows.append([.text("time"), .text(Format.seconds(report.run.seconds))])
    if let seconds = report.run.seconds, seconds > 0 {
      rows.append([.text("documents/s"), .text(Format.fixed(Double(report.documentCount) / seconds, 1))])
    }
    return ReportSection(title: "Run summary", tables: [ReportTable(headers: ["", "Count"], numeric: [1], rows: rows)])
  }

  static func distribution(_ figures: ReportFigures) -> ReportSection {
    let total = max(1, labelOrder.map { figures.labels[$0] ?? 0 }.reduce(0, +))
    let rows: [[ReportCell]] = labelOrder.map { label in
      let count = figures.labels[label] ?? 0
      return [.text(label), .text(String(count)), .text(Format.percent(Double(count) / Double(total)))]
    }
    return ReportSection(
      title: "Sentiment", chart: .distribution,
      tables: [ReportTable(headers: ["Label", "Documents", "Share"], numeric: [1, 2], rows: rows)])
  }

  static func sites(_ figures: ReportFigures) -> ReportSection {
    func row(_ name: String, _ sites: ArraySlice<ReportFigures.SiteRow>) -> [ReportCell] {
      let documents = sites.map(\.documents).reduce(0, +)
      let scored = sites.filter { $0.averagePositive != nil }
      let weight = scored.map(\.documents).reduce(0, +)
      let mean =
        weight > 0 ? scored.map { $0.averagePositive! * Double($0.documents) }.reduce(0, +) / Double(weight) : nil
      return [.text(name), .text(String(documents))]
        + labelOrder.map { label in .text(String(sites.map { $0.labels[label] ?? 0 }.reduce(0, +))) }
        + [.text(Format.probability(mean))]
    }
    var rows = figures.sites.prefix(tableRows).map { row($0.site, [$0]) }
    if figures.sites.count > tableRows {
      // The rest in one row, so the column totals stay whole.
      rows.append(row("\(figures.sites.count - tableRows) more sites", figures.sites.dropFirst(tableRows)))
    }
    return ReportSection(
      title: "Sentiment by site",
      paragraphs: figures.sites.count > tableRows
        ? ["The \(tableRows) sites with the most documents of \(figures.sites.count); the last row sums the rest."]
        : [],
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Site", "Documents"] + labelOrder + ["Mean P(positive)"],
            numeric: Set(1...(labelOrder.count + 2)), rows: rows)
        ],
      empty: "No documents were labelled.")
  }

  /// Rows a ranked table shows (sites, people, other names); the rest are summed up in a
  /// final "N more" row.
  public static let tableRows = 20
  /// Rows of the review items and failures tables.
  public static let itemRows = 50

  /// The first `limit` rows, and a last row saying how many more there are of `total`
  /// (the rows given, unless only the first were kept).
  static func capped(
    _ rows: [[ReportCell]], total: Int? = nil, limit: Int, more: (Int) -> [ReportCell]
  ) -> [[ReportCell]] {
    let total = total ?? rows.count
    return total > limit ? Array(rows.prefix(limit)) + [more(total - limit)] : rows
  }

  static func people(_ figures: ReportFigures) -> ReportSection {
    let rows: [[ReportCell]] = capped(
      figures.people.map { [.text($0.name), .text(String($0.mentions)), .text(String($0.documents))] + toward($0) },
      limit: tableRows
    ) { more in
      let mentions = figures.people.dropFirst(tableRows).map(\.mentions).reduce(0, +)
      return [.text("\(more) more \(more == 1 ? "person" : "people")"), .text(String(mentions))]
        + Array(repeating: .text("–"), count: 4)
    }
    return ReportSection(
      title: "People most mentioned", paragraphs: rows.isEmpty ? [] : [towardMeaning],
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Person", "Mentions", "Documents"] + towardHeaders, numeric: [1, 2, 3, 4], rows: rows)
        ],
      empty: "No people were found (or no names model ran).")
  }

  static func otherNames(_ figures: ReportFigures) -> ReportSection {
    let rows: [[ReportCell]] = capped(
      figures.otherNames.map {
        [.text($0.name), .text(typeName($0.type)), .text(String($0.mentions)), .text(String($0.documents))]
          + toward($0)
      }, limit: tableRows
    ) { more in
      let mentions = figures.otherNames.dropFirst(tableRows).map(\.mentions).reduce(0, +)
      return [.text("\(more) more names"), .text("–"), .text(String(mentions))] + Array(repeating: .text("–"), count: 4)
    }
    return ReportSection(
      title: "Other names",
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Name", "Type", "Mentions", "Documents"] + towardHeaders, numeric: [2, 3, 4, 5], rows: rows)
        ],
      empty: "No other names were found.")
  }

  static let towardHeaders = [
    "Sentences naming them: positive / negative / neutral", "Mean P(positive) of those sentences",
    "Its most positive and most negative sentence",
  ]

  static let towardMeaning =
    "Sentiment toward a name is read from the sentences that name it, each sentence once "
    + "(positive at P(positive) 0.6 or more, negative at 0.4 or less, neutral between or when the "
    + "sentence carries little opinion): how the text reads where it speaks of them, whatever the "
    + "document's own label. It is not the writer's verdict on them: a sentence can name someone "
    + "while praising or blaming something else (a director in a sentence about the film)."

  /// The sentiment-toward cells of a name's row.
  static func toward(_ row: ReportFigures.NameRow) -> [ReportCell] {
    let toward = row.toward
    guard toward.sentences > 0 else { return [.text("–"), .text("–"), .text("–")] }
    var telling = [toward.mostPositive, toward.mostNegative].compactMap { $0 }
    if telling.count == 2 && telling[0] == telling[1] { telling.removeLast() }
    let evidence = telling.map {
      "“" + excerpt($0.sentence) + "” (" + Format.probability($0.positive) + ")"
    }
    return [
      .text("\(toward.positive) / \(toward.negative) / \(toward.neutral)"), .text(Format.probability(toward.mean)),
      evidence.isEmpty ? .text("–") : .lines(evidence),
    ]
  }

  static func typeName(_ type: String) -> String {
    switch type {
    case "PER": return "person"
    case "ORG": return "organisation"
    case "LOC": return "place"
    case "MISC": return "product, work or other"
    default: return type
    }
  }

  static func reviews(_ figures: ReportFigures) -> ReportSection {
    var section = ReportSection(
      title: "Review items: star ratings against predicted sentiment", empty: "No review items were found.")
    guard figures.reviewItemCount > 0 else { return section }
    let agreement = figures.reviews
    section.paragraphs = [
      "\(figures.reviewItemCount) review items; \(agreement.compared) with a rating and a label. Agreement: "
        + "\(Format.percent(agreement.rate)) (a rating of 60 % of the scale or more counts as positive, "
        + "40 % or less as negative, between as mixed)."
    ]
    let rated = ["positive", "mixed", "negative"]
    let predicted = ["positive", "mixed", "neutral", "negative"]
    section.tables = [
      ReportTable(
        headers: ["Rating says ↓ / model says →"] + predicted, numeric: Set(1...predicted.count),
        rows: rated.map { rating in
          [.text(rating)] + predicted.map { .text(String(agreement.confusion[rating]?[$0] ?? 0)) }
        }),
      ReportTable(
        headers: ["Page", "Author", "Rating", "Predicted"], numeric: [],
        rows: capped(
          figures.reviewItems.map { item in
            [
              .link(item.title, item.url), .text(item.review.author ?? "–"), .stars(item.review),
              .label(item.review.label, item.review.probability, note: nil),
            ]
          }, total: figures.reviewItemCount, limit: itemRows
        ) { more in [.text("\(more) more review items (all in documents.jsonl)"), .text(""), .text(""), .text("")] }),
    ]
    return section
  }

  /// Readers' comments: how many, how they read, and the documents with the most, each
  /// beside the article's own label (comments never enter the article's text or label).
  static func comments(_ figures: ReportFigures) -> ReportSection {
    var section = ReportSection(
      title: "Readers' comments", empty: "No readers' comments were found under the documents.")
    guard figures.commentedDocuments > 0 else { return section }
    let labels = ["positive", "negative", "mixed", "neutral", "unsupported"]
    let shares = labels.compactMap { label in figures.commentLabels[label].map { "\(label) \($0)" } }
    section.paragraphs = [
      "\(counted(figures.commentCount, "comment")) under \(counted(figures.commentedDocuments, "document")), "
        + "each labelled on its own; they are not part of "
        + "the document's text, so they never move its label or its names. "
        + (shares.isEmpty ? "" : "Comment labels: " + shares.joined(separator: ", ") + ".")
    ]
    let shown = figures.mostCommented
    section.tables = [
      ReportTable(
        headers: ["Page", "The page says", "Comments", "Positive", "Negative", "Other"], numeric: [2, 3, 4, 5],
        rows: shown.map { document in
          let positive = document.comments.filter { $0.label == "positive" }.count
          let negative = document.comments.filter { $0.label == "negative" }.count
          return [
            .link(document.title ?? document.url, document.finalURL ?? document.url),
            .label(document.label, document.probability, note: nil), .text(String(document.comments.count)),
            .text(String(positive)), .text(String(negative)),
            .text(String(document.comments.count - positive - negative)),
          ]
        })
    ]
    if figures.commentedDocuments > shown.count {
      section.paragraphs.append(
        "The \(shown.count) documents with the most comments of \(figures.commentedDocuments).")
    }
    return section
  }

  /// `1 comment`, `2 comments`.
  static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

  /// Rows of the comments table.
  static let commentRows = 20

  /// The documents table; neutral documents (little opinion: facts, news, instructions)
  /// get a section of their own after the ones that express an opinion. Past
  /// `documentRows`, a section shows the documents a reader most needs (the most confident
  /// of each label, those with the most names) and links to the full document list.
  static func documents(_ report: Report, _ figures: ReportFigures, neutral: Bool) -> ReportSection {
    let total = neutral ? figures.neutralCount : figures.opinionCount
    let shown = neutral ? figures.shownNeutral : figures.shownOpinion
    let rows: [[ReportCell]] = shown.map { document in
      let names = topNames(document)
      let why = document.drivingSentences().map { sentence in
        var scores = "P(positive) " + Format.probability(sentence.positive)
        if let opinion = sentence.opinion { scores += ", opinion " + Format.probability(opinion) }
        return "“" + excerpt(sentence.text) + "” (" + scores + ")"
      }
      return [
        .link(document.title ?? document.url, document.finalURL ?? document.url), .text(document.site),
        .text(document.published.map { String($0.prefix(10)) } ?? "–"),
        .label(document.label, document.probability, note: document.labelReason),
        .text(names.isEmpty ? "–" : names.joined(separator: ", ")), .lines(why),
      ]
    }
    let tables =
      rows.isEmpty
      ? [] : [ReportTable(headers: ["Title", "Site", "Date", "Sentiment", "Names", "Why"], numeric: [], rows: rows)]
    var paragraphs: [String] = []
    if neutral && !rows.isEmpty {
      paragraphs.append(
        "Documents whose sentences carry little opinion (facts, news reporting, instructions); "
          + "\"Why\" quotes the most opinionated sentences, if any.")
    }
    if shown.count < total {
      paragraphs.append(
        neutral
          ? "The \(shown.count) most confidently neutral of \(total)."
          : "\(shown.count) of \(total): the most confident positive, negative and mixed ones "
            + "and those naming the most people and organisations.")
    }
    var section = ReportSection(
      title: neutral ? "Neutral documents" : "Documents", paragraphs: paragraphs, tables: tables,
      empty: neutral ? "No document was read as neutral." : "No documents were processed.")
    if !neutral { section.links = listLinks(report) }
    return section
  }

  /// Rows of a documents section before it shows a selection.
  public static let documentRows = 40

  /// Links to every document: the paged list and `documents.jsonl`, as far as written.
  static func listLinks(_ report: Report) -> [ReportCell] {
    var links: [ReportCell] = []
    let pages = report.documentPages
    if pages > 0 {
      links.append(
        .page(
          "All \(report.documentCount) documents, failures included (\(pages) "
            + (pages == 1 ? "page" : "pages") + " of up to \(Report.documentsPerPage))", "documents/1.html"))
    }
    if report.formats.contains("jsonl") {
      links.append(.page("Every document's data: documents.jsonl", "documents.jsonl"))
    }
    return links
  }

  static func topNames(_ document: ReportDocument, _ count: Int = 4) -> [String] {
    var names = document.people.sorted { $0.mentions > $1.mentions }.map(\.name)
    for name in document.names where name.type != "PER" && !names.contains(name.text) { names.append(name.text) }
    return Array(names.prefix(count))
  }

  static func excerpt(_ text: String, _ limit: Int = 160) -> String {
    let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
  }

  static func failures(_ figures: ReportFigures) -> ReportSection {
    let rows: [[ReportCell]] = capped(
      figures.failures.map { [.link($0.url, $0.url), .text($0.outcome), .text($0.reason ?? "–")] },
      total: figures.failureCount, limit: itemRows
    ) { more in [.text("\(more) more (every one in the document list)"), .text(""), .text("")] }
    return ReportSection(
      title: "Failures",
      tables: rows.isEmpty ? [] : [ReportTable(headers: ["URL", "Outcome", "Reason"], numeric: [], rows: rows)],
      empty: "None: every document was processed.")
  }

  static func trend(_ report: Report) -> ReportSection {
    var section = ReportSection(
      title: "Trend over runs", empty: "This is the job's first run; later reports show the trend.")
    let runs = report.history.suffix(20)
    guard runs.count > 1 else { return section }
    section.chart = .trend
    section.tables = [
      ReportTable(
        headers: ["Run", "Started", "Status", "Documents"] + outcomeOrder + ["Positive share"],
        numeric: Set(3...(outcomeOrder.count + 4)),
        rows: runs.map { run in
          let labelled = labelOrder.map { run.labels[$0] ?? 0 }.reduce(0, +)
          let share = labelled > 0 ? Double(run.labels["positive"] ?? 0) / Double(labelled) : nil
          return [.text(String(run.id)), .text(run.startedAt), .text(run.status), .text(String(run.total))]
            + outcomeOrder.map { .text(String(run.outcomes[$0] ?? 0)) } + [.text(Format.percent(share))]
        })
    ]
    return section
  }

  static func models(_ report: Report) -> ReportSection {
    let rows: [[ReportCell]] = report.models.map { model in
      [
        .text(model.role), .text(model.name), .text(model.version),
        .text(model.trainedOn.isEmpty ? "–" : model.trainedOn.joined(separator: ", ")),
        .text(model.scores.map { "\($0.0) \(Format.fixed($0.1, 4))" }.joined(separator: ", ")),
      ]
    }
    return ReportSection(
      title: "Models",
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Role", "Model", "Version", "Trained on", "Dev scores recorded at training"], numeric: [],
            rows: rows)
        ],
      empty: "No model ran.")
  }
}
