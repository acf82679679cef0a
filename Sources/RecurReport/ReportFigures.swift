/// The figures a report shows, computed once from a `Report` so that the HTML and the
/// Markdown always agree.
public struct ReportFigures: Sendable {
  /// Sentiment labels in a fixed order.
  public static let labelOrder = ["positive", "negative", "mixed", "neutral", "unsupported"]
  public static let outcomeOrder = ["fetched", "unchanged", "relabeled", "failed", "skipped"]

  public struct SiteRow: Sendable, Equatable {
    public var site: String
    public var documents: Int
    public var labels: [String: Int]
    public var averagePositive: Double?
  }

  public struct NameRow: Sendable, Equatable {
    public var type: String
    public var name: String
    public var mentions: Int
    public var documents: Int
    /// The mean probability-positive of the documents naming it.
    public var averagePositive: Double?
  }

  public struct ReviewAgreement: Sendable, Equatable {
    /// Reviews with both a rating and a predicted label.
    public var compared: Int
    public var agreeing: Int
    /// rating class → predicted label → count.
    public var confusion: [String: [String: Int]]
    public var rate: Double? { compared > 0 ? Double(agreeing) / Double(compared) : nil }
  }

  public var labels: [String: Int]
  public var sites: [SiteRow]
  public var people: [NameRow]
  public var otherNames: [NameRow]
  public var reviews: ReviewAgreement
  public var failures: [ReportDocument]
  public var labelled: [ReportDocument]

  public init(_ report: Report) {
    let done = report.documents.filter { !$0.failed }
    labelled = done
    failures = report.documents.filter(\.failed)
    var labels: [String: Int] = [:]
    for document in done { labels[document.label ?? "unlabelled", default: 0] += 1 }
    self.labels = labels

    // Sums per site and per name, never copies of the documents (a report may hold 100,000).
    var bySite: [String: (documents: Int, labels: [String: Int], positive: Mean)] = [:]
    for document in done {
      bySite[document.site, default: (0, [:], Mean())].documents += 1
      bySite[document.site]!.labels[document.label ?? "unlabelled", default: 0] += 1
      bySite[document.site]!.positive.add(document.positive)
    }
    sites = bySite.map { site, value in
      SiteRow(site: site, documents: value.documents, labels: value.labels, averagePositive: value.positive.value)
    }.sorted { ($0.documents, $1.site) > ($1.documents, $0.site) }

    // People are counted by their grouped name; other names by type and surface text.
    var people: [String: (mentions: Int, documents: Int, positive: Mean)] = [:]
    var others: [String: (type: String, name: String, mentions: Int, documents: Int, positive: Mean)] = [:]
    for document in done {
      for person in document.people {
        people[person.name, default: (0, 0, Mean())].mentions += person.mentions
        people[person.name]!.documents += 1
        people[person.name]!.positive.add(document.positive)
      }
      var seen: Set<String> = []
      for name in document.names where name.type != "PER" {
        let key = name.type + "\u{0}" + name.text
        others[key, default: (name.type, name.text, 0, 0, Mean())].mentions += 1
        if seen.insert(key).inserted {
          others[key]!.documents += 1
          others[key]!.positive.add(document.positive)
        }
      }
    }
    self.people = people.map { name, value in
      NameRow(
        type: "PER", name: name, mentions: value.mentions, documents: value.documents,
        averagePositive: value.positive.value)
    }.sorted(by: Self.byMentions)
    otherNames = others.values.map { value in
      NameRow(
        type: value.type, name: value.name, mentions: value.mentions, documents: value.documents,
        averagePositive: value.positive.value)
    }.sorted(by: Self.byMentions)

    var agreement = ReviewAgreement(compared: 0, agreeing: 0, confusion: [:])
    for document in done {
      for review in document.reviews {
        guard let rated = Self.ratingClass(review.normalisedRating), let label = review.label,
          label != "unsupported"
        else { continue }
        agreement.compared += 1
        agreement.confusion[rated, default: [:]][label, default: 0] += 1
        if rated == label { agreement.agreeing += 1 }
      }
    }
    reviews = agreement
  }

  static func byMentions(_ a: NameRow, _ b: NameRow) -> Bool {
    if a.mentions != b.mentions { return a.mentions > b.mentions }
    if a.documents != b.documents { return a.documents > b.documents }
    return a.name < b.name
  }

  /// A star rating read as a sentiment: 0.6 and above positive, 0.4 and below negative,
  /// between them mixed (3 of 5 stars: a verdict that leans neither way).
  public static func ratingClass(_ normalised: Double?) -> String? {
    guard let normalised else { return nil }
    if normalised >= 0.6 { return "positive" }
    if normalised <= 0.4 { return "negative" }
    return "mixed"
  }

  /// A running mean of the values given (nil ones skipped).
  struct Mean {
    var sum = 0.0
    var count = 0
    mutating func add(_ value: Double?) {
      guard let value else { return }
      sum += value
      count += 1
    }
    var value: Double? { count > 0 ? sum / Double(count) : nil }
  }

}

/// Fixed-format numbers, so reports are byte-identical across runs and locales.
enum Format {
  static func percent(_ value: Double?) -> String {
    guard let value else { return "–" }
    return fixed(value * 100, 1) + " %"
  }

  static func fixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "–" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    let fraction = Int(rounded) - whole * Int(scale)
    let sign = value < 0 && rounded != 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(whole) }
    let digits = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: decimals - digits.count) + digits
  }

  static func probability(_ value: Double?) -> String {
    guard let value else { return "–" }
    return fixed(value, 2)
  }

  static func seconds(_ value: Double?) -> String {
    guard let value else { return "–" }
    return fixed(value, 1) + " s"
  }

  static func rating(_ review: ReportReview) -> String {
    guard let rating = review.rating else { return "–" }
    let best = review.bestRating.map { "/" + trimmed($0) } ?? ""
    return trimmed(rating) + best
  }

  static func trimmed(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : fixed(value, 1)
  }
}
