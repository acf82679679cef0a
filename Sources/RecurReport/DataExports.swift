/// The machine-readable outputs: `documents.jsonl` (one object per document, keys in a
/// fixed order) and `entities.csv` (RFC 4180, one row per name found).
public enum DataExports {
  /// `{"url", "final_url", "site", "title", "published", "language", "kind", "outcome", "reason",
  /// "sentiment", "probability", "positive", "opinion", "label_reason", "words", "content_hash",
  /// "people": [{name, mentions}], "entities": [{type, text, start, end, confidence}],
  /// "reviews": [{author, rating, best_rating, normalised_rating, label, probability}],
  /// "comments": N}`, and — with the job's `[report] export_comments` — "comment_items":
  /// [{author, date, label, probability, text}] after it.
  public static func jsonLines(_ report: Report) -> String {
    report.documents.map { jsonLine($0, exportComments: report.exportComments) }.joined()
  }

  /// One document's line of `documents.jsonl`, its newline included.
  public static func jsonLine(_ document: ReportDocument, exportComments: Bool) -> String {
    var object = JSONObjectWriter()
    object.add("url", document.url)
    object.add("final_url", document.finalURL)
    object.add("site", document.site)
    object.add("title", document.title)
    object.add("published", document.published)
    object.add("language", document.language)
    object.add("kind", document.kind)
    object.add("outcome", document.outcome)
    object.add("reason", document.reason)
    object.add("sentiment", document.label)
    object.add("probability", document.probability, decimals: 4)
    object.add("positive", document.positive, decimals: 4)
    object.add("opinion", document.opinion, decimals: 4)
    object.add("label_reason", document.labelReason)
    object.add("words", document.words)
    object.add("content_hash", document.contentHash)
    object.add(
      "people",
      raw:
        "["
        + document.people.map { person in
          var item = JSONObjectWriter()
          item.add("name", person.name)
          item.add("mentions", person.mentions)
          return item.json
        }.joined(separator: ",") + "]")
    object.add(
      "entities",
      raw:
        "["
        + document.names.map { name in
          var item = JSONObjectWriter()
          item.add("type", name.type)
          item.add("text", name.text)
          item.add("start", name.start)
          item.add("end", name.end)
          item.add("confidence", name.confidence, decimals: 4)
          return item.json
        }.joined(separator: ",") + "]")
    object.add(
      "reviews",
      raw:
        "["
        + document.reviews.map { review in
          var item = JSONObjectWriter()
          item.add("author", review.author)
          item.add("rating", review.rating, decimals: 2)
          item.add("best_rating", review.bestRating, decimals: 2)
          item.add("normalised_rating", review.normalisedRating, decimals: 3)
          item.add("label", review.label)
          item.add("probability", review.probability, decimals: 4)
          return item.json
        }.joined(separator: ",") + "]")
    object.add("comments", document.comments.count)
    if exportComments {
      object.add(
        "comment_items",
        raw: "["
          + document.comments.map { comment in
            var item = JSONObjectWriter()
            item.add("author", comment.author)
            item.add("date", comment.date)
            item.add("label", comment.label)
            item.add("probability", comment.probability, decimals: 4)
            item.add("text", comment.text)
            return item.json
          }.joined(separator: ",") + "]")
    }
    return object.json + "\n"
  }

  /// `url,title,type,text,start,end,confidence`, one row per name in every processed document.
  public static func entitiesCSV(_ report: Report) -> String {
    csvHeader + report.documents.map(csvRows).joined()
  }

  public static let csvHeader = "url,title,type,text,start,end,confidence\r\n"

  /// One document's rows of `entities.csv` (none for a failed one).
  public static func csvRows(_ document: ReportDocument) -> String {
    guard !document.failed else { return "" }
    var out = ""
    for name in document.names {
      let fields = [
        document.url, document.title ?? "", name.type, name.text, String(name.start), String(name.end),
        Format.fixed(name.confidence, 4),
      ]
      out += fields.map(csvField).joined(separator: ",") + "\r\n"
    }
    return out
  }

  /// `people.csv`: every person of the run, grouped across the corpus, most mentioned
  /// first — `name,forms,mentions,documents,positive_sentences,negative_sentences,
  /// neutral_sentences,mean_positive_sentences,mean_positive_documents` (forms joined by
  /// `|`; the means empty when there is nothing to average).
  public static func peopleCSV(_ figures: ReportFigures) -> String {
    var out =
      "name,forms,mentions,documents,positive_sentences,negative_sentences,neutral_sentences,"
      + "mean_positive_sentences,mean_positive_documents\r\n"
    for person in figures.people {
      let fields = [
        person.name, person.forms.joined(separator: "|"), String(person.mentions), String(person.documents),
        String(person.toward.positive), String(person.toward.negative), String(person.toward.neutral),
        person.toward.mean.map { Format.fixed($0, 4) } ?? "", person.averagePositive.map { Format.fixed($0, 4) } ?? "",
      ]
      out += fields.map(csvField).joined(separator: ",") + "\r\n"
    }
    return out
  }

  /// Quotes a field when it holds a comma, quote or line break; a leading `=`, `+`, `-`
  /// or `@` is prefixed with `'` so a spreadsheet does not run page text as a formula.
  static func csvField(_ value: String) -> String {
    var text = value
    if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacing("\"", with: "\"\"") + "\""
  }
}
