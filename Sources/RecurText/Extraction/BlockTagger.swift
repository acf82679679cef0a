import Foundation
import RecurNN

/// The recurrent reading of a page's blocks (N → N over the page): each block's first-stage
/// probability and a few dense facts about it and its sections go in, in reading order; a
/// bidirectional GRU reads the whole sequence, so a block's place in it (before the
/// article's first paragraph, after its last) counts; one keep/drop probability per block
/// comes out. Stored as `tagger.safetensors` beside `blocks.bin`.
///
/// Inference only reads the weights (the engine's workspaces are leased per call), so one
/// tagger serves every parse worker.
public final class BlockTagger: @unchecked Sendable {
  /// Facts per block (see `inputs`).
  public static let featureCount = 24
  public static let weightsFile = "tagger.safetensors"

  public let hidden: Int
  let encoder: RecurrentEncoder
  let output: Dense

  public init(hidden: Int, seed: UInt64) {
    var rng = SeededGenerator(seed: seed)
    self.hidden = hidden
    encoder = RecurrentEncoder(
      kind: .gru, input: Self.featureCount, hidden: hidden, bidirectional: true, rng: &rng)
    output = Dense(input: encoder.outputSize, output: 2, rng: &rng)
  }

  func parameters() -> [Parameter] {
    encoder.parameters().prefixed("encoder") + output.parameters().prefixed("output")
  }

  /// Each block's facts: the first stage's reading of it, its size and links, where it
  /// stands in the page, whether the rules keep it, and the first stage's word-weighted
  /// mean over each of its nearest sections with that section's share of the page.
  public static func inputs(_ blocks: [TextBlock], first: [Float]) -> [[Float]] {
    let (sections, pageWords) = BlockContext.sectionTotals(blocks, first: first)
    var before = 0
    var rows: [[Float]] = []
    rows.reserveCapacity(blocks.count)
    for (index, block) in blocks.enumerated() {
      let probability = min(max(first[index], 1e-4), 1 - 1e-4)
      var row = [Float](repeating: 0, count: featureCount)
      row[0] = logf(probability / (1 - probability)) / 4
      row[1] = probability
      row[2] = log2f(Float(block.words) + 1) / 8
      row[3] = Float(block.linkDensity)
      row[4] = block.keptByRules ? 1 : 0
      row[5] = block.inChosen ? 1 : 0
      row[6] = Float(index) / Float(max(1, blocks.count - 1))
      row[7] = Float(before) / Float(pageWords)
      row[8] = block.words <= 5 ? 1 : 0
      row[9] = block.text.last.map { ".!?:\"”".contains($0) } == true ? 1 : 0
      for level in 0..<BlockContext.sectionLevels {
        if level < block.sections.count, let totals = sections[block.sections[level]] {
          row[10 + level] = totals.sum / Float(max(1, totals.words))
          row[10 + BlockContext.sectionLevels + level] = Float(totals.words) / Float(pageWords)
        } else {
          row[10 + level] = 0.5
        }
      }
      row[22] = log2f(Float(blocks.count) + 1) / 12
      row[23] = 1
      before += block.words
      rows.append(row)
    }
    return rows
  }

  /// The probability that each block is main text, for pages given as `inputs` rows.
  public func probabilities(_ pages: [[[Float]]]) -> [[Float]] {
    guard !pages.isEmpty else { return [] }
    return withoutGradients {
      let (scores, batch) = self.scores(pages)
      let probabilities = softmax(scores.value)
      return (0..<batch.size).map { page in
        (0..<batch.lengths[page]).map { step in probabilities.data[(step * batch.size + page) * 2 + 1] }
      }
    }
  }

  /// Per-block scores `[time × batch, 2]`, time-major.
  func scores(_ pages: [[[Float]]]) -> (Variable, SequenceBatch) {
    let batch = SequenceBatch(lengths: pages.map(\.count))
    let empty = [Float](repeating: 0, count: Self.featureCount)
    let rows = batch.timeMajor(pages, pad: empty)
    let x = constant(Tensor(shape: [batch.rows, Self.featureCount], data: rows.flatMap { $0 }))
    return (output(encoder(x, batch: batch).outputs), batch)
  }

  /// Fits the tagger to pages of (inputs, labels, weights): weighted cross-entropy, Adam,
  /// pages in batches of similar length, in a seeded order.
  public func train(
    _ pages: [(inputs: [[Float]], labels: [Bool], weights: [Float])], epochs: Int, learningRate: Float,
    seed: UInt64
  ) {
    let parameters = parameters()
    let optimizer = Adam(learningRate: learningRate)
    var random = SplitMix(seed: seed)
    let usable = pages.indices.filter { !pages[$0].inputs.isEmpty }
    let sorted = usable.sorted { pages[$0].inputs.count < pages[$1].inputs.count }
    let batchSize = 16
    var batches = stride(from: 0, to: sorted.count, by: batchSize).map {
      Array(sorted[$0..<min($0 + batchSize, sorted.count)])
    }
    for epoch in 0..<epochs {
      optimizer.learningRate = learningRate * (1 - Float(epoch) / Float(epochs + 1))
      for index in stride(from: batches.count - 1, to: 0, by: -1) {
        batches.swapAt(index, Int(random.next() % UInt64(index + 1)))
      }
      for batchPages in batches {
        let (scores, batch) = self.scores(batchPages.map { pages[$0].inputs })
        let targets = batch.timeMajor(batchPages.map { pages[$0].labels.map { $0 ? 1 : 0 } }, pad: -1)
        let weights = batch.timeMajor(batchPages.map { pages[$0].weights }, pad: 0)
        let loss = softmaxCrossEntropy(scores, targets: targets, rowWeights: weights)
        loss.backward()
        clipGradientNorm(parameters, maxNorm: 5)
        optimizer.update(parameters)
      }
    }
  }

  // MARK: File

  /// The weights, with the reading (`recurrent` or `both`) the model uses them in.
  public func serialized(reading: String) -> [UInt8] {
    SafeTensors(
      parameters: parameters(), metadata: ["kind": "block-tagger", "hidden": String(hidden), "reading": reading]
    ).serialized()
  }

  public static func load(bytes: [UInt8]) throws(ModelFileError) -> (tagger: BlockTagger, reading: String) {
    let file = try SafeTensors(bytes: bytes)
    guard file.metadata["kind"] == "block-tagger", let hidden = file.metadata["hidden"].flatMap(Int.init),
      (1...256).contains(hidden)
    else { throw ModelFileError("not a block tagger file (kind and hidden size missing)") }
    let tagger = BlockTagger(hidden: hidden, seed: 0)
    try file.load(into: tagger.parameters())
    return (tagger, file.metadata["reading"] ?? "")
  }
}
