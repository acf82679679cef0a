import Foundation
import RecurTestSupport
import XCTest

/// `recur train sentiment`, `recur eval sentiment` and `recur label`, end to end on a toy
/// task written here (cue words decide the label), with toy word vectors.
final class SentimentCommandLineTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-sentiment-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let positive = ["good", "great", "lovely"]
    let negative = ["bad", "awful", "dull"]
    let filler = ["the", "film", "plot", "was", "cast", "and"]
    let words = positive + negative + filler
    var values: [Float] = []
    for (row, _) in words.enumerated() {
      for column in 0..<4 { values.append(Float((row * 7 + column * 3) % 11) / 11 - 0.5) }
    }
    let vectors = folder.appendingPathComponent("vectors")
    try FileManager.default.createDirectory(at: vectors, withIntermediateDirectories: true)
    try words.joined(separator: "\n").write(
      to: vectors.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    try values.withUnsafeBytes { Data($0) }.write(to: vectors.appendingPathComponent("v.f32le"))
    func rows(_ count: Int, offset: Int) -> String {
      (0..<count).map { index in
        let cue = index % 2 == 0 ? positive[(index + offset) % 3] : negative[(index + offset) % 3]
        let text = "\(filler[(index + offset) % 6]) \(filler[(index / 2 + offset) % 6]) was \(cue) ."
        return (index % 2 == 0 ? "pos" : "neg") + "\t" + text
      }.joined(separator: "\n") + "\n"
    }
    try rows(120, offset: 0).write(to: folder.appendingPathComponent("train/train.tsv"), createFolder: true)
    try rows(30, offset: 1).write(to: folder.appendingPathComponent("dev/dev.tsv"), createFolder: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func train() throws -> (status: Int32, out: String, err: String) {
    try RecurCLI.run([
      "train", "sentiment", "--train", path("train/train.tsv"), "--dev", path("dev/dev.tsv"), "--vectors",
      path("vectors"), "--out", path("model"), "--hidden", "6", "--epochs", "8", "--batch-size", "8", "--learning-rate",
      "0.02", "--seed",
      "3",
    ])
  }

  func testTrainEvaluateAndLabel() throws {
    let trained = try train()
    XCTAssertEqual(trained.status, 0, trained.err)
    XCTAssertTrue(trained.out.contains("saved"), trained.out)
    XCTAssertTrue(trained.err.contains("dev dev/dev.tsv"), trained.err)
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("model/card.json")))
      as! [String: Any]
    XCTAssertTrue((card["command"] as! String).hasPrefix("recur train sentiment --train"))
    XCTAssertEqual(card["seed"] as? Int, 3)
    let cardAccuracy = (card["scores"] as! [String: Double])["accuracy dev/dev.tsv"]!

    // The same command and seed give the same weights.
    let weights = try Data(contentsOf: folder.appendingPathComponent("model/model.safetensors"))
    XCTAssertEqual(try train().status, 0)
    XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("model/model.safetensors")), weights)

    let eval = try RecurCLI.run([
      "eval", "sentiment", "--data", path("dev/dev.tsv"), "--model", path("model"), "--json",
    ])
    XCTAssertEqual(eval.status, 0, eval.err)
    let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
    XCTAssertEqual(report["n"] as? Int, 30)
    XCTAssertEqual(report["accuracy"] as! Double, cardAccuracy, accuracy: 1e-4)
    XCTAssertGreaterThanOrEqual(report["accuracy"] as! Double, 0.85)
    XCTAssertNotNil((report["per_class"] as? [String: Any])?["positive"])
    XCTAssertNotNil(report["docs_per_s"] as? Double)
    let plain = try RecurCLI.run(["eval", "sentiment", "--data", path("dev/dev.tsv"), "--model", path("model")])
    XCTAssertTrue(plain.out.contains("accuracy") && plain.out.contains("confusion"), plain.out)
    // --predictions writes each row's gold label and probability, which decide the accuracy.
    let predicted = try RecurCLI.run([
      "eval", "sentiment", "--data", path("dev/dev.tsv"), "--model", path("model"), "--predictions",
      path("predictions.tsv"),
    ])
    XCTAssertEqual(predicted.status, 0, predicted.err)
    let predictions = try String(contentsOfFile: path("predictions.tsv"), encoding: .utf8).split(separator: "\n")
      .map { $0.split(separator: "\t") }
    XCTAssertEqual(predictions.count, 30)
    XCTAssertEqual(predictions.first?.first, "positive", "the first dev row is positive")
    let right = predictions.filter { ($0[0] == "positive") == (Double($0[1])! >= 0.5) }.count
    XCTAssertEqual(Double(right) / 30, cardAccuracy, accuracy: 1e-4)
    let unwritable = try RecurCLI.run([
      "eval", "sentiment", "--data", path("dev/dev.tsv"), "--model", path("model"), "--predictions",
      path("no/such/folder/predictions.tsv"),
    ])
    XCTAssertEqual(unwritable.status, 3, "a predictions file that cannot be written is an error")
    XCTAssertTrue(unwritable.err.contains("cannot write the predictions"), unwritable.err)

    let label = try RecurCLI.run([
      "label", "--model", path("model"), "--json", "--text", "The cast was lovely. The plot was great.",
    ])
    XCTAssertEqual(label.status, 0, label.err)
    let labelled = try JSONSerialization.jsonObject(with: Data(label.out.utf8)) as! [String: Any]
    let sentiment = labelled["sentiment"] as! [String: Any]
    XCTAssertEqual(sentiment["label"] as? String, "positive")
    XCTAssertEqual((sentiment["sentences"] as! [Any]).count, 2)

    // An HTML page: the main text and each review item with its rating.
    let page = """
      <html lang="en"><head><title>Kettle</title><script type="application/ld+json">
      {"@type": "Product", "name": "Kettle", "review": [
        {"@type": "Review", "author": "Ana", "reviewRating": {"ratingValue": 5, "bestRating": 5},
         "reviewBody": "The plot was lovely and the cast was great."},
        {"@type": "Review", "author": "Ben", "reviewRating": {"ratingValue": 1, "bestRating": 5},
         "reviewBody": "The film was awful and dull."}]}
      </script></head><body><article><p>The film was good. The plot was great and the cast was lovely,
      and the film was good again.</p></article></body></html>
      """
    try page.write(to: folder.appendingPathComponent("page.html"), atomically: true, encoding: .utf8)
    let html = try RecurCLI.run(["label", "--model", path("model"), "--json", path("page.html"), path("missing.txt")])
    XCTAssertEqual(html.status, 1, "a missing file is a partial failure")
    let lines = html.out.split(separator: "\n").map {
      try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    XCTAssertEqual(lines.count, 2)
    XCTAssertNotNil(lines[0]["error"])
    let reviews = lines[1]["reviews"] as! [[String: Any]]
    XCTAssertEqual(reviews.count, 2)
    XCTAssertEqual(reviews[0]["rating"] as? Double, 5)
    XCTAssertEqual((reviews[0]["sentiment"] as! [String: Any])["label"] as? String, "positive")
    XCTAssertEqual((reviews[1]["sentiment"] as! [String: Any])["label"] as? String, "negative")
  }

  /// A training mix: weighted sources, a hold-out, an opinion file that gives the model
  /// its second output, a source left out, and the dev sets written out.
  func testAMixTrainsPolarityAndOpinion() throws {
    let filler = ["the", "film", "plot", "was", "cast", "and"]
    // Every row a different text: opinions carry a cue word, facts none.
    let cues = ["good", "awful", "lovely", "dull"]
    let opinion = (0..<80).map { index -> String in
      let (a, b) = (filler[index % 6], filler[(index / 6) % 6])
      return index % 2 == 0
        ? "subjective\tthe \(a) and the \(b) was \(cues[index / 36 % 4]) ."
        : "objective\tthe \(a) and the \(b) and the \(filler[index / 36 % 6]) ."
    }
    XCTAssertEqual(Set(opinion).count, 80)
    try (opinion.joined(separator: "\n") + "\n").write(
      to: folder.appendingPathComponent("subj/all.tsv"), createFolder: true)
    try "train/train.tsv 1.5 dev/dev.tsv\nsubj/all.tsv 3 hold-out 0.25\n".write(
      to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    func train(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
      try RecurCLI.run(
        [
          "train", "sentiment", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"), "--hidden",
          "6", "--epochs", "12", "--batch-size", "8", "--learning-rate", "0.02", "--seed", "3",
        ] + extra)
    }
    let trained = try train(["--out", path("mixed"), "--dev-out", path("devsets")])
    XCTAssertEqual(trained.status, 0, trained.err)
    XCTAssertTrue(trained.err.contains("train/train.tsv: 120 rows, weight 1.5: about 180 rows"), trained.err)
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("mixed/card.json")))
      as! [String: Any]
    XCTAssertEqual((card["architecture"] as? [String: String])?["heads"], "polarity,opinion")
    let scores = card["scores"] as! [String: Double]
    XCTAssertGreaterThanOrEqual(scores["accuracy subj/all.tsv held out"] ?? 0, 0.9, "\(scores)")
    XCTAssertGreaterThanOrEqual(scores["accuracy dev/dev.tsv"] ?? 0, 0.8, "\(scores)")
    XCTAssertEqual((card["training"] as? [String: String])?["hold_out subj/all.tsv"], "0.25")
    let written = try String(contentsOfFile: path("devsets/subj-all-held-out.tsv"), encoding: .utf8)
    XCTAssertEqual(written.split(separator: "\n").count, 20)
    XCTAssertTrue(written.hasPrefix("subjective\t") || written.hasPrefix("objective\t"))

    // --mix scores the mix's dev sets as training checked them: the card's selection mean.
    let mixEval = try RecurCLI.run([
      "eval", "sentiment", "--mix", path("mix.txt"), "--data", path(""), "--model", path("mixed"), "--json",
    ])
    XCTAssertEqual(mixEval.status, 0, mixEval.err)
    let mixReport = try JSONSerialization.jsonObject(with: Data(mixEval.out.utf8)) as! [String: Any]
    XCTAssertEqual(mixReport["selection_mean"] as! Double, scores["selection mean"]!, accuracy: 1e-4)
    let sets = mixReport["sets"] as! [[String: Any]]
    XCTAssertEqual(sets.map { $0["name"] as! String }, ["dev/dev.tsv", "subj/all.tsv held out"])
    XCTAssertEqual(sets[0]["accuracy"] as! Double, scores["accuracy dev/dev.tsv"]!, accuracy: 1e-4)
    let mixText = try RecurCLI.run([
      "eval", "sentiment", "--mix", path("mix.txt"), "--data", path(""), "--model", path("mixed"),
    ])
    XCTAssertTrue(mixText.out.contains("subj/all.tsv held out: 20 rows, accuracy "), mixText.out)
    XCTAssertTrue(mixText.out.contains("selection mean "), mixText.out)
    let mixWithHeldOut = try RecurCLI.run([
      "eval", "sentiment", "--mix", path("mix.txt"), "--data", path(""), "--model", path("mixed"), "--held-out",
    ])
    XCTAssertEqual(mixWithHeldOut.status, 2, "--mix scores its own dev sets")
    XCTAssertTrue(mixWithHeldOut.err.contains("--held-out"), mixWithHeldOut.err)

    // The opinion output scores subjective/objective files, and makes neutral labels.
    let eval = try RecurCLI.run([
      "eval", "sentiment", "--data", path("subj/all.tsv"), "--model", path("mixed"), "--held-out", "--json",
    ])
    XCTAssertEqual(eval.status, 0, eval.err)
    let report = try JSONSerialization.jsonObject(with: Data(eval.out.utf8)) as! [String: Any]
    XCTAssertEqual(report["labels"] as? [String], ["objective", "subjective"])
    XCTAssertEqual(report["n"] as? Int, 20)
    let label = try RecurCLI.run([
      "label", "--model", path("mixed"), "--json", "--text",
      "The plot and the cast and the film. The film and the cast and the plot.",
    ])
    let sentiment =
      (try JSONSerialization.jsonObject(with: Data(label.out.utf8)) as! [String: Any])["sentiment"]
      as! [String: Any]
    XCTAssertEqual(sentiment["label"] as? String, "neutral", label.out)
    XCTAssertLessThan(sentiment["opinion"] as! Double, 0.5)
    XCTAssertNotNil((sentiment["sentences"] as! [[String: Any]])[0]["opinion"] as? Double)
    let plain = try RecurCLI.run(["label", "--model", path("mixed"), "--text", "The cast was lovely."])
    XCTAssertTrue(plain.out.contains("(opinion 0.") || plain.out.contains("(opinion 1."), plain.out)

    // Leaving a source out trains without it and reports its dev score apart; `negate=`
    // trains a source's negated copies beside it.
    try "train/train.tsv 1.5 dev/dev.tsv negate=0.5\nsubj/all.tsv 3 hold-out 0.25\n".write(
      to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let left = try train([
      "--out", path("left"), "--leave-out", "subj/all.tsv", "--pretrained-words", "0", "--balance-negations",
    ])
    XCTAssertEqual(left.status, 0, left.err)
    XCTAssertTrue(left.err.contains("left out of training"), left.err)
    // Rows with one `was` (the filler word is not `was` either time) are copied.
    // --balance-negations splits the copies (every one holds a negation) by class.
    XCTAssertTrue(left.err.contains("train/train.tsv negated (positive rows with a negation): 30 rows"), left.err)
    XCTAssertTrue(left.err.contains("train/train.tsv negated (negative rows with a negation): 50 rows"), left.err)
    let leftCard =
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("left/card.json")))
      as! [String: Any]
    XCTAssertEqual((leftCard["training"] as? [String: String])?["pretrained_words"], "0")
    XCTAssertEqual((leftCard["training"] as? [String: String])?["balance_negations"], "true")

    // A mix that cannot be used is refused with its line.
    for (text, message) in [
      ("train/train.tsv 1 dev/dev.tsv\ntrain/train.tsv 2 -\n", "mix.txt:2"),
      ("train/train.tsv heavy dev/dev.tsv\n", "mix.txt:1"),
      ("train/train.tsv 1 hold-out 2\n", "mix.txt:1"),
      ("train/train.tsv 0 -\n", "mix.txt:1"),
      ("train/train.tsv 1 - as happy\n", "mix.txt:1"),
      ("train/train.tsv 1 - pages=documentation\n", "mix.txt:1"),
      ("train/train.tsv 1 - pages= as objective\n", "mix.txt:1"),
      ("train/train.tsv 1 - pages=documentation as objective\n", "no page of type documentation"),
      ("missing/file.tsv 1 -\n", "missing/file.tsv"),
      ("train/train.tsv 1 - negate=0\n", "mix.txt:1"),
      ("train/train.tsv 1 - negate=often\n", "mix.txt:1"),
      ("train/train.tsv 1 - negate=1 as objective\n", "mix.txt:1"),
      ("train/train.tsv 0 dev/dev.tsv negate=1\n", "mix.txt:1"),
      ("train/train.tsv 1 - titles=0\n", "mix.txt:1"),
      ("train/train.tsv 1 - titles=1 titles=2\n", "mix.txt:1"),
      ("train/train.tsv 1 - titles=1 as subjective\n", "mix.txt:1"),
      ("train/train.tsv 0 dev/dev.tsv titles=1\n", "mix.txt:1"),
      ("train/train.tsv 1 - sentences=-1\n", "mix.txt:1"),
      ("train/train.tsv 1 - sentences=1 sentences=1\n", "mix.txt:1"),
      ("train/train.tsv 1 - sentences=1 as objective\n", "mix.txt:1"),
      ("train/train.tsv 0 dev/dev.tsv sentences=1\n", "mix.txt:1"),
      ("train/train.tsv 1 - smooth=0\n", "mix.txt:1"),
      ("train/train.tsv 1 - smooth=1\n", "mix.txt:1"),
      ("train/train.tsv 1 - smooth=0.1 negate=1 smooth=0.2\n", "mix.txt:1"),
    ] {
      try text.write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
      let refused = try train(["--out", path("bad")])
      XCTAssertEqual(refused.status, 2, text)
      XCTAssertTrue(refused.err.contains(message), "\(text): \(refused.err)")
    }
    try "train/train.tsv 1 -\n".write(to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let unknown = try train(["--out", path("bad"), "--leave-out", "books.tsv"])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(unknown.err.contains("--leave-out 'books.tsv'"), unknown.err)
  }

  /// `titles=`: the titles of rows written `title. review` train as short rows of their own,
  /// and the held-out rows' titles are a dev set that is reported, not selected on; a dev
  /// title worded as a training text is dropped from it.
  func testTitlesTrainAsRowsOfTheirOwn() throws {
    let positive = ["good", "great", "lovely"]
    let negative = ["bad", "awful", "dull"]
    let filler = ["the", "film", "plot", "was", "cast", "and"]
    let rows = (0..<60).map { index -> String in
      let cues = index % 2 == 0 ? positive : negative
      // Every row a different text: no held-out row repeats a training row.
      let again = index >= 36 ? " again" : ""
      let title =
        index % 10 == 9 ? "the film" : "\(filler[index % 6]) \(filler[index / 6 % 6])\(again) \(cues[index % 3])"
      return (index % 2 == 0 ? "pos" : "neg") + "\t\(title). The \(filler[index / 3 % 6]) was \(cues[index / 2 % 3]) ."
    }
    try (rows.joined(separator: "\n") + "\n").write(
      to: folder.appendingPathComponent("reviews/all.tsv"), createFolder: true)
    try "reviews/all.tsv 1 hold-out 0.25 titles=2 smooth=0.2 negate=1 sentences=0.5\n".write(
      to: folder.appendingPathComponent("mix.txt"), createFolder: false)
    let trained = try RecurCLI.run([
      "train", "sentiment", "--mix", path("mix.txt"), "--data", path(""), "--vectors", path("vectors"), "--hidden", "6",
      "--epochs", "2", "--batch-size", "8", "--seed", "3", "--out", path("titled"), "--dev-out", path("devsets"),
    ])
    XCTAssertEqual(trained.status, 0, trained.err)
    // `smooth=` reaches the source's rows and the rows made of them.
    XCTAssertTrue(trained.err.contains("reviews/all.tsv titles: 45 rows, weight 2"), trained.err)
    XCTAssertTrue(trained.err.contains("reviews/all.tsv negated:"), trained.err)
    XCTAssertEqual(trained.err.components(separatedBy: ", targets smoothed 0.2").count - 1, 4, trained.err)
    // Both sentences of each of the 45 training rows train on their own (`the cast good.`,
    // four tokens; `The plot was good .`, five), but for the five titled `the film.`:
    // three tokens are too few.
    XCTAssertTrue(trained.err.contains("reviews/all.tsv sentences: 85 rows, weight 0.5"), trained.err)
    XCTAssertTrue(trained.err.contains("reviews/all.tsv held out titles: "), trained.err)
    XCTAssertTrue(trained.err.contains("dev (reported only)"), trained.err)
    let held = try String(contentsOfFile: path("devsets/reviews-all-held-out.tsv"), encoding: .utf8).split(
      separator: "\n")
    let titles = try String(contentsOfFile: path("devsets/reviews-all-held-out-titles.tsv"), encoding: .utf8)
      .split(separator: "\n")
    XCTAssertEqual(held.count, 15)
    // `the film` titles a tenth of the rows in training too, so it is no dev title.
    XCTAssertFalse(titles.contains { $0.hasSuffix("\tthe film") }, "\(titles)")
    XCTAssertEqual(titles.count, held.filter { !$0.contains("\tthe film. ") }.count)
    for title in titles {
      XCTAssertTrue(held.contains { $0.hasPrefix(title + ". ") }, "\(title) is the title of a held-out row")
    }
  }

  /// Every dev score in the shipped card and its selection mean, recomputed by
  /// `recur eval sentiment --mix` on the dev sets of the mix it was trained on.
  func testTheShippedScoresOnEveryDevSetOfTheMixHold() throws {
    let repository = RecurCLI.repository
    let data = try RecurCLI.sharedData(holding: "sst2/dev.tsv")
    let model = repository.appendingPathComponent("models/sentiment")
    let card =
      try JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("card.json")))
      as! [String: Any]
    let scores = card["scores"] as! [String: Double]
    let run = try RecurCLI.run([
      "eval", "sentiment", "--mix", repository.appendingPathComponent("training/sentiment.mix").path, "--data", data,
      "--model", model.path, "--json",
    ])
    XCTAssertEqual(run.status, 0, run.err)
    let report = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
    XCTAssertEqual(report["selection_mean"] as! Double, try XCTUnwrap(scores["selection mean"]), accuracy: 1e-4)
    let sets = report["sets"] as! [[String: Any]]
    XCTAssertEqual(sets.filter { $0["selects"] as! Bool }.count, 13)
    for set in sets {
      let name = set["name"] as! String
      let recorded = try XCTUnwrap(scores["accuracy " + name], "the card records no score for \(name)")
      XCTAssertEqual(set["accuracy"] as! Double, recorded, accuracy: 1e-4, name)
    }
  }

  /// With the shipped models: a URL is fetched and labelled; one that fails is reported
  /// with its reason and exit 1.
  func testLabelFetchesURLs() throws {
    let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("models")
    let server = try LoopbackHTTPServer { request in
      switch request.path {
      case "/robots.txt": return .text("User-agent: *\nAllow: /\n")
      case "/review":
        return .html(
          "<html lang=\"en\"><head><title>Harbour</title></head><body><article><p>A warm, funny and "
            + "beautifully acted film. Mara Ellison is wonderful in the lead, and I loved every minute.</p>"
            + "</article></body></html>")
      default: return .html("<html>gone</html>", status: 404)
      }
    }
    defer { server.stop() }
    let binary = folder.appendingPathComponent("noise.bin")
    try Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: binary)
    let result = try RecurCLI.run([
      "label", "--json", "--model", models.appendingPathComponent("sentiment").path, "--names-model",
      models.appendingPathComponent("names").path, server.url("/review"), server.url("/missing"), binary.path,
    ])
    XCTAssertEqual(result.status, 1, result.err)
    let lines = result.out.split(separator: "\n").map {
      try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    XCTAssertEqual(lines.count, 3)
    let failed = lines.filter { $0["error"] != nil }
    XCTAssertEqual(failed.count, 2)
    XCTAssertTrue(failed.contains { ($0["error"] as! String).contains("404") }, "\(failed)")
    XCTAssertTrue(failed.contains { ($0["error"] as! String).contains("binary") }, "\(failed)")
    let page = try XCTUnwrap(lines.first { $0["sentiment"] != nil })
    XCTAssertEqual((page["sentiment"] as! [String: Any])["label"] as? String, "positive")
    let people = page["people"] as! [[String: Any]]
    XCTAssertEqual(people.first?["name"] as? String, "Mara Ellison")
  }

  /// With the shipped models: a page's readers' comments are labelled one by one, apart
  /// from its text.
  func testLabelListsCommentsApartFromTheText() throws {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let result = try RecurCLI.run([
      "label", "--json", "--model", repository.appendingPathComponent("models/sentiment").path,
      repository.appendingPathComponent("jobs/demo/pages/blog-sourdough-starter-comments.html").path,
    ])
    XCTAssertEqual(result.status, 0, result.err)
    let page = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let comments = try XCTUnwrap(page["comments"] as? [[String: Any]])
    XCTAssertEqual(comments.compactMap { $0["author"] as? String }, ["Tobias Wren", "Maren Hollis", "Priya Castell"])
    XCTAssertEqual(comments.compactMap { $0["position"] as? Int }, [1, 2, 3])
    XCTAssertEqual(((comments.last?["sentiment"] as? [String: Any])?["label"]) as? String, "negative")
    XCTAssertEqual((page["sentiment"] as? [String: Any])?["label"] as? String, "positive")
  }

  /// `recur models` checks each weights file against its card: a damaged one is named
  /// with both digests and exit 1; loading it is refused.
  func testModelsReportsWeightsThatAreNotTheOnesTheCardRecords() throws {
    let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("models/extract")
    let models = folder.appendingPathComponent("models")
    try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: shipped, to: models.appendingPathComponent("extract"))
    let good = try RecurCLI.run(["models", "--folder", models.path])
    XCTAssertEqual(good.status, 0, good.err)
    XCTAssertTrue(good.out.contains("weights: verified"), good.out)
    let tagger = models.appendingPathComponent("extract/tagger.safetensors")
    var bytes = Array(try Data(contentsOf: tagger))
    bytes[bytes.count - 3] ^= 0x10
    try Data(bytes).write(to: tagger)
    let bad = try RecurCLI.run(["models", "--folder", models.path])
    XCTAssertEqual(bad.status, 1)
    XCTAssertTrue(bad.out.contains("tagger.safetensors is not the file its card describes"), bad.out)
    let page = models.appendingPathComponent("page.html")
    try Data("<html><body><p>A page.</p></body></html>".utf8).write(to: page)
    let extract = try RecurCLI.run([
      "extract", "--extract-model", models.appendingPathComponent("extract").path, page.path,
    ])
    XCTAssertEqual(extract.status, 2, "a damaged model is a usage error naming the file")
    XCTAssertTrue(extract.err.contains("tagger.safetensors"), extract.err)
  }

  func testBadInputsExitTwoWithAReason() throws {
    let noModel = try RecurCLI.run(["eval", "sentiment", "--data", path("dev/dev.tsv"), "--model", path("nowhere")])
    XCTAssertEqual(noModel.status, 2)
    XCTAssertTrue(
      noModel.err.contains("no sentiment model at") && noModel.err.contains("--model DIR"), noModel.err)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
    let emptyFolder = try RecurCLI.run([
      "eval", "sentiment", "--data", path("dev/dev.tsv"), "--model", path("empty"),
    ])
    XCTAssertEqual(emptyFolder.status, 2)
    XCTAssertTrue(emptyFolder.err.contains("not a sentiment model"), emptyFolder.err)
    try "pos\tfine\nsideways\tno\n".write(
      to: folder.appendingPathComponent("bad.tsv"), atomically: true, encoding: .utf8)
    let badData = try RecurCLI.run([
      "train", "sentiment", "--train", path("bad.tsv"), "--vectors", path("vectors"), "--out", path("m2"),
    ])
    XCTAssertEqual(badData.status, 2)
    XCTAssertTrue(badData.err.contains("bad.tsv:2"), badData.err)
    let noVectors = try RecurCLI.run([
      "train", "sentiment", "--train", path("train/train.tsv"), "--vectors", path("nothing"), "--out", path("m3"),
    ])
    XCTAssertEqual(noVectors.status, 2)
    // A model folder that cannot be written is refused before training, not after it.
    let unwritable = try RecurCLI.run([
      "train", "sentiment", "--train", path("train/train.tsv"), "--vectors", path("vectors"), "--out",
      path("bad.tsv") + "/model",
    ])
    XCTAssertEqual(unwritable.status, 2)
    XCTAssertTrue(unwritable.err.contains("cannot create"), unwritable.err)
    XCTAssertFalse(unwritable.err.contains("training on"), unwritable.err)
    // Training rows that are all dev rows leave nothing to train on.
    let sameFile = try RecurCLI.run([
      "train", "sentiment", "--train", path("train/train.tsv"), "--dev", path("train/train.tsv"), "--vectors",
      path("vectors"), "--out", path("m4"),
    ])
    XCTAssertEqual(sameFile.status, 2)
    XCTAssertTrue(sameFile.err.contains("nothing is left to train on"), sameFile.err)
    let both = try RecurCLI.run(["label", "--model", path("model"), "--text", "x", path("page.html")])
    XCTAssertEqual(both.status, 2)
  }
}

extension String {
  fileprivate func write(to url: URL, createFolder: Bool) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try write(to: url, atomically: true, encoding: .utf8)
  }
}
