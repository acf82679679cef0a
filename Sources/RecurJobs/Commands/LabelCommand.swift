import Foundation
import RecurFetch
import RecurModels
import RecurReport
import RecurText

/// `recur label`: the sentiment of a text, of text files, or of HTML pages (the main text
/// and each review item on the page, with its star rating beside the prediction), and the
/// names in the main text when a names model is given.
public struct LabelCommand {
  public var text: String?
  public var files: [String]
  public var model: String
  public var namesModel: String?
  public var json: Bool
  /// The shipped block model, read once (pages are read with the rules alone when it is
  /// missing or unreadable).
  static let blockModel: BlockModel? = try? loadBlockModel(folder: nil)

  public init(text: String?, files: [String], model: String, namesModel: String?, json: Bool) {
    self.text = text
    self.files = files
    self.model = model
    self.namesModel = namesModel
    self.json = json
  }

  struct Input {
    var source: String
    var text: String
    var language: String?
    var reviews: [ReviewItem] = []
    var comments: [Comment] = []
    /// What the page's markup says it is about (names read as those things).
    var subjects: [PageSubject] = []
    /// The other sites the page links to (a one-word name among them is no person).
    var linkedSites: [String] = []
  }

  public func run(fetcher: any Fetching, write: (String) -> Void) throws(RecurError) -> ExitStatus {
    guard (text == nil) != files.isEmpty else {
      throw RecurError(
        .usage, "give either --text STRING or one or more files or URLs ('-' reads standard input)")
    }
    let loaded: SentimentModel
    var tagger: DocumentNames?
    do {
      loaded = try SentimentModel.load(directory: model)
      if let namesModel { tagger = DocumentNames(model: try NamesModel.load(directory: namesModel)) }
    } catch {
      throw RecurError(.usage, error.message)
    }
    var inputs: [Input] = []
    var failures = 0
    if let text {
      inputs.append(Input(source: "--text", text: text))
    }
    // URLs are fetched together, with the fetch stage's default settings.
    let urls = files.filter { $0.contains("://") }
    var fetched: [String: FetchResult] = [:]
    for (url, result) in zip(urls, fetcher.fetchAll(urls.map { FetchRequest(url: $0) })) { fetched[url] = result }
    for file in files {
      do throws(RecurError) {
        if let result = fetched[file] {
          guard result.outcome == .ok else { throw RecurError(.partialFailure, result.reason ?? "could not fetch") }
          inputs.append(
            try input(
              source: file, bytes: result.body, url: result.finalURL, charset: result.charset,
              html: result.contentType?.contains("html") ?? false))
        } else {
          inputs.append(try read(file))
        }
      } catch {
        failures += 1
        write(json ? failureJSON(file, error.message) : "\(file): \(error.message)")
      }
    }
    let labeler = DocumentSentiment(model: loaded)
    // Every text of the run in one call: main texts first, then each review item and
    // each reader's comment (labelled on its own, apart from the page's text).
    var texts = inputs.map(\.text)
    var languages = inputs.map(\.language)
    for input in inputs {
      texts += input.reviews.map(\.body) + input.comments.map(\.text)
      languages += Array(repeating: input.language, count: input.reviews.count + input.comments.count)
    }
    let results = labeler.label(texts, languages: languages)
    let names = tagger?.tag(
      inputs.map(\.text), subjects: inputs.map(\.subjects), linkedSites: inputs.map(\.linkedSites),
      languages: inputs.map(\.language))
    var next = inputs.count
    for (index, input) in inputs.enumerated() {
      let reviewResults = Array(results[next..<(next + input.reviews.count)])
      next += input.reviews.count
      let reviews = zip(input.reviews, reviewResults).map { $0 }
      let comments = zip(input.comments, results[next..<(next + input.comments.count)]).map { $0 }
      next += input.comments.count
      let found = names?[index]
      write(
        json
          ? Self.json(source: input.source, result: results[index], reviews: reviews, comments: comments, names: found)
          : Self.text(source: input.source, result: results[index], reviews: reviews, comments: comments, names: found))
    }
    return failures > 0 ? .partialFailure : .success
  }

  func read(_ file: String) throws(RecurError) -> Input {
    let data: Data?
    if file == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      data = FileManager.default.contents(atPath: file)
    }
    guard let bytes = data.map(Array.init) else { throw RecurError(.partialFailure, "cannot read the file") }
    let url = file == "-" ? "stdin" : URL(fileURLWithPath: file).absoluteString
    return try input(source: file, bytes: bytes, url: url, charset: nil, html: false)
  }

  /// A page's main text and review items, or a plain text, from its bytes.
  func input(source: String, bytes raw: [UInt8], url: String, charset: String?, html: Bool) throws(RecurError)
    -> Input
  {
    var bytes = raw
    if Gzip.isGzip(bytes) {
      do {
        bytes = try Gzip.decompress(bytes)
      } catch {
        throw RecurError(.partialFailure, "cannot decompress: \(error.description)")
      }
    }
    if Self.looksBinary(bytes) { throw RecurError(.partialFailure, "not text: the input is binary data") }
    guard html || Self.looksLikeHTML(source, bytes) else {
      return Input(source: source, text: DecodedText(bytes: bytes, httpCharset: charset).text)
    }
    let document = DocumentParser(blockModel: Self.blockModel).parse(bytes, url: url, httpCharset: charset)
    var reviews = document.reviews
    // A page that is one review (its JSON-LD rating without a body) is labelled by its text.
    if reviews.count == 1, reviews[0].body.allSatisfy(\.isWhitespace) { reviews[0].body = document.text }
    return Input(
      source: source, text: document.text, language: document.language, reviews: reviews,
      comments: document.comments, subjects: document.subjects, linkedSites: document.linkedSites)
  }

  /// Binary data: a NUL byte, or more than a tenth control characters, in the first 4 KiB
  /// (UTF-16 text with its byte-order mark is text).
  static func looksBinary(_ bytes: [UInt8]) -> Bool {
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return false }
    let sample = bytes.prefix(4096)
    if sample.contains(0) { return true }
    return sample.filter { $0 < 0x09 || ($0 > 0x0D && $0 < 0x20) }.count * 10 > sample.count
  }

  static func looksLikeHTML(_ file: String, _ bytes: [UInt8]) -> Bool {
    let lower = file.lowercased()
    if [".html", ".htm", ".xhtml", ".html.gz", ".htm.gz"].contains(where: lower.hasSuffix) { return true }
    let head = String(decoding: bytes.prefix(1024), as: UTF8.self).lowercased()
    return head.contains("<!doctype html") || head.contains("<html")
  }

  func failureJSON(_ source: String, _ reason: String) -> String {
    var object = JSONObjectWriter()
    object.add("source", source)
    object.add("error", reason)
    return object.json
  }

  static func sentimentJSON(_ result: SentimentResult, sentences: Bool) -> String {
    var object = JSONObjectWriter()
    object.add("label", result.label.rawValue)
    object.add("probability", result.probability, decimals: 4)
    object.add("positive", result.positive, decimals: 4)
    object.add("opinion", result.opinion, decimals: 4)
    object.add("language", result.language)
    object.add("reason", result.reason)
    if sentences {
      let items = result.sentences.map { sentence in
        var item = JSONObjectWriter()
        item.add("start", sentence.start)
        item.add("end", sentence.end)
        item.add("positive", sentence.positive, decimals: 4)
        item.add("opinion", sentence.opinion, decimals: 4)
        item.add("text", sentence.text)
        return item.json
      }
      object.add("sentences", raw: "[" + items.joined(separator: ",") + "]")
    }
    return object.json
  }

  /// `{"source", "sentiment": {label, probability, positive, opinion, language, reason, sentences:
  /// [{start, end, positive, opinion, text}]}, "reviews": [{author, title, rating, best_rating, normalised_rating, sentiment}],
  /// "comments": [{author, date, position, sentiment}],
  /// "entities": [{type, text, start, end, confidence}], "people": [{name, mentions, forms, confidence}]}`;
  /// entities and people are null without a names model.
  static func json(
    source: String, result: SentimentResult, reviews: [(ReviewItem, SentimentResult)],
    comments: [(Comment, SentimentResult)] = [], names: (entities: [EntityMention], people: [Person])?
  ) -> String {
    var object = JSONObjectWriter()
    object.add("source", source)
    object.add("sentiment", raw: sentimentJSON(result, sentences: true))
    let items = reviews.map { review, result in
      var item = JSONObjectWriter()
      item.add("author", review.author)
      item.add("title", review.title)
      item.add("rating", review.rating, decimals: 2)
      item.add("best_rating", review.bestRating, decimals: 2)
      item.add("normalised_rating", review.normalisedRating, decimals: 3)
      item.add("sentiment", raw: sentimentJSON(result, sentences: false))
      return item.json
    }
    object.add("reviews", raw: "[" + items.joined(separator: ",") + "]")
    let commentItems = comments.map { comment, result in
      var item = JSONObjectWriter()
      item.add("author", comment.author)
      item.add("date", comment.date)
      item.add("position", comment.position)
      item.add("sentiment", raw: sentimentJSON(result, sentences: false))
      return item.json
    }
    object.add("comments", raw: "[" + commentItems.joined(separator: ",") + "]")
    if let names {
      let entities = names.entities.map { entity in
        var item = JSONObjectWriter()
        item.add("type", entity.type)
        item.add("text", entity.text)
        item.add("start", entity.start)
        item.add("end", entity.end)
        item.add("confidence", entity.confidence, decimals: 4)
        return item.json
      }
      object.add("entities", raw: "[" + entities.joined(separator: ",") + "]")
      let people = names.people.map { person in
        var item = JSONObjectWriter()
        item.add("name", person.name)
        item.add("mentions", person.mentions)
        item.add("forms", raw: "[" + person.forms.map(JSONObjectWriter.quote).joined(separator: ",") + "]")
        item.add("confidence", person.confidence, decimals: 4)
        return item.json
      }
      object.add("people", raw: "[" + people.joined(separator: ",") + "]")
    } else {
      object.add("entities", raw: "null")
      object.add("people", raw: "null")
    }
    return object.json
  }

  static func describe(_ result: SentimentResult) -> String {
    guard let probability = result.probability else { return "unsupported (\(result.reason ?? ""))" }
    let opinion = result.opinion.map { String(format: " (opinion %.2f)", $0) } ?? ""
    return String(format: "%@ %.2f", result.label.rawValue, probability) + opinion
  }

  static func text(
    source: String, result: SentimentResult, reviews: [(ReviewItem, SentimentResult)],
    comments: [(Comment, SentimentResult)] = [], names: (entities: [EntityMention], people: [Person])?
  ) -> String {
    var lines = ["\(source): \(describe(result))"]
    // The sentences that pulled hardest either way: P(positive), then P(opinion) when known.
    let ranked = result.sentences.sorted { abs($0.positive - 0.5) > abs($1.positive - 0.5) }.prefix(5)
    for sentence in ranked {
      let excerpt = sentence.text.count > 100 ? String(sentence.text.prefix(97)) + "…" : sentence.text
      let scores =
        String(format: "  %.2f  ", sentence.positive) + (sentence.opinion.map { String(format: "%.2f  ", $0) } ?? "")
      lines.append(scores + excerpt.replacingOccurrences(of: "\n", with: " "))
    }
    for (review, result) in reviews {
      var line = "  review"
      if let author = review.author { line += " by \(author)" }
      if let rating = review.rating {
        line += String(format: ", rated %g", rating) + (review.bestRating.map { String(format: "/%g", $0) } ?? "")
      }
      lines.append(line + ": " + describe(result))
    }
    for (comment, result) in comments {
      lines.append("  comment by \(comment.author)\(comment.date.map { " on \($0)" } ?? ""): " + describe(result))
    }
    if let names {
      if !names.people.isEmpty {
        lines.append("  people: " + names.people.map { "\($0.name) (\($0.mentions))" }.joined(separator: ", "))
      }
      var others: [String] = []
      for entity in names.entities where entity.type != "PER" {
        let label = "\(entity.type) \(entity.text)"
        if !others.contains(label) { others.append(label) }
      }
      if !others.isEmpty { lines.append("  names: " + others.joined(separator: ", ")) }
    }
    return lines.joined(separator: "\n")
  }
}
