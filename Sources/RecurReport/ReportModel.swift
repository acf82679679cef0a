/// What a report shows, as plain values: the job runner fills these from the store, and
/// every output (HTML, Markdown, JSONL, CSV) is rendered from them alone.
public struct Report: Sendable, Equatable {
  public var job: String
  public var title: String
  public var run: RunSummary
  /// Earlier runs of the job and this one, oldest first, for the trend.
  public var history: [RunSummary]
  public var documents: [ReportDocument]
  public var models: [ReportModel]
  /// True when the run stopped early (a signal): the report covers what was done.
  public var partial: Bool
  /// When the report was written (ISO 8601).
  public var generatedAt: String
  /// Whether `documents.jsonl` carries each document's comments (not only their count):
  /// the job's `[report] export_comments`.
  public var exportComments = false
  /// The job's report formats: the report links the document list (`html`) and
  /// `documents.jsonl` (`jsonl`) only when they are written.
  public var formats: [String] = []

  /// How earlier reports of the job grouped its people (form → name): see
  /// `ReportFigures.groupPeople`.
  public var knownGroups: [String: String] = [:]

  /// Documents a page of the document list (`documents/N.html`) holds.
  public static let documentsPerPage = 200

  /// Documents in the run: `documents.count`, or — for a report streamed from the store,
  /// whose documents are not kept — the number the writer counted.
  public var documentCount: Int

  /// Pages of the document list: none without the HTML format or documents.
  public var documentPages: Int {
    formats.contains("html") ? (documentCount + Self.documentsPerPage - 1) / Self.documentsPerPage : 0
  }

  public init(
    job: String, title: String, run: RunSummary, history: [RunSummary], documents: [ReportDocument],
    models: [ReportModel], partial: Bool, generatedAt: String
  ) {
    self.job = job
    self.title = title
    self.run = run
    self.history = history
    self.documents = documents
    documentCount = documents.count
    self.models = models
    self.partial = partial
    self.generatedAt = generatedAt
  }
}

/// One run's figures.
public struct RunSummary: Sendable, Equatable {
  public var id: Int64
  public var startedAt: String
  public var finishedAt: String?
  public var status: String
  public var seconds: Double?
  /// Documents by outcome: `fetched`, `unchanged`, `relabeled`, `failed`, `skipped`.
  public var outcomes: [String: Int]
  /// Documents by sentiment label.
  public var labels: [String: Int]

  public init(
    id: Int64, startedAt: String, finishedAt: String?, status: String, seconds: Double?, outcomes: [String: Int],
    labels: [String: Int]
  ) {
    self.id = id
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.status = status
    self.seconds = seconds
    self.outcomes = outcomes
    self.labels = labels
  }

  public var total: Int { outcomes.values.reduce(0, +) }
}

public struct ReportSentence: Sendable, Equatable {
  public var text: String
  public var positive: Double
  /// P(opinion rather than fact), when the model gives it.
  public var opinion: Double?

  public init(text: String, positive: Double, opinion: Double? = nil) {
    self.text = text
    self.positive = positive
    self.opinion = opinion
  }
}

public struct ReportName: Sendable, Equatable {
  public var type: String
  public var text: String
  public var start: Int
  public var end: Int
  public var confidence: Double

  public init(type: String, text: String, start: Int, end: Int, confidence: Double) {
    self.type = type
    self.text = text
    self.start = start
    self.end = end
    self.confidence = confidence
  }
}

public struct ReportPerson: Sendable, Equatable {
  public var name: String
  public var mentions: Int

  public init(name: String, mentions: Int) {
    self.name = name
    self.mentions = mentions
  }
}

public struct ReportReview: Sendable, Equatable {
  public var author: String?
  public var rating: Double?
  public var bestRating: Double?
  /// The rating on a 0–1 scale.
  public var normalisedRating: Double?
  public var label: String?
  public var probability: Double?

  public init(
    author: String?, rating: Double?, bestRating: Double?, normalisedRating: Double?, label: String?,
    probability: Double?
  ) {
    self.author = author
    self.rating = rating
    self.bestRating = bestRating
    self.normalisedRating = normalisedRating
    self.label = label
    self.probability = probability
  }
}

/// One reader's comment under a document, with the sentiment predicted for it.
public struct ReportComment: Sendable, Equatable {
  public var author: String?
  public var date: String?
  public var text: String
  public var label: String?
  public var probability: Double?

  public init(author: String?, date: String?, text: String, label: String?, probability: Double?) {
    self.author = author
    self.date = date
    self.text = text
    self.label = label
    self.probability = probability
  }
}

/// A sentence that names someone or something, with the sentence's own scores: how the
/// text reads where it speaks of them (not the whole document's label).
public struct ReportMention: Sendable, Equatable {
  /// The person's grouped name, or the name as written for other types.
  public var name: String
  /// `PER`, `ORG`, `LOC` or `MISC`.
  public var type: String
  public var positive: Double
  public var opinion: Double?
  public var sentence: String

  public init(name: String, type: String, positive: Double, opinion: Double?, sentence: String) {
    self.name = name
    self.type = type
    self.positive = positive
    self.opinion = opinion
    self.sentence = sentence
  }

  /// `positive` when the sentence's P(positive) is 0.6 or more, `negative` at 0.4 or less,
  /// else `neutral`; a sentence the model reads as carrying little opinion (below 0.5) is
  /// `neutral` whatever its P(positive).
  public var tone: String {
    if let opinion, opinion < 0.5 { return "neutral" }
    return positive >= 0.6 ? "positive" : positive <= 0.4 ? "negative" : "neutral"
  }
}

/// One document of the run.
public struct ReportDocument: Sendable, Equatable {
  public var url: String
  public var finalURL: String?
  public var site: String
  public var title: String?
  public var published: String?
  public var language: String?
  public var kind: String?
  /// `fetched`, `unchanged`, `relabeled`, `failed` or `skipped`.
  public var outcome: String
  /// Why it failed or was skipped.
  public var reason: String?
  public var label: String?
  public var probability: Double?
  /// The probability that the document is positive (0–1), for averages.
  public var positive: Double?
  /// The share of the text that is opinion (0–1), when the model gives it.
  public var opinion: Double?
  public var labelReason: String?
  /// Every sentence with its score; the report shows those that pulled hardest.
  public var sentences: [ReportSentence]
  public var names: [ReportName]
  public var people: [ReportPerson]
  public var reviews: [ReportReview]
  /// Readers' comments under the document, each labelled on its own.
  public var comments: [ReportComment] = []
  /// Each name's sentences (one per name and sentence), for the sentiment toward it.
  public var mentions: [ReportMention] = []
  public var contentHash: String?
  public var words: Int

  public init(
    url: String, finalURL: String?, site: String, title: String?, published: String?, language: String?,
    kind: String?, outcome: String, reason: String?, label: String?, probability: Double?, positive: Double?,
    labelReason: String?, sentences: [ReportSentence], names: [ReportName], people: [ReportPerson],
    reviews: [ReportReview],
    contentHash: String?, words: Int
  ) {
    self.url = url
    self.finalURL = finalURL
    self.site = site
    self.title = title
    self.published = published
    self.language = language
    self.kind = kind
    self.outcome = outcome
    self.reason = reason
    self.label = label
    self.probability = probability
    self.positive = positive
    self.labelReason = labelReason
    self.sentences = sentences
    self.names = names
    self.people = people
    self.reviews = reviews
    self.contentHash = contentHash
    self.words = words
  }

  public var failed: Bool { outcome == "failed" || outcome == "skipped" }

  /// The sentences that drove the label: the most positive for a positive label, the
  /// most negative for a negative one, the strongest either way otherwise.
  public func drivingSentences(_ count: Int = 2) -> [ReportSentence] {
    let ranked: [ReportSentence]
    switch label {
    case "positive": ranked = sentences.sorted { $0.positive > $1.positive }.filter { $0.positive > 0.5 }
    case "negative": ranked = sentences.sorted { $0.positive < $1.positive }.filter { $0.positive < 0.5 }
    case "neutral":
      // The sentences that carry the most opinion, if any: what little there is.
      ranked = sentences.filter { ($0.opinion ?? 0) >= 0.5 }.sorted { ($0.opinion ?? 0) > ($1.opinion ?? 0) }
    default: ranked = sentences.sorted { abs($0.positive - 0.5) > abs($1.positive - 0.5) }
    }
    return Array(ranked.prefix(count))
  }
}

/// A model the run used, with the scores recorded when it was trained.
public struct ReportModel: Sendable, Equatable {
  public var role: String
  public var name: String
  public var version: String
  public var scores: [(String, Double)]
  /// The files it was trained on, when the run recorded them.
  public var trainedOn: [String]

  public init(role: String, name: String, version: String, scores: [(String, Double)], trainedOn: [String] = []) {
    self.role = role
    self.name = name
    self.version = version
    self.scores = scores
    self.trainedOn = trainedOn
  }

  public static func == (lhs: ReportModel, rhs: ReportModel) -> Bool {
    lhs.role == rhs.role && lhs.name == rhs.name && lhs.version == rhs.version && lhs.trainedOn == rhs.trainedOn
      && lhs.scores.map(\.0) == rhs.scores.map(\.0) && lhs.scores.map(\.1) == rhs.scores.map(\.1)
  }
}
