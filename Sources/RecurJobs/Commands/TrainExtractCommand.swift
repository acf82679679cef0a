import Foundation
import RecurModels
import RecurNN
import RecurText

/// `recur train extract`: the block model that picks a page's main text, trained on one or
/// more WCXB-layout folders, with its quality measured by cross-validation over sites and,
/// with several folders, by leaving each folder out.
public struct TrainExtractCommand {
  public var folders: [String]
  public var out: String
  public var folds: Int
  public var trainer: BlockTrainer
  /// The command line recorded in the card.
  public var command: String

  public init(folders: [String], out: String, folds: Int, trainer: BlockTrainer, command: String) {
    self.folders = folders
    self.out = out
    self.folds = folds
    self.trainer = trainer
    self.command = command
  }

  /// A folder's name in cards and output: its last path component (`wcxb`, `readability`).
  static func datasetName(_ folder: String) -> String {
    String(folder.split(separator: "/").last ?? Substring(folder))
  }

  public func run(write: (String) -> Void, progress: (String, Bool) -> Void) throws(RecurError) -> ExitStatus {
    guard !folders.isEmpty else { throw RecurError(.usage, "no training folder given (--data)") }
    for folder in folders where !FileManager.default.fileExists(atPath: folder + "/index.tsv") {
      throw RecurError(.usage, "not a WCXB-layout folder (no index.tsv)", location: folder)
    }
    guard Set(folders.map(Self.datasetName)).count == folders.count else {
      throw RecurError(.usage, "two training folders share a name: \(folders.joined(separator: ", "))")
    }
    guard (2...20).contains(folds) else { throw RecurError(.usage, "--folds must be 2 to 20") }
    let started = Date()
    var pages: [BlockTrainingPage] = []
    var trainingData: [String] = []
    let parser = DocumentParser()
    for folder in folders {
      let dataset = Self.datasetName(folder)
      let before = pages.count
      var unreadable = 0
      do {
        try ExtractionEvaluation(folder: folder).forEachPage(failed: { _, _ in unreadable += 1 }) { page in
          var trainingPage = BlockTrainingPage(
            id: page.id, type: page.type, url: page.url, blocks: parser.blocks(page.bytes, url: page.url),
            reference: page.reference, with: page.with, without: page.without, dataset: dataset)
          trainingPage.english = page.english
          pages.append(trainingPage)
          if pages.count % 200 == 0 { progress("read \(pages.count) pages", false) }
        }
      } catch {
        throw RecurError(.usage, "cannot read the training folder: \(error)", location: folder)
      }
      let read = pages[before...]
      let blocks = read.reduce(0) { $0 + $1.blocks.count }
      let snippetOnly = read.filter { !$0.hasText }.count
      trainingData.append(
        "\(dataset): \(read.count) pages (\(unreadable) unreadable, \(snippetOnly) with snippets only), \(blocks) text blocks"
      )
      progress(trainingData.last!, true)
    }
    guard pages.count >= folds else { throw RecurError(.usage, "too few pages to train on") }
    try prepareModelOutput(out)
    let datasets = folders.map(Self.datasetName)

    // Cross-validation: each site's pages in one fold, so a score is on sites not trained on.
    var heldOut = [[Float]](repeating: [], count: pages.count)
    for fold in 0..<folds {
      let inFold = pages.map { BlockTrainer.fold(site: $0.site, folds: folds) == fold }
      let model = trainer.train(pages.indices.filter { !inFold[$0] }.map { pages[$0] })
      for index in pages.indices where inFold[index] { heldOut[index] = model.probabilities(pages[index].blocks) }
      progress("fold \(fold + 1)/\(folds) done", true)
    }
    // The cut-off: the best mean over the folders' scores, each folder counting the same.
    let perThreshold = BlockTrainer.thresholds.map { threshold in
      BlockScores(pages: pages) { page, block in heldOut[page][block] >= threshold }
    }
    let best =
      perThreshold.indices.max {
        perThreshold[$0].mean(datasets) < perThreshold[$1].mean(datasets)
      } ?? 0
    let threshold = BlockTrainer.thresholds[best]
    let crossValidated = perThreshold[best]

    // Leave one folder out: trained on the others, scored on it.
    var leftOut: [String: Double] = [:]
    if datasets.count > 1 {
      for dataset in datasets {
        let model = trainer.train(pages.filter { $0.dataset != dataset }, threshold: threshold)
        let scored = pages.indices.filter { pages[$0].dataset == dataset }
        let probabilities = Dictionary(uniqueKeysWithValues: scored.map { ($0, model.probabilities(pages[$0].blocks)) })
        leftOut[dataset] = BlockScores(pages: pages, only: Set(scored)) { page, block in
          probabilities[page]![block] >= threshold
        }.score(dataset)
        progress("left out \(dataset)", true)
      }
    }

    let model = trainer.train(pages, threshold: threshold)
    let trainedProbabilities = pages.map { model.probabilities($0.blocks) }
    let trained = BlockScores(pages: pages) { page, block in trainedProbabilities[page][block] >= threshold }
    let rules = BlockScores(pages: pages) { page, block in pages[page].blocks[block].keptByRules }
    let labelled = BlockScores(pages: pages) { page, block in pages[page].labels[block] }

    var scores: [String: Double] = [
      "mean over the folders, cross-validated": crossValidated.mean(datasets),
      "mean over the folders, rules alone": rules.mean(datasets),
    ]
    for dataset in datasets {
      let metric = crossValidated.metric(dataset)
      scores["\(dataset) \(metric) cross-validated"] = crossValidated.score(dataset)
      scores["\(dataset) \(metric) on the training pages"] = trained.score(dataset)
      scores["\(dataset) \(metric) of the rules alone"] = rules.score(dataset)
      scores["\(dataset) \(metric) keeping exactly the blocks labelled main text"] = labelled.score(dataset)
      if let value = leftOut[dataset] { scores["\(dataset) \(metric) with the folder left out of training"] = value }
      for (key, value) in crossValidated.parts(dataset) {
        scores["\(dataset) \(metric) cross-validated, \(key)"] = value
      }
    }
    let seconds = Date().timeIntervalSince(started)
    var card = ModelCard(
      name: "extract", version: "2", created: ISO8601DateFormatter().string(from: Date()),
      architecture: [
        "kind": trainer.reading.kind,
        "reading": trainer.reading.rawValue,
        "slots": String(BlockFeatureHash.dimension),
        "context_slots": String(BlockContext.dimension),
        "threshold": String(format: "%.2f", threshold),
      ],
      trainingData: trainingData, command: command, seed: trainer.seed, scores: scores,
      trainingSeconds: seconds.rounded(),
      notes: [
        "A block is labelled main text when at least half of its word pairs occur in the page's reference text; it weighs its share of the page's words.",
        "Pages with snippets only: a block holding a with[] snippet is main text, one holding a without[] snippet is not, the others do not count.",
        "Cross-validated: \(folds) folds, each site's pages in one fold; the threshold is the one with the best cross-validated mean over the folders (word F1 where a folder has full reference texts, snippet F1 where it has snippets only).",
      ])
    if trainer.reading != .logistic {
      card.architecture["tagger"] =
        "bidirectional GRU, \(trainer.taggerHidden) units each way, \(BlockTagger.featureCount) facts per block"
    }
    card.training = [
      "epochs": String(trainer.epochs), "learning_rate": String(trainer.learningRate), "l2": String(trainer.l2),
      "tagger_epochs": String(trainer.taggerEpochs), "tagger_learning_rate": String(trainer.taggerLearningRate),
      "folds": String(folds), "inner_folds": String(trainer.innerFolds), "minimum_sites": String(trainer.minimumSites),
    ]
    do {
      card.files = try model.write(folder: out)
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
        format: "saved %@ in %.0f s; threshold %.2f; mean over the folders cross-validated %.4f (rules alone %.4f)",
        out, seconds, threshold, crossValidated.mean(datasets), rules.mean(datasets)))
    for dataset in datasets {
      var line = String(
        format: "  %@ %@: cross-validated %.4f, training pages %.4f, rules %.4f", dataset,
        crossValidated.metric(dataset), crossValidated.score(dataset), trained.score(dataset), rules.score(dataset))
      if let value = leftOut[dataset] { line += String(format: ", folder left out %.4f", value) }
      write(line)
      for (key, value) in crossValidated.parts(dataset) { write(String(format: "    %@ %.4f", key.padding(18), value)) }
    }
    return .success
  }
}

/// Each folder's score when the blocks passing `keep` are kept: the mean word F1 over its
/// pages with a full reference text, or — for a folder with snippets only — the snippet F1
/// (`with[]` found against `without[]` kept, over all its snippets).
struct BlockScores {
  var f1: [String: [Double]] = [:]
  var f1ByPart: [String: [String: [Double]]] = [:]
  var snippets: [String: (found: Int, total: Int, kept: Int)] = [:]
  var snippetsByPart: [String: [String: (found: Int, total: Int, kept: Int)]] = [:]

  init(pages: [BlockTrainingPage], only: Set<Int>? = nil, keep: (_ page: Int, _ block: Int) -> Bool) {
    for index in pages.indices where only?.contains(index) ?? true {
      let page = pages[index]
      let language = page.english.map { $0 ? "English" : "other languages" }
      if page.hasText {
        let value = page.f1 { keep(index, $0) }
        f1[page.dataset, default: []].append(value)
        for part in [page.type, language].compactMap({ $0 }) {
          f1ByPart[page.dataset, default: [:]][part, default: []].append(value)
        }
      } else if !page.with.isEmpty || !page.without.isEmpty {
        let counts = page.snippets { keep(index, $0) }
        func add(_ total: inout (found: Int, total: Int, kept: Int)) {
          total.found += counts.found
          total.total += page.with.count
          total.kept += counts.kept
        }
        add(&snippets[page.dataset, default: (0, 0, 0)])
        if let language { add(&snippetsByPart[page.dataset, default: [:]][language, default: (0, 0, 0)]) }
      }
    }
  }

  func metric(_ dataset: String) -> String { f1[dataset] != nil ? "word F1" : "snippet F1" }

  static func snippetF1(_ counts: (found: Int, total: Int, kept: Int)) -> Double {
    let precision = Double(counts.found) / Double(max(1, counts.found + counts.kept))
    let recall = Double(counts.found) / Double(max(1, counts.total))
    return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
  }

  func score(_ dataset: String) -> Double {
    if let values = f1[dataset] { return values.reduce(0, +) / Double(max(1, values.count)) }
    return snippets[dataset].map(Self.snippetF1) ?? 0
  }

  /// The score by page type and by language, where a folder has more than one of either.
  func parts(_ dataset: String) -> [(String, Double)] {
    if let parts = f1ByPart[dataset], parts.count > 1 {
      return parts.sorted { $0.key < $1.key }.map { ($0.key, $0.value.reduce(0, +) / Double($0.value.count)) }
    }
    if let parts = snippetsByPart[dataset], parts.count > 1 {
      return parts.sorted { $0.key < $1.key }.map { ($0.key, Self.snippetF1($0.value)) }
    }
    return []
  }

  func mean(_ datasets: [String]) -> Double {
    datasets.map(score).reduce(0, +) / Double(max(1, datasets.count))
  }
}

extension BlockModel.Reading {
  /// The model's kind as the card names it.
  var kind: String {
    switch self {
    case .logistic:
      "two-stage logistic regression: hashed block features, then the first stage's probabilities in context"
    case .recurrent:
      "logistic regression over hashed block features, then a bidirectional GRU over the page's block sequence"
    case .both:
      "logistic regression over hashed block features, then the mean of a logistic context model and a bidirectional GRU over the page's block sequence"
    }
  }
}
