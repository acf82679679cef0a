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

  public init(id: String, type: String, url: String, blocks: [TextBlock], reference: String) {
    self.id = id
    self.type = type
    let host = url.split(separator: "/").dropFirst(2).first.map(String.init) ?? url
    site = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
    self.blocks = blocks
    blockWords = blocks.map { WordOverlap.words($0.text) }
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
    for words in blockWords {
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
      // Every page weighs the same in total (the metric is a mean over pages); a block
      // weighs its share of the page's words, and a block without words a little.
      weights.append(Float(max(words.count, 1)) / Float(pageWords) * 100)
    }
    self.labels = labels
    self.weights = weights
  }

  /// Word F1 of the page's text when the blocks passing `keep` are kept, falling back
  /// to the rules' blocks when none are (as extraction does).
  public func f1(keep: (Int) -> Bool) -> Double {
    var kept = blocks.indices.filter(keep)
    if kept.isEmpty { kept = blocks.indices.filter { blocks[$0].keptByRules } }
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
    let context = pages.indices.map { BlockContext.features(pages[$0].blocks, first: first[$0]) }
    let contextWeights = fit(
      pages.indices.map { (context[$0], pages[$0].labels, pages[$0].weights) }, dimension: BlockContext.dimension,
      usable: nil)
    return BlockModel(weights: firstStage(pages), contextWeights: contextWeights, threshold: threshold)
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
