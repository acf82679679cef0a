import Foundation

/// A logistic model over hashed block features that says which text blocks of a page are
/// its main content. Trained by `recur train extract`; stored as `blocks.bin` (the non-zero
/// weights) beside a `card.json`.
public final class BlockModel: Sendable {
  /// One weight per hashed feature slot (`BlockFeatureHash.dimension`).
  public let weights: [Float]
  /// A block is kept when its probability is at least this.
  public let threshold: Float

  public init(weights: [Float], threshold: Float) {
    precondition(weights.count == BlockFeatureHash.dimension)
    self.weights = weights
    self.threshold = threshold
  }

  @inline(__always)
  public func score(_ features: [UInt32]) -> Float {
    var sum: Float = 0
    weights.withUnsafeBufferPointer { table in
      for feature in features { sum += table[Int(feature)] }
    }
    return sum
  }

  public func probability(_ features: [UInt32]) -> Float { 1 / (1 + exp(-score(features))) }

  public func keeps(_ features: [UInt32]) -> Bool { probability(features) >= threshold }

  // MARK: File

  static let magic: [UInt8] = Array("RBLK".utf8)
  static let version: UInt32 = 1
  public static let weightsFile = "blocks.bin"

  /// `RBLK`, version, dimension, threshold, count, then `count` pairs of slot (UInt32)
  /// and weight (Float32), all little-endian.
  public func serialized() -> [UInt8] {
    var bytes = BlockModel.magic
    func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    append(BlockModel.version)
    append(UInt32(weights.count))
    append(threshold.bitPattern)
    let used = weights.indices.filter { weights[$0] != 0 }
    append(UInt32(used.count))
    for index in used {
      append(UInt32(index))
      append(weights[index].bitPattern)
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
    guard dimension == BlockFeatureHash.dimension else {
      throw FileError(
        description: "block model has \(dimension) slots; this recur hashes into \(BlockFeatureHash.dimension)")
    }
    let threshold = Float(bitPattern: try read())
    guard threshold.isFinite, threshold > 0, threshold < 1 else {
      throw FileError(description: "block model threshold \(threshold) is not a probability")
    }
    let count = try read()
    guard Int(count) * 8 == bytes.count - offset else {
      throw FileError(
        description: "block model file holds \(bytes.count - offset) bytes of weights, expected \(Int(count) * 8)")
    }
    var weights = [Float](repeating: 0, count: Int(dimension))
    for _ in 0..<count {
      let index = try read()
      let weight = Float(bitPattern: try read())
      guard index < dimension, weight.isFinite else {
        throw FileError(description: "block model file holds a bad weight (slot \(index), value \(weight))")
      }
      weights[Int(index)] = weight
    }
    self.init(weights: weights, threshold: threshold)
  }

  /// Loads `blocks.bin` from a model folder.
  public static func load(folder: String) throws(FileError) -> BlockModel {
    let path = folder + "/" + weightsFile
    guard let data = FileManager.default.contents(atPath: path) else {
      throw FileError(description: "\(path): cannot read the block model")
    }
    do {
      return try BlockModel(bytes: Array(data))
    } catch {
      throw FileError(description: "\(path): \(error.description)")
    }
  }
}
