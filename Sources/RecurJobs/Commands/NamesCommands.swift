import Foundation
import RecurModels
import RecurNN
import RecurReport

/// `recur train names`.
public struct TrainNamesCommand {
  public var train: String
  public var dev: String?
  public var vectors: String
  public var names: String?
  public var out: String
  public var options: NamesTrainingOptions
  public var command: String

  public init(
    train: String, dev: String?, vectors: String, names: String?, out: String, options: NamesTrainingOptions,
    command: String
  ) {
    self.train = train
    self.dev = dev
    self.vectors = vectors
    self.names = names
    self.out = out
    self.options = options
    self.command = command
  }

  public func run(write: (String) -> Void, progress: (String, Bool) -> Void) throws(RecurError) -> ExitStatus {
    let sentences: [TaggedSentence]
    var devSentences: [TaggedSentence] = []
    let wordVectors: WordVectors
    var lists: NameLists?
    do {
      sentences = try NamesData.load(train)
      if let dev { devSentences = try NamesData.load(dev) }
      wordVectors = try WordVectors.load(directory: vectors)
      if options.useNameLists, let names { lists = try NameLists.load(directory: names) }
    } catch {
      throw RecurError(.usage, error.message)
    }
    var settings = options
    settings.useNameLists = options.useNameLists && lists != nil
    let result = NamesTrainer(options: settings).train(
      sentences: sentences, dev: devSentences, vectors: wordVectors, lists: lists
    ) { event in
      switch event {
      case .started(let count, let tokens, let vocabulary, let parameters):
        progress(
          "training on \(count) sentences (\(tokens) tokens), vocabulary \(vocabulary), \(parameters) parameters", true)
      case .progress(let epoch, let batch, let batches, let loss, let speed):
        progress(
          String(
            format: "epoch %d/%d  batch %d/%d  loss %.4f  %.0f tokens/s", epoch, options.epochs, batch, batches, loss,
            speed), false)
      case .checked(let epoch, let f1, let person, let best):
        progress(String(format: "epoch %d  dev F1 %.4f  PER %.4f", epoch, f1, person) + (best ? "  (best)" : ""), true)
      }
    }
    let model = result.model
    var tokensPerSecond = 0.0
    if !devSentences.isEmpty {
      let clock = Date()
      _ = model.tag(devSentences.map(\.tokens))
      tokensPerSecond =
        Double(devSentences.reduce(0) { $0 + $1.tokens.count }) / max(1e-9, Date().timeIntervalSince(clock))
    }
    var card = model.card
    card.created = ISO8601DateFormatter().string(from: Date())
    card.command = command
    card.trainingData = [
      "\(shortName(train)): \(sentences.count) sentences",
      "\(shortName(vectors)): \(wordVectors.words.count) × \(wordVectors.width) word vectors",
    ]
    if let dev { card.trainingData.append("\(shortName(dev)): \(devSentences.count) sentences, dev (model selection)") }
    if settings.useNameLists, let names {
      card.trainingData.append("\(shortName(names)): census name lists (features)")
    }
    card.scores = result.scores.mapKeys { $0 + (dev.map { " " + shortName($0) } ?? "") }
    if tokensPerSecond > 0 { card.scores["tagging tokens/s"] = tokensPerSecond.rounded() }
    card.trainingSeconds = result.seconds.rounded()
    card.training = [
      "epochs": String(options.epochs), "batch_size": String(options.batchSize),
      "learning_rate": String(options.learningRate), "pretrained_words": String(options.pretrainedWords),
      "case_variants": String(options.caseVariants),
      "parameters": String(model.network.parameters().reduce(0) { $0 + $1.variable.value.count }),
    ]
    card.notes = ["Selected on overall entity F1 on the dev file, checked after each epoch."]
    model.card = card
    do {
      try model.save(directory: out)
    } catch {
      throw RecurError(.fatal, error.message, location: out)
    }
    let overall = result.scores["f1 overall"].map {
      String(format: "dev F1 %.4f, PER %.4f", $0, result.scores["f1 PER"] ?? 0)
    }
    write(
      "saved \(out) in \(TrainSentimentCommand.duration(result.seconds))"
        + (overall.map { "; " + $0 } ?? "") + String(format: "; %.0f tokens/s tagging", tokensPerSecond))
    return .success
  }
}

/// `recur eval names`: entity-level precision/recall/F1 (exact span and type) per type and overall.
public struct EvalNamesCommand {
  public var data: String
  public var model: String
  public var json: Bool

  public init(data: String, model: String, json: Bool) {
    self.data = data
    self.model = model
    self.json = json
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let loaded: NamesModel
    let sentences: [TaggedSentence]
    do {
      loaded = try NamesModel.load(directory: model)
      sentences = try NamesData.load(data)
    } catch {
      throw RecurError(.usage, error.message)
    }
    let types = Set(NamesData.types(sentences))
    let clock = Date()
    let evaluation = NamesTrainer.evaluate(loaded, on: sentences, types: types)
    let tokens = sentences.reduce(0) { $0 + $1.tokens.count }
    let tokensPerSecond = Double(tokens) / max(1e-9, Date().timeIntervalSince(clock))
    func scores(_ counts: EntityEvaluation.Counts) -> String {
      var object = JSONObjectWriter()
      object.add("precision", counts.precision, decimals: 4)
      object.add("recall", counts.recall, decimals: 4)
      object.add("f1", counts.f1, decimals: 4)
      object.add("support", counts.gold)
      return object.json
    }
    if json {
      var object = JSONObjectWriter()
      object.add("data", data)
      object.add("model", model)
      object.add("sentences", sentences.count)
      object.add("tokens", tokens)
      object.add("overall", raw: scores(evaluation.overall))
      var perType = JSONObjectWriter()
      for type in types.sorted() { perType.add(type, raw: scores(evaluation.perType[type] ?? .init())) }
      object.add("per_type", raw: perType.json)
      object.add("tokens_per_s", tokensPerSecond, decimals: 0)
      write(object.json)
    } else {
      write("\(data): \(sentences.count) sentences, \(tokens) tokens")
      write("type     precision  recall  f1      entities")
      for type in types.sorted() + ["overall"] {
        let counts = type == "overall" ? evaluation.overall : evaluation.perType[type] ?? .init()
        write(
          type.padding(toLength: 9, withPad: " ", startingAt: 0)
            + String(format: "%.4f     %.4f  %.4f  %d", counts.precision, counts.recall, counts.f1, counts.gold))
      }
      write(String(format: "%.0f tokens/s", tokensPerSecond))
    }
    return .success
  }
}
