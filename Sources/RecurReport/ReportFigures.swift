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
    /// How the sentences naming it read.
    public var toward = Toward()
    /// The names grouped under it across the corpus (itself first).
    public var forms: [String] = []
  }

  /// The sentiment toward a name: how the sentences that name it read (each sentence once).
  public struct Toward: Sendable, Equatable {
    public var sentences = 0
    public var positive = 0
    public var negative = 0
    public var neutral = 0
    var sum = 0.0
    /// The sentences with the highest and the lowest P(positive), as evidence (one
    /// sentence is both when there is only one).
    public var mostPositive: ReportMention?
    public var mostNegative: ReportMention?

    public var mean: Double? { sentences > 0 ? sum / Double(sentences) : nil }

    mutating func merge(_ other: Toward) {
      sentences += other.sentences
      positive += other.positive
      negative += other.negative
      neutral += other.neutral
      sum += other.sum
      if let best = other.mostPositive, best.positive > mostPositive?.positive ?? -1 { mostPositive = best }
      if let worst = other.mostNegative, worst.positive < mostNegative?.positive ?? 2 { mostNegative = worst }
    }

    mutating func add(_ mention: ReportMention) {
      sentences += 1
      sum += mention.positive
      switch mention.tone {
      case "positive": positive += 1
      case "negative": negative += 1
      default: neutral += 1
      }
      // Evidence by score alone: a news sentence that carries little opinion still shows
      // how the text speaks of them.
      if mention.positive > mostPositive?.positive ?? -1 { mostPositive = mention }
      if mention.positive < mostNegative?.positive ?? 2 { mostNegative = mention }
    }
  }

  public struct ReviewAgreement: Sendable, Equatable {
    /// Reviews with both a rating and a predicted label.
    public var compared: Int
    public var agreeing: Int
    /// rating class → predicted label → count.
    public var confusion: [String: [String: Int]]
    public var rate: Double? { compared > 0 ? Double(agreeing) / Double(compared) : nil }
  }

  /// A review item beside the document it came from.
  public struct ReviewRow: Sendable, Equatable {
    public var title: String
    public var url: String
    public var review: ReportReview
  }

  /// Every document added, failures included.
  public private(set) var documents = 0
  public private(set) var labels: [String: Int] = [:]
  /// Sites by documents, most first (set by `finish`).
  public private(set) var sites: [SiteRow] = []
  /// People and other names by mentions, most first (set by `finish`).
  public private(set) var people: [NameRow] = []
  public private(set) var otherNames: [NameRow] = []
  public private(set) var reviews = ReviewAgreement(compared: 0, agreeing: 0, confusion: [:])
  /// The grouping made (form → name, forms other than the name itself), to keep.
  public var groups: [String: String] {
    var groups: [String: String] = [:]
    for person in people { for form in person.forms where form != person.name { groups[form] = person.name } }
    return groups
  }
  /// The first review items (in document order) and how many there are.
  public private(set) var reviewItems: [ReviewRow] = []
  public private(set) var reviewItemCount = 0
  /// The first failed or skipped documents and how many there are.
  public private(set) var failures: [ReportDocument] = []
  public private(set) var failureCount = 0
  /// Readers' comments: how many, under how many documents, by label, and the documents
  /// with the most (set by `finish`).
  public private(set) var commentCount = 0
  public private(set) var commentedDocuments = 0
  public private(set) var commentLabels: [String: Int] = [:]
  public private(set) var mostCommented: [ReportDocument] = []
  /// Documents that express an opinion and neutral ones: how many, and those a report
  /// shows (all of them up to `documentRows`, else the notable ones; set by `finish`).
  public private(set) var opinionCount = 0
  public private(set) var neutralCount = 0
  public private(set) var shownOpinion: [ReportDocument] = []
  public private(set) var shownNeutral: [ReportDocument] = []

  // Sums and bounded candidate lists, kept while documents are added one at a time.
  private var siteSums: [String: (documents: Int, labels: [String: Int], positive: Mean)] = [:]
  private var peopleSums: [String: (mentions: Int, documents: Int, positive: Mean)] = [:]
  private var otherSums: [String: (type: String, name: String, mentions: Int, documents: Int, positive: Mean)] = [:]
  private var toward: [String: Toward] = [:]
  private var commented = Candidates(keep: ReportFigures.commentRows)
  private var firstOpinion: [ReportDocument] = []
  private var firstNeutral: [ReportDocument] = []
  private var confident: [String: Candidates] = [
    "positive": Candidates(keep: 12), "negative": Candidates(keep: 12), "mixed": Candidates(keep: 6),
  ]
  private var named = Candidates(keep: ReportFigures.documentRows + 30)
  private var confidentNeutral = Candidates(keep: ReportFigures.documentRows / 2)

  /// Nothing added yet: `add` each document, then `finish`.
  public init() {}

  /// The figures of a report's documents.
  public init(_ report: Report) {
    for document in report.documents { add(document) }
    finish(known: report.knownGroups)
  }

  /// Counts one document in. Only sums and a bounded number of documents are kept, so a
  /// report over any number of documents holds a bounded amount.
  public mutating func add(_ document: ReportDocument) {
    let order = documents
    documents += 1
    if document.failed {
      failureCount += 1
      if failures.count < ReportFigures.itemRows { failures.append(document) }
      return
    }
    let label = document.label ?? "unlabelled"
    labels[label, default: 0] += 1
    siteSums[document.site, default: (0, [:], Mean())].documents += 1
    siteSums[document.site]!.labels[label, default: 0] += 1
    siteSums[document.site]!.positive.add(document.positive)

    // People are counted by their grouped name; other names by type and surface text.
    for person in document.people {
      peopleSums[person.name, default: (0, 0, Mean())].mentions += person.mentions
      peopleSums[person.name]!.documents += 1
      peopleSums[person.name]!.positive.add(document.positive)
    }
    var seen: Set<String> = []
    for name in document.names where name.type != "PER" {
      let key = name.type + "\u{0}" + name.text
      otherSums[key, default: (name.type, name.text, 0, 0, Mean())].mentions += 1
      if seen.insert(key).inserted {
        otherSums[key]!.documents += 1
        otherSums[key]!.positive.add(document.positive)
      }
    }

    for mention in document.mentions {
      toward[mention.type == "PER" ? mention.name : mention.type + "\u{0}" + mention.name, default: Toward()].add(
        mention)
    }

    for review in document.reviews {
      reviewItemCount += 1
      if reviewItems.count < ReportFigures.itemRows {
        reviewItems.append(
          ReviewRow(title: document.title ?? document.url, url: document.finalURL ?? document.url, review: review))
      }
      guard let rated = Self.ratingClass(review.normalisedRating), let predicted = review.label,
        predicted != "unsupported"
      else { continue }
      reviews.compared += 1
      reviews.confusion[rated, default: [:]][predicted, default: 0] += 1
      if rated == predicted { reviews.agreeing += 1 }
    }

    if !document.comments.isEmpty {
      commentedDocuments += 1
      commentCount += document.comments.count
      for comment in document.comments { commentLabels[comment.label ?? "unlabelled", default: 0] += 1 }
      commented.offer(document, score: Double(document.comments.count), order: order)
    }

    if document.label == "neutral" {
      neutralCount += 1
      if firstNeutral.count <= ReportFigures.documentRows / 2 { firstNeutral.append(document) }
      confidentNeutral.offer(document, score: document.probability ?? 0, order: order)
    } else {
      opinionCount += 1
      if firstOpinion.count <= ReportFigures.documentRows { firstOpinion.append(document) }
      confident[label]?.offer(document, score: document.probability ?? 0, order: order)
      named.offer(document, score: Double(document.people.count * 1000 + document.names.count), order: order)
    }
  }

  /// Sorts what was summed: the ranked tables and the documents a report shows.
  /// `known`: groupings of earlier reports of the job (form → name), kept so that a later
  /// run that meets only "Trump" still counts him as "Donald Trump".
  public mutating func finish(known: [String: String] = [:]) {
    sites = siteSums.map { site, value in
      SiteRow(site: site, documents: value.documents, labels: value.labels, averagePositive: value.positive.value)
    }.sorted { ($0.documents, $1.site) > ($1.documents, $0.site) }
    people = Self.groupPeople(
      peopleSums.map { name, value in
        (
          NameRow(
            type: "PER", name: name, mentions: value.mentions, documents: value.documents,
            averagePositive: value.positive.value, toward: toward[name] ?? Toward(), forms: [name]),
          value.positive
        )
      },
      typedOtherwise: { name in
        ["ORG", "MISC"].map { otherSums[$0 + "\u{0}" + name]?.documents ?? 0 }.reduce(0, +)
      }, known: known
    ).sorted(by: Self.byMentions)
    otherNames = otherSums.map { key, value in
      NameRow(
        type: value.type, name: value.name, mentions: value.mentions, documents: value.documents,
        averagePositive: value.positive.value, toward: toward[key] ?? Toward())
    }.sorted(by: Self.byMentions)
    mostCommented = commented.best.map(\.document)

    if opinionCount <= ReportFigures.documentRows {
      shownOpinion = firstOpinion
    } else {
      // The 12 most confident positive and negative, the 6 most confident mixed, then
      // those naming the most people and organisations.
      var taken: Set<Int> = []
      var chosen: [ReportDocument] = []
      for label in ["positive", "negative", "mixed"] {
        for item in confident[label]!.best where taken.insert(item.order).inserted { chosen.append(item.document) }
      }
      for item in named.best where chosen.count < ReportFigures.documentRows && taken.insert(item.order).inserted {
        chosen.append(item.document)
      }
      shownOpinion = chosen
    }
    shownNeutral =
      neutralCount <= ReportFigures.documentRows / 2
      ? firstNeutral : confidentNeutral.best.map(\.document)
  }

  /// A document with its place among those added and a score to rank it by.
  struct Ranked: Sendable {
    var order: Int
    var score: Double
    var document: ReportDocument
    init(_ order: Int, _ score: Double, _ document: ReportDocument) {
      self.order = order
      self.score = score
      self.document = document
    }
  }

  /// The `keep` best-scoring documents offered (earlier first among equals), kept in at
  /// most twice that many.
  struct Candidates: Sendable {
    let keep: Int
    private var items: [Ranked] = []

    init(keep: Int) { self.keep = keep }

    mutating func offer(_ document: ReportDocument, score: Double, order: Int) {
      items.append(Ranked(order, score, document))
      if items.count >= 2 * keep + 16 { items = best }
    }

    var best: [Ranked] {
      Array(items.sorted { ($0.score, $1.order) > ($1.score, $0.order) }.prefix(keep))
    }
  }

  /// People grouped across the corpus. Within a document the tagger already joins a
  /// surname to the full name it follows; across documents:
  /// - a one-word name ("Trump") joins the one full name ending in it ("Donald Trump");
  ///   with two ("Anna Park", "David Park") or none it stays apart, and so does a word
  ///   the tagger also typed as an organisation or product somewhere ("Ford");
  /// - an initial and a surname ("D. Trump", "D Trump") join the one full name with that
  ///   surname and first initial;
  /// - a name typed as an organisation or product in more documents than as a person is
  ///   not a person, and is left out.
  ///
  /// A form an earlier report grouped under a name keeps that name (the name's row is
  /// made when this corpus lacks it), unless this corpus makes the form ambiguous.
  static func groupPeople(
    _ rows: [(row: NameRow, positive: Mean)], typedOtherwise: (String) -> Int, known: [String: String] = [:]
  ) -> [NameRow] {
    var byName = Dictionary(rows.map { ($0.row.name, $0) }, uniquingKeysWith: { a, _ in a })
    for (name, item) in byName where typedOtherwise(name) > item.row.documents { byName[name] = nil }
    func words(_ name: String) -> [Substring] { name.split(whereSeparator: \.isWhitespace) }
    var fullBySurname: [String: [String]] = [:]
    for name in byName.keys where words(name).count >= 2 && !isInitial(words(name)[0]) {
      fullBySurname[String(words(name).last!), default: []].append(name)
    }
    var target: [String: String] = [:]
    for name in byName.keys {
      let parts = words(name)
      if parts.count == 1, typedOtherwise(name) == 0, let full = fullBySurname[name], full.count == 1 {
        target[name] = full[0]
      } else if parts.count == 2, isInitial(parts[0]) {
        let initial = parts[0].prefix(1)
        let full = (fullBySurname[String(parts[1])] ?? []).filter { $0.hasPrefix(initial) }
        if full.count == 1 { target[name] = full[0] }
      }
    }
    for (form, name) in known where target[form] == nil && byName[form] != nil && form != name {
      let parts = words(form)
      let candidates =
        parts.count == 1
        ? fullBySurname[form] ?? []
        : (fullBySurname[String(parts.last!)] ?? []).filter { $0.hasPrefix(parts[0].prefix(1)) }
      // Ambiguous here (another full name fits), or now typed otherwise: left apart.
      guard candidates.allSatisfy({ $0 == name }), typedOtherwise(form) == 0 else { continue }
      target[form] = name
      if byName[name] == nil {
        var row = byName[form]!
        row.row.name = name
        row.row.forms = [name]
        row.row.mentions = 0
        row.row.documents = 0
        row.row.toward = Toward()
        row.positive = Mean()
        row.row.averagePositive = nil
        byName[name] = row
      }
    }
    for (form, name) in target.sorted(by: { $0.key < $1.key }) {
      guard let part = byName[form], var whole = byName[name] else { continue }
      whole.row.mentions += part.row.mentions
      whole.row.documents += part.row.documents
      whole.positive.sum += part.positive.sum
      whole.positive.count += part.positive.count
      whole.row.averagePositive = whole.positive.value
      whole.row.toward.merge(part.row.toward)
      whole.row.forms.append(form)
      byName[name] = whole
      byName[form] = nil
    }
    return byName.values.map(\.row)
  }

  /// "D." or "D": one capital letter, with or without a full stop.
  static func isInitial(_ word: Substring) -> Bool {
    let letters = word.hasSuffix(".") ? word.dropLast() : word
    return letters.count == 1 && letters.first!.isUppercase
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
