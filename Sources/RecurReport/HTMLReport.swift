/// `report.html`: one self-contained file — inline CSS and SVG, no script, nothing
/// loaded from elsewhere (a Content-Security-Policy forbids it) — readable on a phone
/// and printable. Every string that came from a page goes through `escape`. The markup is
/// also well-formed XML (void elements closed), so a strict XML parser can check it.
public enum HTMLReport {
  public static func render(_ report: Report) -> String {
    let figures = ReportFigures(report)
    var html = HTMLWriter()
    html.raw(
      """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <meta name="generator" content="Recur"/>

      """)
    html.element("title", report.title + " — run " + String(report.run.id))
    html.raw("<style>\(style)</style>\n</head>\n<body>\n<main>\n")
    html.element("h1", report.title)
    html.raw("<p class=\"meta\">")
    html.text(
      "Job \(report.job) · run \(report.run.id) · started \(report.run.startedAt) · \(report.run.status) · report written \(report.generatedAt)"
    )
    html.raw("</p>\n")
    if report.partial {
      html.raw("<p class=\"partial\"><strong>Partial report.</strong> ")
      html.text("The run was stopped before every document was processed; this report covers those done.")
      html.raw("</p>\n")
    }
    summary(report, figures, &html)
    distribution(figures, &html)
    sites(figures, &html)
    names(figures, &html)
    reviews(report, figures, &html)
    documents(figures, &html)
    failures(figures, &html)
    trend(report, &html)
    models(report, &html)
    html.raw("</main>\n</body>\n</html>\n")
    return html.output
  }

  static let style = """
    :root{--pos:#1a7f37;--neg:#c62828;--mix:#b26a00;--uns:#9aa4b1;--line:#d8dee4}
    body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff}
    main{max-width:72rem;margin:0 auto;padding:1rem}
    h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
    .meta{color:#57606a;margin:.2rem 0 1rem}.partial{background:#fff4e5;border:1px solid #f0c36d;padding:.5rem}
    .cards{display:flex;flex-wrap:wrap;gap:.5rem}.card{border:1px solid var(--line);border-radius:6px;padding:.4rem .7rem;min-width:6.5rem}
    .card b{display:block;font-size:1.3rem}.scroll{overflow-x:auto}
    table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;vertical-align:top;padding:.3rem .45rem;border-bottom:1px solid var(--line)}
    th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
    .label{font-weight:600;white-space:nowrap}.positive{color:var(--pos)}.negative{color:var(--neg)}.mixed{color:var(--mix)}
    .unsupported{color:var(--uns)}.stars{color:#b26a00;letter-spacing:1px;white-space:nowrap}
    .why{color:#57606a;font-size:.85rem;margin:.15rem 0 0}.url{word-break:break-all;font-size:.85rem}
    svg{max-width:100%;height:auto}a{color:#0b57d0}
    @media print{main{max-width:none}a{color:inherit;text-decoration:none}.scroll{overflow:visible}h2{break-after:avoid}tr{break-inside:avoid}}
    """

  static func summary(_ report: Report, _ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "Run summary")
    html.raw("<div class=\"cards\">\n")
    let outcomes = report.run.outcomes
    var cards: [(String, String)] = [("documents", String(report.documents.count))]
    for outcome in ReportFigures.outcomeOrder { cards.append((outcome, String(outcomes[outcome] ?? 0))) }
    cards.append(("time", Format.seconds(report.run.seconds)))
    if let seconds = report.run.seconds, seconds > 0 {
      cards.append(("documents/s", Format.fixed(Double(report.documents.count) / seconds, 1)))
    }
    for (name, value) in cards {
      html.raw("<div class=\"card\"><b>")
      html.text(value)
      html.raw("</b>")
      html.text(name)
      html.raw("</div>\n")
    }
    html.raw("</div>\n")
  }

  static func distribution(_ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "Sentiment")
    let rows = ReportFigures.labelOrder.map { ($0, figures.labels[$0] ?? 0) }
    let total = max(1, rows.map(\.1).reduce(0, +))
    let widest = max(1, rows.map(\.1).max() ?? 1)
    let rowHeight = 26
    var svg =
      "<svg role=\"img\" aria-label=\"Documents by sentiment\" viewBox=\"0 0 520 \(rows.count * rowHeight + 6)\" "
    svg += "xmlns=\"http://www.w3.org/2000/svg\" width=\"520\">"
    for (index, (label, count)) in rows.enumerated() {
      let y = index * rowHeight + 4
      let width = Int((Double(count) / Double(widest) * 300).rounded())
      svg += "<text x=\"0\" y=\"\(y + 16)\" font-size=\"13\">\(label)</text>"
      svg +=
        "<rect x=\"115\" y=\"\(y + 3)\" width=\"\(max(width, count > 0 ? 2 : 0))\" height=\"18\" fill=\"\(colour(label))\"/>"
      svg +=
        "<text x=\"\(125 + width)\" y=\"\(y + 16)\" font-size=\"13\">\(count) (\(Format.percent(Double(count) / Double(total))))</text>"
    }
    html.raw(svg + "</svg>\n")
  }

  static func colour(_ label: String) -> String {
    switch label {
    case "positive": return "#1a7f37"
    case "negative": return "#c62828"
    case "mixed/neutral": return "#b26a00"
    default: return "#9aa4b1"
    }
  }

  static func sites(_ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "Sentiment by site")
    guard !figures.sites.isEmpty else { return html.element("p", "No documents were labelled.") }
    html.table(
      headers: ["Site", "Documents"] + ReportFigures.labelOrder + ["Mean P(positive)"],
      numeric: Set(1...(ReportFigures.labelOrder.count + 2)),
      rows: figures.sites.map { site in
        [.text(site.site), .text(String(site.documents))]
          + ReportFigures.labelOrder.map { .text(String(site.labels[$0] ?? 0)) }
          + [.text(Format.probability(site.averagePositive))]
      })
  }

  static func names(_ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "People most mentioned")
    if figures.people.isEmpty {
      html.element("p", "No people were found (or no names model ran).")
    } else {
      html.table(
        headers: ["Person", "Mentions", "Documents", "Mean P(positive) of those documents"], numeric: [1, 2, 3],
        rows: figures.people.map {
          [
            .text($0.name), .text(String($0.mentions)), .text(String($0.documents)),
            .text(Format.probability($0.averagePositive)),
          ]
        })
    }
    html.element("h2", "Other names")
    if figures.otherNames.isEmpty {
      html.element("p", "No other names were found.")
    } else {
      html.table(
        headers: ["Name", "Type", "Mentions", "Documents", "Mean P(positive)"], numeric: [2, 3, 4],
        rows: figures.otherNames.map {
          [
            .text($0.name), .text(typeName($0.type)), .text(String($0.mentions)), .text(String($0.documents)),
            .text(Format.probability($0.averagePositive)),
          ]
        })
    }
  }

  static func typeName(_ type: String) -> String {
    switch type {
    case "PER": return "person"
    case "ORG": return "organisation"
    case "LOC": return "place"
    case "MISC": return "other"
    default: return type
    }
  }

  static func reviews(_ report: Report, _ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "Review items: star ratings against predicted sentiment")
    let items = figures.labelled.flatMap { document in document.reviews.map { (document, $0) } }
    guard !items.isEmpty else { return html.element("p", "No review items with ratings were found.") }
    let agreement = figures.reviews
    html.element(
      "p",
      "\(items.count) review items; \(agreement.compared) with a rating and a label. Agreement: "
        + "\(Format.percent(agreement.rate)) (a rating of 60 % of the scale or more counts as positive, 40 % or less as negative, between as mixed/neutral)."
    )
    let classes = ["positive", "mixed/neutral", "negative"]
    let predicted = ["positive", "mixed/neutral", "negative"]
    html.table(
      headers: ["Rating says ↓ / model says →"] + predicted, numeric: Set(1...predicted.count),
      rows: classes.map { rated in
        [.text(rated)] + predicted.map { .text(String(agreement.confusion[rated]?[$0] ?? 0)) }
      })
    html.table(
      headers: ["Page", "Author", "Rating", "Predicted"], numeric: [],
      rows: items.map { document, review in
        [
          .link(document.title ?? document.url, document.finalURL ?? document.url), .text(review.author ?? "–"),
          .stars(review), .label(review.label, review.probability),
        ]
      })
  }

  static func documents(_ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "Documents")
    guard !figures.labelled.isEmpty else { return html.element("p", "No documents were processed.") }
    html.table(
      headers: ["Title", "Site", "Date", "Sentiment", "Names", "Why"], numeric: [],
      rows: figures.labelled.map { document in
        let names = topNames(document)
        let why = document.drivingSentences().map {
          "“" + excerpt($0.text) + "” (" + Format.probability($0.positive) + ")"
        }
        return [
          .link(document.title ?? document.url, document.finalURL ?? document.url), .text(document.site),
          .text(document.published.map { String($0.prefix(10)) } ?? "–"),
          .label(document.label, document.probability, note: document.labelReason),
          .text(names.isEmpty ? "–" : names.joined(separator: ", ")), .lines(why),
        ]
      })
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

  static func failures(_ figures: ReportFigures, _ html: inout HTMLWriter) {
    html.element("h2", "Failures")
    guard !figures.failures.isEmpty else { return html.element("p", "None: every document was processed.") }
    html.table(
      headers: ["URL", "Outcome", "Reason"], numeric: [],
      rows: figures.failures.map { [.link($0.url, $0.url), .text($0.outcome), .text($0.reason ?? "–")] })
  }

  static func trend(_ report: Report, _ html: inout HTMLWriter) {
    html.element("h2", "Trend over runs")
    let runs = report.history.suffix(20)
    guard runs.count > 1 else { return html.element("p", "This is the job's first run; later reports show the trend.") }
    // One stacked bar per run: the share of each label among the run's labelled documents.
    let width = 60 + runs.count * 34
    var svg = "<svg role=\"img\" aria-label=\"Sentiment share by run\" viewBox=\"0 0 \(width) 190\" "
    svg += "xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\">"
    svg += "<text x=\"0\" y=\"14\" font-size=\"11\">100 %</text><text x=\"0\" y=\"164\" font-size=\"11\">0 %</text>"
    for (index, run) in runs.enumerated() {
      let x = 40 + index * 34
      let total = max(1, ReportFigures.labelOrder.map { run.labels[$0] ?? 0 }.reduce(0, +))
      var y = 160.0
      for label in ReportFigures.labelOrder {
        let height = Double(run.labels[label] ?? 0) / Double(total) * 150
        guard height > 0 else { continue }
        y -= height
        svg +=
          "<rect x=\"\(x)\" y=\"\(Format.fixed(y, 1))\" width=\"24\" height=\"\(Format.fixed(height, 1))\" fill=\"\(colour(label))\"/>"
      }
      svg += "<text x=\"\(x + 2)\" y=\"178\" font-size=\"11\">\(run.id)</text>"
    }
    html.raw(svg + "</svg>\n")
    html.table(
      headers: ["Run", "Started", "Status", "Documents"] + ReportFigures.outcomeOrder + ["Positive share"],
      numeric: Set(3...(ReportFigures.outcomeOrder.count + 4)),
      rows: runs.map { run in
        let labelled = ReportFigures.labelOrder.map { run.labels[$0] ?? 0 }.reduce(0, +)
        let share = labelled > 0 ? Double(run.labels["positive"] ?? 0) / Double(labelled) : nil
        return [.text(String(run.id)), .text(run.startedAt), .text(run.status), .text(String(run.total))]
          + ReportFigures.outcomeOrder.map { .text(String(run.outcomes[$0] ?? 0)) } + [.text(Format.percent(share))]
      })
  }

  static func models(_ report: Report, _ html: inout HTMLWriter) {
    html.element("h2", "Models")
    guard !report.models.isEmpty else { return html.element("p", "No model ran.") }
    html.table(
      headers: ["Role", "Model", "Version", "Scores recorded at training"], numeric: [],
      rows: report.models.map { model in
        [
          .text(model.role), .text(model.name), .text(model.version),
          .text(model.scores.map { "\($0.0) \(Format.fixed($0.1, 4))" }.joined(separator: ", ")),
        ]
      })
  }
}

/// Builds HTML text with every piece of outside text escaped.
struct HTMLWriter {
  enum Cell {
    case text(String)
    case lines([String])
    /// A link, only for http(s) and file URLs; anything else is shown as text.
    case link(String, String)
    case label(String?, Double?, note: String? = nil)
    case stars(ReportReview)
  }

  private(set) var output = ""

  mutating func raw(_ markup: String) { output += markup }
  mutating func text(_ text: String) { output += escape(text) }

  mutating func element(_ name: String, _ text: String) {
    output += "<\(name)>" + escape(text) + "</\(name)>\n"
  }

  mutating func table(headers: [String], numeric: Set<Int>, rows: [[Cell]]) {
    output += "<div class=\"scroll\"><table>\n<thead><tr>"
    for (index, header) in headers.enumerated() {
      output += numeric.contains(index) ? "<th class=\"n\">" : "<th>"
      output += escape(header) + "</th>"
    }
    output += "</tr></thead>\n<tbody>\n"
    for row in rows {
      output += "<tr>"
      for (index, cell) in row.enumerated() {
        output += numeric.contains(index) ? "<td class=\"n\">" : "<td>"
        write(cell)
        output += "</td>"
      }
      output += "</tr>\n"
    }
    output += "</tbody></table></div>\n"
  }

  mutating func write(_ cell: Cell) {
    switch cell {
    case .text(let text):
      output += escape(text)
    case .lines(let lines):
      output += lines.map { "<p class=\"why\">" + escape($0) + "</p>" }.joined()
    case .link(let title, let url):
      if Self.isSafeLink(url) {
        output += "<a href=\"" + escape(url) + "\">" + escape(title) + "</a>"
      } else {
        output += escape(title)
      }
    case .label(let label, let probability, let note):
      guard let label else {
        output += "–"
        return
      }
      let css = ["positive", "negative"].contains(label) ? label : label == "mixed/neutral" ? "mixed" : "unsupported"
      output += "<span class=\"label \(css)\">" + escape(label) + "</span>"
      if let probability { output += " " + Format.probability(probability) }
      if let note { output += "<p class=\"why\">" + escape(note) + "</p>" }
    case .stars(let review):
      if let normalised = review.normalisedRating {
        let filled = Int((normalised * 5).rounded())
        output += "<span class=\"stars\" title=\"" + escape(Format.rating(review)) + "\">"
        output += String(repeating: "★", count: filled) + String(repeating: "☆", count: 5 - filled) + "</span> "
      }
      output += escape(Format.rating(review))
    }
  }

  static func isSafeLink(_ url: String) -> Bool {
    let lower = url.lowercased()
    return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://")
  }
}

/// Escapes text for HTML element content and attribute values.
public func escapeHTML(_ text: String) -> String { escape(text) }

func escape(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.utf8.count)
  for scalar in text.unicodeScalars {
    switch scalar {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default:
      // Control characters other than tab and newlines are not allowed in HTML text.
      if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" || scalar.value == 0x7F {
        out += "\u{FFFD}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out
}
