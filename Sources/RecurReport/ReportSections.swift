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
}

extension ReportFigures {
  /// The sections of a report, in order.
  public static func sections(_ report: Report, _ figures: ReportFigures) -> [ReportSection] {
    [
      summary(report), distribution(figures), sites(figures), people(figures), otherNames(figures),
      reviews(figures), comments(figures), documents(figures, neutral: false), documents(figures, neutral: true),
      failures(figures),
      trend(report), models(report),
    ]
  }

  static func summary(_ report: Report) -> ReportSection {
    var rows: [[ReportCell]] = [[.text("documents"), .text(String(report.documents.count))]]
    for outcome in outcomeOrder { rows.append([.text(outcome), .text(String(report.run.outcomes[outcome] ?? 0))]) }
    rows.append([.text("time"), .text(Format.seconds(report.run.seconds))])
    if let seconds = report.run.seconds, seconds > 0 {
      rows.append([.text("documents/s"), .text(Format.fixed(Double(report.documents.count) / seconds, 1))])
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
    let rows: [[ReportCell]] = figures.sites.map { site in
      [.text(site.site), .text(String(site.documents))] + labelOrder.map { .text(String(site.labels[$0] ?? 0)) }
        + [.text(Format.probability(site.averagePositive))]
    }
    return ReportSection(
      title: "Sentiment by site",
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Site", "Documents"] + labelOrder + ["Mean P(positive)"],
            numeric: Set(1...(labelOrder.count + 2)), rows: rows)
        ],
      empty: "No documents were labelled.")
  }

  static func people(_ figures: ReportFigures) -> ReportSection {
    let rows: [[ReportCell]] = figures.people.map {
      [
        .text($0.name), .text(String($0.mentions)), .text(String($0.documents)),
        .text(Format.probability($0.averagePositive)),
      ]
    }
    return ReportSection(
      title: "People most mentioned",
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Person", "Mentions", "Documents", "Mean P(positive) of those documents"], numeric: [1, 2, 3],
            rows: rows)
        ],
      empty: "No people were found (or no names model ran).")
  }

  static func otherNames(_ figures: ReportFigures) -> ReportSection {
    let rows: [[ReportCell]] = figures.otherNames.map {
      [
        .text($0.name), .text(typeName($0.type)), .text(String($0.mentions)), .text(String($0.documents)),
        .text(Format.probability($0.averagePositive)),
      ]
    }
    return ReportSection(
      title: "Other names",
      tables: rows.isEmpty
        ? []
        : [
          ReportTable(
            headers: ["Name", "Type", "Mentions", "Documents", "Mean P(positive)"], numeric: [2, 3, 4], rows: rows)
        ],
      empty: "No other names were found.")
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
    let items = figures.labelled.flatMap { document in document.reviews.map { (document, $0) } }
    guard !items.isEmpty else { return section }
    let agreement = figures.reviews
    section.paragraphs = [
      "\(items.count) review items; \(agreement.compared) with a rating and a label. Agreement: "
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
        rows: items.map { document, review in
          [
            .link(document.title ?? document.url, document.finalURL ?? document.url), .text(review.author ?? "–"),
            .stars(review), .label(review.label, review.probability, note: nil),
          ]
        }),
    ]
    return section
  }

  /// Readers' comments: how many, how they read, and the documents with the most, each
  /// beside the article's own label (comments never enter the article's text or label).
  static func comments(_ figures: ReportFigures) -> ReportSection {
    var section = ReportSection(
      title: "Readers' comments", empty: "No readers' comments were found under the documents.")
    let commented = figures.labelled.filter { !$0.comments.isEmpty }
    guard !commented.isEmpty else { return section }
    let all = commented.flatMap(\.comments)
    let labels = ["positive", "negative", "mixed", "neutral", "unsupported"]
    var counts: [String: Int] = [:]
    for comment in all { counts[comment.label ?? "unlabelled", default: 0] += 1 }
    let shares = labels.compactMap { label in counts[label].map { "\(label) \($0)" } }
    section.paragraphs = [
      "\(counted(all.count, "comment")) under \(counted(commented.count, "document")), each labelled on its own; "
        + "they are not part of "
        + "the document's text, so they never move its label or its names. "
        + (shares.isEmpty ? "" : "Comment labels: " + shares.joined(separator: ", ") + ".")
    ]
    let shown = commented.sorted { $0.comments.count > $1.comments.count }.prefix(Self.commentRows)
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
    if commented.count > shown.count {
      section.paragraphs.append("The \(shown.count) documents with the most comments of \(commented.count).")
    }
    return section
  }

  /// `1 comment`, `2 comments`.
  static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

  /// Rows of the comments table.
  static let commentRows = 20

  /// The documents table; neutral documents (little opinion: facts, news, instructions)
  /// get a section of their own after the ones that express an opinion.
  static func documents(_ figures: ReportFigures, neutral: Bool) -> ReportSection {
    let rows: [[ReportCell]] = figures.labelled.filter { ($0.label == "neutral") == neutral }.map { document in
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
    guard neutral else {
      return ReportSection(
        title: "Documents",
        tables: rows.isEmpty
          ? []
          : [ReportTable(headers: ["Title", "Site", "Date", "Sentiment", "Names", "Why"], numeric: [], rows: rows)],
        empty: "No documents were processed.")
    }
    return ReportSection(
      title: "Neutral documents",
      paragraphs: rows.isEmpty
        ? []
        : [
          "Documents whose sentences carry little opinion (facts, news reporting, instructions); "
            + "\"Why\" quotes the most opinionated sentences, if any."
        ],
      tables: rows.isEmpty
        ? [] : [ReportTable(headers: ["Title", "Site", "Date", "Sentiment", "Names", "Why"], numeric: [], rows: rows)],
      empty: "No document was read as neutral.")
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
    let rows: [[ReportCell]] = figures.failures.map {
      [.link($0.url, $0.url), .text($0.outcome), .text($0.reason ?? "–")]
    }
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
