import Foundation
import RecurModels
import XCTest

@testable import RecurJobs

/// `recur train names --mix` and `recur eval names --mix` end to end on toy files written
/// here, the mix file's checks, and the shipped model's scores on every dev file of its mix.
final class NamesCommandLineTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-names-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let words = ["met", "in", "at", "smith", ".", "paris", "oslo", "bought", "a"]
    var values: [Float] = []
    for row in words.indices { for column in 0..<4 { values.append(Float((row * 5 + column * 3) % 7) / 7 - 0.5) } }
    let vectors = folder.appendingPathComponent("vectors")
    try FileManager.default.createDirectory(at: vectors, withIntermediateDirectories: true)
    try words.joined(separator: "\n").write(
      to: vectors.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    try values.withUnsafeBytes { Data($0) }.write(to: vectors.appendingPathComponent("v.f32le"))
    let people = ["Anna", "Bruno", "Chen", "Dara", "Elif", "Femi"]
    let places = ["Paris", "Oslo", "Lima", "Kyiv"]
    // News-like: PER and LOC. Web-like: `person`, and its places unmarked.
    func news(_ count: Int, _ offset: Int) -> String {
      (0..<count).map { index in
        let (a, b, place) = (people[(index + offset) % 6], people[(index / 6 + offset) % 6], places[index % 4])
        return "\(a)\tB-PER\nmet\tO\n\(b)\tB-PER\nin\tO\n\(place)\tB-LOC\n.\tO\n"
      }.joined(separator: "\n")
    }
    func web(_ count: Int, _ offset: Int) -> String {
      (0..<count).map { index in
        let (a, place) = (people[(index + offset) % 6], places[(index + 1) % 4])
        return "@\(a.lowercased())\tB-person\nat\tO\n\(place)\tO\n&amp;\tO\n\(a)\tB-person\n"
      }.joined(separator: "\n")
    }
    try news(60, 0).write(to: folder.appendingPathComponent("news/train.tsv"), createFolder: true)
    try news(12, 1).write(to: folder.appendingPathComponent("news/dev.tsv"), createFolder: false)
    try web(40, 0).write(to: folder.appendingPathComponent("web/train.tsv"), createFolder: true)
    // Two dev sentences that training also holds, which the dev score must leave out.
    try (web(6, 0) + "\n" + web(6, 3)).write(to: folder.appendingPathComponent("web/dev.tsv"), createFolder: false)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func testAMixTrainsOnRenamedPartiallyLabelledSourcesAndEvaluatesEach() throws {
    try """
    # toy mix
    news/train.tsv  1    news/dev.tsv  select=overall:2
    web/train.tsv   0.5  web/dev.tsv   map=person:PER select=PER:1
    """.write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    func train(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
      try RecurCLI.run(
        [
          "train", "names", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"),
          "--no-name-lists", "--hidden", "8", "--epochs", "3", "--batch-size", "8", "--learning-rate", "0.02",
          "--average", "0",
        ] + extra)
    }
    let trained = try train(["--out", path("model")])
    XCTAssertEqual(trained.status, 0, trained.err)
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("model/card.json")))
      as! [String: Any]
    XCTAssertEqual((card["vocabularies"] as? [String: [String]])?["tags"], ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"])
    let data = (card["trainingData"] as? [String]) ?? []
    XCTAssertTrue(data.contains("web/train.tsv: 40 sentences, weight 0.5, types person→PER"), "\(data)")
    XCTAssertTrue(data.contains { $0.hasPrefix("web/dev.tsv: 6 sentences") && $0.contains("6 that also occur") })
    let notes = (card["notes"] as? [String]) ?? []
    XCTAssertTrue(notes.contains("web/train.tsv is trained as partially labelled: its O may hide LOC."), "\(notes)")
    let scores = card["scores"] as! [String: Double]
    for key in ["selection", "f1 overall news/dev.tsv", "f1 PER web/dev.tsv", "f1 LOC news/dev.tsv"] {
      XCTAssertNotNil(scores[key], "\(key) in \(scores)")
    }
    XCTAssertNil(scores["f1 LOC web/dev.tsv"])

    let eval = try RecurCLI.run([
      "eval", "names", "--mix", path("mix.txt"), "--data", path(""), "--model", path("model"), "--json",
    ])
    XCTAssertEqual(eval.status, 0, eval.err)
    let reports = try eval.out.split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    XCTAssertEqual(reports.map { $0["data"] as? String }, ["news/dev.tsv", "web/dev.tsv"])
    XCTAssertEqual(reports[1]["sentences"] as? Int, 6)
    let webF1 = ((reports[1]["per_type"] as! [String: Any])["PER"] as! [String: Any])["f1"] as! Double
    XCTAssertEqual(webF1, scores["f1 PER web/dev.tsv"]!, accuracy: 1e-4)

    // The same mix written with Windows line ends reads as the same sources.
    XCTAssertEqual(
      try NamesMix.parse(
        "# toy mix\r\nnews/train.tsv  1    news/dev.tsv  select=overall:2\r\n"
          + "web/train.tsv 0.5 web/dev.tsv map=person:PER select=PER:1\r\n",
        name: "m"),
      try NamesMix.load(path("mix.txt")))

    // A mix that cannot be used is refused with its line.
    for (text, message) in [
      ("news/train.tsv 1 -\nnews/train.tsv 2 -\n", "mix.txt:2"),
      ("news/train.tsv 0 -\n", "mix.txt:1"),
      ("news/train.tsv 1 - map=person\n", "mix.txt:1"),
      ("news/train.tsv 1 - select=PER\n", "mix.txt:1"),
      ("news/train.tsv 1 - colour=blue\n", "mix.txt:1"),
      ("news/train.tsv 1 news/dev.tsv select=ORG:1\n", "select=ORG"),
      ("missing/file.tsv 1 -\n", "missing/file.tsv"),
      ("# nothing\n", "names no file"),
    ] {
      try text.write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
      let refused = try train(["--out", path("bad")])
      XCTAssertEqual(refused.status, 2, text)
      XCTAssertTrue(refused.err.contains(message), "\(text): \(refused.err)")
    }
    let both = try train(["--out", path("bad"), "--train", path("news/train.tsv")])
    XCTAssertEqual(both.status, 2)
    // A model folder that cannot be written is refused before training, not after it.
    try "news/train.tsv 1 news/dev.tsv\n".write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let unwritable = try train(["--out", path("news/train.tsv") + "/model"])
    XCTAssertEqual(unwritable.status, 2)
    XCTAssertTrue(unwritable.err.contains("cannot create"), unwritable.err)
    XCTAssertFalse(unwritable.err.contains("epoch"), unwritable.err)

    // A file written in WNUT-17's types (`person` here) is scored through the shipped mix's
    // map without being told; --map renames any file's types, and a type the model does not
    // tag is named in the report.
    func evaluate(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
      try RecurCLI.run(["eval", "names", "--data", path("web/dev.tsv"), "--model", path("model")] + extra)
    }
    func report(_ extra: [String]) throws -> [String: Any] {
      let run = try evaluate(["--json"] + extra)
      XCTAssertEqual(run.status, 0, run.err)
      return try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
    }
    let told = try report([])
    XCTAssertEqual(told["types_renamed"] as? [String: String], NamesData.wnut17Types.filter { $0.key == "person" })
    XCTAssertEqual((told["per_type"] as? [String: Any]).map { Array($0.keys) }, ["PER"])
    XCTAssertGreaterThan((((told["per_type"] as! [String: Any])["PER"]) as! [String: Any])["f1"] as! Double, 0)
    let mapped = try report(["--map", "person:PER"])
    XCTAssertEqual(mapped["types_renamed"] as? [String: String], ["person": "PER"])
    XCTAssertEqual(
      NSDictionary(dictionary: mapped["per_type"] as! [String: Any]),
      NSDictionary(dictionary: told["per_type"] as! [String: Any]))
    let unknown = try report(["--map", "person:HUMAN"])
    XCTAssertEqual(unknown["types_not_tagged"] as? [String], ["HUMAN"])
    let text = try evaluate(["--map", "person:HUMAN"])
    XCTAssertTrue(text.out.contains("the model tags no HUMAN"), text.out)
    // A news file in the model's types is scored as it is.
    let news = try RecurCLI.run([
      "eval", "names", "--data", path("news/dev.tsv"), "--model", path("model"), "--json",
    ])
    XCTAssertFalse(news.out.contains("types_renamed"), news.out)
    // Texts marked by offsets (an annotation tool's JSON lines) in OntoNotes' types, as
    // spaCy tags them: renamed onto the model's, dates dropped, the marks' fit reported.
    let marked = [
      #"{"text": "Anna met Bruno in Paris on Monday.", "label": [[0, 4, "PERSON"], [9, 14, "PERSON"], "#
        + #"[18, 23, "GPE"], [27, 33, "DATE"]]}"#,
      #"{"text": "Chen met Dara in Oslo.", "spans": [{"start": 0, "end": 4, "label": "PERSON"}, "#
        + #"{"start": 9, "end": 12, "label": "PERSON"}]}"#,
    ].joined(separator: "\r\n")
    try marked.write(to: folder.appendingPathComponent("web/marked.jsonl"), createFolder: false)
    let offsets = try RecurCLI.run([
      "eval", "names", "--data", path("web/marked.jsonl"), "--model", path("model"), "--json",
    ])
    XCTAssertEqual(offsets.status, 0, offsets.err)
    let read = try JSONSerialization.jsonObject(with: Data(offsets.out.utf8)) as! [String: Any]
    XCTAssertEqual(read["sentences"] as? Int, 2)
    XCTAssertEqual(read["types_renamed"] as? [String: String], ["PERSON": "PER", "GPE": "LOC", "DATE": "-"])
    XCTAssertEqual((read["per_type"] as? [String: Any]).map { Set($0.keys) }, ["PER", "LOC"])
    XCTAssertEqual((((read["per_type"] as! [String: Any])["PER"]) as! [String: Any])["support"] as? Int, 4)
    XCTAssertEqual(read["names_widened"] as? Int, 1, "`Dar` of `Dara` is tagged on its token")
    XCTAssertNil(read["documents"])
    // Each text read as a page, as recur label reads it: the same sentences and marks.
    let pages = try RecurCLI.run([
      "eval", "names", "--data", path("web/marked.jsonl"), "--model", path("model"), "--json", "--documents",
    ])
    XCTAssertEqual(pages.status, 0, pages.err)
    let asPages = try JSONSerialization.jsonObject(with: Data(pages.out.utf8)) as! [String: Any]
    XCTAssertEqual(asPages["documents"] as? Int, 2)
    XCTAssertEqual(asPages["sentences"] as? Int, 2)
    XCTAssertEqual((((asPages["per_type"] as! [String: Any])["PER"]) as! [String: Any])["support"] as? Int, 4)
    let pagesText = try RecurCLI.run([
      "eval", "names", "--data", path("web/marked.jsonl"), "--model", path("model"), "--documents",
    ])
    XCTAssertTrue(pagesText.out.contains("2 texts, each read as a page"), pagesText.out)
    try #"{"tokens": ["Anna", "won"], "ner_tags": ["B-PER", "O"]}"#.write(
      to: folder.appendingPathComponent("web/tokens.jsonl"), createFolder: false)
    for (file, message) in [("web/tokens.jsonl", "no pages"), ("news/dev.tsv", "marked by offsets")] {
      let refused = try RecurCLI.run([
        "eval", "names", "--data", path(file), "--model", path("model"), "--documents",
      ])
      XCTAssertEqual(refused.status, 2, file)
      XCTAssertTrue(refused.err.contains(message), refused.err)
    }
    try #"{"text": "Anna met Bruno.", "label": [[0, 40, "PERSON"]]}"#.write(
      to: folder.appendingPathComponent("web/bad.jsonl"), createFolder: false)
    let outside = try RecurCLI.run(["eval", "names", "--data", path("web/bad.jsonl"), "--model", path("model")])
    XCTAssertEqual(outside.status, 2)
    XCTAssertTrue(outside.err.contains("bad.jsonl:1") && outside.err.contains("≤ 15"), outside.err)
    for bad in ["person", "person:PER,person:LOC", "per son:PER", ""] {
      let refused = try evaluate(["--map", bad])
      XCTAssertEqual(refused.status, 2, bad)
      XCTAssertTrue(refused.err.contains("FROM:TO"), "\(bad): \(refused.err)")
    }
    let withMix = try RecurCLI.run([
      "eval", "names", "--mix", path("mix.txt"), "--data", path(""), "--model", path("model"), "--map", "person:PER",
    ])
    XCTAssertEqual(withMix.status, 2, withMix.err)
  }

  /// `hold-out SHARE`: the file's last sentences, in file order, are its dev set and the rest
  /// trains; a share that leaves one side empty, or none, is refused with the mix's line.
  func testAHeldOutShareIsTheFilesLastSentences() throws {
    // Twenty sentences, each its own; the held-out ones are also in the news file but one.
    let posts = (0..<20).map { "post\tO\n\($0)\tO\nby\tO\nAnna\tB-person\n" }
    try posts.joined(separator: "\n").write(to: folder.appendingPathComponent("web/posts.tsv"), createFolder: false)
    try posts[16].write(to: folder.appendingPathComponent("news/train.tsv"), createFolder: false)
    try "news/train.tsv 1 - select=overall:2\nweb/posts.tsv 0.5 hold-out 0.25 map=person:PER select=PER:1\n".write(
      to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let (sources, notes) = try TrainNamesCommand.gatherSources(
      train: nil, dev: nil, mix: path("mix.txt"), dataFolder: path(""))
    let all = try NamesData.renamingTypes(NamesData.load(path("web/posts.tsv")), ["person": "PER"])
    XCTAssertEqual(all.count, 20)
    XCTAssertEqual(sources.map(\.devName), ["", "web/posts.tsv held out"])
    XCTAssertEqual(sources[1].sentences, Array(all[..<15]))
    XCTAssertEqual(sources[1].dev, Array(all[15...]).filter { $0.tokens[1] != "16" })
    XCTAssertEqual(sources[1].metric, "PER")
    XCTAssertEqual(sources[1].weight, 0.5)
    XCTAssertTrue(notes.contains("web/posts.tsv: 15 sentences, weight 0.5, types person→PER"), "\(notes)")
    XCTAssertTrue(
      notes.contains { $0.hasPrefix("web/posts.tsv held out: 4 sentences") && $0.contains("1 that also occur") })

    for (text, message) in [
      ("web/posts.tsv 1 hold-out\n", "mix.txt:1"),
      ("web/posts.tsv 1 hold-out 0.95\n", "mix.txt:1"),
      ("web/posts.tsv 1 hold-out half\n", "mix.txt:1"),
      ("web/posts.tsv 1 hold-out 0.01\n", "too few to hold 0.01 of them out"),
    ] {
      try text.write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
      XCTAssertThrowsError(
        try TrainNamesCommand.gatherSources(train: nil, dev: nil, mix: path("mix.txt"), dataFolder: path(""))
      ) { error in
        XCTAssertTrue("\(error)".contains(message), "\(text): \(error)")
      }
    }
  }

  /// `--capitalisation-text`: the words the text writes capitalised are kept in the card,
  /// read back with the model, and fed to the network as a feature of every token; without
  /// name lists, or from a file that cannot be read, training is refused with the reason.
  func testCapitalisationTextBecomesAFeatureOfTheModel() throws {
    try "news/train.tsv  1  news/dev.tsv\n".write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    for (file, body) in [
      ("names/dist.male.first", "BRUNO          3.318  3.318      1\n"),
      ("names/dist.female.first", "ANNA           2.629  2.629      1\n"),
      ("names/dist.all.last", "CHEN           1.006  1.006      1\n"),
    ] {
      try body.write(to: folder.appendingPathComponent(file), createFolder: true)
    }
    try """
    pos\tWe met Dara in Oslo. Then Dara left for Lima with Elif.
    neg\tAsk Dara or Elif about Lima and the market.
    pos\tThe market in Lima opens when Elif and Femi say so, said Dara.
    """.write(to: folder.appendingPathComponent("cased.tsv"), createFolder: false)
    func train(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
      try RecurCLI.run(
        [
          "train", "names", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"),
          "--hidden", "8", "--epochs", "1", "--batch-size", "8", "--average", "0", "--out", path("cased"),
        ] + extra)
    }
    let trained = try train(["--names", path("names"), "--capitalisation-text", path("cased.tsv")])
    XCTAssertEqual(trained.status, 0, trained.err)
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("cased/card.json")))
      as! [String: Any]
    XCTAssertEqual((card["architecture"] as? [String: String])?["capitalised"], "true")
    XCTAssertEqual((card["vocabularies"] as? [String: [String]])?["capitalised"], ["DARA", "ELIF", "LIMA"])
    let data = (card["trainingData"] as? [String]) ?? []
    XCTAssertTrue(
      data.contains { $0.hasSuffix("/cased.tsv: 4 sentences of cased text, 3 words usually capitalised (features)") },
      "\(data)")
    let model = try NamesModel.load(directory: path("cased"))
    XCTAssertEqual(model.lists?.capitalised, ["DARA", "ELIF", "LIMA"])
    XCTAssertEqual(model.network.featureCount, NameFeatures.count(readingCapitalisation: true))
    let usually = NameFeatures.names.firstIndex(of: "usually_capitalised")!
    let input = model.input([["met", "dara", "in", "LIMA"]])
    XCTAssertEqual(input.features?[0].map { $0[usually] }, [0, 1, 0, 1])
    XCTAssertEqual(model.tag([["met", "dara", "in", "LIMA"]])[0].tags.count, 4)
    // A card whose `capitalised` is neither `true` nor `uncased` is refused by name.
    let cardURL = folder.appendingPathComponent("cased/card.json")
    let cardText = try String(contentsOf: cardURL, encoding: .utf8)
    let edited = cardText.replacingOccurrences(of: "\"capitalised\" : \"true\"", with: "\"capitalised\" : \"yes\"")
    XCTAssertNotEqual(edited, cardText)
    try edited.write(to: cardURL, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try NamesModel.load(directory: path("cased"))) { error in
      XCTAssertTrue("\(error)".contains("'capitalised'"), "\(error)")
    }
    // Nor is one that reads the words but lost their list.
    var object = try JSONSerialization.jsonObject(with: Data(cardText.utf8)) as! [String: Any]
    var vocabularies = object["vocabularies"] as! [String: Any]
    vocabularies["capitalised"] = nil
    object["vocabularies"] = vocabularies
    try JSONSerialization.data(withJSONObject: object).write(to: cardURL)
    XCTAssertThrowsError(try NamesModel.load(directory: path("cased"))) { error in
      XCTAssertTrue("\(error)".contains("capitalised words the card does not list"), "\(error)")
    }
    try cardText.write(to: cardURL, atomically: true, encoding: .utf8)
    XCTAssertNoThrow(try NamesModel.load(directory: path("cased")))

    let withoutLists = try train(["--no-name-lists", "--capitalisation-text", path("cased.tsv")])
    XCTAssertEqual(withoutLists.status, 2, withoutLists.err)
    XCTAssertTrue(withoutLists.err.contains("needs the name lists"), withoutLists.err)
    let missing = try train(["--names", path("names"), "--capitalisation-text", path("no/such.tsv")])
    XCTAssertEqual(missing.status, 2, missing.err)
    XCTAssertTrue(missing.err.contains("no/such.tsv"), missing.err)
  }

  /// `--members 2`: two networks from seeds 1 and 2 saved as one model, the card's scores
  /// those of the pair (each member's selection beside them), and `eval` reads the pair.
  func testMembersTrainApartAndTagTogether() throws {
    try "news/train.tsv  1  news/dev.tsv\n".write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let trained = try RecurCLI.run([
      "train", "names", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"),
      "--no-name-lists", "--hidden", "8", "--epochs", "2", "--batch-size", "8", "--learning-rate", "0.02",
      "--average", "0", "--members", "2", "--out", path("pair"),
    ])
    XCTAssertEqual(trained.status, 0, trained.err)
    XCTAssertTrue(trained.err.contains("member 2 of 2: seed 2"), trained.err)
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("pair/card.json")))
      as! [String: Any]
    XCTAssertEqual((card["architecture"] as? [String: String])?["members"], "2")
    XCTAssertEqual((card["training"] as? [String: String])?["members"], "2")
    let scores = card["scores"] as! [String: Double]
    for key in ["selection", "member 1 selection", "member 2 selection", "f1 overall news/dev.tsv"] {
      XCTAssertNotNil(scores[key], "\(key) in \(scores)")
    }
    let eval = try RecurCLI.run([
      "eval", "names", "--data", path("news/dev.tsv"), "--model", path("pair"), "--json",
    ])
    XCTAssertEqual(eval.status, 0, eval.err)
    let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
    XCTAssertEqual(
      (report["overall"] as! [String: Any])["f1"] as! Double, scores["f1 overall news/dev.tsv"]!, accuracy: 1e-4)
    let refused = try RecurCLI.run([
      "train", "names", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"),
      "--members", "0", "--out", path("bad"),
    ])
    XCTAssertEqual(refused.status, 2)
  }

  /// `--reading-words`: the vectors' words no training sentence holds join the saved
  /// vocabulary with their rows as loaded, and the card records it; with tuned vectors, or
  /// below 0, it is refused.
  func testWordsTrainingNeverSeesJoinTheVocabularyAsLoaded() throws {
    try "news/train.tsv  1  news/dev.tsv\n".write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let base = [
      "train", "names", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"),
      "--no-name-lists", "--hidden", "8", "--epochs", "1", "--batch-size", "8", "--pretrained-words", "2",
    ]
    let trained = try RecurCLI.run(base + ["--reading-words", "9", "--out", path("reading")])
    XCTAssertEqual(trained.status, 0, trained.err)
    let model = try NamesModel.load(directory: path("reading"))
    XCTAssertEqual(model.card.training?["reading_words"], "9")
    // `at`, `smith`, `bought` and `a` are in no news sentence: they join, in the vectors' order.
    XCTAssertEqual(Array(model.words.words.suffix(4)), ["at", "smith", "bought", "a"])
    let table = model.network.embedding.table.value
    XCTAssertEqual(table.rows, model.words.count)
    let row = model.words.id("bought")
    let loaded: [Float] = (0..<4).map { column in Float((35 + column * 3) % 7) / 7 - 0.5 }
    XCTAssertEqual(Array(table.data[(row * 4)..<(row * 4 + 4)]), loaded)
    for flags in [["--reading-words", "9", "--tune-vectors"], ["--reading-words", "-1"]] {
      let refused = try RecurCLI.run(base + flags + ["--out", path("bad")])
      XCTAssertEqual(refused.status, 2, "\(flags)")
      XCTAssertTrue(refused.err.contains("--reading-words"), refused.err)
    }
  }

  /// `--layers 2 --no-tune-vectors`: the card records both, the loaded vectors are the
  /// word table's rows as given, and the model loads and tags; `eval --predictions`
  /// writes each token with its gold and predicted tag, which score as `eval` reports.
  func testStackedLayersFrozenVectorsAndWrittenPredictions() throws {
    try "news/train.tsv  1  news/dev.tsv\n".write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let trained = try RecurCLI.run([
      "train", "names", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"),
      "--no-name-lists", "--hidden", "8", "--epochs", "2", "--batch-size", "8", "--learning-rate", "0.02",
      "--average", "0", "--layers", "2", "--no-tune-vectors", "--out", path("stacked"),
    ])
    XCTAssertEqual(trained.status, 0, trained.err)
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("stacked/card.json")))
      as! [String: Any]
    XCTAssertEqual((card["architecture"] as? [String: String])?["layers"], "2")
    XCTAssertEqual((card["training"] as? [String: String])?["tune_vectors"], "false")
    let model = try NamesModel.load(directory: path("stacked"))
    XCTAssertEqual(model.network.encoder.forwardLayers.count, 2)
    // `paris` is the vectors file's sixth word: its row is as loaded after training.
    let table = model.network.embedding.table.value
    let row = model.words.id("paris")
    let loaded: [Float] = (0..<4).map { column in Float((25 + column * 3) % 7) / 7 - 0.5 }
    XCTAssertEqual(Array(table.data[(row * 4)..<(row * 4 + 4)]), loaded)
    // A card asking for more layers than a tagger may have, or none, is refused by name
    // before anything is built.
    let cardURL = folder.appendingPathComponent("stacked/card.json")
    let cardText = try String(contentsOf: cardURL, encoding: .utf8)
    for layers in ["5", "9", "0", "two"] {
      let edited = cardText.replacingOccurrences(of: "\"layers\" : \"2\"", with: "\"layers\" : \"\(layers)\"")
      XCTAssertNotEqual(edited, cardText)
      try edited.write(to: cardURL, atomically: true, encoding: .utf8)
      XCTAssertThrowsError(try NamesModel.load(directory: path("stacked"))) { error in
        XCTAssertTrue("\(error)".contains("'layers'"), "\(error)")
      }
    }
    try cardText.write(to: cardURL, atomically: true, encoding: .utf8)

    let written = path("predictions.txt")
    let eval = try RecurCLI.run([
      "eval", "names", "--data", path("news/dev.tsv"), "--model", path("stacked"), "--json", "--predictions", written,
    ])
    XCTAssertEqual(eval.status, 0, eval.err)
    let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
    let sentences = try String(contentsOfFile: written, encoding: .utf8).components(separatedBy: "\n\n")
      .filter { !$0.isEmpty }
    XCTAssertEqual(sentences.count, 12)
    let gold = try NamesData.load(path("news/dev.tsv"))
    var evaluation = EntityEvaluation()
    for (sentence, text) in zip(gold, sentences) {
      let rows = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
      XCTAssertEqual(rows.map { $0[0] }, sentence.tokens)
      XCTAssertEqual(rows.map { $0[1] }, sentence.tags)
      evaluation.add(gold: sentence.tags, predicted: rows.map { $0[2] }, types: ["PER", "LOC"])
    }
    XCTAssertEqual(evaluation.overall.f1, (report["overall"] as! [String: Any])["f1"] as! Double, accuracy: 1e-4)

    let unwritable = try RecurCLI.run([
      "eval", "names", "--data", path("news/dev.tsv"), "--model", path("stacked"), "--predictions",
      path("no/such/folder/p.txt"),
    ])
    XCTAssertEqual(unwritable.status, 3, unwritable.err)
    XCTAssertTrue(unwritable.err.contains("cannot write the predictions"), unwritable.err)
  }

  /// Every dev score in the shipped card, recomputed on the dev files of its mix.
  func testTheShippedScoresOnEveryDevFileOfTheMixHold() throws {
    let repository = RecurCLI.repository
    let data = try RecurCLI.sharedData(holding: "wnut17/dev.tsv")
    let model = try NamesModel.load(directory: repository.appendingPathComponent("models/names").path)
    let sources = try TrainNamesCommand.gatherSources(
      train: nil, dev: nil, mix: repository.appendingPathComponent("training/names.mix").path, dataFolder: data
    ).sources
    var checked = 0
    for source in sources where !source.dev.isEmpty {
      let evaluation = NamesTrainer.evaluate(model, on: source.dev)
      let recorded = model.card.scores.filter { $0.key.hasPrefix("f1 ") && $0.key.hasSuffix(" " + source.devName) }
      XCTAssertFalse(recorded.isEmpty, source.devName)
      for (key, value) in recorded {
        let type = String(key.dropFirst(3).dropLast(source.devName.count + 1))
        let f1 = type == "overall" ? evaluation.overall.f1 : evaluation.perType[type]?.f1 ?? 0
        XCTAssertEqual(f1, value, accuracy: 0.002, key)
        checked += 1
      }
    }
    XCTAssertGreaterThanOrEqual(checked, 10)
  }
}

extension String {
  fileprivate func write(to url: URL, createFolder: Bool) throws {
    if createFolder {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    }
    try write(to: url, atomically: true, encoding: .utf8)
  }
}
