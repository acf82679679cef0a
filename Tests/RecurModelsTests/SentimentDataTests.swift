import Foundation
import RecurModels
import RecurText
import XCTest

/// Reading the sentiment files: SST's treebank text back to plain text, the IMDb layout,
/// the held-out split, and refusals with a line number.
final class SentimentDataTests: XCTestCase {
  func testTreebankTextTokenizesLikeRawText() {
    let cases = [
      ("it 's a -lrb- very -rrb- good film , is n't it ?", "it's a (very) good film, isn't it?"),
      ("`` wow '' , she said .", "\"wow\", she said."),
      ("the writer\\/director does n't care", "the writer/director doesn't care"),
    ]
    let tokenizer = Tokenizer()
    for (treebank, raw) in cases {
      let restored = SentimentData.plainFromTreebank(treebank)
      XCTAssertEqual(restored, raw)
      XCTAssertEqual(tokenizer.tokenize(restored).map(\.text), tokenizer.tokenize(raw).map(\.text))
    }
    XCTAssertEqual(
      tokenizer.tokenize(SentimentData.plainFromTreebank("it 's not bad")).map(\.text), ["it", "'s", "not", "bad"])
  }

  func testBothLayoutsAreRead() throws {
    let sst = try SentimentData.parse("pos\ta fine -lrb- small -rrb- film .\nneg\tdull .\n\n", name: "sst.tsv")
    XCTAssertEqual(
      sst, [SentimentExample(label: 1, text: "a fine (small) film."), SentimentExample(label: 0, text: "dull.")])
    let imdb = try SentimentData.parse(
      "label\trating\tid\ttext\npos\t9\t0\tGreat.<br /><br />Loved it\tand tabs\nneg\t2\t1\tBad.\n", name: "imdb.tsv")
    XCTAssertEqual(imdb.map(\.label), [1, 0])
    XCTAssertEqual(imdb[0].text, "Great.\n\n\n\nLoved it\tand tabs")
  }

  /// `text<TAB>label` rows (the UCI labelled sentences) and GLUE's `sentence<TAB>label`
  /// header are read as the same rows written label first.
  func testFilesWrittenTextFirstAreRead() throws {
    let labelFirst = try SentimentData.parse("1\tWorks great.\n0\tBroke in a week.\n", name: "a.tsv")
    XCTAssertEqual(labelFirst.map(\.label), [1, 0])
    let uci = try SentimentData.parse("Works great.\t1\r\nBroke in a week.\t0\r\n\n", name: "amazon.txt")
    XCTAssertEqual(uci, labelFirst)
    XCTAssertEqual(try SentimentData.parse("1\tWorks great.\r\n0\tBroke in a week.\r\n", name: "w.tsv"), labelFirst)
    // A byte-order mark before the first row (as editors on Windows write) is not part of it.
    let marked = FileManager.default.temporaryDirectory.appendingPathComponent("recur-bom-\(UUID().uuidString).tsv")
    defer { try? FileManager.default.removeItem(at: marked) }
    try Data("\u{FEFF}1\tWorks great.\r\n0\tBroke in a week.\r\n".utf8).write(to: marked)
    XCTAssertEqual(try SentimentData.load(marked.path), labelFirst)
    let glue = try SentimentData.parse("sentence\tlabel\nworks great .\t1\nbroke in a week .\t0\n", name: "dev.tsv")
    XCTAssertEqual(glue.map(\.label), [1, 0])
    XCTAssertEqual(glue.map(\.text), ["works great.", "broke in a week."])
    XCTAssertThrowsError(try SentimentData.parse("Works great.\t1\nBroke.\tmeh\n", name: "u.txt")) { error in
      XCTAssertTrue("\(error)".contains("u.txt:2"), "\(error)")
    }
    XCTAssertThrowsError(try SentimentData.parse("sentence\tlabel\nfine\t1\nno label here\n", name: "g.tsv")) {
      error in XCTAssertTrue("\(error)".contains("g.tsv:3") && "\(error)".contains("text<TAB>label"), "\(error)")
    }
  }

  func testSpreadsheetCSVFilesAreRead() throws {
    let csv =
      "id,review,sentiment\r\n7,\"Loud, but it works.<br /><br />Five stars.\",positive\r\n"
      + "8,\"The \"\"quiet\"\" mode\nis not quiet.\",negative\r\n\r\n9,Fine,POSITIVE\r\n"
    let rows = try SentimentData.parse(csv, name: "shop.CSV")
    XCTAssertEqual(rows.map(\.label), [1, 0, 1])
    XCTAssertEqual(
      rows.map(\.text), ["Loud, but it works.\n\n\n\nFive stars.", "The \"quiet\" mode\nis not quiet.", "Fine"])
    let bare = try SentimentData.parse("\"Loud, but it works.\",1\nBroke in a week.,0", name: "b.csv")
    XCTAssertEqual(bare.map(\.label), [1, 0])
    XCTAssertEqual(try SentimentData.parse("pos,\"Loud, but it works.\"\nneg,Broke in a week.\n", name: "c.csv"), bare)
    let semicolons = try SentimentData.parse(
      "Text;Label\nLoud, but it works.;pos\nBroke in a week.;neg\n", name: "d.csv")
    XCTAssertEqual(semicolons, bare)
    // Excel's separator line first.
    let excel = "sep=;\r\nText;Label\r\nLoud, but it works.;pos\r\nBroke in a week.;neg\r\n"
    XCTAssertEqual(try SentimentData.parse(excel, name: "x.csv"), bare)
    XCTAssertThrowsError(try SentimentData.parse("sep=;\nText;Label\nfine;pos\nfine;maybe\n", name: "x.csv")) {
      error in XCTAssertTrue("\(error)".contains("x.csv:4: label 'maybe'"), "\(error)")
    }
    // SST-style tokenized text in a CSV file is made plain, as in a TSV file.
    XCTAssertEqual(
      try SentimentData.parse("sentence,label\nit 's fine .,1\n", name: "e.csv").map(\.text), ["it's fine."])
    let refused: [(String, String)] = [
      ("review,label\nfine,pos\n\"never closed,neg\nmore,pos\n", "f.csv:3: a quoted field opens here"),
      ("id,review,stars\n1,fine,5\n", "the header must name a text column"),
      ("review,label\n\"two\nlines\",pos\nfine,maybe\n", "f.csv:4: label 'maybe'"),
      ("review,label\nfine\n", "f.csv:2: expected at least 2 fields"),
      ("Review Text,Stars\nfine,5\n", "f.csv:1: the first row is neither a header"),
      ("review,label\n", "holds no labelled rows"),
    ]
    for (contents, message) in refused {
      XCTAssertThrowsError(try SentimentData.parse(contents, name: "f.csv")) { error in
        XCTAssertTrue("\(error)".contains(message), "\(error)")
      }
    }
  }

  func testJSONLinesAsDatasetLibrariesExportThemAreRead() throws {
    let lines = [
      #"{"text": "Loud, but it works.<br /><br />Five stars.", "label": 1, "idx": 0}"#, "",
      #"{"sentence": "Broke in a week.", "sentiment": "negative"}"#,
    ]
    let rows = try SentimentData.parse(lines.joined(separator: "\r\n"), name: "hub.jsonl")
    XCTAssertEqual(rows.map(\.label), [1, 0])
    XCTAssertEqual(rows.map(\.text), ["Loud, but it works.\n\n\n\nFive stars.", "Broke in a week."])
    let refused: [(String, String)] = [
      (#"{"text": "fine", "label": 3}"#, "j.jsonl:1: label '3' is none of"),
      (#"{"text": "fine", "label": true}"#, "is none of"),
      (#"{"text": "fine"}"#, "no label under"),
      (#"{"title": "fine", "label": 1}"#, "no text string"),
      ("pos\tfine", "j.jsonl:1: not a JSON object"),
      (#"{"text": "fine", "label": 1}"# + "\n" + #"{"text": "a fact", "label": "objective"}"#, "j.jsonl:2: polarity"),
    ]
    for (contents, message) in refused {
      XCTAssertThrowsError(try SentimentData.parse(contents, name: "j.jsonl")) { error in
        XCTAssertTrue("\(error)".contains(message), "\(contents): \(error)")
      }
    }
  }

  func testMalformedFilesAreRefusedWithTheLine() {
    XCTAssertThrowsError(try SentimentData.parse("pos\tgood\nmaybe\tfine\n", name: "x.tsv")) { error in
      XCTAssertTrue("\(error)".contains("x.tsv:2"), "\(error)")
    }
    XCTAssertThrowsError(try SentimentData.parse("pos good, no tab\n", name: "x.tsv")) { error in
      XCTAssertTrue("\(error)".contains("x.tsv:1"), "\(error)")
    }
    XCTAssertThrowsError(try SentimentData.parse("\n\n", name: "empty.tsv"))
    XCTAssertThrowsError(try SentimentData.parse("label\trating\tid\nneg\t1\t2\n", name: "h.tsv"))
    XCTAssertThrowsError(try SentimentData.load("/nonexistent/file.tsv"))
    XCTAssertThrowsError(try SentimentData.load(FileManager.default.temporaryDirectory.path)) { error in
      XCTAssertTrue("\(error)".contains("is a folder, not a file"), "\(error)")
    }
  }

  func testTitlesAreTheTextBeforeTheFirstFullStop() {
    XCTAssertEqual(SentimentData.title(of: "Works great. I use it every day."), "Works great")
    XCTAssertEqual(SentimentData.title(of: "Not bad at all!. Cheap, and it does the job."), "Not bad at all!")
    XCTAssertNil(SentimentData.title(of: "No title here, one sentence only."), "no review after the title")
    XCTAssertNil(SentimentData.title(of: "A. Then the review."), "a one-letter title is a cut initial")
    let long = (1...16).map { "word\($0)" }.joined(separator: " ")
    XCTAssertNil(SentimentData.title(of: long + ". The review."), "more than fifteen words is no title")
    let rows = [
      SentimentExample(label: 1, text: "Five stars. Lovely kettle."),
      SentimentExample(label: 0, text: "no title"),
    ]
    XCTAssertEqual(SentimentData.titles(rows), [SentimentExample(label: 1, text: "Five stars")])
  }

  func testSentencesOfAReviewAreRowsWithItsLabel() {
    let rows = [
      SentimentExample(label: 1, text: "It wakes in less than a second. Great screen! Battery lasts all day, mostly"),
      SentimentExample(label: 0, text: "The hinge cracked within a week."),
      SentimentExample(label: 0, text: "Ok. Returned it after the keyboard failed twice. Would I buy again? No."),
      SentimentExample(label: 1, text: "Subjective text, one sentence. Another one here.", task: .opinion),
    ]
    // A one-sentence review is its own sentence (no new row); a sentence of fewer than four
    // tokens or one without a closing mark is left out; an opinion row gives none.
    XCTAssertEqual(
      SentimentData.sentences(rows),
      [
        SentimentExample(label: 1, text: "It wakes in less than a second."),
        SentimentExample(label: 0, text: "Returned it after the keyboard failed twice."),
        SentimentExample(label: 0, text: "Would I buy again?"),
      ])
    XCTAssertEqual(SentimentData.sentences(rows, tokens: 4...6).map(\.text), ["Would I buy again?"])
  }

  func testHoldOutIsFixedBySeedAndDropsRepeatedTexts() {
    var rows = (0..<100).map { SentimentExample(label: $0 % 2, text: "review \($0)") }
    rows.append(contentsOf: (0..<10).map { SentimentExample(label: $0 % 2, text: "review \($0)") })
    let first = SentimentData.holdOut(rows, fraction: 0.1, seed: 13)
    let second = SentimentData.holdOut(rows, fraction: 0.1, seed: 13)
    XCTAssertEqual(first.dev, second.dev)
    XCTAssertEqual(first.train.count, 99)
    let trainTexts = Set(first.train.map(\.text))
    XCTAssertTrue(first.dev.allSatisfy { !trainTexts.contains($0.text) })
    XCTAssertLessThanOrEqual(first.dev.count, 11)
    XCTAssertNotEqual(SentimentData.holdOut(rows, fraction: 0.1, seed: 14).dev, first.dev)
  }

  func testOpinionLabelsAndTokenizedFilesAreTold() throws {
    let subj = try SentimentData.parse(
      "subjective\ta small gem , is n't it ?\nobjective\the moves to paris .\n", name: "subj.tsv")
    XCTAssertEqual(subj.map(\.task), [.opinion, .opinion])
    XCTAssertEqual(subj.map(\.label), [1, 0])
    XCTAssertEqual(subj[0].text, "a small gem, isn't it?")
    // Raw text stays as written: no treebank rules on it.
    let raw = try SentimentData.parse("pos\tGreat kettle . Works \"as promised\" - 10/10\n", name: "raw.tsv")
    XCTAssertEqual(raw[0].text, "Great kettle . Works \"as promised\" - 10/10")
    XCTAssertEqual(raw[0].task, .polarity)
    // Number placeholders of tokenized sets become a number.
    let yelp = try SentimentData.parse("pos\twaited _num_ minutes , worth it .\n", name: "yelp.tsv")
    XCTAssertEqual(yelp[0].text, "waited 2 minutes, worth it.")
    XCTAssertThrowsError(try SentimentData.parse("pos\tgood .\nobjective\tit is .\n", name: "both.tsv")) { error in
      XCTAssertTrue("\(error)".contains("both.tsv:2"), "\(error)")
    }
    XCTAssertTrue(SentimentData.looksTokenized(["it 's fine .", "good , cheap"]))
    XCTAssertFalse(SentimentData.looksTokenized(["It 's fine .", "good , cheap"]), "upper case is raw text")
    XCTAssertFalse(SentimentData.looksTokenized(["it's fine.", "good, cheap"]))
  }

  /// Pages in the WCXB layout: the prose sentences of the chosen page types' reference
  /// texts, each line a paragraph; headings, menus, code and pages in other languages left
  /// out; a missing reference or no page of the type is refused.
  func testPageSentencesAreTheProseOfTheChosenPageTypes() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pages-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("ground-truth"), withIntermediateDirectories: true)
    func page(_ id: String, _ text: String) throws {
      let json = try JSONSerialization.data(withJSONObject: ["ground_truth": ["main_content": text]])
      try json.write(to: folder.appendingPathComponent("ground-truth/\(id).json"))
    }
    try page(
      "0001",
      """
      Installing the tool
      Run the installer and follow the steps on the screen. It is first.
      Home | Docs | Blog
      let x = compute(a, b) + 1;
      Each setting is stored in the file named in the second column of the table.
      """)
    try page("0002", "This is the article that is not in the chosen type of page at all.")
    try page("0003", "Die Einstellung wird in der Datei gespeichert, die in der Tabelle steht und nicht hier.")
    try "file_id\tpage_type\turl\n0001\tdocumentation\tu\n0002\tarticle\tu\n0003\tdocumentation\tu\n".write(
      to: folder.appendingPathComponent("index.tsv"), atomically: true, encoding: .utf8)
    let index = folder.appendingPathComponent("index.tsv").path
    XCTAssertEqual(
      try SentimentData.pageSentences(index: index, pageTypes: ["documentation"]),
      [
        "Run the installer and follow the steps on the screen.",
        "Each setting is stored in the file named in the second column of the table.",
      ])
    XCTAssertThrowsError(try SentimentData.pageSentences(index: index, pageTypes: ["recipe"])) { error in
      XCTAssertTrue("\(error)".contains("no page of type recipe"), "\(error)")
    }
    try "file_id\tpage_type\turl\n0009\tdocumentation\tu\n".write(
      to: folder.appendingPathComponent("index.tsv"), atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try SentimentData.pageSentences(index: index, pageTypes: ["documentation"])) { error in
      XCTAssertTrue("\(error)".contains("index.tsv:2"), "\(error)")
    }
  }
}
