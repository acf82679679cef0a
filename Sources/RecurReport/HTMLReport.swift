/// `report.html`: one self-contained file — inline CSS and SVG, no script, nothing
/// loaded from elsewhere (a Content-Security-Policy forbids it) — readable on a phone
/// and printable. Every string that came from a page goes through `escape`. The markup is
/// also well-formed XML (void elements closed), so a strict XML parser can check it.
public enum HTMLReport {
  public static func render(_ report: Report) -> String { render(report, figures: ReportFigures(report)) }

  /// The report from figures summed while its documents were streamed from the store.
  public static func render(_ report: Report, figures: ReportFigures) -> String {
    var html = HTMLWriter()
    html.head(title: report.title + " — run " + String(report.run.id))
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
    for section in ReportFigures.sections(report, figures) {
      html.element("h2", section.title)
      for paragraph in section.paragraphs { html.element("p", paragraph) }
      switch section.chart {
      case .distribution: html.raw(distributionChart(figures))
      case .trend: html.raw(trendChart(report))
      case nil: break
      }
      if section.tables.isEmpty, let empty = section.empty { html.element("p", empty) }
      for (index, table) in section.tables.enumerated() {
        // The run summary reads best as cards, and the chart already gives the split's
        // counts and shares (Markdown keeps its table); every other table as a table.
        if section.title == "Run summary" && index == 0 {
          html.cards(table)
        } else if section.chart != .distribution {
          html.table(table)
        }
      }
      for link in section.links {
        html.raw("<p class=\"more\">")
        html.write(link)
        html.raw("</p>\n")
      }
    }
    html.raw("</main>\n</body>\n</html>\n")
    return html.output
  }

  /// Page `page` (from 1) of the full document list, `documents/PAGE.html`: every document
  /// of the run in the order it was taken, failures included, with links to the other
  /// pages and back to the report. The same escaping and policy as the report.
  public static func documentPage(_ report: Report, page: Int) -> String {
    let first = (page - 1) * Report.documentsPerPage
    let end = min(first + Report.documentsPerPage, report.documents.count)
    return documentPage(report, documents: Array(report.documents[min(first, end)..<end]), page: page)
  }

  /// Page `page` holding `documents` (those from `(page - 1) × documentsPerPage` on).
  public static func documentPage(_ report: Report, documents: [ReportDocument], page: Int) -> String {
    let pages = max(1, report.documentPages)
    let first = (page - 1) * Report.documentsPerPage
    var html = HTMLWriter()
    html.head(title: report.title + " — run \(report.run.id) — documents, page \(page) of \(pages)")
    html.element("h1", report.title + ": documents")
    html.raw("<p class=\"meta\">")
    html.text(
      "Run \(report.run.id) · documents \(first + 1)–\(first + documents.count) of \(report.documentCount), "
        + "in the order the run took them · page \(page) of \(pages)")
    html.raw("</p>\n")
    let navigation = pageNavigation(page: page, pages: pages)
    html.raw(navigation)
    html.table(
      ReportTable(
        headers: ["#", "Title", "Site", "Date", "Outcome", "Sentiment", "Names"], numeric: [0],
        rows: documents.enumerated().map { offset, document in
          let names = ReportFigures.topNames(document)
          return [
            .text(String(first + offset + 1)),
            .link(document.title ?? document.url, document.finalURL ?? document.url), .text(document.site),
            .text(document.published.map { String($0.prefix(10)) } ?? "–"),
            document.failed ? .lines([document.outcome, document.reason ?? "–"]) : .text(document.outcome),
            document.failed ? .text("–") : .label(document.label, document.probability, note: document.labelReason),
            .text(names.isEmpty ? "–" : names.joined(separator: ", ")),
          ]
        }))
    html.raw(navigation)
    html.raw("</main>\n</body>\n</html>\n")
    return html.output
  }

  /// Back to the report, the previous and next pages, and the first and last.
  static func pageNavigation(page: Int, pages: Int) -> String {
    var links = ["<a href=\"../report.html\">Report</a>"]
    if page > 1 {
      links.append("<a href=\"1.html\">First</a>")
      links.append("<a href=\"\(page - 1).html\" rel=\"prev\">Previous</a>")
    }
    if page < pages {
      links.append("<a href=\"\(page + 1).html\" rel=\"next\">Next</a>")
      links.append("<a href=\"\(pages).html\">Last (\(pages))</a>")
    }
    return "<nav>" + links.joined() + "</nav>\n"
  }

  static let style = """
    :root{--pos:#1a7f37;--neg:#c62828;--mix:#b26a00;--neu:#4a6fa5;--uns:#9aa4b1;--line:#d8dee4}
    body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff}
    main{max-width:72rem;margin:0 auto;padding:1rem}
    h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
    .meta{color:#57606a;margin:.2rem 0 1rem}.partial{background:#fff4e5;border:1px solid #f0c36d;padding:.5rem}
    .cards{display:flex;flex-wrap:wrap;gap:.5rem}.card{border:1px solid var(--line);border-radius:6px;padding:.4rem .7rem;min-width:6.5rem}
    .card b{display:block;font-size:1.3rem}.scroll{overflow-x:auto}
    table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;vertical-align:top;padding:.3rem .45rem;border-bottom:1px solid var(--line)}
    th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
    .label{font-weight:600;white-space:nowrap}.positive{color:var(--pos)}.negative{color:var(--neg)}.mixed{color:var(--mix)}.neutral{color:var(--neu)}
    .unsupported{color:var(--uns)}.stars{color:#b26a00;letter-spacing:1px;white-space:nowrap}
    .why{color:#57606a;font-size:.85rem;margin:.15rem 0 0}.url{word-break:break-all;font-size:.85rem}
    svg{max-width:100%;height:auto}a{color:#0b57d0}.more{font-weight:600}nav{margin:.6rem 0}nav a{margin-right:.8rem}
    @media (max-width:40rem){main{padding:.6rem}.card{min-width:5.2rem;padding:.3rem .5rem}.card b{font-size:1.1rem}th,td{padding:.25rem .3rem}.why{min-width:15rem}}
    @media print{main{max-width:none}a{color:inherit;text-decoration:none}.scroll{overflow:visible}h2{break-after:avoid}tr{break-inside:avoid}}
    """

  /// Documents by sentiment label as horizontal bars.
  static func distributionChart(_ figures: ReportFigures) -> String {
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
    return svg + "</svg>\n"
  }

  static func colour(_ label: String) -> String {
    switch label {
    case "positive": return "#1a7f37"
    case "negative": return "#c62828"
    case "mixed": return "#b26a00"
    case "neutral": return "#4a6fa5"
    default: return "#9aa4b1"
    }
  }

  /// One stacked bar per run: the share of each label among the run's labelled documents.
  static func trendChart(_ report: Report) -> String {
    let runs = report.history.suffix(20)
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
    return svg + "</svg>\n"
  }
}

/// Builds HTML text with every piece of outside text escaped.
struct HTMLWriter {
  private(set) var output = ""

  mutating func raw(_ markup: String) { output += markup }

  /// The document's start up to `<main>`: the policy that forbids loading anything, the
  /// title and the style.
  mutating func head(title: String) {
    raw(
      """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <meta name="generator" content="Recur"/>

      """)
    element("title", title)
    raw("<style>\(HTMLReport.style)</style>\n</head>\n<body>\n<main>\n")
  }
  mutating func text(_ text: String) { output += escape(text) }

  mutating func element(_ name: String, _ text: String) {
    output += "<\(name)>" + escape(text) + "</\(name)>\n"
  }

  mutating func table(_ table: ReportTable) {
    output += "<div class=\"scroll\"><table>\n<thead><tr>"
    for (index, header) in table.headers.enumerated() {
      output += table.numeric.contains(index) ? "<th class=\"n\">" : "<th>"
      output += escape(header) + "</th>"
    }
    output += "</tr></thead>\n<tbody>\n"
    for row in table.rows {
      output += "<tr>"
      for (index, cell) in row.enumerated() {
        output += table.numeric.contains(index) ? "<td class=\"n\">" : "<td>"
        write(cell)
        output += "</td>"
      }
      output += "</tr>\n"
    }
    output += "</tbody></table></div>\n"
  }

  /// A two-column table (name, value) as a row of cards.
  mutating func cards(_ table: ReportTable) {
    output += "<div class=\"cards\">\n"
    for row in table.rows where row.count == 2 {
      output += "<div class=\"card\"><b>"
      write(row[1])
      output += "</b>"
      write(row[0])
      output += "</div>\n"
    }
    output += "</div>\n"
  }

  mutating func write(_ cell: ReportCell) {
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
      let css = ["positive", "negative", "mixed", "neutral"].contains(label) ? label : "unsupported"
      output += "<span class=\"label \(css)\">" + escape(label) + "</span>"
      if let probability { output += " " + Format.probability(probability) }
      if let note { output += "<p class=\"why\">" + escape(note) + "</p>" }
    case .page(let title, let path):
      output += "<a href=\"" + escape(path) + "\">" + escape(title) + "</a>"
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
