import Foundation

/// The field's extraction metric (../shared/data/README.md): per page, word-level F1
/// between extracted text and the reference, words being lower-cased `\w+` runs and
/// overlap the multiset intersection.
public enum WordOverlap {
  public static func words(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    for scalar in text.lowercased().unicodeScalars {
      if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
        || scalar.properties.generalCategory == .nonspacingMark
      {
        current.unicodeScalars.append(scalar)
      } else if !current.isEmpty {
        words.append(current)
        current = ""
      }
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  public static func f1(extracted: String, reference: String) -> (precision: Double, recall: Double, f1: Double) {
    let got = words(extracted)
    let want = words(reference)
    if got.isEmpty && want.isEmpty { return (1, 1, 1) }
    guard !got.isEmpty, !want.isEmpty else { return (0, 0, 0) }
    var counts: [String: Int] = [:]
    for word in want { counts[word, default: 0] += 1 }
    var overlap = 0
    for word in got where (counts[word] ?? 0) > 0 {
      counts[word]! -= 1
      overlap += 1
    }
    let precision = Double(overlap) / Double(got.count)
    let recall = Double(overlap) / Double(want.count)
    return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
  }
}

/// Evaluates extraction over a folder in the WCXB layout (`index.tsv`, `html/NNNN.html.gz`,
/// `ground-truth/NNNN.json`).
public struct ExtractionEvaluation {
  public struct PageScore: Sendable {
    public var id: String
    public var type: String
    public var f1: Double
    public var precision: Double
    public var recall: Double
    public var withFound: Int
    public var withTotal: Int
    public var withoutKept: Int
    public var withoutTotal: Int
    /// Whether the folder's notes (`meta.tsv`) call the page English; nil without notes.
    public var english: Bool?
    /// Whether the reference has a full main text (else only snippets).
    public var hasText: Bool
    public var titleRight: Bool?
    /// Nil where the reference has no author (or date); true when ours matches it.
    public var authorRight: Bool?
    public var dateRight: Bool?
    public var bytes: Int
    /// Readers' comments found (and kept out of the text).
    public var comments = 0
  }

  public struct Summary: Sendable {
    public var pages: [PageScore]
    public var seconds: Double
    public var failures: [(id: String, reason: String)]

    /// Means over the pages whose reference has a full text (word F1 needs one).
    public var meanF1: Double { mean(pages.filter(\.hasText).map(\.f1)) }
    public var meanPrecision: Double { mean(pages.filter(\.hasText).map(\.precision)) }
    public var meanRecall: Double { mean(pages.filter(\.hasText).map(\.recall)) }
    /// Pages with a full reference text.
    public var scoredPages: Int { pages.filter(\.hasText).count }
    /// The same summary over some of the pages.
    public func only(_ include: (PageScore) -> Bool) -> Summary {
      Summary(pages: pages.filter(include), seconds: seconds, failures: [])
    }
    public var bytes: Int { pages.reduce(0) { $0 + $1.bytes } }
    public var megabytesPerSecond: Double { Double(bytes) / 1_048_576 / max(seconds, 1e-9) }
    public func meanF1(type: String) -> Double { mean(pages.filter { $0.type == type && $0.hasText }.map(\.f1)) }
    /// Share right among pages whose reference has a value.
    public var titleAccuracy: Double { share(pages.compactMap(\.titleRight)) }
    public var authorAccuracy: Double { share(pages.compactMap(\.authorRight)) }
    public var dateAccuracy: Double { share(pages.compactMap(\.dateRight)) }
    func share(_ values: [Bool]) -> Double { Double(values.filter { $0 }.count) / Double(max(1, values.count)) }
    public var types: [String] { Array(Set(pages.map(\.type))).sorted() }
    public var withRecall: Double {
      Double(pages.reduce(0) { $0 + $1.withFound }) / Double(max(1, pages.reduce(0) { $0 + $1.withTotal }))
    }
    public var withoutLeakage: Double {
      Double(pages.reduce(0) { $0 + $1.withoutKept }) / Double(max(1, pages.reduce(0) { $0 + $1.withoutTotal }))
    }
    /// Snippets read as trafilatura's evaluation reads them: a `with[]` snippet found is a
    /// true positive, one missed a false negative, a `without[]` snippet kept a false
    /// positive; precision, recall and F1 over all the folder's snippets.
    public var snippetPrecision: Double {
      let found = pages.reduce(0) { $0 + $1.withFound }
      return Double(found) / Double(max(1, found + pages.reduce(0) { $0 + $1.withoutKept }))
    }
    public var snippetF1: Double {
      let (precision, recall) = (snippetPrecision, withRecall)
      return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
    }
    public var snippetCount: Int { pages.reduce(0) { $0 + $1.withTotal + $1.withoutTotal } }
    func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
  }

  public let folder: String

  public init(folder: String) { self.folder = folder }

  /// One page of the folder with its reference.
  public struct ReferencePage: Sendable {
    public var id: String
    public var type: String
    public var url: String
    public var bytes: [UInt8]
    public var reference: String
    public var with: [String]
    public var without: [String]
    public var title: String?
    public var author: String?
    public var date: String?
    /// Whether the folder's `meta.tsv` calls the page English; nil without one.
    public var english: Bool?
  }

  /// Each page's language from the folder's `meta.tsv`, when it has one: English when its
  /// `lang` column starts with `en`, or — where `lang` is empty or absent — when at least
  /// a tenth of its words are English stop words (an `en_stopword_ratio…` column), the
  /// split the data README gives.
  func englishPages() -> [String: Bool] {
    guard let meta = try? String(contentsOfFile: folder + "/meta.tsv", encoding: .utf8) else { return [:] }
    let rows = meta.split(whereSeparator: \.isNewline).map {
      $0.split(separator: "\t", omittingEmptySubsequences: false)
    }
    guard let header = rows.first?.map(String.init) else { return [:] }
    let lang = header.firstIndex(of: "lang")
    let ratio = header.firstIndex { $0.hasPrefix("en_stopword_ratio") }
    var english: [String: Bool] = [:]
    for row in rows.dropFirst() where !row.isEmpty {
      if let lang, lang < row.count, !row[lang].isEmpty {
        english[String(row[0])] = row[lang].lowercased().hasPrefix("en")
      } else if let ratio, ratio < row.count, let value = Double(row[ratio]) {
        english[String(row[0])] = value >= 0.1
      }
    }
    return english
  }

  /// Reads every page listed in `index.tsv` (or the first `limit`) with its reference;
  /// pages that cannot be read are passed to `failed` with the reason.
  public func forEachPage(
    limit: Int? = nil, failed: (_ id: String, _ reason: String) -> Void, _ body: (ReferencePage) -> Void
  ) throws {
    let index = try String(contentsOfFile: folder + "/index.tsv", encoding: .utf8)
    var rows = index.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: "\t").map(String.init) }
    if let limit { rows = Array(rows.prefix(limit)) }
    let english = englishPages()
    for row in rows where row.count >= 3 {
      let (id, type, url) = (row[0], row[1], row[2])
      guard let compressed = FileManager.default.contents(atPath: "\(folder)/html/\(id).html.gz"),
        let truthData = FileManager.default.contents(atPath: "\(folder)/ground-truth/\(id).json"),
        let truth = (try? JSONSerialization.jsonObject(with: truthData)) as? [String: Any],
        let groundTruth = truth["ground_truth"] as? [String: Any]
      else {
        failed(id, "missing or unreadable page or ground truth")
        continue
      }
      let bytes: [UInt8]
      do {
        bytes = try Gzip.decompress(Array(compressed))
      } catch {
        failed(id, error.description)
        continue
      }
      body(
        ReferencePage(
          id: id, type: type, url: url, bytes: bytes, reference: groundTruth["main_content"] as? String ?? "",
          with: (groundTruth["with"] as? [String]) ?? [], without: (groundTruth["without"] as? [String]) ?? [],
          title: groundTruth["title"] as? String, author: groundTruth["author"] as? String,
          date: groundTruth["publish_date"] as? String, english: english[id]))
    }
  }

  /// Scores every page listed in `index.tsv` (or the first `limit`).
  public func run(limit: Int? = nil, extract: (_ bytes: [UInt8], _ url: String) -> Document) throws -> Summary {
    var pages: [PageScore] = []
    var failures: [(String, String)] = []
    var seconds = 0.0
    try forEachPage(limit: limit, failed: { failures.append(($0, $1)) }) { page in
      let (id, type, url, bytes) = (page.id, page.type, page.url, page.bytes)
      let start = Date()
      let document = extract(bytes, url)
      seconds += Date().timeIntervalSince(start)
      let text = document.text
      let reference = page.reference
      let lowered = text.lowercased()
      let (with, without) = (page.with, page.without)
      var titleRight: Bool?
      if let title = page.title, !title.isEmpty {
        titleRight =
          (document.title ?? "").collapsingWhitespace().lowercased() == title.collapsingWhitespace().lowercased()
      }
      let score = WordOverlap.f1(extracted: text, reference: reference)
      var authorRight: Bool?
      if let author = page.author, !author.isEmpty {
        // Names compared as word sets: "A, B and C" and ["A", "B", "C"] agree.
        let stop: Set<String> = ["and", "by"]
        let want = Set(WordOverlap.words(author)).subtracting(stop)
        let got = Set(WordOverlap.words(document.authors.joined(separator: " "))).subtracting(stop)
        authorRight = !want.isEmpty && want == got
      }
      var dateRight: Bool?
      if let date = page.date, !date.isEmpty {
        dateRight = document.published.map { date.hasPrefix($0) || $0.hasPrefix(date) } ?? false
      }
      pages.append(
        PageScore(
          id: id, type: type, f1: score.f1, precision: score.precision, recall: score.recall,
          withFound: with.filter { lowered.contains($0.lowercased()) }.count, withTotal: with.count,
          withoutKept: without.filter { lowered.contains($0.lowercased()) }.count, withoutTotal: without.count,
          english: page.english, hasText: !reference.isEmpty, titleRight: titleRight, authorRight: authorRight,
          dateRight: dateRight, bytes: bytes.count,
          comments: document.comments.count))
    }
    return Summary(pages: pages, seconds: seconds, failures: failures)
  }
}
