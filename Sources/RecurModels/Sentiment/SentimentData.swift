import Foundation
import RecurNN
import RecurText

/// One labelled text. For `.polarity`, label 0 is negative and 1 positive; for `.opinion`,
/// 0 is objective (states facts) and 1 subjective (expresses an opinion).
public struct SentimentExample: Sendable, Equatable {
  public enum Task: Int, Sendable, CaseIterable {
    case polarity = 0
    case opinion = 1
  }

  public var label: Int
  public var text: String
  public var task: Task
  public init(label: Int, text: String, task: Task = .polarity) {
    self.label = label
    self.text = text
    self.task = task
  }
}

/// The sentiment files the project reads:
/// - `label<TAB>text` per line (or `text<TAB>label`, as the UCI labelled sentences), label
///   `pos`/`neg`/`1`/`0` (polarity) or `subjective`/`objective`
///   (opinion). The text is raw, or tokenized and lower-cased SST style (`it 's`,
///   `-lrb-`): a file whose rows mostly look tokenized is turned back into plain text so
///   that RecurText's tokenizer gives the tokens it gives for raw text, and the number
///   placeholders of such sets (`_num_`, `num_num`) become a number;
/// - the IMDb layout: a header `label<TAB>rating<TAB>id<TAB>text`, raw review text
///   with literal `<br />` line breaks, which become paragraph breaks;
/// - a file named `*.csv`: comma- (or semicolon-) separated values as spreadsheets export
///   them, with a header naming the text and label columns (`parseCSV`);
/// - a file named `*.jsonl`: one JSON object a row, as dataset libraries export them
///   (`parseJSONLines`).
public enum SentimentData {
  public static let labels = ["negative", "positive"]
  public static let opinionLabels = ["objective", "subjective"]

  /// How a file's text is written: `nil` decides from the rows (`looksTokenized`).
  public static func load(_ path: String, tokenized: Bool? = nil) throws(DataFileError) -> [SentimentExample] {
    try parse(readTextFile(path), name: path, tokenized: tokenized)
  }

  /// Whether most rows read like Penn Treebank tokens (`word , word`, `does n't`, `it 's`):
  /// more than half of the first 500 carry such a mark and none of them has an upper-case letter.
  public static func looksTokenized(_ texts: [Substring]) -> Bool {
    let sample = texts.prefix(500)
    guard !sample.isEmpty else { return false }
    let marks = [" , ", " . ", " n't ", " 's ", " ! ", " ? "]
    var marked = 0
    for text in sample {
      if text.contains(where: \.isUppercase) { return false }
      let padded = " " + text + " "
      if marks.contains(where: { padded.contains($0) }) { marked += 1 }
    }
    return marked * 2 > sample.count
  }

  public static func parse(
    _ contents: String, name: String, tokenized: Bool? = nil
  ) throws(DataFileError) -> [SentimentExample] {
    if name.lowercased().hasSuffix(".csv") { return try parseCSV(contents, name: name, tokenized: tokenized) }
    if name.lowercased().hasSuffix(".jsonl") {
      return try parseJSONLines(contents, name: name, tokenized: tokenized)
    }
    var lines = contents.fileLines
    var textColumn = 1
    var raw = false
    if let header = lines.first, header.hasPrefix("label\t") {
      let columns = header.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      guard let column = columns.firstIndex(of: "text") else {
        throw DataFileError("\(name): the header names no text column")
      }
      textColumn = column
      raw = true
      lines.removeFirst()
    }
    var rows: [(label: Int, task: SentimentExample.Task, text: Substring)] = []
    // `text<TAB>label` (as the UCI labelled-sentence files are written) when the first row's
    // first field is no label and its last one is, or under a `sentence<TAB>label` header
    // (GLUE's); every row then follows that layout.
    var labelLast: Bool?
    var skipped = 0
    let header = lines.first?.lowercased().split(separator: "\t").map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    if !raw, let header, header.count == 2, ["sentence", "text", "review"].contains(header[0]), header[1] == "label" {
      labelLast = true
      skipped = 1
      lines.removeFirst()
    }
    for (offset, line) in lines.enumerated() {
      let lineNumber = offset + (raw ? 2 : 1) + skipped
      let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
      if trimmed.allSatisfy(\.isWhitespace) { continue }
      if labelLast == nil {
        labelLast =
          !raw && labelAndTask(trimmed.prefix { $0 != "\t" }) == nil && trimmed.contains("\t")
          && labelAndTask(trimmed.split(separator: "\t", omittingEmptySubsequences: false).last ?? "") != nil
      }
      var fields = trimmed.split(separator: "\t", maxSplits: raw ? textColumn : 1, omittingEmptySubsequences: false)
      if labelLast == true, let tab = trimmed.lastIndex(of: "\t") {
        fields = [trimmed[trimmed.index(after: tab)...], trimmed[..<tab]]
      }
      guard fields.count > textColumn else {
        let layout = labelLast == true ? "text<TAB>label" : "label<TAB>text"
        throw DataFileError("\(name):\(lineNumber): expected \(layout), found \(fields.count) field(s)")
      }
      let label = String(fields[0])
      try append(&rows, label: label, shown: label, text: fields[textColumn], at: "\(name):\(lineNumber)")
    }
    return try examples(rows, raw: raw, name: name, tokenized: tokenized)
  }

  /// A file's rows as examples: raw review text with its `<br />` breaks as paragraphs,
  /// or tokenized text made plain again (`looksTokenized`, unless `tokenized` says).
  static func examples(
    _ rows: [(label: Int, task: SentimentExample.Task, text: Substring)], raw: Bool, name: String, tokenized: Bool?
  ) throws(DataFileError) -> [SentimentExample] {
    guard !rows.isEmpty else { throw DataFileError("\(name) holds no labelled rows") }
    let treebank = !raw && (tokenized ?? looksTokenized(rows.map(\.text)))
    return rows.map { row in
      let text = String(row.text)
      return SentimentExample(
        label: row.label, text: raw ? plainReview(text) : treebank ? plainFromTreebank(text) : text, task: row.task)
    }
  }

  /// Header names of a CSV file's text and label columns (compared in lower case).
  static let csvTextColumns = ["text", "review", "sentence", "content", "body", "comment"]
  static let csvLabelColumns = ["label", "sentiment", "polarity", "class"]

  /// A JSON-lines file, one object a row, as dataset libraries export them (`{"text": "…",
  /// "label": 1}`): the text under one of the CSV header names (`text`, `review`, `sentence`,
  /// …), the label under `label`, `sentiment`, `polarity` or `class`, a string (`pos`,
  /// `negative`, `subjective`, …) or the number 0 or 1. Other keys are ignored.
  static func parseJSONLines(_ contents: String, name: String, tokenized: Bool?) throws(DataFileError)
    -> [SentimentExample]
  {
    var rows: [(label: Int, task: SentimentExample.Task, text: Substring)] = []
    for (line, object) in try jsonLineObjects(contents, name: name, example: #"{"text": …, "label": …}"#) {
      let at = "\(name):\(line)"
      guard let text = csvTextColumns.lazy.compactMap({ object[$0] as? String }).first else {
        throw DataFileError("\(at): no text string under \(csvTextColumns.joined(separator: ", "))")
      }
      guard let value = csvLabelColumns.lazy.compactMap({ object[$0] }).first else {
        throw DataFileError("\(at): no label under \(csvLabelColumns.joined(separator: ", "))")
      }
      let field: String? =
        if let string = value as? String { string } else if let number = jsonWholeNumber(value) {
          String(number)
        } else { nil }
      try append(&rows, label: field, shown: String(describing: value), text: text[...], at: at)
    }
    return try examples(ofTexts: rows, name: name, tokenized: tokenized)
  }

  /// Appends a row of a labelled file; a label none of the known ones (`shown` as written),
  /// or of the other task than the rows before, is refused.
  static func append(
    _ rows: inout [(label: Int, task: SentimentExample.Task, text: Substring)], label field: String?, shown: String,
    text: Substring, at: String
  ) throws(DataFileError) {
    guard let field, let (label, task) = labelAndTask(field[...]) else {
      throw DataFileError(
        "\(at): label '\(shown.prefix(20))' is none of pos, neg, positive, negative, 1, 0, subjective, objective")
    }
    if let first = rows.first, first.task != task {
      throw DataFileError("\(at): polarity and subjectivity labels in one file")
    }
    rows.append((label, task, text))
  }

  /// Rows of a file that says nothing of how its text is written: plain text, unless the
  /// rows look tokenized (or `tokenized` says).
  static func examples(
    ofTexts rows: [(label: Int, task: SentimentExample.Task, text: Substring)], name: String, tokenized: Bool?
  ) throws(DataFileError) -> [SentimentExample] {
    let treebank = tokenized ?? looksTokenized(rows.map(\.text))
    return try examples(rows, raw: !treebank, name: name, tokenized: treebank)
  }

  /// A CSV file as a spreadsheet exports it (`csvRecords`; fields split at `;` when the
  /// first line holds semicolons and no comma): a header naming the text column (`text`,
  /// `review`, `sentence`, …) and the label column (`label`, `sentiment`, `polarity`,
  /// `class`), other columns ignored; or no header and two columns, label and text in
  /// either order (decided by the first row). The text is read as raw text (a review's
  /// `<br />` breaks become paragraphs) unless the rows look tokenized.
  static func parseCSV(_ contents: String, name: String, tokenized: Bool?) throws(DataFileError)
    -> [SentimentExample]
  {
    let firstLine = contents.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" }
    var separator: Unicode.Scalar = firstLine.contains(";") && !firstLine.contains(",") ? ";" : ","
    var body = contents
    var firstLineNumber = 1
    // Excel may write the separator on a line of its own first: `sep=;`.
    if firstLine.unicodeScalars.count == 5, firstLine.lowercased().hasPrefix("sep="),
      let given = firstLine.unicodeScalars.last
    {
      separator = given
      body = String(contents.dropFirst(firstLine.count + 1))
      firstLineNumber = 2
    }
    var records = try csvRecords(body, separator: separator, name: name, firstLine: firstLineNumber)
    guard let first = records.first else { throw DataFileError("\(name) holds no labelled rows") }
    let names = first.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
    var textColumn = 1
    var labelColumn = 0
    if let text = names.firstIndex(where: csvTextColumns.contains),
      let label = names.firstIndex(where: csvLabelColumns.contains)
    {
      (textColumn, labelColumn) = (text, label)
      records.removeFirst()
    } else if names.contains(where: { csvTextColumns.contains($0) || csvLabelColumns.contains($0) }) {
      throw DataFileError(
        "\(name):\(first.line): the header must name a text column (\(csvTextColumns.joined(separator: ", "))) "
          + "and a label column (\(csvLabelColumns.joined(separator: ", "))); it names \(names.joined(separator: ", "))"
      )
    } else if first.fields.count == 2, labelAndTask(first.fields[0][...]) == nil,
      labelAndTask(first.fields[1][...]) != nil
    {
      (textColumn, labelColumn) = (0, 1)
    } else if first.fields.count < 2 || labelAndTask(first.fields[0][...]) == nil {
      throw DataFileError(
        "\(name):\(first.line): the first row is neither a header naming the text column "
          + "(\(csvTextColumns.joined(separator: ", "))) and the label column "
          + "(\(csvLabelColumns.joined(separator: ", "))) nor a label and a text")
    }
    var rows: [(label: Int, task: SentimentExample.Task, text: Substring)] = []
    for record in records {
      guard record.fields.count > max(textColumn, labelColumn) else {
        throw DataFileError(
          "\(name):\(record.line): expected at least \(max(textColumn, labelColumn) + 1) fields, "
            + "found \(record.fields.count)")
      }
      let field = record.fields[labelColumn]
      try append(&rows, label: field, shown: field, text: record.fields[textColumn][...], at: "\(name):\(record.line)")
    }
    return try examples(ofTexts: rows, name: name, tokenized: tokenized)
  }

  /// A row's label and task from its label field (`pos`, `positive`, `1`, `neg`, …), or nil.
  static func labelAndTask(_ field: Substring) -> (Int, SentimentExample.Task)? {
    switch field.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
    case "pos", "positive", "1": (1, .polarity)
    case "neg", "negative", "0": (0, .polarity)
    case "subjective", "subj": (1, .opinion)
    case "objective", "obj": (0, .opinion)
    default: nil
    }
  }

  /// IMDb review text with its `<br />` tags as paragraph breaks.
  public static func plainReview(_ text: String) -> String {
    guard text.contains("<br") else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count)
    var rest = Substring(text)
    while let range = rest.range(of: "<br") {
      out += rest[..<range.lowerBound]
      var after = rest[range.upperBound...]
      if after.hasPrefix(" />") {
        after = after.dropFirst(3)
      } else if after.hasPrefix("/>") {
        after = after.dropFirst(2)
      } else if after.hasPrefix(">") {
        after = after.dropFirst(1)
      } else {
        out += "<br"
        rest = after
        continue
      }
      out += "\n\n"
      rest = after
    }
    return out + rest
  }

  static let treebankSymbols = [
    "-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}", "``": "\"", "''": "\"",
    "`": "'",
  ]
  static let attachLeft: Set<String> = [
    ".", ",", ";", ":", "!", "?", "...", ")", "]", "}", "%", "n't", "'s", "'re", "'ve", "'ll", "'d", "'m", "'",
  ]
  static let attachRight: Set<String> = ["(", "[", "{", "$"]

  /// Number placeholders of tokenized review sets.
  static let numberPlaceholders: Set<String> = ["_num_", "num_num", "<num>"]

  /// Penn Treebank tokens (`it 's`, `does n't`, `-lrb-`, `` `` ``) → the plain text they
  /// came from, near enough that the tokenizer splits it back into the same words.
  public static func plainFromTreebank(_ text: String) -> String {
    var out = ""
    var glueNext = true
    var openQuote = false
    for raw in text.split(separator: " ") {
      var token = treebankSymbols[String(raw)] ?? (numberPlaceholders.contains(String(raw)) ? "2" : String(raw))
      token = token.replacingOccurrences(of: "\\/", with: "/").replacingOccurrences(of: "\\*", with: "*")
      var left = attachLeft.contains(token)
      var right = attachRight.contains(token)
      if token == "\"" {
        // Quotes alternate: an opening one sticks to the next word, a closing one to the last.
        left = openQuote
        right = !openQuote
        openQuote.toggle()
      }
      if !(glueNext || left) { out += " " }
      out += token
      glueNext = right
    }
    return out
  }

  /// A review's title: the text before the first `". "` of a row written `title. review`
  /// (the Blitzer and Amazon-instrument files), when it holds one to fifteen words and
  /// a review follows; nil otherwise.
  public static func title(of text: String) -> String? {
    guard let end = text.range(of: ". ") else { return nil }
    let title = text[..<end.lowerBound].trimmingCharacters(in: .whitespaces)
    let review = text[end.upperBound...].trimmingCharacters(in: .whitespaces)
    guard title.count >= 2, (1...15).contains(title.split(separator: " ").count), !review.isEmpty else {
      return nil
    }
    return title
  }

  /// The titles of `examples` (those that have one, `title(of:)`) as rows of their own,
  /// each with its review's label.
  public static func titles(_ examples: [SentimentExample]) -> [SentimentExample] {
    examples.compactMap { example in
      title(of: example.text).map { SentimentExample(label: example.label, text: $0, task: example.task) }
    }
  }

  /// The sentences of `examples`' texts as rows of their own, each with its text's label
  /// (distant supervision: a sentence of a positive review is read as positive): of texts
  /// of two sentences or more, those of `tokens` RecurText tokens that end in `.`, `!` or
  /// `?`. A review's verdict is spread over its sentences, and a model that only ever sees
  /// whole reviews is never told what one plain sentence of a good review says (`It wakes
  /// in less than a second.`); the star-labelled Yelp and Amazon sentences are built the
  /// same way.
  public static func sentences(
    _ examples: [SentimentExample], tokens allowed: ClosedRange<Int> = 4...20, tokenizer: Tokenizer = Tokenizer()
  ) -> [SentimentExample] {
    var rows: [SentimentExample] = []
    for example in examples where example.task == .polarity {
      let scalars = Array(example.text.unicodeScalars)
      let tokens = tokenizer.tokenize(example.text)
      let ranges = Segmentation.sentences(tokens, in: scalars)
      guard ranges.count >= 2 else { continue }
      for range in ranges where allowed.contains(range.count) {
        guard let last = tokens[range].last?.text, [".", "!", "?"].contains(last) else { continue }
        let text = Segmentation.text(scalars, tokens[range.lowerBound].start, tokens[range.upperBound - 1].end)
        rows.append(SentimentExample(label: example.label, text: text, task: .polarity))
      }
    }
    return rows
  }

  /// Splits off `fraction` of `examples` by a fixed `seed`, for a dev set. Texts that also
  /// occur in the training part are dropped from the dev part (IMDb repeats some reviews).
  public static func holdOut(
    _ examples: [SentimentExample], fraction: Double, seed: UInt64
  ) -> (train: [SentimentExample], dev: [SentimentExample]) {
    var order = Array(examples.indices)
    var rng = SeededGenerator(seed: seed)
    rng.shuffle(&order)
    let devCount = Int((Double(examples.count) * fraction).rounded())
    let devIndices = Set(order.prefix(devCount))
    var train: [SentimentExample] = []
    var dev: [SentimentExample] = []
    for (index, example) in examples.enumerated() {
      if devIndices.contains(index) { dev.append(example) } else { train.append(example) }
    }
    let trainTexts = Set(train.map(\.text))
    return (train, dev.filter { !trainTexts.contains($0.text) })
  }
}
