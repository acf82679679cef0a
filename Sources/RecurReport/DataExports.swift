/// The machine-readable outputs: `documents.jsonl` (one object per document, keys in a
/// fixed order) and `entities.csv` (RFC 4180, one row per name found).
public enum DataExports {
  /// `{"url", "final_url", "site", "title", "published", "language", "kind", "outcome", "reason",
  /// "sentiment", "probability", "positive", "label_reason", "words", "content_hash",
  /// "people": [{name, mentions}], "entities": [{type, text, start, end, confidence}],
  /// "reviews": [{author, rating, best_rating, normalised_rating, label, probability}]}`
  public static func jsonLines(_ report: Report) -> String {
    var out = ""
    for document in report.documents {
      var object = JSON.Object()
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
      object.add("probability", document.probability)
      object.add("positive", document.positive)
      object.add("label_reason", document.labelReason)
      object.add("words", Double(document.words), decimals: 0)
      object.add("content_hash", document.contentHash)
      object.raw(
        "people",
        "["
          + document.people.map { person in
            var item = JSON.Object()
            item.add("name", person.name)
            item.add("mentions", Double(person.mentions), decimals: 0)
            return item.text
          }.joined(separator: ",") + "]")
      object.raw(
        "entities",
        "["
          + document.names.map { name in
            var item = JSON.Object()
            item.add("type", name.type)
            item.add("text", name.text)
            item.add("start", Double(name.start), decimals: 0)
            item.add("end", Double(name.end), decimals: 0)
            item.add("confidence", name.confidence)
            return item.text
          }.joined(separator: ",") + "]")
      object.raw(
        "reviews",
        "["
          + document.reviews.map { review in
            var item = JSON.Object()
            item.add("author", review.author)
            item.add("rating", review.rating)
            item.add("best_rating", review.bestRating)
            item.add("normalised_rating", review.normalisedRating)
            item.add("label", review.label)
            item.add("probability", review.probability)
            return item.text
          }.joined(separator: ",") + "]")
      out += object.text + "\n"
    }
    return out
  }

  /// `url,title,type,text,start,end,confidence`, one row per name in every processed document.
  public static func entitiesCSV(_ report: Report) -> String {
    var out = "url,title,type,text,start,end,confidence\r\n"
    for document in report.documents where !document.failed {
      for name in document.names {
        let fields = [
          document.url, document.title ?? "", name.type, name.text, String(name.start), String(name.end),
          Format.fixed(name.confidence, 4),
        ]
        out += fields.map(csvField).joined(separator: ",") + "\r\n"
      }
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

/// Minimal JSON writing with a fixed key order.
enum JSON {
  struct Object {
    private var parts: [String] = []

    mutating func add(_ key: String, _ value: String?) {
      parts.append(quote(key) + ":" + (value.map(quote) ?? "null"))
    }

    mutating func add(_ key: String, _ value: Double?, decimals: Int = 4) {
      guard let value, value.isFinite else {
        parts.append(quote(key) + ":null")
        return
      }
      var number = Format.fixed(value, decimals)
      if decimals > 0 {
        while number.hasSuffix("0") { number.removeLast() }
        if number.hasSuffix(".") { number.removeLast() }
      }
      parts.append(quote(key) + ":" + number)
    }

    mutating func raw(_ key: String, _ json: String) { parts.append(quote(key) + ":" + json) }

    var text: String { "{" + parts.joined(separator: ",") + "}" }
  }

  static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{2028}": out += "\\u2028"
      case "\u{2029}": out += "\\u2029"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
