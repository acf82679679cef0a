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

/// Creates a trainer's output folder and checks it can be written, before hours of training
/// (a usage error otherwise). Each trainer calls it once its data has been read, so a bad
/// data option leaves no empty folder.
func prepareModelOutput(_ out: String) throws(RecurError) {
  do {
    try ModelFolder.prepareOutput(out)
  } catch {
    throw RecurError(.usage, error.message)
  }
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
  /// A training-mix file (`SentimentMix`), its paths relative to `dataFolder`.
  public var mix: String?
  public var dataFolder = "../shared/data"
  /// Mix sources (by their file as written in the mix) kept out of training: their dev sets
  /// are still scored, but take no part in selection (leave-one-domain-out).
  public var leaveOut: [String] = []
  /// A folder to write every dev set to, as `label<TAB>text` files, for other tools to score.
  public var devOut: String?
  /// Trained sentiment models whose mean probabilities the new one learns beside the labels
  /// (`options.distillation` of each target).
  public var teachers: [String] = []
  /// Whether each polarity source's rows with a negation weigh so that they are positive as
  /// often as the source's rows overall (`SentimentNegation.balanced`).
  public var balanceNegations = false

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

  /// Reads the training files and the mix into weighted sources and dev sets. Training rows
  /// whose text is also a dev row (ignoring case) are dropped, so no dev set was seen.
  func gatherData() throws(RecurError) -> (
    sources: [TrainingSource], devSets: [DevSet], notes: [String], holdOuts: [String: Double]
  ) {
    var sources: [TrainingSource] = []
    var devSets: [DevSet] = []
    var notes: [String] = []
    var holdOuts: [String: Double] = [:]
    // Sources whose negated copies train too (`negate=`): their index and the copies' weight.
    var negations: [(source: Int, weight: Double)] = []
    // Sources whose titles train too (`titles=`): their index and the titles' weight.
    var titled: [(source: Int, weight: Double)] = []
    // Sources whose sentences train too (`sentences=`): their index and the sentences' weight.
    var sentenced: [(source: Int, weight: Double)] = []
    // The dev sets of held-out titles (`titles=`), by name: cleaned the other way round.
    var titleDevSets = Set<String>()
    do {
      let devFolders = Set(dev.map { URL(fileURLWithPath: $0).deletingLastPathComponent().standardized.path })
      for path in train {
        let rows = try SentimentData.load(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardized.path
        if holdOut > 0 && !devFolders.contains(folder) {
          let split = SentimentData.holdOut(rows, fraction: holdOut, seed: Self.holdOutSeed)
          sources.append(TrainingSource(name: shortName(path), examples: split.train))
          devSets.append(DevSet(name: Self.heldOutName(path), examples: split.dev))
          holdOuts[shortName(path)] = holdOut
        } else {
          sources.append(TrainingSource(name: shortName(path), examples: rows))
        }
      }
      for path in dev {
        devSets.append(DevSet(name: shortName(path), examples: try SentimentData.load(path)))
      }
      if let mix {
        let parsed = try SentimentMix.load(mix)
        for name in leaveOut where !parsed.sources.contains(where: { $0.file == name }) {
          throw RecurError(.usage, "--leave-out '\(name)' is not a source of \(mix)")
        }
        for source in parsed.sources {
          let path = Self.resolve(source.file, in: dataFolder)
          let rows = try Self.load(path, as: source.opinionLabel, pages: source.pageTypes)
          let left = leaveOut.contains(source.file)
          let relabelled =
            (source.pageTypes.map { " (\($0.joined(separator: ", ")) pages)" } ?? "")
            + (source.opinionLabel.map { $0 == 1 ? " as subjective" : " as objective" } ?? "")
          var training = rows
          switch source.dev {
          case .none: break
          case .holdOut(let share):
            let split = SentimentData.holdOut(rows, fraction: share, seed: Self.holdOutSeed)
            training = split.train
            devSets.append(DevSet(name: Self.heldOutName(path) + relabelled, examples: split.dev, selects: !left))
            holdOuts[shortName(path)] = share
          case .file(let file):
            let devPath = Self.resolve(file, in: dataFolder)
            devSets.append(
              DevSet(
                name: shortName(devPath) + relabelled,
                examples: try Self.load(devPath, as: source.opinionLabel, pages: source.pageTypes),
                selects: !left))
          }
          if source.titleWeight != nil, source.dev != .none, let devSet = devSets.last {
            titleDevSets.insert(devSet.name + " titles")
            devSets.append(
              DevSet(name: devSet.name + " titles", examples: SentimentData.titles(devSet.examples), selects: false))
          }
          if source.weight > 0 && !left {
            if let weight = source.negatedWeight { negations.append((sources.count, weight)) }
            if let weight = source.titleWeight { titled.append((sources.count, weight)) }
            if let weight = source.sentenceWeight { sentenced.append((sources.count, weight)) }
            sources.append(
              TrainingSource(
                name: shortName(path) + relabelled, examples: training, weight: source.weight,
                smoothing: Float(source.smoothing ?? 0)))
          } else if left {
            notes.append("\(shortName(path)): left out of training (its dev set is scored, not used for selection)")
          }
        }
      }
    } catch let error as RecurError {
      throw error
    } catch let error as DataFileError {
      throw RecurError(.usage, error.message)
    } catch {
      throw RecurError(.usage, "\(error)")
    }
    guard !sources.isEmpty else { throw RecurError(.usage, "give at least one --train file or a --mix") }
    for set in devSets where set.examples.isEmpty {
      notes.append("\(set.name): no rows left (every one repeats a training text), not scored")
    }
    devSets.removeAll { $0.examples.isEmpty }
    let devTexts = Set(
      devSets.filter { !titleDevSets.contains($0.name) }.flatMap { $0.examples.map { $0.text.lowercased() } })
    let tokenizer = Tokenizer()
    var dropped: [String: Int] = [:]
    for index in sources.indices {
      let before = sources[index].examples.count
      sources[index].examples.removeAll { devTexts.contains($0.text.lowercased()) }
      dropped[sources[index].name] = before - sources[index].examples.count
    }
    guard sources.contains(where: { !$0.examples.isEmpty }) else {
      throw RecurError(
        .usage,
        "every training row is also a dev row: nothing is left to train on (give another --dev file or --hold-out)")
    }
    // Negated copies of the rows left, so no dev row is copied either.
    for (index, weight) in negations {
      let copies = sources[index].examples.compactMap { SentimentNegation.negated($0, tokenizer: tokenizer) }
      sources.append(sources[index].derived(" negated", examples: copies, weight: weight))
    }
    // Titles of the rows left; a dev title that is also a training text (`Works great`)
    // is dropped from its dev set, which then scores titles worded as no training row.
    for (index, weight) in titled {
      let titles = SentimentData.titles(sources[index].examples)
      sources.append(sources[index].derived(" titles", examples: titles, weight: weight))
    }
    // Sentences of the rows left: no dev row's sentence trains. A sentence worded as a dev
    // row is dropped.
    for (index, weight) in sentenced {
      let sentences = SentimentData.sentences(sources[index].examples, tokenizer: tokenizer).filter {
        !devTexts.contains($0.text.lowercased())
      }
      sources.append(sources[index].derived(" sentences", examples: sentences, weight: weight))
    }
    let trainingTexts = titled.isEmpty ? [] : Set(sources.flatMap { $0.examples.map { $0.text.lowercased() } })
    for index in devSets.indices where titleDevSets.contains(devSets[index].name) {
      let before = devSets[index].examples.count
      devSets[index].examples.removeAll { trainingTexts.contains($0.text.lowercased()) }
      let count = before - devSets[index].examples.count
      if count > 0 { notes.append("\(devSets[index].name): \(count) dropped (also a training text)") }
    }
    if balanceNegations { sources = sources.flatMap { SentimentNegation.balanced($0, tokenizer: tokenizer) } }
    for index in sources.indices {
      let examples = sources[index].examples
      let weight = sources[index].weight
      let tokens = examples.reduce(0) { $0 + min(options.maxTrainingTokens, tokenizer.tokenize($1.text).count) }
      var note = "\(sources[index].name): \(examples.count) rows"
      if let count = dropped[sources[index].name], count > 0 {
        note += " (\(count) dropped: the text is also a dev row)"
      }
      note += String(
        format: ", weight %g: about %.0f rows and %.0f tokens an epoch", weight, Double(examples.count) * weight,
        Double(tokens) * weight)
      if sources[index].smoothing > 0 { note += String(format: ", targets smoothed %g", sources[index].smoothing) }
      notes.append(note)
    }
    for set in devSets {
      notes.append(
        "\(set.name): \(set.examples.count) rows, dev\(set.selects ? " (model selection)" : " (reported only)")")
    }
    return (sources, devSets, notes, holdOuts)
  }

  /// A sentiment file's rows; with an opinion label, every row relabelled as that opinion
  /// (a CoNLL-style names file gives its sentences of at least five tokens).
  static func load(_ path: String, as opinionLabel: Int?, pages: [String]? = nil) throws(DataFileError)
    -> [SentimentExample]
  {
    guard let opinionLabel else { return try SentimentData.load(path) }
    let rows: [SentimentExample]
    if let pages {
      rows = try SentimentData.pageSentences(index: path, pageTypes: Set(pages)).map {
        SentimentExample(label: 0, text: $0)
      }
    } else if try looksLikeNamesFile(path) {
      rows = try NamesData.load(path).filter { $0.tokens.count >= 5 }.map {
        SentimentExample(label: 0, text: SentimentData.plainFromTreebank($0.tokens.joined(separator: " ")))
      }
    } else {
      rows = try SentimentData.load(path)
    }
    guard !rows.isEmpty else { throw DataFileError("\(path) holds no sentence of five tokens or more") }
    return rows.map { SentimentExample(label: opinionLabel, text: $0.text, task: .opinion) }
  }

  /// A `token<TAB>tag` file: its first line's last field is a names tag.
  static func looksLikeNamesFile(_ path: String) throws(DataFileError) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw DataFileError("\(path): cannot be read") }
    defer { try? handle.close() }
    let head = String(decoding: handle.readData(ofLength: 4096), as: UTF8.self)
    guard let line = head.split(separator: "\n").first(where: { !$0.hasPrefix("-DOCSTART-") }) else { return false }
    let fields = line.split(separator: "\t")
    guard fields.count >= 2, let tag = fields.last?.trimmingCharacters(in: .whitespacesAndNewlines) else {
      return false
    }
    return tag == "O" || ((tag.hasPrefix("B-") || tag.hasPrefix("I-")) && tag.count > 2)
  }

  static func resolve(_ file: String, in folder: String) -> String {
    file.hasPrefix("/") ? file : URL(fileURLWithPath: folder).appendingPathComponent(file).path
  }

  /// Writes each dev set as `DEV_OUT/NAME.tsv` (`pos`/`neg` or `subjective`/`objective`,
  /// a tab, the text on one line).
  func writeDevSets(_ devSets: [DevSet], to folder: String) throws(RecurError) {
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      for set in devSets {
        // `blitzer/books.tsv held out` → `blitzer-books-held-out.tsv`.
        let name = set.name.replacingOccurrences(of: ".tsv", with: "").replacingOccurrences(of: "/", with: "-")
          .replacingOccurrences(of: " ", with: "-")
        let lines = set.examples.map { example -> String in
          let labels = example.task == .polarity ? ["neg", "pos"] : ["objective", "subjective"]
          let flat = example.text.split(whereSeparator: { $0 == "\t" || $0.isNewline }).joined(separator: " ")
          return labels[example.label] + "\t" + flat
        }
        try (lines.joined(separator: "\n") + "\n").write(
          toFile: folder + "/" + name + ".tsv", atomically: true, encoding: .utf8)
      }
    } catch {
      throw RecurError(.fatal, "cannot write the dev sets: \(error.localizedDescription)", location: folder)
    }
  }

  public func run(write: (String) -> Void, progress: (String, Bool) -> Void) throws(RecurError) -> ExitStatus {
    guard !train.isEmpty || mix != nil else { throw RecurError(.usage, "give at least one --train file or a --mix") }
    guard (0..<0.9).contains(holdOut) else { throw RecurError(.usage, "--hold-out must be in [0, 0.9)") }
    let wordVectors: WordVectors
    do {
      wordVectors = try WordVectors.load(directory: vectors)
    } catch {
      throw RecurError(.usage, error.message)
    }
    var teacherModels: [SentimentModel] = []
    for teacher in teachers {
      do {
        teacherModels.append(try SentimentModel.load(directory: teacher))
      } catch {
        throw RecurError(.usage, "the teacher model: " + error.message, location: teacher)
      }
    }
    let (sources, devSets, dataNotes, holdOuts) = try gatherData()
    try prepareModelOutput(out)
    if let devOut { try writeDevSets(devSets, to: devOut) }
    for note in dataNotes { progress(note, true) }
    var trainingData = dataNotes
    trainingData.append("\(shortName(vectors)): \(wordVectors.words.count) × \(wordVectors.width) word vectors")
    let trainer = SentimentTrainer(options: options)
    for (folder, teacher) in zip(teachers, teacherModels) {
      progress("learning from the teacher \(folder) (\(teacher.card.command))", true)
    }
    let result = trainer.train(sources: sources, dev: devSets, vectors: wordVectors, teachers: teacherModels) { event in
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
      case .pretraining(let epoch, let batch, let batches, let loss, let speed):
        progress(
          String(
            format: "pretraining %d/%d  batch %d/%d  loss %.4f  %.0f tokens/s", epoch, options.pretrainEpochs, batch,
            batches, loss, speed), false)
      case .checked(let epoch, let accuracies, let best):
        let scores = accuracies.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }
        let mean = accuracies.isEmpty ? 0 : accuracies.values.reduce(0, +) / Double(accuracies.count)
        progress(
          String(format: "epoch %.2f  dev ", epoch) + scores.joined(separator: "  ")
            + String(format: "  (all %.4f)", mean) + (best ? "  (best)" : ""), true)
      }
    }
    let model = result.model
    // Inference speed on the first dev set (or the training texts), one text per sequence.
    let sample = (devSets.first?.examples ?? sources[0].examples).prefix(1000).map(\.text)
    let sampleInputs = sample.map { model.input(text: $0) }
    let clock = Date()
    _ = model.positiveProbabilities(sampleInputs)
    let tokensPerSecond =
      Double(sampleInputs.reduce(0) { $0 + $1.ids.count }) / max(1e-9, Date().timeIntervalSince(clock))

    var card = model.card
    card.created = ISO8601DateFormatter().string(from: Date())
    card.command = command
    card.trainingData = trainingData
    card.scores = result.scores
    card.scores["inference tokens/s"] = tokensPerSecond.rounded()
    card.trainingSeconds = result.seconds.rounded()
    var settings = [
      "epochs": String(options.epochs), "batch_size": String(options.batchSize),
      "learning_rate": String(options.learningRate), "dropout": String(options.dropout),
      "max_training_tokens": String(options.maxTrainingTokens), "minimum_count": String(options.minimumCount),
      "pretrained_words": String(options.pretrainedWords), "tune_vectors": String(options.trainableVectors),
      "parameters": String(model.network.parameters().reduce(0) { $0 + $1.variable.value.count }),
    ]
    if options.averaging > 0 { settings["weight_average"] = String(options.averaging) }
    if options.pretrainEpochs > 0 {
      settings["pretrain_epochs"] = String(options.pretrainEpochs)
      settings["pretrain_targets"] = String(options.pretrainTargets)
    }
    if options.spellingBuckets > 0 { settings["unknown_rate"] = String(options.unknownRate) }
    if options.adversarialEpsilon > 0 { settings["adversarial_epsilon"] = String(options.adversarialEpsilon) }
    if options.virtualAdversarialEpsilon > 0 {
      settings["virtual_adversarial_epsilon"] = String(options.virtualAdversarialEpsilon)
    }
    if balanceNegations { settings["balance_negations"] = "true" }
    for (index, teacher) in teacherModels.enumerated() {
      settings["teacher \(index + 1)"] = teacher.card.command
      settings["teacher \(index + 1) weights_sha256"] = teacher.card.files?.values.sorted().joined(separator: ",") ?? ""
    }
    if !teacherModels.isEmpty { settings["distillation"] = String(options.distillation) }
    if !holdOuts.isEmpty {
      settings["hold_out_seed"] = String(Self.holdOutSeed)
      // One share for every file held out the same; each file's own share beside it.
      if Set(holdOuts.values).count == 1, let share = holdOuts.values.first { settings["hold_out"] = String(share) }
      for (file, share) in holdOuts { settings["hold_out " + file] = String(share) }
    }
    card.training = settings
    card.notes = [
      "Selected on the mean dev score (accuracy; the mean of per-class recalls for a set whose smaller class is under a fifth), checked \(options.checksPerEpoch)× per epoch.",
      "Training texts longer than \(options.maxTrainingTokens) tokens keep their first third and last two thirds; evaluation reads whole texts.",
    ]
    if !leaveOut.isEmpty { card.notes.append("Left out of training: " + leaveOut.joined(separator: ", ") + ".") }
    model.card = card
    do {
      try model.save(directory: out)
    } catch {
      throw RecurError(.fatal, error.message, location: out)
    }
    let scores = result.scores.filter { !$0.key.hasPrefix("balanced") }.sorted { $0.key < $1.key }.map {
      String(format: "%@ %.4f", $0.key, $0.value)
    }
    write(
      "saved \(out) in \(Self.duration(result.seconds)); dev: \(scores.joined(separator: ", ")); "
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
  /// Where to write each row's gold label and probability (`label<TAB>probability` a line).
  public var predictions: String?
  /// A training mix whose dev sets are scored as training checks them; `data` is then the
  /// folder its paths are relative to.
  public var mix: String?

  public init(
    data: String, model: String, json: Bool, heldOut: Bool, predictions: String? = nil, mix: String? = nil
  ) {
    self.data = data
    self.model = model
    self.json = json
    self.heldOut = heldOut
    self.predictions = predictions
    self.mix = mix
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    if let mix {
      guard !heldOut, predictions == nil else {
        throw RecurError(.usage, "--mix scores the mix's own dev sets: it does not go with --held-out or --predictions")
      }
      return try runMix(mix, write: write)
    }
    let loaded: SentimentModel
    var rows: [SentimentExample]
    do {
      loaded = try SentimentModel.load(directory: model)
      rows = try SentimentData.load(data)
    } catch {
      throw RecurError(.usage, error.message)
    }
    if heldOut {
      guard
        let fraction = (loaded.card.training?["hold_out " + shortName(data)] ?? loaded.card.training?["hold_out"])
          .flatMap(Double.init),
        let seed = loaded.card.training?["hold_out_seed"].flatMap(UInt64.init)
      else {
        throw RecurError(.usage, "the model's card records no held-out share", location: model)
      }
      rows = SentimentData.holdOut(rows, fraction: fraction, seed: seed).dev
    }
    // Subjective/objective rows score the opinion head.
    let opinion = rows.first?.task == .opinion
    if opinion && !loaded.readsOpinion {
      throw RecurError(.usage, "the model has no opinion head to score subjective/objective rows", location: model)
    }
    // Timed end to end: tokenizing, looking up and scoring.
    let clock = Date()
    let inputs = rows.map { loaded.input(text: $0.text) }
    let probabilities = opinion ? loaded.opinionProbabilities(inputs) ?? [] : loaded.positiveProbabilities(inputs)
    let seconds = max(1e-9, Date().timeIntervalSince(clock))
    let tokensPerSecond = Double(inputs.reduce(0) { $0 + $1.ids.count }) / seconds
    let report = ClassificationReport(
      labels: opinion ? SentimentData.opinionLabels : SentimentData.labels, gold: rows.map(\.label),
      predicted: probabilities.map { $0 >= 0.5 ? 1 : 0 })
    let docsPerSecond = Double(rows.count) / seconds
    if let predictions {
      let lines = zip(rows, probabilities).map { report.labels[$0.label] + "\t" + String(format: "%.6f", $1) }
      do {
        try (lines.joined(separator: "\n") + "\n").write(toFile: predictions, atomically: true, encoding: .utf8)
      } catch {
        throw RecurError(.fatal, "cannot write the predictions: \(error.localizedDescription)", location: predictions)
      }
    }
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

extension EvalSentimentCommand {
  /// Every dev set of a training mix, built as `recur train sentiment` builds them (held-out
  /// shares, relabelled files, rows that repeat a training text dropped) and scored as its
  /// checks score them: the selection mean is the one the model's card records when the
  /// model was trained on this mix.
  func runMix(_ mix: String, write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let loaded: SentimentModel
    do {
      loaded = try SentimentModel.load(directory: model)
    } catch {
      throw RecurError(.usage, error.message)
    }
    var gathering = TrainSentimentCommand(
      train: [], dev: [], vectors: "", out: "", holdOut: 0, options: SentimentTrainingOptions(), command: "")
    gathering.mix = mix
    gathering.dataFolder = data
    let devSets = try gathering.gatherData().devSets
    if devSets.contains(where: { $0.examples.first?.task == .opinion }) && !loaded.readsOpinion {
      throw RecurError(
        .usage, "the model has no opinion head to score the mix's subjective/objective sets", location: model)
    }
    var entries: [String] = []
    var selection: [Double] = []
    for set in devSets {
      let score = set.scored(by: loaded, inputs: set.examples.map { loaded.input(text: $0.text) })
      if set.selects { selection.append(score.selected) }
      if json {
        var entry = JSONObjectWriter()
        entry.add("name", set.name)
        entry.add("n", set.examples.count)
        entry.add("accuracy", score.accuracy, decimals: 4)
        entry.add("balanced_accuracy", score.balanced, decimals: 4)
        entry.add("score", score.selected, decimals: 4)
        entry.add("selects", set.selects)
        entries.append(entry.json)
      } else {
        write(
          String(
            format: "%@: %d rows, %@%.4f%@", set.name, set.examples.count,
            score.usesBalanced ? "balanced accuracy " : "accuracy ", score.selected,
            set.selects ? "" : " (reported only)"))
      }
    }
    let mean = selection.isEmpty ? 0 : selection.reduce(0, +) / Double(selection.count)
    if json {
      var object = JSONObjectWriter()
      object.add("mix", mix)
      object.add("model", model)
      object.add("selection_mean", mean, decimals: 4)
      object.add("sets", raw: "[" + entries.joined(separator: ",") + "]")
      write(object.json)
    } else {
      write(
        String(format: "selection mean %.4f over %d dev set", mean, selection.count) + (selection.count == 1 ? "" : "s")
      )
    }
    return .success
  }
}
