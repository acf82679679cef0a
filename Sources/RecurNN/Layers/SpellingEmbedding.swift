import Foundation

/// A word's vector from its spelling: the sum of learned vectors of its character n-grams
/// (3 to 5 characters of `<word>`, hashed into `buckets` rows; Bojanowski et al. 2017),
/// projected to the word vectors' width and added to the word's own vector. Words that
/// share pieces (`disappoint`, `disappointing`, `dissapointed`) share part of their
/// reading, and a word outside the vocabulary is read by its spelling instead of as the
/// unknown word alone.
///
/// The vocabulary's words have their n-grams listed once (`vocabularyGrams`); a word
/// outside it brings its own (`grams(of:)`).
public final class SpellingEmbedding: Layer {
  /// `[buckets, width]`.
  public let table: Variable
  /// `[width, output]`: the sum of a word's n-gram rows → the word-vector space. Starts at
  /// zero, so a model starts out reading words as it would without spelling.
  public let projection: Variable
  /// The n-gram rows of each vocabulary word (id 0, the unknown word, has none); empty when
  /// the vocabulary was not given (a model that only reads, and reads known words by their
  /// rows alone, never needs them).
  public let vocabularyGrams: [[Int32]]
  /// Whether known words are read by their spelling too (false: only words outside the
  /// vocabulary, and known words training reads as unknown; a known word then reads
  /// exactly as its table row).
  public let readsKnownWords: Bool

  public convenience init(
    buckets: Int, width: Int, output: Int, vocabulary: [String], readsKnownWords: Bool = true,
    rng: inout SeededGenerator
  ) {
    self.init(
      table: Initializer.normal([buckets, width], std: 0.1, rng: &rng), output: output, vocabulary: vocabulary,
      readsKnownWords: readsKnownWords)
  }

  /// With the n-gram rows `table` (`[buckets, width]`; zeros for a model whose weights are
  /// about to be loaded).
  public init(table: Tensor, output: Int, vocabulary: [String], readsKnownWords: Bool = true) {
    precondition(table.rows >= 1 && table.columns >= 1 && output >= 1, "spelling: empty table")
    self.readsKnownWords = readsKnownWords
    self.table = Variable(table, requiresGradient: true)
    projection = Variable(Tensor(zeros: [table.columns, output]), requiresGradient: true)
    vocabularyGrams = vocabulary.enumerated().map {
      $0.offset == 0 ? [] : Self.grams(of: $0.element, buckets: table.rows)
    }
  }

  public var buckets: Int { table.rows }
  public var width: Int { table.columns }
  public var output: Int { projection.columns }

  /// The hashed rows of the character n-grams (3 to 5 characters) of `<word>`, in order;
  /// a repeated n-gram counts each time. Hashing is FNV-1a over the characters' scalar
  /// values: the same on every machine.
  public static func grams(of word: String, buckets: Int) -> [Int32] {
    var scalars: [UInt32] = [60]
    scalars.reserveCapacity(word.utf8.count + 2)
    for scalar in word.unicodeScalars { scalars.append(scalar.value) }
    scalars.append(62)
    var out: [Int32] = []
    out.reserveCapacity(3 * scalars.count)
    for length in 3...5 where scalars.count >= length {
      for start in 0...(scalars.count - length) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(length)
        for value in scalars[start..<(start + length)] { hash = (hash ^ UInt64(value)) &* 0x100_0000_01b3 }
        out.append(Int32(truncatingIfNeeded: (hash ^ (hash >> 32)) % UInt64(buckets)))
      }
    }
    return out
  }

  /// The spelling vectors `[lists.count, output]` of words given by their n-gram rows
  /// (an empty list gives zeros), with gradients to the table and the projection.
  public func callAsFunction(_ lists: [[Int32]]) -> Variable {
    matmul(sumOfRows(table, lists), projection)
  }

  /// `words` (`[vocabulary, output]`) plus each vocabulary word's spelling vector, without
  /// gradients: the table a model without gradients reads its known words from.
  func addingSpellings(to words: Tensor) -> Tensor {
    precondition(words.rows == vocabularyGrams.count && words.columns == output, "spelling: table \(words.shape)")
    let sums = sumOfRows(table, vocabularyGrams).value
    var merged = words.data
    sums.data.withUnsafeBufferPointer { ps in
      projection.value.data.withUnsafeBufferPointer { pp in
        merged.withUnsafeMutableBufferPointer { pm in
          product(
            ps.baseAddress!, pp.baseAddress!, pm.baseAddress!, m: words.rows, n: output, k: width, accumulate: true)
        }
      }
    }
    return Tensor(shape: words.shape, data: merged)
  }

  public func parameters() -> [Parameter] {
    [Parameter("table", table), Parameter("projection", projection)]
  }
}

/// For each list, the sum of the rows of `table` it names → `[lists.count, table.columns]`
/// (zeros for an empty list); the gradient of each row is added back to every row named.
public func sumOfRows(_ table: Variable, _ lists: [[Int32]]) -> Variable {
  let width = table.columns
  var out = [Float](repeating: 0, count: lists.count * width)
  table.value.data.withUnsafeBufferPointer { pt in
    out.withUnsafeMutableBufferPointer { po in
      for (row, list) in lists.enumerated() {
        let target = po.baseAddress! + row * width
        for index in list {
          let source = pt.baseAddress! + Int(index) * width
          for column in 0..<width { target[column] += source[column] }
        }
      }
    }
  }
  return Variable(Tensor(shape: [lists.count, width], data: out), inputs: [table]) { result in
    let grad = result.gradient!
    table.accumulate { target in
      for (row, list) in lists.enumerated() {
        for index in list {
          for column in 0..<width { target[Int(index) * width + column] += grad[row * width + column] }
        }
      }
    }
  }
}
