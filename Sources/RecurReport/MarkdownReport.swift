/// `report.md`: the HTML report's content as Markdown tables, readable as plain text.
/// Page text is escaped so it cannot break a table or turn into markup.
public enum MarkdownReport {
  public static func render(_ report: Report) -> String { render(report, figures: ReportFigures(report)) }

  /// The report from figures summed while its documents were streamed from the store.
  public static func render(_ report: Report, figures: ReportFigures) -> String {
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

    for section in ReportFigures.sections(report, figures) {
      lines.append("")
      lines.append("## " + escape(section.title))
      for paragraph in section.paragraphs {
        lines.append("")
        lines.append(escape(paragraph))
      }
      if section.tables.isEmpty, let empty = section.empty {
        lines.append("")
        lines.append(escape(empty))
      }
      for table in section.tables {
        lines.append("")
        lines += Self.table(table)
      }
      for link in section.links {
        lines.append("")
        lines.append(cell(link))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A Markdown table; links only to http, https and file URLs.
  static func table(_ table: ReportTable) -> [String] {
    var lines = ["| " + table.headers.map(escape).joined(separator: " | ") + " |"]
    lines.append("|" + table.headers.indices.map { table.numeric.contains($0) ? " ---: |" : " --- |" }.joined())
    for row in table.rows {
      lines.append("| " + row.map(cell).joined(separator: " | ") + " |")
    }
    return lines
  }

  static func cell(_ cell: ReportCell) -> String {
    switch cell {
    case .text(let text): return escape(text)
    case .lines(let lines): return lines.map(escape).joined(separator: " ")
    case .link(let title, let url):
      guard HTMLWriter.isSafeLink(url) else { return escape(title) }
      return "[" + escape(title) + "](<" + linkTarget(url) + ">)"
    case .label(let label, let probability, let note):
      guard let label else { return "–" }
      var text = escape(label)
      if let probability { text += " " + Format.probability(probability) }
      if let note { text += " (" + escape(note) + ")" }
      return text
    case .stars(let review): return escape(Format.rating(review))
    case .page(let title, let path): return "[" + escape(title) + "](<" + linkTarget(path) + ">)"
    }
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
