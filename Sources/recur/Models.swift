import ArgumentParser
import Foundation
import RecurJobs
import RecurModels
import RecurNN

extension CellKind: ExpressibleByArgument {}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a model from labelled data.",
    subcommands: [TrainSentiment.self]
  )
}

struct TrainSentiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sentiment",
    abstract: "Train the N → 1 sentiment classifier (negative / positive).",
    discussion: """
      Files are `label<TAB>text` (SST style, tokenized text is turned back into plain text) \
      or the IMDb layout (header `label rating id text`). A --train file with no --dev file \
      in its folder gives --hold-out of its rows (seed 13) as a dev set. The weights with the \
      best mean dev accuracy, checked twice an epoch, are kept. Writes OUT/model.safetensors \
      and OUT/card.json (architecture, vocabulary, data, this command, seed, scores, time).

      The shipped model: recur train sentiment --train ../shared/data/imdb/train.tsv \
      ../shared/data/sst2/train.tsv --dev ../shared/data/sst2/dev.tsv --out models/sentiment
      """
  )

  @Option(parsing: .upToNextOption, help: "Training files.")
  var train: [String]

  @Option(parsing: .upToNextOption, help: "Dev files (model selection).")
  var dev: [String] = []

  @Option(help: "The word-vector folder (vocab*.txt and *.f32le).")
  var vectors = "../shared/data/glove6b50d"

  @Option(help: "The model folder to write.")
  var out: String

  @Option(help: "The recurrent cell: rnn, gru or lstm.")
  var cell: CellKind = .gru

  @Flag(inversion: .prefixedNo, help: "Read in both directions.")
  var bidirectional = true

  @Option(help: "Hidden units per direction.")
  var hidden = 64

  @Option(help: "Pooling over the outputs: last, mean or max.")
  var pooling = "max"

  @Option(help: "Passes over the training data.")
  var epochs = 4

  @Option(help: "Texts per training batch.")
  var batchSize = 32

  @Option(help: "The seed of every random choice (weights, order, dropout).")
  var seed: UInt64 = 1

  @Option(help: "Adam's learning rate (decays linearly over the epochs).")
  var learningRate: Float = 0.002

  @Option(help: "Dropout on the embeddings and the pooled vector.")
  var dropout: Float = 0.3

  @Option(help: "Training texts are cut to this many tokens (first third, last two thirds).")
  var maxTokens = 256

  @Option(help: "The share of a training file without its own dev file held out as dev.")
  var holdOut = 0.1

  @Option(help: "OpenBLAS threads.")
  var threads = 1

  mutating func run() throws {
    guard let pooling = ManyToOne.Pooling(rawValue: pooling) else {
      throw ValidationError("--pooling must be last, mean or max")
    }
    guard epochs >= 1, hidden >= 1, maxTokens >= 1, threads >= 1, batchSize >= 1 else {
      throw ValidationError("--epochs, --hidden, --batch-size, --max-tokens and --threads must be at least 1")
    }
    guard (0..<1).contains(dropout), learningRate > 0 else {
      throw ValidationError("--dropout must be in [0, 1) and --learning-rate above 0")
    }
    setBLASThreads(threads)
    var options = SentimentTrainingOptions()
    options.cell = cell
    options.bidirectional = bidirectional
    options.hidden = hidden
    options.pooling = pooling
    options.epochs = epochs
    options.seed = seed
    options.batchSize = batchSize
    options.learningRate = learningRate
    options.dropout = dropout
    options.maxTrainingTokens = maxTokens
    let command = (["recur"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    let terminal = Console.errorIsTerminal
    var progressLines = 0
    let status = try TrainSentimentCommand(
      train: train, dev: dev, vectors: vectors, out: out, holdOut: holdOut, options: options, command: command
    ).run(write: Console.out) { line, keep in
      if terminal {
        Console.errorRaw("\r\u{1B}[K" + line + (keep ? "\n" : ""))
      } else {
        // In a log: every line that stays, and one progress line in ten.
        if !keep { progressLines += 1 }
        if keep || progressLines % 10 == 1 { Console.error(line) }
      }
    }
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct EvalSentiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sentiment",
    abstract: "Accuracy of the sentiment model on a labelled file.",
    discussion: """
      Every row is scored as one text with the binary decision P(positive) ≥ 0.5. Prints \
      accuracy, per-class precision/recall/F1, the confusion matrix and documents/s; --json \
      prints one object with n, accuracy (a fraction), per_class, labels, confusion and \
      docs_per_s. --held-out scores only the rows the model held out of this file in training \
      (for the IMDb dev split).

      Example: recur eval sentiment --data ../shared/data/sst2/dev.tsv
      """
  )

  @Option(help: "A `label<TAB>text` or IMDb-layout file.")
  var data: String

  @Option(help: "The model folder (default: models/sentiment).")
  var model: String?

  @Flag(help: "Only the rows the model held out of this file.")
  var heldOut = false

  @Flag(help: "Print one JSON object.")
  var json = false

  mutating func run() throws {
    setBLASThreads(1)
    _ = try EvalSentimentCommand(
      data: data, model: model ?? defaultModelDirectory("sentiment"), json: json, heldOut: heldOut
    ).run(write: Console.out)
  }
}

struct Label: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Label the sentiment of a text, text files or HTML pages.",
    discussion: """
      Prints the label (positive, negative, mixed/neutral, or unsupported for text not in \
      English), its probability, and the sentences that pulled hardest. An HTML page's main \
      text is labelled, and each review item on it on its own, beside its star rating. \
      --json prints one object per input: source, sentiment {label, probability, positive, \
      language, reason, sentences [{start, end, positive, text}]}, reviews [{author, title, \
      rating, best_rating, normalised_rating, sentiment}]. Exit 1 when an input could not be read.

      Example: recur label --text "A warm, funny film with a great cast."
      """
  )

  @Option(help: "The text to label.")
  var text: String?

  @Argument(help: "Text or HTML files ('-' for standard input).")
  var files: [String] = []

  @Option(help: "The sentiment model folder (default: models/sentiment).")
  var model: String?

  @Flag(help: "Print one JSON object per input.")
  var json = false

  mutating func run() throws {
    setBLASThreads(1)
    let status = try LabelCommand(
      text: text, files: files, model: model ?? defaultModelDirectory("sentiment"), json: json
    ).run(write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}
