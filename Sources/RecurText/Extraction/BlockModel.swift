import Foundation
import RecurNN

/// A logistic model over hashed block features that says which text blocks of a page are
/// its main content. Trained by `recur train extract`; stored as `blocks.bin` (the non-zero
/// weights) beside a `card.json`.
public final class BlockModel: Sendable {
  /// The first stage: one weight per hashed block feature slot (`BlockFeatureHash.dimension`).
  public let weights: [Float]
  /// The second stage: one weight per hashed context slot (`BlockContext.dimension`), read
  /// from the first stage's probabilities of the block, its neighbours and its sections.
  public let contextWeights: [Float]
  /// A block is kept when its probability is at least this.
  public let threshold: Float
  /// The recurrent reading of the page's block sequence, when the model has one.
  public let tagger: BlockTagger?
  public let reading: Reading

  /// How the second stage reads a page: the logistic context model, the recurrent tagger
  /// over the block sequence, or the mean of both probabilities.
  public enum Reading: String, Sendable, CaseIterable {
    case logistic, recurrent, both
  }

  public init(
    weights: [Float], contextWeights: [Float], threshold: Float, tagger: BlockTagger? = nil,
    reading: Reading = .logistic
  ) {
    precondition(weights.count == BlockFeatureHash.dimension && contextWeights.count == BlockContext.dimension)
    precondition((reading == .logistic) == (tagger == nil), "a recurrent reading needs its tagger")
    self.weights = weights
    self.contextWeights = contextWeights
    self.threshold = threshold
    self.tagger = tagger
    self.reading = reading
  }

  /// The same model cut at another threshold.
  public func with(threshold: Float) -> BlockModel {
    BlockModel(weights: weights, contextWeights: contextWeights, threshold: threshold, tagger: tagger, reading: reading)
  }

  @inline(__always)
  static func probability(_ table: [Float], _ features: [UInt32]) -> Float {
    var sum: Float = 0
    table.withUnsafeBufferPointer { table in
      for feature in features { sum += table[Int(feature)] }
    }
    return 1 / (1 + exp(-sum))
  }

  /// The first stage's probability that a block is main text.
  public func firstStage(_ block: TextBlock) -> Float { Self.probability(weights, block.features) }

  /// Each block's probability of being main text, read in the context of the page.
  public func probabilities(_ blocks: [TextBlock]) -> [Float] {
    let first = blocks.map(firstStage)
    let logistic =
      reading == .recurrent
      ? [] : BlockContext.features(blocks, first: first).map { Self.probability(contextWeights, $0) }
    guard let tagger, !blocks.isEmpty else { return logistic }
    let recurrent = tagger.probabilities([BlockTagger.inputs(blocks, first: first)])[0]
    return reading == .recurrent ? recurrent : zip(logistic, recurrent).map { ($0 + $1) / 2 }
  }

  // MARK: File

  static let magic: [UInt8] = Array("RBLK".utf8)
  static let version: UInt32 = 2
  public static let weightsFile = "blocks.bin"

  /// `RBLK`, version, both tables' sizes, threshold, then each table as a count and that
  /// many pairs of slot (UInt32) and weight (Float32), all little-endian.
  public func serialized() -> [UInt8] {
    var bytes = BlockModel.magic
    func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    append(BlockModel.version)
    append(UInt32(weights.count))
    append(UInt32(contextWeights.count))
    append(threshold.bitPattern)
    for table in [weights, contextWeights] {
      let used = table.indices.filter { table[$0] != 0 }
      append(UInt32(used.count))
      for index in used {
        append(UInt32(index))
        append(table[index].bitPattern)
      }
    }
    return bytes
  }

  public struct FileError: Error, CustomStringConvertible, Sendable {
    public var description: String
  }

  public convenience init(bytes: [UInt8]) throws(FileError) {
    var offset = 0
    func read() throws(FileError) -> UInt32 {
      guard offset + 4 <= bytes.count else { throw FileError(description: "block model file is cut short") }
      let value =
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
        | UInt32(bytes[offset + 3]) << 24
      offset += 4
      return value
    }
    guard bytes.count >= 4, Array(bytes[0..<4]) == BlockModel.magic else {
      throw FileError(description: "not a block model file (no RBLK header)")
    }
    offset = 4
    let version = try read()
    guard version == BlockModel.version else {
      throw FileError(description: "block model file version \(version); this recur reads \(BlockModel.version)")
    }
    let dimension = try read()
    let contextDimension = try read()
    guard dimension == BlockFeatureHash.dimension, contextDimension == BlockContext.dimension else {
      throw FileError(
        description:
          "block model has \(dimension) and \(contextDimension) slots; this recur hashes into \(BlockFeatureHash.dimension) and \(BlockContext.dimension)"
      )
    }
    let threshold = Float(bitPattern: try read())
    guard threshold.isFinite, threshold > 0, threshold < 1 else {
      throw FileError(description: "block model threshold \(threshold) is not a probability")
    }
    func table(_ size: UInt32) throws(FileError) -> [Float] {
      let count = try read()
      guard Int(count) <= Int(size), Int(count) * 8 <= bytes.count - offset else {
        throw FileError(description: "block model file is cut short (\(count) weights announced)")
      }
      var weights = [Float](repeating: 0, count: Int(size))
      for _ in 0..<count {
        let index = try read()
        let weight = Float(bitPattern: try read())
        guard index < size, weight.isFinite else {
          throw FileError(description: "block model file holds a bad weight (slot \(index), value \(weight))")
        }
        weights[Int(index)] = weight
      }
      return weights
    }
    let weights = try table(dimension)
    let contextWeights = try table(contextDimension)
    guard offset == bytes.count else {
      throw FileError(description: "block model file has \(bytes.count - offset) bytes after its weights")
    }
    self.init(weights: weights, contextWeights: contextWeights, threshold: threshold)
  }

  /// Writes `blocks.bin` and, when the model has one, `tagger.safetensors` (whose
  /// metadata says how its probabilities join the logistic ones); returns each written
  /// file's SHA-256, for the card.
  @discardableResult
  public func write(folder: String) throws -> [String: String] {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let blocks = serialized()
    try Data(blocks).write(to: URL(fileURLWithPath: folder + "/" + Self.weightsFile), options: .atomic)
    var digests = [Self.weightsFile: sha256Hex(blocks)]
    let taggerPath = folder + "/" + BlockTagger.weightsFile
    if let tagger {
      let bytes = tagger.serialized(reading: reading.rawValue)
      try Data(bytes).write(to: URL(fileURLWithPath: taggerPath), options: .atomic)
      digests[BlockTagger.weightsFile] = sha256Hex(bytes)
    } else if FileManager.default.fileExists(atPath: taggerPath) {
      try FileManager.default.removeItem(atPath: taggerPath)
    }
    return digests
  }

  /// Loads `blocks.bin` from a model folder, with `tagger.safetensors` when it is there;
  /// when the folder's `card.json` records the files' SHA-256, other bytes are refused.
  public static func load(folder: String) throws(FileError) -> BlockModel {
    let path = folder + "/" + weightsFile
    guard let data = FileManager.default.contents(atPath: path) else {
      throw FileError(description: "\(path): cannot read the block model")
    }
    var card: ModelCard?
    if FileManager.default.fileExists(atPath: folder + "/card.json") {
      do {
        card = try ModelCard.read(path: folder + "/card.json")
        try card?.check(Array(data), file: weightsFile, folder: folder)
      } catch {
        throw FileError(description: error.message)
      }
    }
    let model: BlockModel
    do {
      model = try BlockModel(bytes: Array(data))
    } catch {
      throw FileError(description: "\(path): \(error.description)")
    }
    let taggerPath = folder + "/" + BlockTagger.weightsFile
    guard FileManager.default.fileExists(atPath: taggerPath) else { return model }
    guard let taggerData = FileManager.default.contents(atPath: taggerPath) else {
      throw FileError(description: "\(taggerPath): cannot read the block tagger")
    }
    let loaded: (tagger: BlockTagger, reading: String)
    do {
      try card?.check(Array(taggerData), file: BlockTagger.weightsFile, folder: folder)
      loaded = try BlockTagger.load(bytes: Array(taggerData))
    } catch {
      throw FileError(description: "\(taggerPath): \(error.description)")
    }
    guard let reading = Reading(rawValue: loaded.reading), reading != .logistic else {
      throw FileError(description: "\(taggerPath): the reading \"\(loaded.reading)\" is not recurrent or both")
    }
    return BlockModel(
      weights: model.weights, contextWeights: model.contextWeights, threshold: model.threshold,
      tagger: loaded.tagger, reading: reading)
  }
}
