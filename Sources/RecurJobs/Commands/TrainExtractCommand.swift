import Foundation
import RecurNN
import RecurText

/// `recur train extract`: the block model that picks a page's main text, trained on a
/// WCXB-layout folder, with its quality measured by cross-validation over sites.
public struct TrainExtractCommand {
  public var folder: String
  public var out: String
  public var folds: Int
  public var trainer: BlockTrainer
  /// The command line recorded in the card.
  public var command: String

  public init(folder: String, out: String, folds: Int, trainer: BlockTrainer, command: String) {
    self.folder = folder
    self.out = out
    self.folds = folds
    self.trainer = trainer
    self.command = command
  }

  public func run(write: (String) -> Void, progress: (String, Bool) -> Void) throws(RecurError) -> ExitStatus {
    guard FileManager.default.fileExists(atPath: folder + "/index.tsv") else {
      throw RecurError(.usage, "not a WCXB-layout folder (no index.tsv)", location: folder)
    }
    guard (2...20).contains(folds) else { throw RecurError(.usage, "--folds must be 2 to 20") }
    let started = Date()
    var pages: [BlockTrainingPage] = []
    var unreadable = 0
    let parser = DocumentParser()
    do {
      try ExtractionEvaluation(folder: folder).forEachPage(failed: { _, _ in unreadable += 1 }) { page in
        let blocks = parser.blocks(page.bytes, url: page.url)
        pages.append(
          BlockTrainingPage(id: page.id, type: page.type, url: page.url, blocks: blocks, reference: page.reference))
        if pages.count % 100 == 0 { progress("read \(pages.count) pages", false) }
      }
    } catch {
      throw RecurError(.usage, "cannot read the training folder: \(error)", location: folder)
    }
    guard pages.count >= folds else { throw RecurError(.usage, "too few pages to train on", location: folder) }
    let blockCount = pages.reduce(0) { $0 + $1.blocks.count }
    progress("read \(pages.count) pages (\(unreadable) unreadable), \(blockCount) blocks", true)

    // Cross-validation: each site's pages in one fold, so a score is on sites not trained on.
    var heldOut: [[Double]] = Array(repeating: [], count: BlockTrainer.thresholds.count)
    var heldOutTypes: [String] = []
    for fold in 0..<folds {
      let inFold = pages.map { BlockTrainer.fold(site: $0.site, folds: folds) == fold }
      let model = trainer.train(pages.indices.filter { !inFold[$0] }.map { pages[$0] })
      for index in pages.indices where inFold[index] {
        let page = pages[index]
        let probabilities = model.probabilities(page.blocks)
        for (slot, threshold) in BlockTrainer.thresholds.enumerated() {
          heldOut[slot].append(page.f1 { probabilities[$0] >= threshold })
        }
        heldOutTypes.append(page.type)
      }
      progress("fold \(fold + 1)/\(folds) done", true)
    }
    let means = heldOut.map { $0.reduce(0, +) / Double(max(1, $0.count)) }
    let best = means.indices.max { means[$0] < means[$1] } ?? 0
    let threshold = BlockTrainer.thresholds[best]
    let rulesF1 = pages.map { page in page.f1 { page.blocks[$0].keptByRules } }
    let labelF1 = pages.map { page in page.f1 { page.labels[$0] } }

    let model = trainer.train(pages, threshold: threshold)
    let trainingF1 = pages.map { page in
      let probabilities = model.probabilities(page.blocks)
      return page.f1 { probabilities[$0] >= threshold }
    }

    var scores: [String: Double] = [
      "mean word F1 cross-validated": means[best],
      "mean word F1 on the training pages": trainingF1.reduce(0, +) / Double(pages.count),
      "mean word F1 of the rules alone": rulesF1.reduce(0, +) / Double(pages.count),
      "mean word F1 keeping exactly the blocks labelled main text": labelF1.reduce(0, +) / Double(pages.count),
    ]
    for type in Set(heldOutTypes).sorted() {
      let values = heldOutTypes.indices.filter { heldOutTypes[$0] == type }.map { heldOut[best][$0] }
      scores["mean word F1 cross-validated, \(type)"] = values.reduce(0, +) / Double(values.count)
    }
    let seconds = Date().timeIntervalSince(started)
    var card = ModelCard(
      name: "extract", version: "1", created: ISO8601DateFormatter().string(from: Date()),
      architecture: [
        "kind": "two-stage logistic regression: hashed block features, then the first stage's probabilities in context",
        "slots": String(BlockFeatureHash.dimension),
        "context_slots": String(BlockContext.dimension),
        "threshold": String(format: "%.2f", threshold),
      ],
      trainingData: [
        "\(shortName(folder)): \(pages.count) pages (\(unreadable) unreadable), \(blockCount) text blocks"
      ],
      command: command, seed: trainer.seed, scores: scores, trainingSeconds: seconds.rounded(),
      notes: [
        "A block is labelled main text when at least half of its word pairs occur in the page's reference text; it weighs its share of the page's words.",
        "Cross-validated: \(folds) folds, each site's pages in one fold; the threshold is the one with the best cross-validated mean.",
      ])
    card.training = [
      "epochs": String(trainer.epochs), "learning_rate": String(trainer.learningRate), "l2": String(trainer.l2),
      "folds": String(folds), "inner_folds": String(trainer.innerFolds), "minimum_sites": String(trainer.minimumSites),
    ]
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      try Data(model.serialized()).write(to: URL(fileURLWithPath: out + "/" + BlockModel.weightsFile), options: .atomic)
    } catch {
      throw RecurError(.fatal, "cannot write the block model: \(error.localizedDescription)", location: out)
    }
    do {
      try card.write(to: out + "/card.json")
    } catch {
      throw RecurError(.fatal, error.message, location: out)
    }
    write(
      String(
        format:
          "saved %@ in %.0f s; mean word F1 cross-validated %.4f (threshold %.2f), on the training pages %.4f, rules alone %.4f",
        out, seconds, means[best], threshold, scores["mean word F1 on the training pages"]!,
        scores["mean word F1 of the rules alone"]!))
    for type in Set(heldOutTypes).sorted() {
      write(String(format: "  %@ %.4f", type.padding(14), scores["mean word F1 cross-validated, \(type)"]!))
    }
    return .success
  }
}
