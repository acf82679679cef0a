import ArgumentParser
import RecurFetch
import RecurJobs

struct Extract: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the main text and metadata of one page.",
    discussion: """
      FILE may be .html or .html.gz; a URL is fetched first (with the default fetch \
      settings). The main text is chosen by the block model (models/extract: a logistic \
      reading of each block and a bidirectional recurrent tagger over the page's sequence \
      of blocks). Readers' comments under an article (comment markup, or blocks naming a \
      writer inside a comments section) are taken out of the text and listed apart, each \
      with its writer, date and position; on a forum thread the posts are the text. With \
      --json: one object with the keys url, canonical_url, title, authors, published, \
      language, site_name, description, kind, text, reviews, comments ([{author, date, \
      position, text}]), subjects ([{name, type}]: the products, works, businesses and \
      places the page's schema.org markup names, with their schema.org type), encoding, \
      encoding_source, method, reason. Exit 1 when no main text was found.

      Example: recur extract --json jobs/demo/pages/lantern-kettle-review.html
      """
  )

  @Argument(help: "A file (.html or .html.gz) or an http(s) URL.")
  var source: String

  @Flag(help: "Print one JSON object.")
  var json = false

  @Option(help: "The block model folder (default: the shipped models/extract, when found).")
  var extractModel: String?

  @Flag(help: "Pick the main text by the rules alone, without the block model.")
  var rules = false

  mutating func run() throws {
    let model = try loadBlockModel(folder: extractModel, rulesOnly: rules)
    let status = try ExtractCommand(source: source, json: json, blockModel: model).run(
      fetcher: CurlFetcher(), write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Evaluate a stage against reference data.",
    subcommands: [EvalExtract.self, EvalSentiment.self, EvalNames.self]
  )
}

struct EvalExtract: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extract",
    abstract: "Word-level F1 of main-text extraction over a WCXB-layout folder.",
    discussion: """
      The folder holds index.tsv, html/ID.html.gz and ground-truth/ID.json. Prints the \
      mean F1 (with precision and recall) over the pages with a full reference text, \
      overall and per page type; where pages have with[]/without[] snippets, the share \
      found and kept and the snippet precision and F1 (trafilatura's evaluation); title, \
      author and date accuracy; and MB/s. With a meta.tsv beside index.tsv (a lang or \
      en_stopword_ratio column), English pages and other languages are also scored apart. \
      Pages are scored as the field does: lower-cased word runs, multiset overlap.

      Example: recur eval extract --data ../shared/data/wcxb
      """
  )

  @Option(help: "The WCXB-layout folder.")
  var data: String

  @Option(help: "Only the first N pages of index.tsv.")
  var limit: Int?

  @Flag(help: "Print one JSON object.")
  var json = false

  @Flag(name: .customLong("pages"), help: "Also print each page's F1, precision and recall.")
  var perPage = false

  @Option(help: "The block model folder (default: the shipped models/extract, when found).")
  var extractModel: String?

  @Flag(help: "Pick the main text by the rules alone, without the block model.")
  var rules = false

  mutating func run() throws {
    let model = try loadBlockModel(folder: extractModel, rulesOnly: rules)
    _ = try EvalExtractCommand(folder: data, json: json, limit: limit, perPage: perPage, blockModel: model)
      .run(write: Console.out)
  }
}
