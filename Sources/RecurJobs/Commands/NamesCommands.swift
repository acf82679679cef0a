import Foundation
import RecurModels
import RecurNN
import RecurReport

/// `recur train names`: from one training file checked on one dev file, or from a
/// training mix (`NamesMix`) of several.
public struct TrainNamesCommand {
  public var train: String?
  public var dev: String?
  /// A training-mix file, its paths relative to `dataFolder`.
  public var mix: String?
  public var dataFolder = "../shared/data"
  public var vectors: String
  public var names: String?
  public var out: String
  public var options: NamesTrainingOptions
  public var command: String
  /// Files of untagged text (one text a line) for pretraining, with `options.pretrainEpochs`.
  public var pretrainText: [String] = []
  /// At most this many untagged sentences (a seeded random choice) are read in pretraining.
  public var pretrainSentences = 300_000
  /// Files of cased text (one text a line) whose words written mostly capitalised become
  /// the name lists' `capitalised` words (the `usually_capitalised` feature).
  public var capitalisationText: [String] = []
  /// The capitalised words are a feature only of tokens written in lower case or capitals.
  public var capitalisationWhereUncased = false
  /// Networks trained apart, from seeds `options.seed`, `options.seed + 1`, …, that tag
  /// together (`TaggerEnsemble`); each is selected on the dev sets by itself, and the card's
  /// scores are those of all of them together.
  public var members = 1

  public init(
    train: String?, dev: String?, mix: String? = nil, dataFolder: String = "../shared/data", vectors: String,
    names: String?, out: String, options: NamesTrainingOptions, command: String
  ) {
    self.train = train
    self.dev = dev
    self.mix = mix
    self.dataFolder = dataFolder
    self.vectors = vectors
    self.names = names
    self.out = out
    self.options = options
    self.command = command
  }

  /// The weighted sources of a mix or of one training file, their types renamed, dev
  /// sentences seen in training dropped; and one line per file for the card.
  static func gatherSources(train: String?, dev: String?, mix: String?, dataFolder: String) throws(RecurError) -> (
    sources: [NamesSource], notes: [String]
  ) {
    var sources: [NamesSource] = []
    var notes: [String] = []
    guard mix != nil || train != nil else { throw RecurError(.usage, "give a --train file or a --mix") }
    let entries = try mix.map { path throws(RecurError) in try NamesMix.load(path).sources } ?? []
    do throws(DataFileError) {
      if mix != nil {
        for entry in entries {
          let path = TrainSentimentCommand.resolve(entry.file, in: dataFolder)
          var sentences = NamesData.renamingTypes(try NamesData.load(path), entry.map)
          var dev: [TaggedSentence] = []
          var devName = ""
          switch entry.dev {
          case .none: break
          case .holdOut(let share):
            let kept = sentences.count - Int((Double(sentences.count) * share).rounded())
            guard kept > 0, kept < sentences.count else {
              throw DataFileError("\(path) has \(sentences.count) sentence(s): too few to hold \(share) of them out")
            }
            dev = Array(sentences[kept...])
            sentences.removeLast(sentences.count - kept)
            devName = "\(shortName(path)) held out"
          case .file(let devFile):
            let devPath = TrainSentimentCommand.resolve(devFile, in: dataFolder)
            dev = NamesData.renamingTypes(try NamesData.load(devPath), entry.map)
            devName = shortName(devPath)
          }
          sources.append(
            NamesSource(
              name: shortName(path), sentences: sentences, weight: entry.weight, partialTypes: entry.partial,
              dev: dev, devName: devName, metric: entry.metric, selectionWeight: entry.selectionWeight,
              head: entry.head))
          var note = "\(shortName(path)): \(sentences.count) sentences, weight \(entry.weight)"
          if entry.head != "main" { note += ", head \(entry.head)" }
          if !entry.map.isEmpty {
            note +=
              ", types " + entry.map.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }.joined(separator: " ")
          }
          notes.append(note)
        }
      } else if let train {
        let sentences = try NamesData.load(train)
        sources = [
          NamesSource(
            name: shortName(train), sentences: sentences,
            dev: try dev.map { path throws(DataFileError) in
              try NamesData.load(path)
            } ?? [], devName: dev.map(shortName) ?? "")
        ]
        notes = ["\(shortName(train)): \(sentences.count) sentences"]
      }
    } catch {
      throw RecurError(.usage, error.message)
    }
    let types = NamesData.types(sources.flatMap(\.sentences))
    guard types.count <= 31 else {
      throw RecurError(.usage, "the training files use \(types.count) entity types; at most 31 are supported")
    }
    let seen = Set(sources.flatMap { $0.sentences.map { $0.tokens.joined(separator: " ") } })
    for index in sources.indices where !sources[index].dev.isEmpty {
      let all = sources[index].dev.count
      sources[index].dev.removeAll { seen.contains($0.tokens.joined(separator: " ")) }
      let dropped = all - sources[index].dev.count
      notes.append(
        "\(sources[index].devName): \(sources[index].dev.count) sentences, dev (\(sources[index].metric) F1, selection weight \(sources[index].selectionWeight))"
          + (dropped > 0 ? "; \(dropped) that also occur in training dropped" : ""))
      if !types.contains(sources[index].metric) && sources[index].metric != "overall" {
        throw RecurError(
          .usage, "select=\(sources[index].metric): the model has no such type (\(types.joined(separator: ", ")))")
      }
    }
    return (sources, notes)
  }

  /// The sentences pretraining reads: the tagged training sentences and those of the
  /// `pretrainText` files, at most `pretrainSentences` of them (a seeded random choice).
  func untaggedSentences(sources: [NamesSource]) throws(RecurError) -> (sentences: [[String]], notes: [String]) {
    var sentences = sources.flatMap { $0.sentences.map(\.tokens) }
    var notes: [String] = []
    for file in pretrainText {
      let count = try Self.readUntagged(file, for: "the pretraining text") { sentences.append($0) }
      notes.append("\(shortName(file)): \(count) untagged sentences (pretraining)")
    }
    if sentences.count > pretrainSentences {
      var rng = SeededGenerator(seed: options.seed &+ 17)
      rng.shuffle(&sentences)
      sentences.removeLast(sentences.count - pretrainSentences)
    }
    notes.append(
      "pretraining: \(options.pretrainEpochs) pass(es) over \(sentences.count) sentences (the tagged ones included)")
    return (sentences, notes)
  }

  /// Each sentence of a file of untagged text (`NamesData.forEachUntaggedSentence`), for
  /// `what` (named in the errors): a file that cannot be read or holds no sentence is a
  /// usage error. Returns how many sentences it held.
  static func readUntagged(_ file: String, for what: String, _ body: ([String]) -> Void) throws(RecurError) -> Int {
    var count = 0
    do {
      try NamesData.forEachUntaggedSentence(inFile: file) { sentence in
        body(sentence)
        count += 1
      }
    } catch {
      throw RecurError(.usage, "\(what): " + error.message, location: file)
    }
    guard count > 0 else { throw RecurError(.usage, "\(what) holds no sentences", location: file) }
    return count
  }

  /// The words the `capitalisationText` files write capitalised (`CapitalisationCounts`)
  /// and the card's line about them.
  func capitalisedWords() throws(RecurError) -> (words: Set<String>, note: String) {
    var counts = CapitalisationCounts()
    var sentences = 0
    for file in capitalisationText {
      sentences += try Self.readUntagged(file, for: "the capitalisation text") { counts.add($0) }
    }
    let words = counts.words(minimum: 3, share: 0.5)
    return (
      words,
      capitalisationText.map(shortName).joined(separator: ", ")
        + ": \(sentences) sentences of cased text, \(words.count) words usually capitalised (features)"
    )
  }

  public func run(write: (String) -> Void, progress: (String, Bool) -> Void) throws(RecurError) -> ExitStatus {
    let (sources, notes) = try Self.gatherSources(train: train, dev: dev, mix: mix, dataFolder: dataFolder)
    let wordVectors: WordVectors
    var lists: NameLists?
    do {
      wordVectors = try WordVectors.load(directory: vectors)
      if options.useNameLists, let names { lists = try NameLists.load(directory: names) }
    } catch {
      throw RecurError(.usage, error.message)
    }
    try prepareModelOutput(out)
    var settings = options
    settings.useNameLists = options.useNameLists && lists != nil
    var capitalisationNote: String?
    if !capitalisationText.isEmpty {
      guard settings.useNameLists else {
        throw RecurError(.usage, "the capitalisation text feeds a name-list feature: it needs the name lists")
      }
      let (words, note) = try capitalisedWords()
      lists?.capitalised = words
      lists?.capitalisedWhereUncased = capitalisationWhereUncased
      capitalisationNote = note
      progress(note, true)
    }
    var untagged: [[String]] = []
    var pretrainNotes: [String] = []
    if options.pretrainEpochs > 0 {
      (untagged, pretrainNotes) = try untaggedSentences(sources: sources)
      for note in pretrainNotes { progress(note, true) }
    }
    func report(_ event: NamesTrainingEvent) {
      switch event {
      case .pretraining(let epoch, let batch, let batches, let loss, let speed):
        progress(
          String(
            format: "pretraining %d/%d  batch %d/%d  loss %.4f  %.0f tokens/s", epoch, options.pretrainEpochs, batch,
            batches, loss, speed), false)
      case .started(let count, let tokens, let vocabulary, let parameters):
        progress(
          "training on \(count) sentences (\(tokens) tokens), vocabulary \(vocabulary), \(parameters) parameters", true)
      case .progress(let epoch, let batch, let batches, let loss, let speed):
        progress(
          String(
            format: "epoch %d/%d  batch %d/%d  loss %.4f  %.0f tokens/s", epoch, options.epochs, batch, batches, loss,
            speed), false)
      case .checked(let epoch, let selection, let scores, let best):
        let parts = scores.map { String(format: "%@ %@ %.4f", $0.name, $0.metric, $0.f1) }
        progress(
          String(format: "epoch %d  selection %.4f  ", epoch, selection) + parts.joined(separator: "  ")
            + (best ? "  (best)" : ""), true)
      }
    }
    var trained: [NamesModel] = []
    var memberScores: [[String: Double]] = []
    var seconds = 0.0
    for member in 0..<members {
      var memberSettings = settings
      memberSettings.seed = settings.seed &+ UInt64(member)
      if members > 1 { progress("member \(member + 1) of \(members): seed \(memberSettings.seed)", true) }
      let result = NamesTrainer(options: memberSettings).train(
        sources: sources, vectors: wordVectors, lists: lists, untagged: untagged, progress: report)
      trained.append(result.model)
      memberScores.append(result.scores)
      seconds += result.seconds
    }
    let model: NamesModel
    var scores = memberScores[0]
    if members > 1 {
      do {
        model = try NamesModel.ensemble(trained)
      } catch {
        throw RecurError(.fatal, error.message)
      }
      scores = NamesTrainer.devScores(model, sources: sources).scores
      for (index, memberScore) in memberScores.enumerated() {
        if let selection = memberScore["selection"] { scores["member \(index + 1) selection"] = selection }
      }
      if let selection = scores["selection"] {
        progress(String(format: "the %d members together: selection %.4f", members, selection), true)
      }
    } else {
      model = trained[0]
    }
    var tokensPerSecond = 0.0
    if let first = sources.first(where: { !$0.dev.isEmpty }) {
      let clock = Date()
      _ = model.tag(first.dev.map(\.tokens))
      tokensPerSecond =
        Double(first.dev.reduce(0) { $0 + $1.tokens.count }) / max(1e-9, Date().timeIntervalSince(clock))
    }
    var card = model.card
    card.created = ISO8601DateFormatter().string(from: Date())
    card.command = command
    card.trainingData =
      notes + pretrainNotes + ["\(shortName(vectors)): \(wordVectors.words.count) × \(wordVectors.width) word vectors"]
    if settings.useNameLists, let names {
      card.trainingData.append("\(shortName(names)): census name lists (features)")
    }
    if let capitalisationNote { card.trainingData.append(capitalisationNote) }
    card.scores = scores
    if tokensPerSecond > 0 { card.scores["tagging tokens/s"] = tokensPerSecond.rounded() }
    card.trainingSeconds = seconds.rounded()
    card.training = [
      "epochs": String(options.epochs), "batch_size": String(options.batchSize),
      "learning_rate": String(options.learningRate), "pretrained_words": String(options.pretrainedWords),
      "case_variants": String(options.caseVariants), "averaging": String(options.averaging),
      "singleton_unknown": String(options.singletonUnknown),
      "pretrain_epochs": String(options.pretrainEpochs), "members": String(members),
      "partial_anywhere": String(options.partialAnywhere),
      "parameters": String(model.parameterCount), "tune_vectors": String(options.tuneVectors),
    ]
    if options.adversarialEpsilon > 0 { card.training?["adversarial_epsilon"] = String(options.adversarialEpsilon) }
    if options.mentionSwaps > 0 { card.training?["mention_swaps"] = String(options.mentionSwaps) }
    if options.peopleSwappedAcross > 0 {
      card.training?["people_swapped_across"] = String(options.peopleSwappedAcross)
    }
    if options.lowerCaseNames > 0 { card.training?["lower_case_names"] = String(options.lowerCaseNames) }
    if options.readingWords > 0 { card.training?["reading_words"] = String(options.readingWords) }
    var partialNotes: [String] = []
    let types = NamesData.types(sources.flatMap(\.sentences))
    for source in sources {
      let hidden = NamesTrainer.partialTypes(of: source, modelTypes: types)
      if !hidden.isEmpty {
        partialNotes.append(
          "\(source.name) is trained as partially labelled: its O may hide \(hidden.joined(separator: ", ")).")
      }
    }
    card.notes =
      [
        sources.count > 1
          ? "Selected on the weighted mean of each dev file's chosen F1 (the `selection` score), checked after each epoch."
          : "Selected on overall entity F1 on the dev file, checked after each epoch."
      ] + partialNotes
    if members > 1 {
      card.notes.append(
        "\(members) networks trained apart (seeds \(options.seed) to \(options.seed &+ UInt64(members - 1))), each selected by itself, tag together: their tag scores are averaged and decoded by one CRF of their averaged transitions; the scores are those of all of them together."
      )
    }
    model.card = card
    do {
      try model.save(directory: out)
    } catch {
      throw RecurError(.fatal, error.message, location: out)
    }
    let summary = scores["selection"].map { String(format: "selection score %.4f", $0) }
    write(
      "saved \(out) in \(TrainSentimentCommand.duration(seconds))"
        + (summary.map { "; " + $0 } ?? "") + String(format: "; %.0f tokens/s tagging", tokensPerSecond))
    return .success
  }
}

/// `recur eval names`: entity-level precision/recall/F1 (exact span and type) per type and
/// overall, on one tagged file or on every dev file of a training mix (types renamed and
/// sentences seen in training dropped as in training).
public struct EvalNamesCommand {
  public var data: String
  public var mix: String?
  public var model: String
  public var json: Bool
  /// A file to write every token with its gold and predicted tag to (`token gold
  /// predicted`, a blank line between sentences: the layout `conlleval` reads), the
  /// scored files one after another.
  public var predictions: String?
  /// Renames the file's entity types before scoring (`FROM:TO`; `FROM:-` drops a type).
  /// Without it, a file written in WNUT-17's six types is renamed as the shipped mix does
  /// (`NamesData.wnut17Types`); any other file is scored on its types as they are.
  public var typeMap: [String: String]?
  /// Reads each text of an offset-marked file as a page, as `recur label` does: the
  /// document rules applied (`DocumentNames`), so the score is of what label and run write.
  public var documents: Bool

  /// `data`: the tagged file, or with `mix` the folder the mix's paths are relative to.
  public init(
    data: String, mix: String? = nil, model: String, json: Bool, predictions: String? = nil,
    typeMap: [String: String]? = nil, documents: Bool = false
  ) {
    self.data = data
    self.mix = mix
    self.model = model
    self.json = json
    self.predictions = predictions
    self.typeMap = typeMap
    self.documents = documents
  }

  /// The map a tagged file is scored through: the one given, else WNUT-17's (for the types
  /// the file uses) when every type of the file is one of its six and none is a type the
  /// model tags, else OntoNotes' when every type is one of its eighteen and one of them
  /// (`PERSON`, `GPE`, …) is no type the model tags, else none.
  static func typeMap(for sentences: [TaggedSentence], given: [String: String]?, modelTypes: Set<String>)
    -> [String: String]
  {
    if let given { return given }
    let types = Set(NamesData.types(sentences))
    guard !types.subtracting(modelTypes).isEmpty else { return [:] }
    if types.isSubset(of: NamesData.wnut17Types.keys), types.isDisjoint(with: modelTypes) {
      return NamesData.wnut17Types.filter { types.contains($0.key) }
    }
    if types.isSubset(of: NamesData.ontoNotesTypes.keys) {
      return NamesData.ontoNotesTypes.filter { types.contains($0.key) }
    }
    return [:]
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let loaded: NamesModel
    do {
      loaded = try NamesModel.load(directory: model)
    } catch {
      throw RecurError(.usage, error.message)
    }
    var sets: [(name: String, sentences: [TaggedSentence], renamed: [String: String], marks: OffsetAnnotations?)] = []
    if let mix {
      guard typeMap == nil else { throw RecurError(.usage, "--map renames a file's types; a mix has its own map=") }
      guard !documents else { throw RecurError(.usage, "--documents reads the texts of one .jsonl file, not a mix") }
      let sources = try TrainNamesCommand.gatherSources(train: nil, dev: nil, mix: mix, dataFolder: data).sources
      sets = sources.filter { !$0.dev.isEmpty }.map { ($0.devName, $0.dev, [:], nil) }
      guard !sets.isEmpty else { throw RecurError(.usage, "the mix names no dev file", location: mix) }
    } else {
      do throws(DataFileError) {
        let marks = NamesData.isOffsetFile(data) ? try NamesData.loadOffsets(data) : nil
        if documents {
          guard let marks else {
            throw DataFileError("--documents reads texts marked by offsets (a .jsonl file); \(data) is tokens and tags")
          }
          guard marks.texts.reduce(0, { $0 + $1.sentences.count }) == marks.sentences.count else {
            throw DataFileError("--documents reads texts: \(data) has lines of tokens and tags, which are no pages")
          }
        }
        let sentences = if let marks { marks.sentences } else { try NamesData.load(data) }
        let map = Self.typeMap(for: sentences, given: typeMap, modelTypes: loaded.types)
        sets = [(data, NamesData.renamingTypes(sentences, map), map, marks)]
      } catch {
        throw RecurError(.usage, error.message)
      }
    }
    var tagged = ""
    for set in sets {
      let predicted = report(loaded, set.name, set.sentences, renamed: set.renamed, marks: set.marks, write: write)
      guard predictions != nil else { continue }
      for (sentence, tags) in zip(set.sentences, predicted) {
        for (index, token) in sentence.tokens.enumerated() {
          tagged += "\(token) \(sentence.tags[index]) \(tags[index])\n"
        }
        tagged += "\n"
      }
    }
    if let predictions {
      do {
        try Data(tagged.utf8).write(to: URL(fileURLWithPath: predictions), options: .atomic)
      } catch {
        throw RecurError(.fatal, "cannot write the predictions: \(error.localizedDescription)", location: predictions)
      }
    }
    return .success
  }

  /// Scores `sentences` and writes the report; returns the predicted tags.
  func report(
    _ loaded: NamesModel, _ data: String, _ sentences: [TaggedSentence], renamed: [String: String],
    marks: OffsetAnnotations? = nil, write: (String) -> Void
  ) -> [[String]] {
    let types = Set(NamesData.types(sentences))
    let untagged = types.subtracting(loaded.types).sorted()
    let renaming = renamed.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }
    let clock = Date()
    let (evaluation, predicted) =
      if documents, let marks {
        Self.tagAsDocuments(loaded, marks, sentences: sentences, types: types)
      } else {
        NamesTrainer.tagAndEvaluate(loaded, on: sentences, types: types)
      }
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
      if !renamed.isEmpty {
        var map = JSONObjectWriter()
        for (from, to) in renamed.sorted(by: { $0.key < $1.key }) { map.add(from, to) }
        object.add("types_renamed", raw: map.json)
      }
      if !untagged.isEmpty {
        object.add("types_not_tagged", raw: "[" + untagged.map(JSONObjectWriter.quote).joined(separator: ",") + "]")
      }
      if documents { object.add("documents", marks?.texts.count ?? 0) }
      if let marks {
        object.add("names_widened", marks.widened)
        object.add("names_overlapping", marks.overlapping)
        object.add("names_split", marks.split)
      }
      object.add("overall", raw: scores(evaluation.overall))
      var perType = JSONObjectWriter()
      for type in types.sorted() { perType.add(type, raw: scores(evaluation.perType[type] ?? .init())) }
      object.add("per_type", raw: perType.json)
      object.add("tokens_per_s", tokensPerSecond, decimals: 0)
      write(object.json)
    } else {
      write("\(data): \(sentences.count) sentences, \(tokens) tokens")
      if documents, let marks {
        write("\(marks.texts.count) texts, each read as a page (as recur label reads it, with the document rules)")
      }
      if !renaming.isEmpty { write("types renamed: " + renaming.joined(separator: ", ")) }
      if let marks, marks.widened + marks.overlapping + marks.split > 0 {
        write(
          "names marked by offsets: \(marks.widened) begin or end inside a token (tagged on the tokens they "
            + "touch), \(marks.overlapping) overlap another (left out), \(marks.split) cut by a sentence end "
            + "(each part a name)")
      }
      if !untagged.isEmpty {
        write("the model tags no \(untagged.joined(separator: ", ")): each scores 0 (rename them with --map)")
      }
      write("type     precision  recall  f1      entities")
      for type in types.sorted() + ["overall"] {
        let counts = type == "overall" ? evaluation.overall : evaluation.perType[type] ?? .init()
        write(
          type.padding(toLength: 9, withPad: " ", startingAt: 0)
            + String(format: "%.4f     %.4f  %.4f  %d", counts.precision, counts.recall, counts.f1, counts.gold))
      }
      write(String(format: "%.0f tokens/s", tokensPerSecond))
    }
    return predicted
  }

  /// Tags each marked text as `recur label` does and scores its sentences against
  /// `sentences` (the file's, types renamed); returns the predicted tags a sentence.
  static func tagAsDocuments(
    _ model: NamesModel, _ marks: OffsetAnnotations, sentences: [TaggedSentence], types: Set<String>
  ) -> (evaluation: EntityEvaluation, predicted: [[String]]) {
    let found = DocumentNames(model: model).tag(marks.texts.map(\.text))
    var predicted = sentences.map { [String](repeating: "O", count: $0.tokens.count) }
    for (text, names) in zip(marks.texts, found) {
      let tags = DocumentNames.tokenTags(names.entities, tokens: text.tokens, ranges: text.tokenRanges)
      for (index, sentenceTags) in zip(text.sentences, tags) { predicted[index] = sentenceTags }
    }
    var evaluation = EntityEvaluation()
    for (sentence, tags) in zip(sentences, predicted) {
      evaluation.add(gold: sentence.tags, predicted: tags, types: types)
    }
    return (evaluation, predicted)
  }
}
