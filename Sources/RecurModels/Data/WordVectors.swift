import Foundation
import RecurNN
import RecurText

/// Pretrained word vectors in the layout of `../shared/data/glove6b50d`: a vocabulary
/// file (one word a line, line i is row i) and a raw little-endian float32 matrix,
/// row-major, words × width, no header.
public struct WordVectors: Sendable {
  public let words: [String]
  public let width: Int
  /// `words.count × width` values, row-major.
  public let values: [Float]
  public let index: [String: Int]

  public init(words: [String], width: Int, values: [Float]) {
    precondition(values.count == words.count * width)
    self.words = words
    self.width = width
    self.values = values
    var index: [String: Int] = [:]
    for (row, word) in words.enumerated() where index[word] == nil { index[word] = row }
    self.index = index
  }

  /// Reads `vocab*.txt` and `*.f32le` from `directory`. The width is what the matrix
  /// size implies; a size that no whole width explains, an empty vocabulary or values
  /// that are not finite are refused.
  public static func load(directory: String) throws(DataFileError) -> WordVectors {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    guard let vocabularyName = names.filter({ $0.hasPrefix("vocab") && $0.hasSuffix(".txt") }).sorted().first,
      let matrixName = names.filter({ $0.hasSuffix(".f32le") }).sorted().first
    else {
      throw DataFileError("\(directory) does not hold word vectors (a vocab*.txt and a *.f32le file)")
    }
    return try load(vocabulary: directory + "/" + vocabularyName, matrix: directory + "/" + matrixName)
  }

  public static func load(vocabulary: String, matrix: String) throws(DataFileError) -> WordVectors {
    var words = try readTextFile(vocabulary).fileLines.map(String.init)
    if words.last == "" { words.removeLast() }
    guard !words.isEmpty else { throw DataFileError("\(vocabulary) lists no words") }
    guard let data = FileManager.default.contents(atPath: matrix) else {
      throw DataFileError("cannot read \(matrix)")
    }
    let bytesPerRow = data.count / words.count
    guard data.count % words.count == 0, bytesPerRow % 4 == 0, bytesPerRow > 0 else {
      throw DataFileError(
        "\(matrix) has \(data.count) bytes, which is not \(words.count) rows of float32 (one per word in \(vocabulary))"
      )
    }
    let width = bytesPerRow / 4
    var values = [Float](repeating: 0, count: words.count * width)
    values.withUnsafeMutableBytes { target in
      data.withUnsafeBytes { source in target.copyMemory(from: source) }
    }
    for index in values.indices {
      values[index] = Float(bitPattern: UInt32(littleEndian: values[index].bitPattern))
      guard values[index].isFinite else {
        throw DataFileError(
          "\(matrix): row \(index / width) (\(words[index / width])) holds a value that is not finite")
      }
    }
    return WordVectors(words: words, width: width, values: values)
  }

  public func vector(_ word: String) -> ArraySlice<Float>? {
    guard let row = index[word] else { return nil }
    return values[(row * width)..<((row + 1) * width)]
  }
}

/// Word ↔ id. Id 0 is the unknown word; words are looked up as given (callers lower-case).
public struct Vocabulary: Sendable, Equatable {
  public static let unknown = "<unk>"
  public let words: [String]
  private let ids: [String: Int]

  /// `words` without the unknown word, which is put first.
  public init(words: [String]) {
    var all = [Self.unknown]
    var ids = [Self.unknown: 0]
    for word in words where ids[word] == nil {
      ids[word] = all.count
      all.append(word)
    }
    self.words = all
    self.ids = ids
  }

  /// A vocabulary read back from a model card: the first entry must be the unknown word.
  public init(stored: [String]) throws(DataFileError) {
    guard stored.first == Self.unknown else {
      throw DataFileError("the stored vocabulary does not start with \(Self.unknown)")
    }
    self.init(words: Array(stored.dropFirst()))
    guard words.count == stored.count else { throw DataFileError("the stored vocabulary repeats a word") }
  }

  public var count: Int { words.count }
  public func id(_ word: String) -> Int { ids[word] ?? 0 }
  public func contains(_ word: String) -> Bool { ids[word] != nil }

  /// An embedding table: pretrained rows where `vectors` knows the word, small random
  /// rows elsewhere (the unknown word's row too).
  public func embeddingTable(from vectors: WordVectors, rng: inout SeededGenerator) -> Tensor {
    var table = Initializer.normal([count, vectors.width], std: 0.1, rng: &rng)
    for (row, word) in words.enumerated() {
      guard let vector = vectors.vector(word) else { continue }
      for (column, value) in vector.enumerated() { table.data[row * vectors.width + column] = value }
    }
    return table
  }
}
