import Foundation
import RecurModels
import RecurNN
import RecurReport
import RecurText

/// Where a model directory is looked for when `--model` is not given: `$RECUR_MODELS/NAME`,
/// `./models/NAME`, then `models/NAME` beside the source tree the binary was built in
/// (`.build/release/recur` → `../../models`).
public func defaultModelDirectory(_ name: String) -> String {
  var candidates: [String] = []
  if let root = ProcessInfo.processInfo.environment["RECUR_MODELS"], !root.isEmpty {
    candidates.append(root + "/" + name)
  }
  candidates.append("models/" + name)
  let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  var folder = executable.deletingLastPathComponent()
  for _ in 0..<3 {
    folder = folder.deletingLastPathComponent()
    candidates.append(folder.appendingPathComponent("models/" + name).path)
  }
  let manager = FileManager.default
  return candidates.first { manager.fileExists(atPath: $0 + "/card.json") } ?? candidates[candidates.count > 1 ? 1 : 0]
}

/// `data/sst2/dev.tsv` → `sst2/dev.tsv`: how a data file is named in cards and tables.
func shortName(_ path: String) -> String {
  let parts = path.split(separator: "/")
  return parts.suffix(2).joined(separator: "/")
}

/// `recur train sentiment`.
public struct TrainSentimentCommand {
  public var train: [String]
  public var dev: [String]
  public var vectors: String
  public var out: String
  public var holdOut: Double
  public var options: SentimentTrainingOptions
  /// The command line recorded in the card.
  public var command: String

  public static let holdOutSeed: UInt64 = 13

  public init(
    train: [String], dev: [String], vectors: String, out: String, holdOut: Double, options: SentimentTrainingOptions,
    command: String
  ) {
    self.train = train
    self.dev = dev
    self.vectors = vectors
    self.out = out
    self.holdOut = holdOut
    self.options = options
    self.command = command
  }

  public func run(write: (String) -> Void, progress: (String, Bool) -> Void) throws(RecurError) -> ExitStatus {
    guard !train.isEmpty else { throw RecurError(.usage, "give at least one --train file") }
    guard (0..<0.9).contains(holdOut) else { throw RecurError(.usage, "--hold-out must be in [0, 0.9)") }
    let wordVectors: WordVectors
    var examples: [SentimentExample] = []
    var devSets: [DevSet] = []
    var trainingData: [String] = []
    do {
      wordVectors = try WordVectors.load(directory: vectors)
      let devFolders = Set(dev.map { URL(fileURLWithPath: $0).deletingLastPathComponent().standardized.path })
      for path in train {
        let rows = try SentimentData.load(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardized.path
        if holdOut > 0 && !devFolders.contains(folder) {
          let split = SentimentData.holdOut(rows, fraction: holdOut, seed: Self.holdOutSeed)
          examples += split.train
          devSets.append(DevSet(name: Self.heldOutName(path), examples: split.dev))
          trainingData.append(
            "\(shortName(path)): \(split.train.count) rows (\(split.dev.count) of \(rows.count) held out as dev, seed \(Self.holdOutSeed))"
          )
        } else {
          examples += rows
          trainingData.append("\(shortName(path)): \(rows.count) rows")
        }
      }
      for path in dev {
        let rows = try SentimentData.load(path)
        devSets.append(DevSet(name: shortName(path), examples: rows))
        trainingData.append("\(shortName(path)): \(rows.count) rows, dev (model selection)")
      }
    } catch {
      throw RecurError(.usage, error.message)
    }
    trainingData.append("\(shortName(vectors)): \(wordVectors.words.count) × \(wordVectors.width) word vectors")
    let trainer = SentimentTrainer(options: options)
    let result = trainer.train(examples: examples, dev: devSets, vectors: wordVectors) { event in
      switch event {
      case .started(let count, let tokens, let vocabulary, let parameters):
        progress(
          "training on \(count) texts (\(tokens) tokens after truncation), vocabulary \(vocabulary), \(parameters) parameters",
          true)
      case .progress(let epoch, let batch, let batches, let loss, let speed):
        progress(
          String(
            format: "epoch %d/%d  batch %d/%d  loss %.4f  %.0f tokens/s", epoch, options.epochs, batch, batches, loss,
            speed), false)
      case .checked(let epoch, let accuracies, let best):
        let scores = accuracies.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }
        progress(
          String(format: "epoch %.2f  dev ", epoch) + scores.joined(separator: "  ") + (best ? "  (best)" : ""), true)
      }
    }
    let model = result.model
    // Inference speed on the first dev set (or the training texts), one text per sequence.
    let sample = (devSets.first?.examples ?? examples).prefix(1000).map(\.text)
    let sampleIDs = sample.map { model.ids(model.words($0)) }
    let clock = Date()
    _ = model.positiveProbabilities(ids: sampleIDs)
    let tokensPerSecond = Double(sampleIDs.reduce(0) { $0 + $1.count }) / max(1e-9, Date().timeIntervalSince(clock))

    var card = model.card
    card.created = ISO8601DateFormatter().string(from: Date())
    card.command = command
    card.trainingData = trainingData
    card.scores = result.scores.mapKeys { "accuracy " + $0 }
    card.scores["inference tokens/s"] = tokensPerSecond.rounded()
    card.trainingSeconds = result.seconds.rounded()
    var settings = [
      "epochs": String(options.epochs), "batch_size": String(options.batchSize),
      "learning_rate": String(options.learningRate), "dropout": String(options.dropout),
      "max_training_tokens": String(options.maxTrainingTokens), "minimum_count": String(options.minimumCount),
      "pretrained_words": String(options.pretrainedWords),
      "parameters": String(model.network.parameters().reduce(0) { $0 + $1.variable.value.count }),
    ]
    if holdOut > 0 {
      settings["hold_out"] = String(holdOut)
      settings["hold_out_seed"] = String(Self.holdOutSeed)
    }
    card.training = settings
    card.notes = [
      "Selected on the mean accuracy of the dev sets, checked \(options.checksPerEpoch)× per epoch.",
      "Training texts longer than \(options.maxTrainingTokens) tokens keep their first third and last two thirds; evaluation reads whole texts.",
    ]
    model.card = card
    do {
      try model.save(directory: out)
    } catch {
      throw RecurError(.fatal, error.message, location: out)
    }
    let scores = result.scores.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }
    write(
      "saved \(out) in \(Self.duration(result.seconds)); dev accuracy: \(scores.joined(separator: ", ")); "
        + String(format: "%.0f tokens/s inference", tokensPerSecond))
    return .success
  }

  static func heldOutName(_ path: String) -> String { shortName(path) + " held out" }

  static func duration(_ seconds: Double) -> String {
    seconds < 120 ? String(format: "%.0f s", seconds) : String(format: "%.1f min", seconds / 60)
  }
}

extension Dictionary {
  func mapKeys<T: Hashable>(_ transform: (Key) -> T) -> [T: Value] {
    Dictionary<T, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
  }
}

/// `recur eval sentiment`: every row is one text, decided binary (P(positive) ≥ 0.5).
public struct EvalSentimentCommand {
  public var data: String
  public var model: String
  public var json: Bool
  public var heldOut: Bool

  public init(data: String, model: String, json: Bool, heldOut: Bool) {
    self.data = data
    self.model = model
    self.json = json
    self.heldOut = heldOut
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let loaded: SentimentModel
    var rows: [SentimentExample]
    do {
      loaded = try SentimentModel.load(directory: model)
      rows = try SentimentData.load(data)
    } catch {
      throw RecurError(.usage, error.message)
    }
    if heldOut {
      guard let fraction = loaded.card.training?["hold_out"].flatMap(Double.init),
        let seed = loaded.card.training?["hold_out_seed"].flatMap(UInt64.init)
      else {
        throw RecurError(.usage, "the model's card records no held-out share", location: model)
      }
      rows = SentimentData.holdOut(rows, fraction: fraction, seed: seed).dev
    }
    // Timed end to end: tokenizing, looking up and scoring.
    let clock = Date()
    let ids = rows.map { loaded.ids(loaded.words($0.text)) }
    let probabilities = loaded.positiveProbabilities(ids: ids)
    let seconds = max(1e-9, Date().timeIntervalSince(clock))
    let tokensPerSecond = Double(ids.reduce(0) { $0 + $1.count }) / seconds
    let report = ClassificationReport(
      labels: SentimentData.labels, gold: rows.map(\.label), predicted: probabilities.map { $0 >= 0.5 ? 1 : 0 })
    let docsPerSecond = Double(rows.count) / seconds
    if json {
      var object = JSONObjectWriter()
      object.add("data", data)
      object.add("model", model)
      object.add("held_out", heldOut)
      object.add("n", rows.count)
      object.add("accuracy", report.accuracy, decimals: 4)
      var perClass = JSONObjectWriter()
      for (index, label) in report.labels.enumerated() {
        let scores = report.scores(index)
        var entry = JSONObjectWriter()
        entry.add("precision", scores.precision, decimals: 4)
        entry.add("recall", scores.recall, decimals: 4)
        entry.add("f1", scores.f1, decimals: 4)
        entry.add("support", scores.support)
        perClass.add(label, raw: entry.json)
      }
      object.add("per_class", raw: perClass.json)
      object.add("labels", raw: "[" + report.labels.map(JSONObjectWriter.quote).joined(separator: ",") + "]")
      object.add(
        "confusion",
        raw: "["
          + report.confusion.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
      )
      object.add("docs_per_s", docsPerSecond, decimals: 1)
      object.add("tokens_per_s", tokensPerSecond, decimals: 0)
      write(object.json)
    } else {
      write("\(data)\(heldOut ? " (held-out rows)" : ""): \(rows.count) texts")
      write(String(format: "accuracy  %.4f", report.accuracy))
      write("class       precision  recall  f1      support")
      for (index, label) in report.labels.enumerated() {
        let scores = report.scores(index)
        write(
          label.padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(format: "%.4f     %.4f  %.4f  %d", scores.precision, scores.recall, scores.f1, scores.support))
      }
      write("confusion (rows gold, columns predicted: " + report.labels.joined(separator: ", ") + ")")
      for (index, row) in report.confusion.enumerated() {
        write(
          "  " + report.labels[index].padding(toLength: 10, withPad: " ", startingAt: 0)
            + row.map { String($0) }.joined(separator: "  "))
      }
      write(String(format: "%.1f documents/s, %.0f tokens/s", docsPerSecond, tokensPerSecond))
    }
    return .success
  }
}
