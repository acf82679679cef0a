import Foundation

/// One page read for training or scoring the block model: its blocks and the reference
/// main text.
public struct BlockTrainingPage: Sendable {
  public var id: String
  public var type: String
  /// The host, so that folds keep a site's pages together.
  public var site: String
  public var blocks: [TextBlock]
  /// Each block's words as the metric counts them.
  public var blockWords: [[String]]
  public var referenceWords: [String]
  /// Whether each block belongs to the main text (most of its word pairs are in the
  /// reference), and how much it weighs in training (its share of the page's words).
  public var labels: [Bool]
  public var weights: [Float]

  /// The folder the page came from (scores and leave-one-out runs are per dataset).
  public var dataset: String
  /// The reference's snippets, lower-cased, where the folder gives them.
  public var with: [String]
  public var without: [String]
  /// Whether the reference has a full main text; a page with only snippets is labelled
  /// from them, and scored by them.
  public var hasText: Bool { !referenceWords.isEmpty }
  /// Whether the folder's notes call the page English; nil without notes.
  public var english: Bool?

  public init(
    id: String, type: String, url: String, blocks: [TextBlock], reference: String, with: [String] = [],
    without: [String] = [], dataset: String = ""
  ) {
    self.id = id
    self.type = type
    self.dataset = dataset
    self.with = with.map { $0.lowercased() }.filter { !$0.isEmpty }
    self.without = without.map { $0.lowercased() }.filter { !$0.isEmpty }
    let host = url.split(separator: "/").dropFirst(2).first.map(String.init)
    if let host {
      site = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
    } else {
      // No address (the Readability pages): the page's name without a trailing number
      // (`nytimes-3` → `nytimes`) stands for its site.
      var name = Substring(id)
      if let dash = name.lastIndex(of: "-"), name[name.index(after: dash)...].allSatisfy(\.isNumber) {
        name = name[..<dash]
      }
      site = dataset + ":" + name
    }
    self.blocks = blocks
    blockWords = blocks.map { WordOverlap.words($0.modelText) }
    referenceWords = WordOverlap.words(reference)
    var unigrams = Set<String>()
    var bigrams = Set<String>()
    for (index, word) in referenceWords.enumerated() {
      unigrams.insert(word)
      if index > 0 { bigrams.insert(referenceWords[index - 1] + " " + word) }
    }
    let pageWords = max(1, blockWords.reduce(0) { $0 + $1.count })
    var labels: [Bool] = []
    var weights: [Float] = []
    let lowered = referenceWords.isEmpty ? blocks.map { $0.modelText.lowercased() } : []
    for (index, words) in blockWords.enumerated() {
      // Every page weighs the same in total (the metric is a mean over pages); a block
      // weighs its share of the page's words, and a block without words a little.
      let weight = Float(max(words.count, 1)) / Float(pageWords) * 100
      if referenceWords.isEmpty {
        // Snippets only: a block holding (or held by) a snippet that must be found is
        // main text, one holding a snippet that must not be is not, the rest teach nothing.
        let text = lowered[index]
        func matches(_ snippet: String) -> Bool {
          text.contains(snippet) || (text.count >= 20 && snippet.contains(text))
        }
        let isMain = self.with.contains(where: matches)
        let isBoilerplate = self.without.contains(where: matches)
        labels.append(isMain)
        weights.append(isMain != isBoilerplate ? weight : 0)
        continue
      }
      var found = 0
      var total = 0
      if words.count == 1 {
        total = 1
        found = unigrams.contains(words[0]) ? 1 : 0
      } else {
        for index in words.indices.dropFirst() {
          total += 1
          if bigrams.contains(words[index - 1] + " " + words[index]) { found += 1 }
        }
      }
      labels.append(total > 0 && found * 2 >= total)
      weights.append(weight)
    }
    self.labels = labels
    self.weights = weights
  }

  /// The blocks passing `keep`, or the rules' blocks when none do (as extraction does).
  func kept(_ keep: (Int) -> Bool) -> [Int] {
    let kept = blocks.indices.filter(keep)
    return kept.isEmpty ? blocks.indices.filter { blocks[$0].keptByRules } : kept
  }

  /// How many `with[]` snippets the kept text holds, and how many `without[]` ones.
  public func snippets(keep: (Int) -> Bool) -> (found: Int, kept: Int) {
    guard !with.isEmpty || !without.isEmpty else { return (0, 0) }
    let text = kept(keep).map { blocks[$0].modelText.lowercased() }.joined(separator: "\n")
    return (with.filter { text.contains($0) }.count, without.filter { text.contains($0) }.count)
  }

  /// Word F1 of the page's text when the blocks passing `keep` are kept, falling back
  /// to the rules' blocks when none are (as extraction does).
  public func f1(keep: (Int) -> Bool) -> Double {
    let kept = kept(keep)
    var counts: [String: Int] = [:]
    for word in referenceWords { counts[word, default: 0] += 1 }
    var overlap = 0
    var got = 0
    for index in kept {
      for word in blockWords[index] {
        got += 1
        if let count = counts[word], count > 0 {
          counts[word] = count - 1
          overlap += 1
        }
      }
    }
    if got == 0 && referenceWords.isEmpty { return 1 }
    guard got > 0, !referenceWords.isEmpty, overlap > 0 else { return 0 }
    let precision = Double(overlap) / Double(got)
    let recall = Double(overlap) / Double(referenceWords.count)
    return 2 * precision * recall / (precision + recall)
  }
}

/// Trains the block model: two weighted logistic regressions over hashed features, fitted
/// with AdaGrad, blocks visited in a seeded random order. The second stage learns from the
/// first stage's probabilities on pages it was not trained on (inner folds by site), as it
/// will meet them on new pages.
public struct BlockTrainer: Sendable {
  public var epochs = 6
  public var learningRate: Float = 0.2
  public var l2: Float = 1e-4
  public var seed: UInt64 = 1
  /// A feature gets a weight only when it occurs on at least this many sites: a class
  /// name one site uses says nothing about the next site.
  public var minimumSites = 3
  /// Folds of the first stage's out-of-fold probabilities that train the second.
  public var innerFolds = 3
  /// How the second stage reads the page (logistic context, recurrent tagger, or both).
  public var reading = BlockModel.Reading.logistic
  /// The tagger's hidden size per direction, passes and Adam's learning rate.
  public var taggerHidden = 16
  public var taggerEpochs = 8
  public var taggerLearningRate: Float = 0.01
  /// Thresholds tried when choosing where to cut.
  public static let thresholds: [Float] = stride(from: 0.05, through: 0.8, by: 0.05).map { Float($0) }

  public init() {}

  /// A site's fold, from a stable hash of its host (and a salt, for folds inside folds).
  public static func fold(site: String, folds: Int, salt: String = "") -> Int {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in (salt + site).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return Int(hash % UInt64(folds))
  }

  public func train(_ pages: [BlockTrainingPage], threshold: Float = 0.5) -> BlockModel {
    var first = pages.map { [Float](repeating: 0.5, count: $0.blocks.count) }
    for fold in 0..<innerFolds {
      let inFold = pages.map { Self.fold(site: $0.site, folds: innerFolds, salt: "inner") == fold }
      let weights = firstStage(pages.indices.filter { !inFold[$0] }.map { pages[$0] })
      for index in pages.indices where inFold[index] {
        first[index] = pages[index].blocks.map { BlockModel.probability(weights, $0.features) }
      }
    }
    var contextWeights = [Float](repeating: 0, count: BlockContext.dimension)
    if reading != .recurrent {
      let context = pages.indices.map { BlockContext.features(pages[$0].blocks, first: first[$0]) }
      contextWeights = fit(
        pages.indices.map { (context[$0], pages[$0].labels, pages[$0].weights) }, dimension: BlockContext.dimension,
        usable: nil)
    }
    var tagger: BlockTagger?
    if reading != .logistic {
      let made = BlockTagger(hidden: taggerHidden, seed: seed)
      made.train(
        pages.indices.map {
          (BlockTagger.inputs(pages[$0].blocks, first: first[$0]), pages[$0].labels, pages[$0].weights)
        },
        epochs: taggerEpochs, learningRate: taggerLearningRate, seed: seed)
      tagger = made
    }
    return BlockModel(
      weights: firstStage(pages), contextWeights: contextWeights, threshold: threshold, tagger: tagger,
      reading: reading)
  }

  /// The first stage's weights over the pages' block features.
  func firstStage(_ pages: [BlockTrainingPage]) -> [Float] {
    // Sites per slot; slots on too few sites are left at zero.
    var lastSite = [Int32](repeating: -1, count: BlockFeatureHash.dimension)
    var sites = [Int32](repeating: 0, count: BlockFeatureHash.dimension)
    var siteIDs: [String: Int32] = [:]
    for page in pages {
      let site = siteIDs[page.site] ?? Int32(siteIDs.count)
      siteIDs[page.site] = site
      for block in page.blocks {
        for feature in block.features where lastSite[Int(feature)] != site {
          lastSite[Int(feature)] = site
          sites[Int(feature)] += 1
        }
      }
    }
    return fit(
      pages.map { ($0.blocks.map(\.features), $0.labels, $0.weights) }, dimension: BlockFeatureHash.dimension,
      usable: sites.map { Int($0) >= minimumSites })
  }

  /// Weighted logistic regression with AdaGrad and an L2 penalty.
  func fit(_ pages: [(features: [[UInt32]], labels: [Bool], weights: [Float])], dimension: Int, usable: [Bool]?)
    -> [Float]
  {
    var weights = [Float](repeating: 0, count: dimension)
    var squares = [Float](repeating: 1e-6, count: dimension)
    let usable = usable ?? [Bool](repeating: true, count: dimension)
    var order: [(page: Int, block: Int)] = []
    for (pageIndex, page) in pages.enumerated() {
      for blockIndex in page.features.indices { order.append((pageIndex, blockIndex)) }
    }
    var random = SplitMix(seed: seed)
    for _ in 0..<epochs {
      for index in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(index, Int(random.next() % UInt64(index + 1)))
      }
      weights.withUnsafeMutableBufferPointer { w in
        squares.withUnsafeMutableBufferPointer { g2 in
          for (pageIndex, blockIndex) in order {
            let features = pages[pageIndex].features[blockIndex]
            var sum: Float = 0
            for feature in features where usable[Int(feature)] { sum += w[Int(feature)] }
            let probability = 1 / (1 + exp(-sum))
            let target: Float = pages[pageIndex].labels[blockIndex] ? 1 : 0
            let gradient = (probability - target) * pages[pageIndex].weights[blockIndex]
            for feature in features where usable[Int(feature)] {
              let slot = Int(feature)
              let g = gradient + l2 * w[slot]
              g2[slot] += g * g
              w[slot] -= learningRate * g / g2[slot].squareRoot()
            }
          }
        }
      }
    }
    return weights
  }
}

/// A small seeded generator (SplitMix64): the same order on every machine.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
