import ArgumentParser
import Foundation
import RecurFetch
import RecurJobs
import RecurModels
import RecurNN
import RecurText

extension CellKind: ExpressibleByArgument {}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a model from labelled data.",
    subcommands: [TrainSentiment.self, TrainNames.self, TrainExtract.self]
  )
}

struct TrainSentiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sentiment",
    abstract: "Train the N → 1 sentiment classifier (negative / positive, and opinion / fact).",
    discussion: """
      Files are `label<TAB>text`, label pos/neg (polarity) or subjective/objective (whether \
      the text expresses an opinion: with such rows the model gets a second output, which \
      `recur label` uses to call texts neutral), with raw or SST-style tokenized text (told \
      apart per file and turned back into plain text), the IMDb layout (header `label \
      rating id text`), or a `.csv` file as spreadsheets export it (a header naming the text \
      and label columns: text/review/sentence, label/sentiment/polarity) or a .jsonl file \
      (one {"text": …, "label": …} object a line, the label a string or 0/1). The words are read \
      lower-cased, so case never matters.

      --mix FILE names the training sources, one a line: `file weight dev`, the file relative \
      to --data, the weight the number of times an epoch its rows are used (0.25: a fresh \
      quarter each epoch), dev `hold-out SHARE` (that share of the rows held out as its dev \
      set, seed 13), a dev file, or `-`; then optionally `negate=W` (a polarity file's rows \
      of up to 15 tokens with one is/was/are/were, no negation, no comma or turn after it, \
      also trained W times an epoch with `not` after that verb and the other label), \
      `titles=W` (the titles of rows written `title. review`, one to fifteen words, trained \
      as rows of their own with their review's label; the held-out titles are a reported \
      dev set), `sentences=W` (the sentences of the rows, four to twenty tokens ending in . ! \
      or ?, trained as rows of their own with their review's label), `smooth=S` (the file's rows \
      and those made of them taught as 1 - S/2 their label and S/2 the other: label smoothing \
      for noisy labels, 0 < S < 1), `pages=TYPE,…` (the file is a \
      WCXB-layout index.tsv: the prose sentences of those page types' reference texts) and \
      `as subjective|objective` (every row an opinion example with that label; a CoNLL-style \
      names file gives its sentences). --train files are added with weight 1; one with no \
      --dev file in its folder gives --hold-out of its rows as a dev set. Training rows whose \
      text is a dev row are dropped. The weights with the best mean dev score (accuracy; for a \
      set whose smaller class is under a fifth, the mean of the per-class recalls), checked \
      twice an epoch on the moving average of the weights (--average), are kept. --teacher \
      DIR… trains against the teachers' mean probabilities mixed with the labels (--distill: \
      their share of each target). --leave-out SOURCE trains without a mix source and reports its \
      dev score apart (leave-one-domain-out). Writes OUT/model.safetensors and OUT/card.json \
      (architecture, vocabulary, data, this command, seed, scores, time).

      The shipped model (make train-sentiment): recur train sentiment --mix \
      training/sentiment.mix --out models/sentiment --seed 1 --pretrain-epochs 4 \
      --spelling-buckets 65536 --unknown-rate 0.1 --no-spell-known-words --adversarial 0.5
      """
  )

  @Option(help: "A training-mix file: `file weight dev` a line (see above).")
  var mix: String?

  @Option(help: "The folder the mix file's paths are relative to.")
  var data = "../shared/data"

  @Option(parsing: .upToNextOption, help: "Mix sources (as written in the mix) to train without.")
  var leaveOut: [String] = []

  @Option(help: "Write every dev set to this folder as label<TAB>text files (for other tools).")
  var devOut: String?

  @Option(parsing: .upToNextOption, help: "Training files (weight 1).")
  var train: [String] = []

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

  @Option(help: "Stacked recurrent layers.")
  var layers = 1

  @Flag(inversion: .prefixedNo, help: "Fine-tune the word vectors (--no-tune-vectors keeps them as loaded).")
  var tuneVectors = true

  @Option(
    help:
      "Pooling over the outputs: last, mean, max, max+mean or attention (a softmax over the steps of a learned score of each output)."
  )
  var pooling = "max"

  @Option(
    help: """
      Word features read beside each word vector, comma-separated: negation (1 for a word in \
      the scope of not, no, never, n't, without, … up to the end of its clause).
      """)
  var features = ""

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

  @Option(help: "The pretrained vectors' most frequent words kept in the vocabulary even when training never saw them.")
  var pretrainedWords = SentimentTrainingOptions().pretrainedWords

  @Option(help: "Decay of the moving average of the weights that is checked and saved (0: the weights as trained).")
  var average: Float = 0.999

  @Option(
    parsing: .upToNextOption,
    help: "Trained sentiment model folders whose mean probabilities to learn beside the labels (distillation).")
  var teacher: [String] = []

  @Option(help: "With --teacher, the share of the teachers' probabilities in each training target.")
  var distill: Float = 0.5

  @Option(
    help: """
      Passes of language-model pretraining over the training texts before the labelled \
      epochs (each word's neighbours told from the encoder's two directions; 0: none).
      """)
  var pretrainEpochs = 0

  @Option(help: "With --pretrain-epochs, how many of the commonest training words pretraining predicts.")
  var pretrainTargets = SentimentTrainingOptions().pretrainTargets

  @Option(
    help: """
      Read each word's spelling too: the vectors of its character n-grams (3 to 5 letters) \
      hashed into this many rows, added to its word vector; a word outside the vocabulary is \
      read by its spelling (0: words alone).
      """)
  var spellingBuckets = 0

  @Option(help: "With --spelling-buckets, the width of an n-gram's vector.")
  var spellingWidth = SentimentTrainingOptions().spellingWidth

  @Option(
    help:
      "With --spelling-buckets, the share of known training words read as unknown (the unknown word plus their spelling)."
  )
  var unknownRate: Float = 0

  @Flag(
    inversion: .prefixedNo,
    help:
      "With --spelling-buckets, read known words by their spelling too (--no-spell-known-words: only words outside the vocabulary and those read as unknown)."
  )
  var spellKnownWords = true

  @Option(
    help: """
      Adversarial training: each batch is read again with its word vectors pushed this far \
      (L2 over each text) the way that raises its loss most, and that loss learned too \
      (0: off; the labelled epochs take about 1.6 times as long).
      """)
  var adversarial: Float = 0

  @Option(
    help: """
      Virtual adversarial training: each batch is also read with its word vectors pushed \
      this far the way that changes the model's output most, and taught to keep its output \
      there (no label needed; 0: off).
      """)
  var virtualAdversarial: Float = 0

  @Flag(
    help: """
      Weigh each polarity source's rows that hold a negation (not, no, never, n't, without, \
      …) so that they are positive as often as the source's rows overall: the commoner class \
      among them weighs less, and the negation tells the label no more than any word does.
      """)
  var balanceNegations = false

  @Option(help: "Threads for the large matrix products (the weights come out the same at every count).")
  var threads = 1

  mutating func run() throws {
    guard let pooling = ManyToOne.Pooling(rawValue: pooling) else {
      throw ValidationError("--pooling must be last, mean, max, max+mean or attention")
    }
    guard epochs >= 1, hidden >= 1, maxTokens >= 1, threads >= 1, batchSize >= 1, (1...8).contains(layers) else {
      throw ValidationError(
        "--epochs, --hidden, --batch-size, --max-tokens and --threads must be at least 1, --layers 1 to 8")
    }
    guard (0..<1).contains(dropout), learningRate > 0 else {
      throw ValidationError("--dropout must be in [0, 1) and --learning-rate above 0")
    }
    setProductThreads(threads)
    var options = SentimentTrainingOptions()
    options.cell = cell
    options.bidirectional = bidirectional
    options.hidden = hidden
    options.layers = layers
    options.trainableVectors = tuneVectors
    options.pooling = pooling
    var chosen: [SentimentFeature] = []
    for name in features.split(separator: ",") {
      guard let feature = SentimentFeature(rawValue: String(name)), !chosen.contains(feature) else {
        throw ValidationError("--features takes distinct names from: negation")
      }
      chosen.append(feature)
    }
    options.features = chosen
    options.epochs = epochs
    options.seed = seed
    options.batchSize = batchSize
    options.learningRate = learningRate
    options.dropout = dropout
    options.maxTrainingTokens = maxTokens
    guard pretrainedWords >= 0 else { throw ValidationError("--pretrained-words must be 0 or more") }
    options.pretrainedWords = pretrainedWords
    guard (0..<1).contains(average), (0...1).contains(distill) else {
      throw ValidationError("--average must be in [0, 1) and --distill in [0, 1]")
    }
    options.averaging = average
    options.distillation = distill
    guard pretrainEpochs >= 0, pretrainTargets >= 1 else {
      throw ValidationError("--pretrain-epochs must be 0 or more and --pretrain-targets at least 1")
    }
    guard pretrainEpochs == 0 || bidirectional else {
      throw ValidationError("--pretrain-epochs needs a bidirectional encoder")
    }
    options.pretrainEpochs = pretrainEpochs
    options.pretrainTargets = pretrainTargets
    guard (0...(1 << 24)).contains(spellingBuckets), (1...1024).contains(spellingWidth), (0..<1).contains(unknownRate)
    else {
      throw ValidationError(
        "--spelling-buckets must be 0 to 16777216, --spelling-width 1 to 1024 and --unknown-rate in [0, 1)")
    }
    options.spellingBuckets = spellingBuckets
    options.spellingWidth = spellingWidth
    options.unknownRate = unknownRate
    options.spellKnownWords = spellKnownWords
    guard adversarial >= 0, adversarial.isFinite, virtualAdversarial >= 0, virtualAdversarial.isFinite else {
      throw ValidationError("--adversarial and --virtual-adversarial must be 0 or more")
    }
    options.adversarialEpsilon = adversarial
    options.virtualAdversarialEpsilon = virtualAdversarial
    let command = (["recur"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    var training = TrainSentimentCommand(
      train: train, dev: dev, vectors: vectors, out: out, holdOut: holdOut, options: options, command: command)
    training.mix = mix
    training.dataFolder = data
    training.leaveOut = leaveOut
    training.devOut = devOut
    training.teachers = teacher
    training.balanceNegations = balanceNegations
    let status = try training.run(write: Console.out, progress: progressPrinter())
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct EvalSentiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sentiment",
    abstract: "Accuracy of the sentiment model on a labelled file or a mix's dev sets.",
    discussion: """
      Every row is scored as one text with the binary decision P(positive) ≥ 0.5 (for a file \
      of subjective/objective rows, P(opinion) ≥ 0.5 from the model's opinion output). Prints \
      accuracy, per-class precision/recall/F1, the confusion matrix, documents/s and tokens/s \
      (tokenizing included); --json prints one object with data, model, held_out, n, accuracy \
      (a fraction), per_class, labels, confusion, docs_per_s and tokens_per_s. --held-out scores only the rows the model held out of this file in training \
      (the dev slices of IMDb and the other files the model held out; seed and share are in its card). \
      With --mix, --data is the folder the mix's paths are relative to, and every dev set of \
      the mix is scored as training checks it (held-out shares, relabelled files, rows that \
      repeat a training text dropped; accuracy, or for a set whose smaller class is under a \
      fifth the mean of the two recalls), with the mean of those that select: --json then \
      prints mix, model, selection_mean and sets [{name, n, accuracy, balanced_accuracy, \
      score, selects}].

      Examples: recur eval sentiment --data ../shared/data/sst2/dev.tsv
                recur eval sentiment --mix training/sentiment.mix --data ../shared/data
      """
  )

  @Option(
    help: "A `label<TAB>text`, `text<TAB>label`, IMDb-layout, .csv or .jsonl file, or with --mix the data folder.")
  var data: String

  @Option(help: "A sentiment training mix whose dev sets to score.")
  var mix: String?

  @Option(help: "The model folder (default: models/sentiment).")
  var model: String?

  @Flag(help: "Only the rows the model held out of this file.")
  var heldOut = false

  @Flag(help: "Print one JSON object.")
  var json = false

  @Option(help: "Write each row's gold label and probability to this file (`label<TAB>probability` a line).")
  var predictions: String?

  mutating func run() throws {
    _ = try EvalSentimentCommand(
      data: data, model: model ?? defaultModelDirectory("sentiment"), json: json, heldOut: heldOut,
      predictions: predictions, mix: mix
    ).run(write: Console.out)
  }
}

struct Label: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Label the sentiment and the names of a text, text files, HTML pages or URLs.",
    discussion: """
      Prints the label (positive, negative, mixed: opinions both ways, neutral: little \
      opinion, facts or news, or unsupported for text not in English), its probability, the \
      sentences that pulled hardest, and the people and other \
      names. An HTML page's main text is labelled, and each review item on it on its own, \
      beside its star rating. --json prints one object per input: source, sentiment {label, \
      probability, positive, opinion, language, reason, sentences [{start, end, positive, \
      opinion, text}]}, \
      reviews [{author, title, rating, best_rating, normalised_rating, sentiment}], entities \
      [{type, text, start, end, confidence}] and people [{name, mentions, forms, confidence}] \
      (null without a names model). Offsets count Unicode scalars. Exit 1 when an input could \
      not be read.

      Example: recur label --text "A warm, funny film with a great cast."
      """
  )

  @Option(help: "The text to label.")
  var text: String?

  @Argument(help: "Text or HTML files ('-' for standard input), or http(s) URLs to fetch.")
  var files: [String] = []

  @Option(help: "The sentiment model folder (default: models/sentiment).")
  var model: String?

  @Option(help: "The names model folder (default: models/names when it exists).")
  var namesModel: String?

  @Flag(help: "Leave out the names.")
  var noNames = false

  @Flag(help: "Print one JSON object per input.")
  var json = false

  mutating func run() throws {
    var names = namesModel
    if names == nil && !noNames {
      let folder = defaultModelDirectory("names")
      if FileManager.default.fileExists(atPath: folder + "/card.json") { names = folder }
    }
    let status = try LabelCommand(
      text: text, files: files, model: model ?? defaultModelDirectory("sentiment"), namesModel: noNames ? nil : names,
      json: json
    ).run(fetcher: CurlFetcher(), write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct TrainNames: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "names",
    abstract: "Train the N → N name tagger (PER, ORG, LOC, MISC in IOB2).",
    discussion: """
      Files are `token<TAB>tag` a line with a blank line between sentences (CoNLL-2003). \
      Either one --train file with one --dev file (the weights with the best overall entity \
      F1 on it, checked after each epoch, are kept), or a --mix of several: one line a \
      file, `file weight dev [map=FROM:TO,…] [partial=TYPE,…] [select=METRIC:WEIGHT]`, \
      paths relative to --data; dev is a file, `-`, or `hold-out SHARE` (the file's last \
      SHARE of sentences, in file order, are its dev set and the rest trains). `map` \
      renames a file's types to the model's; where a file \
      does not mark a type (`partial`, and every type it never uses), its `O` may hide a \
      name of that type where a token is written like part of a name (a capital or a \
      digit; a joining word such as `of` inside one) and is trained as such (a partially \
      labelled CRF); the weights \
      with the best weighted mean of the dev files' `select` F1s are kept. Dev sentences \
      that also occur in training are dropped. Writes OUT/model.safetensors and \
      OUT/card.json.

      The shipped model (make train-names; the defaults but for the names swapped, the \
      epochs and the words read): recur train names --mix training/names.mix --data \
      ../shared/data --out models/names --seed 2 --swap-names 0.3 --epochs 50 --reading-words 100000
      """
  )

  @Option(help: "The training file (or use --mix).")
  var train: String?

  @Option(help: "The dev file (model selection) of --train.")
  var dev: String?

  @Option(help: "A training-mix file: several tagged files with weights, type maps and dev files.")
  var mix: String?

  @Option(help: "The folder the mix's paths are relative to.")
  var data = "../shared/data"

  @Option(help: "The word-vector folder (vocab*.txt and *.f32le).")
  var vectors = "../shared/data/glove6b50d"

  @Option(help: "The census name-list folder (features).")
  var names = "../shared/data/names"

  @Option(help: "The model folder to write.")
  var out: String

  @Option(help: "The recurrent cell: rnn, gru or lstm.")
  var cell: CellKind = .lstm

  @Option(help: "Hidden units per direction.")
  var hidden = NamesTrainingOptions().hidden

  @Option(help: "Stacked bidirectional layers.")
  var layers = NamesTrainingOptions().layers

  @Option(help: "Dropout on the encoder's input and output.")
  var dropout: Float = NamesTrainingOptions().dropout

  @Flag(inversion: .prefixedNo, help: "Fine-tune the word vectors (--tune-vectors) or keep them as loaded.")
  var tuneVectors = NamesTrainingOptions().tuneVectors

  @Flag(help: "Leave out the character encoder.")
  var noChar = false

  @Option(help: "Hidden units per direction of the character encoder.")
  var charHidden = NamesTrainingOptions().characterHidden

  @Flag(help: "Softmax with constrained Viterbi instead of a CRF.")
  var noCrf = false

  @Flag(help: "Leave out the name-list features.")
  var noNameLists = false

  @Option(help: "Passes over the training data.")
  var epochs = NamesTrainingOptions().epochs

  @Option(help: "Sentences per training batch.")
  var batchSize = 16

  @Option(help: "The share of training sentences shown all lower-case or all upper-case.")
  var caseVariants: Float = 0.2

  @Option(help: "Adam's learning rate (decays as 1/(1 + 0.1 × epoch)).")
  var learningRate: Float = 0.003

  @Option(help: "The chance that a word seen once in training is read as the unknown word.")
  var singletonUnknown: Float = 0

  @Option(help: "The pretrained vectors' most frequent words kept in the vocabulary even when training never saw them.")
  var pretrainedWords = NamesTrainingOptions().pretrainedWords

  @Option(
    help: """
      The pretrained vectors' most frequent words up to this rank that the vocabulary still \
      lacks join it after its random draws, as loaded (training sentences hold none of \
      them, so training runs as without them): the tagger reads such a word, most often a \
      rarer name, by its own vector instead of the unknown word's. 0: none. Needs the \
      vectors as loaded.
      """)
  var readingWords = NamesTrainingOptions().readingWords

  @Flag(help: "Where a file does not mark a type, let any token it marks O be one (not only capitalised ones).")
  var partialAnywhere = false

  @Option(
    help: """
      Adversarial training: each batch is read again with every token's input pushed this \
      far (L2 over each sentence) the way that raises its loss most, and that loss learned \
      too (0: off; training takes about 1.7 times as long).
      """)
  var adversarial: Float = 0

  @Option(
    help: """
      The share of training sentences shown with each name replaced by another name of the \
      same type from the same file (mention replacement; drawn afresh every epoch).
      """)
  var swapNames: Float = 0

  @Option(
    help: """
      Of the people --swap-names puts in, the share drawn from every training file's people \
      instead of the sentence's own file's.
      """)
  var swapPeopleAcross: Float = 0

  @Option(
    help: """
      The share of training sentences shown with their names in lower case and the other \
      words as written (drawn afresh every epoch).
      """)
  var lowerCaseNames: Float = 0

  @Option(
    help: """
      Passes of language-model pretraining before the tagged epochs: the encoder learns to \
      tell each word's neighbours in the tagged sentences and in --pretrain-text (0: none).
      """)
  var pretrainEpochs = 0

  @Option(
    parsing: .upToNextOption,
    help: "Files of untagged text for pretraining, one text a line (label<TAB>text lines: the text).")
  var pretrainText: [String] = []

  @Option(help: "At most this many sentences in pretraining (a seeded random choice).")
  var pretrainSentences = 300_000

  @Option(
    parsing: .upToNextOption,
    help: """
      Files of cased text, one text a line (label<TAB>text lines: the text): a word they \
      mostly write capitalised inside a sentence (at least 3 times) is a feature of the \
      name lists, read however the word is written.
      """)
  var capitalisationText: [String] = []

  @Flag(help: "The --capitalisation-text words are a feature only of tokens written in lower case or all capitals.")
  var capitalisationWhereUncased = false

  @Option(help: "Decay of the moving average of the weights that is checked and saved (0: the weights as trained).")
  var average: Float = 0.999

  @Option(help: "The seed of every random choice (weights, order, dropout).")
  var seed: UInt64 = 1

  @Option(
    help: """
      Networks trained one after another from seeds --seed, --seed + 1, …, that tag together \
      (their tag scores averaged); each is selected on the dev files by itself.
      """)
  var members = 1

  @Option(help: "Threads for the large matrix products (the weights come out the same at every count).")
  var threads = 1

  mutating func run() throws {
    guard (1...16).contains(members) else { throw ValidationError("--members must be from 1 to 16") }
    guard (0...1).contains(caseVariants) else { throw ValidationError("--case-variants must be in [0, 1]") }
    guard (0..<1).contains(average) else { throw ValidationError("--average must be in [0, 1)") }
    guard (0...1).contains(singletonUnknown) else { throw ValidationError("--singleton-unknown must be in [0, 1]") }
    guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1)") }
    guard NamesModel.layerCounts.contains(layers) else {
      throw ValidationError(
        "--layers must be from \(NamesModel.layerCounts.lowerBound) to \(NamesModel.layerCounts.upperBound)")
    }
    guard epochs >= 1, hidden >= 1, charHidden >= 1, batchSize >= 1, threads >= 1, learningRate > 0 else {
      throw ValidationError(
        "--epochs, --hidden, --char-hidden, --batch-size and --threads must be at least 1, --learning-rate above 0")
    }
    setProductThreads(threads)
    var options = NamesTrainingOptions()
    options.cell = cell
    options.hidden = hidden
    options.layers = layers
    options.tuneVectors = tuneVectors
    options.dropout = dropout
    options.useCharacters = !noChar
    options.characterHidden = charHidden
    options.useCRF = !noCrf
    options.useNameLists = !noNameLists
    options.epochs = epochs
    options.batchSize = batchSize
    options.learningRate = learningRate
    options.seed = seed
    options.caseVariants = caseVariants
    options.averaging = average
    options.singletonUnknown = singletonUnknown
    guard adversarial >= 0, adversarial.isFinite else { throw ValidationError("--adversarial must be 0 or more") }
    options.adversarialEpsilon = adversarial
    guard (0...1).contains(swapNames) else { throw ValidationError("--swap-names must be in [0, 1]") }
    options.mentionSwaps = swapNames
    guard (0...1).contains(swapPeopleAcross) else { throw ValidationError("--swap-people-across must be in [0, 1]") }
    guard swapPeopleAcross == 0 || swapNames > 0 else {
      throw ValidationError("--swap-people-across needs --swap-names")
    }
    options.peopleSwappedAcross = swapPeopleAcross
    guard (0...1).contains(lowerCaseNames) else { throw ValidationError("--lower-case-names must be in [0, 1]") }
    options.lowerCaseNames = lowerCaseNames
    guard pretrainedWords >= 0 else { throw ValidationError("--pretrained-words must be 0 or more") }
    options.pretrainedWords = pretrainedWords
    guard readingWords >= 0 else { throw ValidationError("--reading-words must be 0 or more") }
    guard readingWords == 0 || !tuneVectors else {
      throw ValidationError(
        "--reading-words adds words as loaded, which a network trained on tuned vectors does not read alike: "
          + "leave out --tune-vectors")
    }
    options.readingWords = readingWords
    options.partialAnywhere = partialAnywhere
    guard pretrainEpochs >= 0, pretrainSentences >= 1 else {
      throw ValidationError("--pretrain-epochs must be 0 or more and --pretrain-sentences at least 1")
    }
    guard pretrainText.isEmpty || pretrainEpochs > 0 else {
      throw ValidationError("--pretrain-text goes with --pretrain-epochs")
    }
    guard !capitalisationWhereUncased || !capitalisationText.isEmpty else {
      throw ValidationError("--capitalisation-where-uncased goes with --capitalisation-text")
    }
    options.pretrainEpochs = pretrainEpochs
    let command = (["recur"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    guard (train == nil) != (mix == nil) else { throw ValidationError("give either --train (with --dev) or --mix") }
    guard mix == nil || dev == nil else { throw ValidationError("--dev goes with --train; a mix names its dev files") }
    var training = TrainNamesCommand(
      train: train, dev: dev, mix: mix, dataFolder: data, vectors: vectors, names: noNameLists ? nil : names, out: out,
      options: options,
      command: command)
    training.pretrainText = pretrainText
    training.pretrainSentences = pretrainSentences
    training.capitalisationText = capitalisationText
    training.capitalisationWhereUncased = capitalisationWhereUncased
    training.members = members
    let status = try training.run(write: Console.out, progress: progressPrinter())
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct EvalNames: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "names",
    abstract: "Entity-level precision, recall and F1 of the names model on a tagged file or a mix's dev files.",
    discussion: """
      CoNLL evaluation rules: an entity counts when its span and type are exact. A file is \
      scored on the types it has: a WNUT-17 file's six are renamed onto the model's as the \
      shipped mix does, OntoNotes' eighteen (spaCy's) as the CoNLL guidelines place them \
      (PERSON → PER; GPE, LOC, FAC → LOC; NORP, PRODUCT, EVENT, WORK_OF_ART, LAW, LANGUAGE → \
      MISC; dates and amounts dropped), --map renames any other's (a type the model does not tag \
      scores 0, and the report says so). A .jsonl file holds texts whose names are marked \
      by offsets, one JSON object a line, as annotation tools export them: {"text": …, \
      "label": [[start, end, "TYPE"], …]} (or "entities"/"spans", or {"start", "end", \
      "label"} objects; offsets in Unicode scalars); each text is tokenized and cut into \
      sentences as Recur reads a page, and the report counts the marks that do not fall on \
      token boundaries; a line may instead hold {"tokens": […], "ner_tags": ["B-PER", …]}. \
      With --documents each text is read as a page, as `recur label` reads it (names made to \
      agree within the text; code, handles, lower-case words the text uses as words, \
      people the text also writes in lower case and people below 0.4 confidence left out; \
      names written as brands or with model numbers, or beginning as another product or \
      business of the text begins, not people; a page's links are not read here): the score \
      of what label and run write, where the default scores the tagger alone, sentence by \
      sentence. With --mix, \
      --data is the \
      folder the mix's paths are relative to, and every dev file of the mix is scored as \
      training checks it (types renamed by its map, sentences that occur in training \
      dropped). --json prints one object a file: data, model, sentences, tokens, overall \
      {precision, recall, f1, support}, per_type {TYPE: {…}}, tokens_per_s (fractions, not \
      percentages), and where they apply types_renamed {FROM: TO}, types_not_tagged and \
      (a .jsonl file) names_widened, names_overlapping, names_split, and with --documents the \
      number of texts (documents).

      Examples: recur eval names --data ../shared/data/conll2003/dev.tsv
                recur eval names --mix training/names.mix --data ../shared/data
                recur eval names --data pages.jsonl --documents
      """
  )

  @Option(
    help: """
      A `token<TAB>tag` file (or CoNLL-2003's `token POS chunk tag`), a .jsonl file of texts with \
      names marked by offsets, or with --mix the data folder.
      """)
  var data: String

  @Option(help: "A names training mix whose dev files to score.")
  var mix: String?

  @Option(help: "The model folder (default: models/names).")
  var model: String?

  @Flag(help: "Print one JSON object a file.")
  var json = false

  @Option(
    help: "Write each token with its gold and predicted tag to this file (`token gold predicted`, as conlleval reads).")
  var predictions: String?

  @Option(
    help: """
      Rename the file's entity types before scoring, FROM:TO,… (FROM:- drops a type's marks). \
      Without it a file in WNUT-17's six types is renamed as the shipped mix does (person:PER, \
      location:LOC, corporation:ORG, group:ORG, product:MISC, creative-work:MISC).
      """)
  var map: String?

  @Flag(help: "Read each text of a .jsonl file as a page, with the document rules recur label applies.")
  var documents = false

  mutating func run() throws {
    _ = try EvalNamesCommand(
      data: data, mix: mix, model: model ?? defaultModelDirectory("names"), json: json, predictions: predictions,
      typeMap: map.map { text throws(RecurError) in try NamesMix.typeMap(text) }, documents: documents
    ).run(write: Console.out)
  }
}

/// Progress lines: redrawn in place on a terminal; in a log, every line that stays and one
/// progress line in ten.
func progressPrinter() -> (String, Bool) -> Void {
  let terminal = Console.errorIsTerminal
  nonisolated(unsafe) var progressLines = 0
  return { line, keep in
    if terminal {
      Console.errorRaw("\r\u{1B}[K" + line + (keep ? "\n" : ""))
    } else {
      if !keep { progressLines += 1 }
      if keep || progressLines % 10 == 1 { Console.error(line) }
    }
  }
}

struct Models: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the shipped models and the scores in their cards.",
    discussion: """
      Reads FOLDER/*/card.json (default: the models folder Recur finds, as for --model) \
      and checks each weights file against the SHA-256 its card records (weights: \
      verified, or what differs). --json prints one object per model: model, path, \
      created, seed, command, scores, training_seconds, architecture, weights. Exit 1 \
      when a card cannot be read or a weights file is not the one its card records.
      """
  )

  @Option(help: "The models folder.")
  var folder: String?

  @Flag(help: "Print one JSON object per model.")
  var json = false

  mutating func run() throws {
    let folder = folder ?? URL(fileURLWithPath: defaultModelDirectory("sentiment")).deletingLastPathComponent().path
    let status = try ModelsCommand(folder: folder, json: json).run(write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct TrainExtract: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extract",
    abstract: "Train the block model that picks a page's main text.",
    discussion: """
      Reads one or more WCXB-layout folders (index.tsv, html/ID.html.gz, \
      ground-truth/ID.json), cuts every page into text blocks and labels each from the \
      reference text (or, where a folder has only with[]/without[] snippets, from the \
      snippets), then fits a logistic model over hashed block features. Quality is \
      measured by cross-validation with each site's pages in one fold, per folder (word F1, \
      or snippet F1 for snippet-only folders); the cut-off with the best mean over the \
      folders is kept. With several folders, each is also left out of training once and \
      scored. Writes OUT/blocks.bin and OUT/card.json.

      The shipped model: make train-extract (the command is in models/extract/MODEL_CARD.md).
      """
  )

  @Option(help: "A WCXB-layout folder (repeat for several).")
  var data: [String]

  @Option(help: "The model folder to write.")
  var out: String

  @Option(help: "Cross-validation folds (sites kept whole).")
  var folds = 5

  @Option(help: "Passes over the training blocks.")
  var epochs = 6

  @Option(help: "AdaGrad's learning rate.")
  var learningRate: Float = 0.2

  @Option(help: "L2 penalty on the weights.")
  var l2: Float = 1e-4

  @Option(help: "A feature gets a weight only when it occurs on at least this many sites.")
  var minimumSites = 3

  @Option(help: "The seed of the training order.")
  var seed: UInt64 = 1

  @Option(
    help: """
      How the second stage reads the page: logistic (context features), recurrent (a \
      bidirectional GRU over the block sequence) or both (the mean of the two).
      """)
  var reading: String = "both"

  @Option(help: "The recurrent tagger's units per direction.")
  var taggerHidden = 16

  @Option(help: "Passes of the recurrent tagger over the pages.")
  var taggerEpochs = 8

  mutating func run() throws {
    guard let reading = BlockModel.Reading(rawValue: reading) else {
      throw ValidationError("--reading must be logistic, recurrent or both")
    }
    guard (1...256).contains(taggerHidden), taggerEpochs >= 1 else {
      throw ValidationError("--tagger-hidden must be 1 to 256, --tagger-epochs at least 1")
    }
    guard epochs >= 1, learningRate > 0, l2 >= 0 else {
      throw ValidationError("--epochs must be at least 1, --learning-rate above 0")
    }
    var trainer = BlockTrainer()
    trainer.epochs = epochs
    trainer.learningRate = learningRate
    trainer.seed = seed
    trainer.l2 = l2
    trainer.minimumSites = minimumSites
    trainer.reading = reading
    trainer.taggerHidden = taggerHidden
    trainer.taggerEpochs = taggerEpochs
    let command = (["recur"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    let status = try TrainExtractCommand(folders: data, out: out, folds: folds, trainer: trainer, command: command)
      .run(write: Console.out, progress: progressPrinter())
    if status != .success { throw ExitCode(status.rawValue) }
  }
}
