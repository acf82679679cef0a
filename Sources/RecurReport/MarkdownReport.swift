/// `report.md`: the HTML report's content as Markdown tables, readable as plain text.
/// Page text is escaped so it cannot break a table or turn into markup.
public enum MarkdownReport {
  public static func render(_ report: Report) -> String {
    let figures = ReportFigures(report)
    var lines: [String] = []
    lines.append("# " + escape(report.title))
    lines.append("")
    lines.append(
      escape(
        "Job \(report.job) · run \(report.run.id) · started \(report.run.startedAt) · \(report.run.status) · report written \(report.generatedAt)"
      ))
    if report.partial {
      lines.append("")
      lines.append(
        "**Partial report.** The run was stopped before every document was processed; this report covers those done.")
    }

    lines.append("")
    lines.append("## Run summary")
    lines.append("")
    var summary: [[String]] = [["documents", String(report.documents.count)]]
    for outcome in ReportFigures.outcomeOrder { summary.append([outcome, String(report.run.outcomes[outcome] ?? 0)]) }
    summary.append(["time", Format.seconds(report.run.seconds)])
    if let seconds = report.run.seconds, seconds > 0 {
      summary.append(["documents/s", Format.fixed(Double(report.documents.count) / seconds, 1)])
    }
    lines += table(["", "count"], right: [1], summary)

    lines.append("")
    lines.append("## Sentiment")
    lines.append("")
    let total = max(1, ReportFigures.labelOrder.map { figures.labels[$0] ?? 0 }.reduce(0, +))
    lines += table(
      ["label", "documents", "share"], right: [1, 2],
      ReportFigures.labelOrder.map { label in
        let count = figures.labels[label] ?? 0
        return [label, String(count), Format.percent(Double(count) / Double(total))]
      })

    lines.append("")
    lines.append("## Sentiment by site")
    lines.append("")
    if figures.sites.isEmpty {
      lines.append("No documents were labelled.")
    } else {
      lines += table(
        ["site", "documents"] + ReportFigures.labelOrder + ["mean P(positive)"],
        right: Array(1...(ReportFigures.labelOrder.count + 2)),
        figures.sites.map { site in
          [site.site, String(site.documents)] + ReportFigures.labelOrder.map { String(site.labels[$0] ?? 0) }
            + [Format.probability(site.averagePositive)]
        })
    }

    lines.append("")
    lines.append("## People most mentioned")
    lines.append("")
    if figures.people.isEmpty {
      lines.append("No people were found (or no names model ran).")
    } else {
      lines += table(
        ["person", "mentions", "documents", "mean P(positive) of those documents"], right: [1, 2, 3],
        figures.people.map {
          [$0.name, String($0.mentions), String($0.documents), Format.probability($0.averagePositive)]
        })
    }
    lines.append("")
    lines.append("## Other names")
    lines.append("")
    if figures.otherNames.isEmpty {
      lines.append("No other names were found.")
    } else {
      lines += table(
        ["name", "type", "mentions", "documents", "mean P(positive)"], right: [2, 3, 4],
        figures.otherNames.map {
          [
            $0.name, HTMLReport.typeName($0.type), String($0.mentions), String($0.documents),
            Format.probability($0.averagePositive),
          ]
        })
    }

    lines.append("")
    lines.append("## Review items: star ratings against predicted sentiment")
    lines.append("")
    let items = figures.labelled.flatMap { document in document.reviews.map { (document, $0) } }
    if items.isEmpty {
      lines.append("No review items with ratings were found.")
    } else {
      let agreement = figures.reviews
      lines.append(
        "\(items.count) review items; \(agreement.compared) with a rating and a label. Agreement: "
          + "\(escape(Format.percent(agreement.rate))) (a rating of 60 % of the scale or more counts as positive, 40 % or less as negative, between as mixed/neutral)."
      )
      lines.append("")
      let predicted = ["positive", "mixed/neutral", "negative"]
      lines += table(
        ["rating says ↓ / model says →"] + predicted, right: Array(1...predicted.count),
        ["positive", "mixed/neutral", "negative"].map { rated in
          [rated] + predicted.map { String(agreement.confusion[rated]?[$0] ?? 0) }
        })
      lines.append("")
      lines += table(
        ["page", "author", "rating", "predicted"], right: [],
        items.map { document, review in
          [
            document.title ?? document.url, review.author ?? "–", Format.rating(review),
            label(review.label, review.probability),
          ]
        })
    }

    lines.append("")
    lines.append("## Documents")
    lines.append("")
    if figures.labelled.isEmpty {
      lines.append("No documents were processed.")
    } else {
      lines += table(
        ["title", "site", "date", "sentiment", "names", "why"], right: [],
        figures.labelled.map { document in
          let names = HTMLReport.topNames(document)
          let why = document.drivingSentences().map {
            "“" + HTMLReport.excerpt($0.text, 120) + "” (" + Format.probability($0.positive) + ")"
          }
          return [
            document.title ?? document.url, document.site, document.published.map { String($0.prefix(10)) } ?? "–",
            label(document.label, document.probability), names.isEmpty ? "–" : names.joined(separator: ", "),
            why.joined(separator: " "),
          ]
        }, links: [0: figures.labelled.map { $0.finalURL ?? $0.url }])
    }

    lines.append("")
    lines.append("## Failures")
    lines.append("")
    if figures.failures.isEmpty {
      lines.append("None: every document was processed.")
    } else {
      lines += table(
        ["URL", "outcome", "reason"], right: [], figures.failures.map { [$0.url, $0.outcome, $0.reason ?? "–"] })
    }

    lines.append("")
    lines.append("## Trend over runs")
    lines.append("")
    let runs = Array(report.history.suffix(20))
    if runs.count <= 1 {
      lines.append("This is the job's first run; later reports show the trend.")
    } else {
      lines += table(
        ["run", "started", "status", "documents"] + ReportFigures.outcomeOrder + ["positive share"],
        right: Array(3...(ReportFigures.outcomeOrder.count + 4)),
        runs.map { run in
          let labelled = ReportFigures.labelOrder.map { run.labels[$0] ?? 0 }.reduce(0, +)
          let share = labelled > 0 ? Double(run.labels["positive"] ?? 0) / Double(labelled) : nil
          return [String(run.id), run.startedAt, run.status, String(run.total)]
            + ReportFigures.outcomeOrder.map { String(run.outcomes[$0] ?? 0) } + [Format.percent(share)]
        })
    }

    lines.append("")
    lines.append("## Models")
    lines.append("")
    if report.models.isEmpty {
      lines.append("No model ran.")
    } else {
      lines += table(
        ["role", "model", "version", "scores recorded at training"], right: [],
        report.models.map { model in
          [
            model.role, model.name, model.version,
            model.scores.map { "\($0.0) \(Format.fixed($0.1, 4))" }.joined(separator: ", "),
          ]
        })
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func label(_ label: String?, _ probability: Double?) -> String {
    guard let label else { return "–" }
    guard let probability else { return label }
    return label + " " + Format.probability(probability)
  }

  /// A Markdown table; `links` turns the cells of a column into links to the given URLs
  /// (http, https and file URLs only).
  static func table(_ headers: [String], right: [Int], _ rows: [[String]], links: [Int: [String]] = [:]) -> [String] {
    var lines = ["| " + headers.map(escape).joined(separator: " | ") + " |"]
    lines.append("|" + headers.indices.map { right.contains($0) ? " ---: |" : " --- |" }.joined())
    for (rowIndex, row) in rows.enumerated() {
      let cells = row.enumerated().map { column, cell in
        if let urls = links[column], HTMLWriter.isSafeLink(urls[rowIndex]) {
          return "[" + escape(cell) + "](<" + linkTarget(urls[rowIndex]) + ">)"
        }
        return escape(cell)
      }
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    return lines
  }

  /// Escapes text so that it reads as itself in a table cell: no table break, no markup,
  /// no raw HTML.
  static func escape(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "\\", "|", "*", "_", "`", "[", "]", "<", ">", "#", "~": out += "\\" + String(character)
      case "\n", "\r", "\r\n", "\t": out += " "
      default:
        if let value = character.unicodeScalars.first?.value, value < 0x20 || value == 0x7F {
          out += " "
        } else {
          out.append(character)
        }
      }
    }
    return out
  }

  static func linkTarget(_ url: String) -> String {
    url.replacing(">", with: "%3E").replacing("<", with: "%3C").replacing(" ", with: "%20")
  }
}
