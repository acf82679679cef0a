import Foundation

/// A problem with a model file, in words a user can act on.
public struct ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the raw little-endian data. Only F32
/// tensors are written and read.
public struct SafeTensors: Sendable {
  public struct Entry: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
      self.shape = shape
      self.values = values
    }
  }

  /// Largest header accepted; a larger claim is a corrupt or hostile file.
  public static let maxHeaderBytes = 100 * 1024 * 1024

  public var tensors: [String: Entry]
  public var metadata: [String: String]

  public init(tensors: [String: Entry], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The parameters' current values, under their keys.
  public init(parameters: [Parameter], metadata: [String: String] = [:]) {
    var tensors: [String: Entry] = [:]
    for parameter in parameters {
      tensors[parameter.key] = Entry(shape: parameter.variable.shape, values: parameter.variable.value.data)
    }
    self.init(tensors: tensors, metadata: metadata)
  }

  /// The file's bytes: tensors in key order, so the same weights give the same file.
  public func serialized() -> [UInt8] {
    var header: [String: Any] = [:]
    var offset = 0
    let keys = tensors.keys.sorted()
    for key in keys {
      let entry = tensors[key]!
      let length = entry.values.count * 4
      header[key] = ["dtype": "F32", "shape": entry.shape, "data_offsets": [offset, offset + length]]
      offset += length
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map(Array.init) ?? []
    // Pad the header with spaces so the data starts 8-byte aligned.
    while (json.count + 8) % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + json.count + offset)
    var length = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: json)
    for key in keys {
      for value in tensors[key]!.values {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
      }
    }
    return bytes
  }

  /// Parses and checks a file: the header size, every dtype, shape and byte range, and
  /// that the ranges tile the data exactly.
  public init(bytes: [UInt8]) throws(ModelFileError) {
    guard bytes.count >= 8 else {
      throw ModelFileError("truncated model file: \(bytes.count) bytes, less than the 8-byte header length")
    }
    var headerLength: UInt64 = 0
    for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
    guard headerLength <= UInt64(Self.maxHeaderBytes) else {
      throw ModelFileError(
        "model file header claims \(headerLength) bytes, more than the \(Self.maxHeaderBytes) allowed")
    }
    guard headerLength <= UInt64(bytes.count - 8) else {
      throw ModelFileError(
        "truncated model file: the header claims \(headerLength) bytes but only \(bytes.count - 8) follow")
    }
    let dataStart = 8 + Int(headerLength)
    let dataLength = bytes.count - dataStart
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])),
      let header = object as? [String: Any]
    else {
      throw ModelFileError("model file header is not a JSON object")
    }
    var metadata: [String: String] = [:]
    var ranges: [(key: String, begin: Int, end: Int, shape: [Int])] = []
    for (key, value) in header {
      if key == "__metadata__" {
        guard let map = value as? [String: String] else {
          throw ModelFileError("model file metadata is not a map of strings")
        }
        metadata = map
        continue
      }
      guard let info = value as? [String: Any] else { throw ModelFileError("tensor '\(key)' has no description") }
      guard let dtype = info["dtype"] as? String else { throw ModelFileError("tensor '\(key)' has no dtype") }
      guard dtype == "F32" else {
        throw ModelFileError("tensor '\(key)' has dtype \(dtype); only F32 is supported")
      }
      guard let shapeValues = info["shape"] as? [Any], let shape = Self.integers(shapeValues),
        shape.allSatisfy({ $0 >= 0 })
      else {
        throw ModelFileError("tensor '\(key)' has no valid shape")
      }
      guard let offsetValues = info["data_offsets"] as? [Any], let offsets = Self.integers(offsetValues),
        offsets.count == 2
      else {
        throw ModelFileError("tensor '\(key)' has no valid data_offsets")
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard begin >= 0, begin <= end, end <= dataLength else {
        throw ModelFileError(
          "tensor '\(key)' lies at bytes \(begin)..<\(end), outside the \(dataLength) data bytes (truncated or corrupt file)"
        )
      }
      var elements = 1
      for dimension in shape {
        let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
        guard !overflow, product <= dataLength else {
          throw ModelFileError("tensor '\(key)' has shape \(shape), larger than the file")
        }
        elements = product
      }
      guard end - begin == elements * 4 else {
        throw ModelFileError(
          "tensor '\(key)' has shape \(shape) (\(elements * 4) bytes) but \(end - begin) bytes of data")
      }
      ranges.append((key, begin, end, shape))
    }
    ranges.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.end < $1.end) }
    var expected = 0
    for range in ranges {
      guard range.begin == expected else {
        throw ModelFileError(
          range.begin < expected
            ? "tensor '\(range.key)' overlaps the tensor before it" : "gap in the data before tensor '\(range.key)'")
      }
      expected = range.end
    }
    guard expected == dataLength else {
      throw ModelFileError("\(dataLength - expected) bytes after the last tensor (oversized or corrupt file)")
    }
    var tensors: [String: Entry] = [:]
    for range in ranges {
      var values = [Float](repeating: 0, count: (range.end - range.begin) / 4)
      for index in values.indices {
        let base = dataStart + range.begin + index * 4
        let bits =
          UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16
          | UInt32(bytes[base + 3]) << 24
        values[index] = Float(bitPattern: bits)
      }
      // Training never writes NaN or infinity: such a weight is damage, and would turn
      // every output it touches into NaN.
      if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw ModelFileError("tensor '\(range.key)' holds a non-finite value (\(values[bad]) at index \(bad))")
      }
      tensors[range.key] = Entry(shape: range.shape, values: values)
    }
    self.tensors = tensors
    self.metadata = metadata
  }

  private static func integers(_ values: [Any]) -> [Int]? {
    var result: [Int] = []
    for value in values {
      // JSON numbers arrive as NSNumber; a fraction is not a size.
      guard let number = value as? NSNumber, let integer = Int(exactly: number.doubleValue) else {
        return nil
      }
      result.append(integer)
    }
    return result
  }

  /// Copies the tensors into `parameters`, refusing a file that does not match the
  /// architecture: a missing tensor, a wrong shape, or a tensor the architecture lacks.
  public func load(into parameters: [Parameter]) throws(ModelFileError) {
    var unused = Set(tensors.keys)
    for parameter in parameters {
      guard let entry = tensors[parameter.key] else {
        throw ModelFileError("model file lacks tensor '\(parameter.key)' that the architecture needs")
      }
      guard entry.shape == parameter.variable.shape else {
        throw ModelFileError(
          "tensor '\(parameter.key)' has shape \(entry.shape) in the file but the architecture needs \(parameter.variable.shape)"
        )
      }
      unused.remove(parameter.key)
    }
    if let extra = unused.sorted().first {
      throw ModelFileError("model file has tensor '\(extra)' that the architecture does not use")
    }
    for parameter in parameters {
      parameter.variable.value.data = tensors[parameter.key]!.values
    }
  }

  public func write(to path: String) throws(ModelFileError) {
    try Self.write(serialized(), to: path)
  }

  /// Writes serialized weights, atomically.
  public static func write(_ bytes: [UInt8], to path: String) throws(ModelFileError) {
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw ModelFileError("cannot write \(path): \(error.localizedDescription)")
    }
  }

  /// A model file's bytes; refuses one over `maxBytes`.
  public static func readBytes(path: String, maxBytes: Int = 1 << 30) throws(ModelFileError) -> [UInt8] {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let size = attributes[.size] as? NSNumber
    else {
      throw ModelFileError("cannot read model file \(path)")
    }
    guard size.intValue <= maxBytes else {
      throw ModelFileError("model file \(path) is \(size.intValue) bytes, more than the \(maxBytes) allowed")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ModelFileError("cannot read model file \(path)")
    }
    return Array(data)
  }

  /// Reads and checks a file; refuses one over `maxBytes`.
  public static func read(path: String, maxBytes: Int = 1 << 30) throws(ModelFileError) -> SafeTensors {
    let bytes = try readBytes(path: path, maxBytes: maxBytes)
    do {
      return try SafeTensors(bytes: bytes)
    } catch {
      throw ModelFileError("\(path): \(error.message)")
    }
  }
}

/// The card beside a model's weights: what it is, how it was made and how well it did.
public struct ModelCard: Codable, Sendable, Equatable {
  public var name: String
  public var version: String
  public var created: String
  /// Architecture and hyper-parameters (`cell: "lstm"`, `hidden: "128"` …).
  public var architecture: [String: String]
  /// Vocabularies by name (words, tags, characters …), index = id.
  public var vocabularies: [String: [String]]
  public var trainingData: [String]
  /// The command that reproduces the weights.
  public var command: String
  public var seed: UInt64
  /// Evaluation scores measured when it was trained (name → value).
  public var scores: [String: Double]
  public var trainingSeconds: Double?
  /// Training settings a later evaluation needs (which share of a file was held out, by which seed).
  public var training: [String: String]?
  public var notes: [String]
  /// The SHA-256 (lower-case hex) of each weights file the card describes, by file name:
  /// loading refuses bytes that are not the ones the scores were earned with. Nil in cards
  /// written before digests were recorded.
  public var files: [String: String]?

  public init(
    name: String, version: String, created: String, architecture: [String: String],
    vocabularies: [String: [String]] = [:], trainingData: [String] = [], command: String, seed: UInt64,
    scores: [String: Double] = [:], trainingSeconds: Double? = nil, notes: [String] = []
  ) {
    self.name = name
    self.version = version
    self.created = created
    self.architecture = architecture
    self.vocabularies = vocabularies
    self.trainingData = trainingData
    self.command = command
    self.seed = seed
    self.scores = scores
    self.trainingSeconds = trainingSeconds
    self.notes = notes
  }

  public func write(to path: String) throws(ModelFileError) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
      try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw ModelFileError("cannot write model card \(path): \(error.localizedDescription)")
    }
  }

  /// Refuses `bytes` read from `folder/file` when the card records another digest for it.
  public func check(_ bytes: [UInt8], file: String, folder: String) throws(ModelFileError) {
    guard let recorded = files?[file] else { return }
    let actual = sha256Hex(bytes)
    guard actual == recorded else {
      throw ModelFileError(
        "\(folder)/\(file) is not the file its card describes: its SHA-256 is \(actual), the card records \(recorded)")
    }
  }

  /// Whether the files in `folder` are the ones the card records: `verified`, `no digests
  /// recorded`, or what differs.
  public func integrity(folder: String) -> String {
    guard let files, !files.isEmpty else { return "no digests recorded (a card from before they were)" }
    for (file, _) in files.sorted(by: { $0.key < $1.key }) {
      guard let data = FileManager.default.contents(atPath: folder + "/" + file) else {
        return "\(file) is missing"
      }
      do {
        try check(Array(data), file: file, folder: folder)
      } catch {
        return error.message
      }
    }
    return "verified (SHA-256 of " + files.keys.sorted().joined(separator: ", ") + ")"
  }

  public static func read(path: String) throws(ModelFileError) -> ModelCard {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ModelFileError("cannot read model card \(path)")
    }
    do {
      return try JSONDecoder().decode(ModelCard.self, from: data)
    } catch {
      throw ModelFileError("model card \(path) is not valid: \(error)")
    }
  }
}
