import Foundation
import RecurNN
import XCTest

@testable import RecurText

/// The block model: its file is read back exactly and every malformed file is refused
/// with a reason; training learns main text from reference texts.
final class BlockModelTests: XCTestCase {
  func sampleModel() -> BlockModel {
    var weights = [Float](repeating: 0, count: BlockFeatureHash.dimension)
    weights[7] = 1.5
    weights[BlockFeatureHash.dimension - 1] = -2
    var context = [Float](repeating: 0, count: BlockContext.dimension)
    context[3] = 0.25
    return BlockModel(weights: weights, contextWeights: context, threshold: 0.3)
  }

  func testAModelFileReadsBackExactly() throws {
    let model = sampleModel()
    let read = try BlockModel(bytes: model.serialized())
    XCTAssertEqual(read.weights, model.weights)
    XCTAssertEqual(read.contextWeights, model.contextWeights)
    XCTAssertEqual(read.threshold, model.threshold)
  }

  func testMalformedModelFilesAreRefusedWithAReason() {
    let good = sampleModel().serialized()
    func reason(_ bytes: [UInt8]) -> String? {
      do {
        _ = try BlockModel(bytes: bytes)
        return nil
      } catch {
        return error.description
      }
    }
    XCTAssertEqual(reason([]), "not a block model file (no RBLK header)")
    XCTAssertEqual(reason(Array("<html>".utf8)), "not a block model file (no RBLK header)")
    XCTAssertNotNil(reason(Array(good.prefix(good.count - 3))))
    XCTAssertNotNil(reason(good + [0, 0, 0, 0]))
    var version = good
    version[4] = 9
    XCTAssertEqual(reason(version), "block model file version 9; this recur reads 2")
    var dimension = good
    dimension[8] = 1
    XCTAssertTrue(reason(dimension)?.contains("slots") == true)
    var threshold = good
    withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { threshold.replaceSubrange(16..<20, with: $0) }
    XCTAssertEqual(reason(threshold), "block model threshold 1.5 is not a probability")
    var notANumber = good
    // The first weight's value follows magic, version, two sizes, threshold, count, slot.
    withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { notANumber.replaceSubrange(28..<32, with: $0) }
    XCTAssertTrue(reason(notANumber)?.contains("bad weight") == true, reason(notANumber) ?? "accepted")
    var count = good
    count.replaceSubrange(20..<24, with: [0xFF, 0xFF, 0xFF, 0x7F])
    XCTAssertNotNil(reason(count))
  }

  func testAMissingModelFolderIsAClearError() {
    XCTAssertThrowsError(try BlockModel.load(folder: "/nonexistent/extract")) { error in
      XCTAssertTrue("\(error)".contains("cannot read the block model"), "\(error)")
    }
  }

  /// Pages written for the test: an article's paragraphs between a menu, a "related"
  /// list and a cookie notice.
  static func page(site: Int, topic: String) -> (html: String, reference: String) {
    let paragraphs = (1...4).map { index in
      "Paragraph \(index) about \(topic) on site \(site): the committee met on Tuesday and agreed, after a long and careful debate, to fund the work for another year."
    }
    let html = """
      <html><body><div class="top-\(site)"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
      <li><a href="/sport">Sport</a></li></ul></div>
      <div class="wrap-\(site)"><h1>\(topic)</h1>\(paragraphs.map { "<p>\($0)</p>" }.joined())
      <div class="more-\(site)"><h3>More stories</h3><ul><li><a href="/a">Another story about the weather this week</a></li>
      <li><a href="/b">A second story about the town hall budget</a></li></ul></div></div>
      <div class="notice-\(site)"><p>We use cookies to improve your experience. Accept all cookies or manage your settings.</p></div>
      </body></html>
      """
    return (html, ([topic] + paragraphs).joined(separator: "\n\n"))
  }

  static func trainingPages() -> [BlockTrainingPage] {
    let parser = DocumentParser()
    var pages: [BlockTrainingPage] = []
    for site in 0..<12 {
      for topic in ["Bridges", "Libraries", "Parks"] {
        let made = page(site: site, topic: topic)
        pages.append(
          BlockTrainingPage(
            id: "\(site)-\(topic)", type: "article", url: "https://site\(site).example/\(topic)",
            blocks: parser.blocks(Array(made.html.utf8), url: "https://site\(site).example/\(topic)"),
            reference: made.reference))
      }
    }
    return pages
  }

  /// Trained on some sites, each reading of the page keeps the paragraphs and drops the
  /// rest on a site it never saw.
  func testEveryReadingLearnsMainTextOnAnUnseenSite() {
    let pages = Self.trainingPages()
    for reading in BlockModel.Reading.allCases {
      var trainer = BlockTrainer()
      trainer.minimumSites = 2
      trainer.reading = reading
      trainer.taggerEpochs = 30
      let model = trainer.train(pages, threshold: 0.5)
      let unseen = Self.page(site: 99, topic: "Harbours")
      let document = DocumentParser(blockModel: model).parse(Array(unseen.html.utf8), url: "https://site99.example/h")
      XCTAssertEqual(document.method, "block-model", "\(reading)")
      XCTAssertTrue(document.text.contains("Paragraph 4 about Harbours"), "\(reading): \(document.text)")
      XCTAssertFalse(document.text.contains("cookies"), "\(reading): \(document.text)")
      XCTAssertFalse(document.text.contains("town hall budget"), "\(reading): \(document.text)")
      XCTAssertGreaterThan(WordOverlap.f1(extracted: document.text, reference: unseen.reference).f1, 0.95, "\(reading)")
    }
  }

  /// A model with a tagger is written as two files and read back to the same readings; a
  /// damaged tagger file is refused with its path.
  func testARecurrentModelFolderReadsBackExactly() throws {
    var trainer = BlockTrainer()
    trainer.minimumSites = 2
    trainer.reading = .both
    trainer.taggerEpochs = 2
    let pages = Self.trainingPages()
    let model = trainer.train(pages, threshold: 0.4)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-tagger-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try model.write(folder: folder)
    let read = try BlockModel.load(folder: folder)
    XCTAssertEqual(read.reading, .both)
    XCTAssertEqual(read.threshold, 0.4)
    XCTAssertEqual(read.probabilities(pages[0].blocks), model.probabilities(pages[0].blocks))

    // With a card recording the files' digests, damaged weights are refused.
    var card = ModelCard(name: "extract", version: "2", created: "2026-12-04", architecture: [:], command: "", seed: 1)
    card.files = try model.write(folder: folder)
    try card.write(to: folder + "/card.json")
    XCTAssertEqual(try BlockModel.load(folder: folder).reading, .both)
    let taggerFile = folder + "/" + BlockTagger.weightsFile
    var taggerBytes = Array(try Data(contentsOf: URL(fileURLWithPath: taggerFile)))
    taggerBytes[taggerBytes.count - 5] ^= 0x40
    try Data(taggerBytes).write(to: URL(fileURLWithPath: taggerFile))
    XCTAssertThrowsError(try BlockModel.load(folder: folder)) { error in
      XCTAssertTrue("\(error)".contains("not the file its card describes"), "\(error)")
    }
    try FileManager.default.removeItem(atPath: folder + "/card.json")

    // The logistic model written over it takes the tagger file away.
    try BlockModel(weights: model.weights, contextWeights: model.contextWeights, threshold: 0.4).write(folder: folder)
    XCTAssertEqual(try BlockModel.load(folder: folder).reading, .logistic)

    try model.write(folder: folder)
    let taggerPath = folder + "/" + BlockTagger.weightsFile
    let bytes = try Data(contentsOf: URL(fileURLWithPath: taggerPath))
    try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: taggerPath))
    XCTAssertThrowsError(try BlockModel.load(folder: folder)) { error in
      XCTAssertTrue("\(error)".contains(BlockTagger.weightsFile), "\(error)")
    }
  }

  /// Pages with snippets only are labelled from them: a block holding a snippet to find
  /// is main text, one holding a snippet to leave out is not, the rest do not count.
  func testSnippetPagesAreLabelledFromTheirSnippets() {
    let made = Self.page(site: 1, topic: "Bridges")
    let page = BlockTrainingPage(
      id: "x", type: "article", url: "https://site1.example/x",
      blocks: DocumentParser().blocks(Array(made.html.utf8), url: "https://site1.example/x"),
      reference: "", with: ["Paragraph 2 about Bridges"], without: ["We use cookies"], dataset: "snippets")
    XCTAssertFalse(page.hasText)
    let main = page.blocks.indices.filter { page.blocks[$0].text.contains("Paragraph 2") }
    let cookies = page.blocks.indices.filter { page.blocks[$0].text.contains("cookies") }
    XCTAssertEqual(main.map { page.labels[$0] }, [true])
    XCTAssertEqual(cookies.map { page.labels[$0] }, [false])
    XCTAssertTrue(main.allSatisfy { page.weights[$0] > 0 } && cookies.allSatisfy { page.weights[$0] > 0 })
    let others = page.blocks.indices.filter { !main.contains($0) && !cookies.contains($0) }
    XCTAssertTrue(others.allSatisfy { page.weights[$0] == 0 })
    XCTAssertEqual(page.snippets { main.contains($0) }.found, 1)
    XCTAssertEqual(page.snippets { _ in true }.kept, 1)
  }
}

final class TextSearchTests: XCTestCase {
  func testByteSearchFindsExactlyTheBytes() {
    XCTAssertTrue("Ana Ruiz, Staff Writer".containsBytes("Ana Ruiz"))
    XCTAssertTrue("Ana Ruiz, Staff Writer".containsBytes("Writer"))
    XCTAssertFalse("Ana Ruiz, Staff Writer".containsBytes("Ana Ruis"))
    XCTAssertFalse("Ana".containsBytes("Ana Ruiz"))
    XCTAssertTrue("Zoë Ñúñez wrote this".containsBytes("ë Ñú"))
    XCTAssertTrue("anything".containsBytes(""))
    XCTAssertFalse("".containsBytes("a"))
  }
}
