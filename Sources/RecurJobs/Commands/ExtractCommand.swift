import Foundation
import RecurFetch
import RecurReport
import RecurText

/// `recur extract FILE|URL`: the text and metadata of one page.
public struct ExtractCommand {
  public var source: String
  public var json: Bool
  /// The block model that picks the main text; nil for the rules alone.
  public var blockModel: BlockModel?

  public init(source: String, json: Bool, blockModel: BlockModel? = nil) {
    self.source = source
    self.json = json
    self.blockModel = blockModel
  }

  public func run(fetcher: any Fetching, write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let (bytes, url, charset) = try load(fetcher: fetcher)
    let document = DocumentParser(blockModel: blockModel).parse(bytes, url: url, httpCharset: charset)
    write(json ? Self.jsonLine(document) : Self.text(document))
    return document.paragraphs.isEmpty ? .partialFailure : .success
  }

  /// Reads a local file (`.html` or `.html.gz`) or fetches a URL.
  func load(fetcher: any Fetching) throws(RecurError) -> (bytes: [UInt8], url: String, charset: String?) {
    if source.contains("://") {
      let result = fetcher.fetchAll([FetchRequest(url: source)])[0]
      guard result.outcome == .ok else {
        throw RecurError(.partialFailure, result.reason ?? "could not fetch", location: source)
      }
      return (try gunzipIfNeeded(result.body), result.finalURL, result.charset)
    }
    guard let data = FileManager.default.contents(atPath: source) else {
      throw RecurError(.usage, "cannot read the file", location: source)
    }
    let url = URL(fileURLWithPath: source).absoluteString
    return (try gunzipIfNeeded(Array(data)), url, nil)
  }

  func gunzipIfNeeded(_ bytes: [UInt8]) throws(RecurError) -> [UInt8] {
    guard Gzip.isGzip(bytes) else { return bytes }
    do {
      return try Gzip.decompress(bytes)
    } catch {
      throw RecurError(.usage, "cannot decompress: \(error.description)", location: source)
    }
  }

  /// One object with the Document's fields, in the documented order.
  public static func jsonLine(_ document: Document) -> String {
    var object = JSONObjectWriter()
    object.add("url", document.url)
    object.add("canonical_url", document.canonicalURL)
    object.add("title", document.title)
    object.add("authors", raw: "[" + document.authors.map(JSONObjectWriter.quote).joined(separator: ",") + "]")
    object.add("published", document.published)
    object.add("language", document.language)
    object.add("site_name", document.siteName)
    object.add("description", document.description)
    object.add("kind", document.kind.rawValue)
    object.add("text", document.text)
    let reviews = document.reviews.map { review in
      var item = JSONObjectWriter()
      item.add("author", review.author)
      item.add("rating", review.rating, decimals: 2)
      item.add("best_rating", review.bestRating, decimals: 2)
      item.add("worst_rating", review.worstRating, decimals: 2)
      item.add("date", review.date)
      item.add("title", review.title)
      item.add("body", review.body)
      item.add("source", review.source)
      return item.json
    }
    object.add("reviews", raw: "[" + reviews.joined(separator: ",") + "]")
    object.add("comments", raw: "[" + document.comments.map(commentJSON).joined(separator: ",") + "]")
    let subjects = document.subjects.map { subject in
      var item = JSONObjectWriter()
      item.add("name", subject.name)
      item.add("type", subject.type)
      return item.json
    }
    object.add("subjects", raw: "[" + subjects.joined(separator: ",") + "]")
    object.add("encoding", document.encoding)
    object.add("encoding_source", document.encodingSource.rawValue)
    object.add("method", document.method)
    object.add("reason", document.reason)
    return object.json
  }

  /// One comment as `{author, date, position, text}`.
  public static func commentJSON(_ comment: Comment) -> String {
    var item = JSONObjectWriter()
    item.add("author", comment.author)
    item.add("date", comment.date)
    item.add("position", comment.position)
    item.add("text", comment.text)
    return item.json
  }

  static func text(_ document: Document) -> String {
    var lines: [String] = []
    lines.append("url:       \(document.url)")
    if let title = document.title { lines.append("title:     \(title)") }
    if !document.authors.isEmpty { lines.append("authors:   \(document.authors.joined(separator: "; "))") }
    if let published = document.published { lines.append("published: \(published)") }
    if let language = document.language { lines.append("language:  \(language)") }
    if let site = document.siteName { lines.append("site:      \(site)") }
    lines.append("kind:      \(document.kind.rawValue)")
    lines.append("encoding:  \(document.encoding) (\(document.encodingSource.rawValue))")
    lines.append("method:    \(document.method)")
    for review in document.reviews {
      let rating = review.rating.map { "\($0)/\(review.bestRating ?? 5)" } ?? "no rating"
      lines.append("review:    \(review.author ?? "anonymous"), \(rating): \(review.body.prefix(80))")
    }
    for comment in document.comments {
      let date = comment.date.map { ", \($0)" } ?? ""
      lines.append("comment:   \(comment.position). \(comment.author)\(date): \(comment.text.prefix(80))")
    }
    if let reason = document.reason { lines.append("reason:    \(reason)") }
    lines.append("")
    lines.append(document.text)
    return lines.joined(separator: "\n")
  }
}

/// `recur eval extract --data DIR`: the field's metric over a WCXB-layout folder.
public struct EvalExtractCommand {
  public var folder: String
  public var json: Bool
  public var limit: Int?
  /// Also print each page's F1, precision and recall.
  public var perPage: Bool
  /// The block model that picks the main text; nil for the rules alone.
  public var blockModel: BlockModel?

  public init(folder: String, json: Bool, limit: Int?, perPage: Bool = false, blockModel: BlockModel? = nil) {
    self.folder = folder
    self.json = json
    self.limit = limit
    self.perPage = perPage
    self.blockModel = blockModel
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    guard FileManager.default.fileExists(atPath: folder + "/index.tsv") else {
      throw RecurError(.usage, "not a WCXB-layout folder (no index.tsv)", location: folder)
    }
    let parser = DocumentParser(blockModel: blockModel)
    let summary: ExtractionEvaluation.Summary
    do {
      summary = try ExtractionEvaluation(folder: folder).run(limit: limit) { bytes, url in
        parser.parse(bytes, url: url)
      }
    } catch {
      throw RecurError(.usage, "cannot read the evaluation folder: \(error)", location: folder)
    }
    let languages: [(key: String, title: String, english: Bool)] =
      summary.pages.contains { $0.english != nil }
      ? [("english", "English pages", true), ("other_languages", "other languages", false)] : []
    if json {
      var object = figures(summary)
      object.add("title_accuracy", summary.titleAccuracy, decimals: 4)
      object.add("author_accuracy", summary.authorAccuracy, decimals: 4)
      object.add("date_accuracy", summary.dateAccuracy, decimals: 4)
      for language in languages {
        object.add(language.key, raw: figures(summary.only { $0.english == language.english }).json)
      }
      object.add("mb_per_s", summary.megabytesPerSecond, decimals: 2)
      object.add("failures", summary.failures.count)
      write(object.json)
    } else {
      write("pages: \(summary.pages.count) (\(summary.failures.count) unreadable)")
      lines(summary, write: write)
      if perPage {
        for page in summary.pages {
          write(
            "page \(page.id) \(page.type) f1 \(format(page.f1)) p \(format(page.precision)) r \(format(page.recall))"
              + " with \(page.withFound)/\(page.withTotal) without kept \(page.withoutKept)/\(page.withoutTotal)"
              + " comments \(page.comments)")
        }
      }
      for language in languages {
        let part = summary.only { $0.english == language.english }
        write("\(language.title) (\(part.pages.count) pages, as the folder's meta.tsv says):")
        lines(part, write: write, indent: "  ")
      }
      write(
        "metadata accuracy: title \(format(summary.titleAccuracy)), author \(format(summary.authorAccuracy)), date \(format(summary.dateAccuracy))"
      )
      write("speed: \(format(summary.megabytesPerSecond)) MB/s of HTML through parse + extract")
    }
    return .success
  }

  /// Word F1 over the pages with a full reference text, per page type, and the snippet
  /// figures over the pages with snippets.
  func figures(_ summary: ExtractionEvaluation.Summary) -> JSONObjectWriter {
    var object = JSONObjectWriter()
    object.add("pages", summary.pages.count)
    if summary.scoredPages > 0 {
      object.add("mean_f1", summary.meanF1, decimals: 4)
      object.add("mean_precision", summary.meanPrecision, decimals: 4)
      object.add("mean_recall", summary.meanRecall, decimals: 4)
      var perType = JSONObjectWriter()
      for type in summary.types { perType.add(type, summary.meanF1(type: type), decimals: 4) }
      object.add("per_type", raw: perType.json)
    }
    if summary.snippetCount > 0 {
      object.add("with_recall", summary.withRecall, decimals: 4)
      object.add("without_leakage", summary.withoutLeakage, decimals: 4)
      object.add("snippet_precision", summary.snippetPrecision, decimals: 4)
      object.add("snippet_f1", summary.snippetF1, decimals: 4)
    }
    return object
  }

  func lines(_ summary: ExtractionEvaluation.Summary, write: (String) -> Void, indent: String = "") {
    if summary.scoredPages > 0 {
      write(
        indent
          + "mean word F1: \(format(summary.meanF1)) (precision \(format(summary.meanPrecision)), recall \(format(summary.meanRecall)); \(summary.scoredPages) pages with a full reference text)"
      )
      for type in summary.types {
        let count = summary.pages.filter { $0.type == type && $0.hasText }.count
        write(indent + "  \(type.padding(14)) \(format(summary.meanF1(type: type)))  (\(count) pages)")
      }
    }
    if summary.snippetCount > 0 {
      write(
        indent
          + "snippets: with[] found \(format(summary.withRecall)), without[] kept \(format(summary.withoutLeakage)); precision \(format(summary.snippetPrecision)), F1 \(format(summary.snippetF1))"
      )
    }
  }

  func format(_ value: Double) -> String { JSONObjectWriter.format(value, decimals: 3) }
}

/// The block model extraction uses: the one in `folder` when given (which must load), else
/// the shipped one when it is found, else none (the rules alone). `rulesOnly` asks for none.
public func loadBlockModel(folder: String?, rulesOnly: Bool = false) throws(RecurError) -> BlockModel? {
  if rulesOnly { return nil }
  let path = folder ?? defaultModelDirectory("extract")
  if folder == nil && !FileManager.default.fileExists(atPath: path + "/" + BlockModel.weightsFile) { return nil }
  do {
    return try BlockModel.load(folder: path)
  } catch {
    throw RecurError(.usage, error.description, location: path)
  }
}
