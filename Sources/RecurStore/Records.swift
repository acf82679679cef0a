/// The plain values the store takes and gives back. The store knows nothing of pages,
/// parsers or networks: the job runner turns its stages' results into these.

/// One page as the parse stage left it, with what the fetch told about it.
public struct StoredDocument: Sendable, Equatable {
  public var url: String
  public var finalURL: String?
  public var httpStatus: Int?
  public var contentType: String?
  public var etag: String?
  public var lastModified: String?
  /// SHA-256 of the fetched bytes; equal hashes mean unchanged content.
  public var contentHash: String?
  public var title: String?
  public var siteName: String?
  public var canonicalURL: String?
  public var authors: [String]
  public var published: String?
  public var language: String?
  public var description: String?
  public var kind: String?
  public var method: String?
  public var encoding: String?
  /// Why the text is empty, when the parser found none.
  public var extractionReason: String?
  public var text: String?
  /// The parser and block model that made the text (`DocumentParser.version` and the
  /// model's fingerprint): stored text made by another is parsed again.
  public var parserVersion: String?
  /// What the page's markup names: its reviewed item, product, work or business.
  public var subjects: [StoredSubject]
  /// The names of the other sites the page links to (a one-word name among them is no person).
  public var linkedSites: [String]

  public init(
    url: String, finalURL: String? = nil, httpStatus: Int? = nil, contentType: String? = nil, etag: String? = nil,
    lastModified: String? = nil, contentHash: String? = nil, title: String? = nil, siteName: String? = nil,
    canonicalURL: String? = nil, authors: [String] = [], published: String? = nil, language: String? = nil,
    description: String? = nil, kind: String? = nil, method: String? = nil, encoding: String? = nil,
    extractionReason: String? = nil, text: String? = nil, parserVersion: String? = nil,
    subjects: [StoredSubject] = [], linkedSites: [String] = []
  ) {
    self.url = url
    self.finalURL = finalURL
    self.httpStatus = httpStatus
    self.contentType = contentType
    self.etag = etag
    self.lastModified = lastModified
    self.contentHash = contentHash
    self.title = title
    self.siteName = siteName
    self.canonicalURL = canonicalURL
    self.authors = authors
    self.published = published
    self.language = language
    self.description = description
    self.kind = kind
    self.method = method
    self.encoding = encoding
    self.extractionReason = extractionReason
    self.text = text
    self.parserVersion = parserVersion
    self.subjects = subjects
    self.linkedSites = linkedSites
  }
}

/// A thing a page's schema.org markup names, and its schema.org type (`Product`, `Movie` …).
public struct StoredSubject: Sendable, Equatable, Codable {
  public var name: String
  public var type: String

  public init(name: String, type: String) {
    self.name = name
    self.type = type
  }
}

/// One sentence's score, kept so a report can show what drove a label.
public struct StoredSentence: Sendable, Equatable, Codable {
  public var start: Int
  public var end: Int
  public var positive: Double
  public var text: String
  /// P(the sentence is opinion, not fact); nil from a model without that head (or an older store).
  public var opinion: Double?

  public init(start: Int, end: Int, positive: Double, text: String, opinion: Double? = nil) {
    self.start = start
    self.end = end
    self.positive = positive
    self.text = text
    self.opinion = opinion
  }
}

/// A document's sentiment, with the model that gave it.
public struct StoredSentiment: Sendable, Equatable {
  public var modelVersion: String
  public var label: String
  public var probability: Double?
  public var positive: Double?
  /// The document's opinion share (its sentences' P(opinion), weighted by tokens), when
  /// the model gives one.
  public var opinion: Double?
  public var language: String?
  public var reason: String?
  public var sentences: [StoredSentence]

  public init(
    modelVersion: String, label: String, probability: Double?, positive: Double?, opinion: Double? = nil,
    language: String?, reason: String?, sentences: [StoredSentence]
  ) {
    self.modelVersion = modelVersion
    self.label = label
    self.probability = probability
    self.positive = positive
    self.opinion = opinion
    self.language = language
    self.reason = reason
    self.sentences = sentences
  }
}

/// One name found in a document's text (`start`/`end` are character offsets).
public struct StoredEntity: Sendable, Equatable {
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

/// A person named in a document, its mentions grouped.
public struct StoredPerson: Sendable, Equatable {
  public var name: String
  public var mentions: Int
  public var forms: [String]
  public var confidence: Double

  public init(name: String, mentions: Int, forms: [String], confidence: Double) {
    self.name = name
    self.mentions = mentions
    self.forms = forms
    self.confidence = confidence
  }
}

/// The names model's findings in one document.
public struct StoredNames: Sendable, Equatable {
  public var modelVersion: String
  public var entities: [StoredEntity]
  public var people: [StoredPerson]

  public init(modelVersion: String, entities: [StoredEntity], people: [StoredPerson]) {
    self.modelVersion = modelVersion
    self.entities = entities
    self.people = people
  }
}

/// One review on a page, its rating and the sentiment predicted for its text — or one
/// reader's comment under an article (`source` is `comment`; no rating, no title).
public struct StoredReview: Sendable, Equatable {
  /// The `source` of a reader's comment.
  public static let commentSource = "comment"
  public var isComment: Bool { source == Self.commentSource }

  public var author: String?
  public var title: String?
  public var rating: Double?
  public var bestRating: Double?
  public var normalisedRating: Double?
  public var date: String?
  public var body: String
  public var source: String
  public var label: String?
  public var probability: Double?

  public init(
    author: String?, title: String?, rating: Double?, bestRating: Double?, normalisedRating: Double?,
    date: String?, body: String, source: String, label: String?, probability: Double?
  ) {
    self.author = author
    self.title = title
    self.rating = rating
    self.bestRating = bestRating
    self.normalisedRating = normalisedRating
    self.date = date
    self.body = body
    self.source = source
    self.label = label
    self.probability = probability
  }
}

/// What one fetch did, for the fetch log.
public struct FetchLogEntry: Sendable, Equatable {
  public var url: String
  public var outcome: String
  public var httpStatus: Int?
  public var reason: String?
  public var bytes: Int
  public var milliseconds: Double
  public var attempts: Int

  public init(
    url: String, outcome: String, httpStatus: Int?, reason: String?, bytes: Int, milliseconds: Double,
    attempts: Int
  ) {
    self.url = url
    self.outcome = outcome
    self.httpStatus = httpStatus
    self.reason = reason
    self.bytes = bytes
    self.milliseconds = milliseconds
    self.attempts = attempts
  }
}

/// What a run did with one document.
public enum DocumentOutcome: String, Sendable, CaseIterable, Codable {
  /// New or changed content, parsed and labelled.
  case fetched
  /// Unchanged content (304 or the same hash) and the same models: the stored labels stand.
  case unchanged
  /// Unchanged content labelled again, because a model changed or labels were missing.
  case relabeled
  /// Could not be fetched or processed; the reason is kept.
  case failed
  /// Deliberately not processed (robots.txt, content type); the reason is kept.
  case skipped
}

/// Everything the store keeps for one processed document, written in one transaction.
public struct DocumentResults: Sendable, Equatable {
  public var document: StoredDocument
  public var sentiment: StoredSentiment?
  public var names: StoredNames?
  public var reviews: [StoredReview]

  public init(
    document: StoredDocument, sentiment: StoredSentiment? = nil, names: StoredNames? = nil,
    reviews: [StoredReview] = []
  ) {
    self.document = document
    self.sentiment = sentiment
    self.names = names
    self.reviews = reviews
  }
}

/// What the store remembers of a URL from earlier runs: what to send as validators and
/// whether its labels can stand.
public struct PreviousState: Sendable, Equatable {
  public var documentID: Int64
  public var etag: String?
  public var lastModified: String?
  public var contentHash: String?
  /// The stored text; nil when an earlier run stopped before parsing.
  public var text: String?
  public var language: String?
  public var sentimentVersion: String?
  public var namesVersion: String?
  /// The parser that made the stored text (nil in older stores).
  public var parserVersion: String?
}

/// A model as a run used it: its name, version string and weights fingerprint.
public struct ModelVersion: Sendable, Equatable, Codable {
  public var role: String
  public var name: String
  /// `VERSION+FINGERPRINT`: the card's version and the first 12 hex digits of the
  /// weights' SHA-256, so a retrained model with the same version still counts as changed.
  public var version: String
  public var scores: [String: Double]
  /// The files the model was trained on, as its card names them (nil in older stores).
  public var trainedOn: [String]?

  public init(role: String, name: String, version: String, scores: [String: Double], trainedOn: [String]? = nil) {
    self.role = role
    self.name = name
    self.version = version
    self.scores = scores
    self.trainedOn = trainedOn
  }
}
