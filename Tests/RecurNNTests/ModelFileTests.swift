import Foundation
import RecurNN
import XCTest

/// Model files: a round trip, and a clear refusal of every kind of damage.
final class ModelFileTests: XCTestCase {
  func model(seed: UInt64 = 31) -> ManyToOne {
    var rng = SeededGenerator(seed: seed)
    return ManyToOne(
      embedding: Embedding(vocabulary: 9, width: 4, rng: &rng), cell: .gru, hidden: 5, classes: 2, rng: &rng)
  }

  func testRoundTripRestoresEveryWeight() throws {
    let original = model(seed: 1)
    let bytes = SafeTensors(parameters: original.parameters(), metadata: ["format": "recur"]).serialized()
    let restored = model(seed: 2)
    let file = try SafeTensors(bytes: bytes)
    XCTAssertEqual(file.metadata["format"], "recur")
    try file.load(into: restored.parameters())
    XCTAssertEqual(restored.probabilities([[1, 2, 3]]), original.probabilities([[1, 2, 3]]))
    XCTAssertEqual(
      original.parameters().map(\.key).sorted(),
      [
        "embedding.table", "encoder.layer0.forward.W_h", "encoder.layer0.forward.W_x", "encoder.layer0.forward.b_h",
        "encoder.layer0.forward.b_x", "output.W", "output.b",
      ])
  }

  func testWritingAndReadingFilesAndCards() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-nn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("model.safetensors").path
    try SafeTensors(parameters: model().parameters()).write(to: path)
    try SafeTensors.read(path: path).load(into: model(seed: 5).parameters())
    let card = ModelCard(
      name: "test", version: "1", created: "2026-11-27", architecture: ["cell": "gru"], vocabularies: ["tags": ["O"]],
      command: "recur train …", seed: 7, scores: ["accuracy": 0.9])
    let cardPath = folder.appendingPathComponent("card.json").path
    try card.write(to: cardPath)
    XCTAssertEqual(try ModelCard.read(path: cardPath), card)
    try Data("{not json".utf8).write(to: URL(fileURLWithPath: cardPath))
    XCTAssertThrowsError(try ModelCard.read(path: cardPath))
    XCTAssertThrowsError(try SafeTensors.read(path: folder.appendingPathComponent("absent").path))
  }

  func refusal(_ bytes: [UInt8]) -> String? {
    do {
      _ = try SafeTensors(bytes: bytes)
      return nil
    } catch {
      return error.message
    }
  }

  /// A file built by hand: header JSON and data bytes.
  func file(header: String, data: Int, claimedLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    var length = (claimedLength ?? UInt64(json.count)).littleEndian
    var bytes = withUnsafeBytes(of: &length) { Array($0) }
    bytes += json
    bytes += [UInt8](repeating: 0, count: data)
    return bytes
  }

  func testRefusesNonFiniteWeights() {
    var header = file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: 0)
    withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { header += $0 }
    withUnsafeBytes(of: Float.infinity.bitPattern.littleEndian) { header += $0 }
    XCTAssertEqual(refusal(header), "tensor 'a' holds a non-finite value (inf at index 1)")
  }

  func testRefusesDamagedFiles() {
    let good = SafeTensors(parameters: model().parameters()).serialized()
    XCTAssertNotNil(refusal(Array(good.prefix(5)))?.contains("less than the 8-byte header length"))
    XCTAssertTrue(refusal(Array(good.dropLast(10)))?.contains("outside the") == true)
    XCTAssertTrue(refusal(good + [0, 0, 0, 0])?.contains("bytes after the last tensor") == true)
    XCTAssertTrue(
      refusal(file(header: "{}", data: 0, claimedLength: 1 << 40))?.contains("more than the") == true)
    XCTAssertTrue(refusal(file(header: "{}", data: 0, claimedLength: 50))?.contains("only 2 follow") == true)
    XCTAssertEqual(refusal(file(header: "[1,2]", data: 0)), "model file header is not a JSON object")
    XCTAssertEqual(
      refusal(file(header: #"{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, data: 4)),
      "tensor 'a' has dtype BF16; only F32 is supported")
    XCTAssertEqual(
      refusal(file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8)),
      "tensor 'a' has shape [3] (12 bytes) but 8 bytes of data")
    XCTAssertEqual(
      refusal(file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: 4)),
      "tensor 'a' has no valid shape")
    XCTAssertEqual(
      refusal(
        file(
          header:
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
          data: 8)),
      "tensor 'b' overlaps the tensor before it")
    XCTAssertEqual(
      refusal(file(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, data: 4)),
      "tensor 'a' has shape [4611686018427387904, 4], larger than the file")
  }

  func testRefusesAFileThatDoesNotMatchTheArchitecture() throws {
    let small = SafeTensors(parameters: model().parameters())
    var rng = SeededGenerator(seed: 3)
    let wider = ManyToOne(
      embedding: Embedding(vocabulary: 9, width: 4, rng: &rng), cell: .gru, hidden: 6, classes: 2, rng: &rng)
    XCTAssertThrowsError(try small.load(into: wider.parameters())) { error in
      XCTAssertTrue((error as? ModelFileError)?.message.contains("has shape [4, 15] in the file") == true, "\(error)")
    }
    let lstm = ManyToOne(
      embedding: Embedding(vocabulary: 9, width: 4, rng: &rng), cell: .lstm, hidden: 5, classes: 2, rng: &rng)
    XCTAssertThrowsError(try small.load(into: lstm.parameters())) { error in
      XCTAssertEqual(
        (error as? ModelFileError)?.message,
        "tensor 'encoder.layer0.forward.W_x' has shape [4, 15] in the file but the architecture needs [4, 20]")
    }
    let noBias = small.tensors.filter { $0.key != "output.b" }
    XCTAssertThrowsError(try SafeTensors(tensors: noBias).load(into: model().parameters())) { error in
      XCTAssertEqual(
        (error as? ModelFileError)?.message, "model file lacks tensor 'output.b' that the architecture needs")
    }
    var extra = small
    extra.tensors["stray"] = .init(shape: [1], values: [0])
    XCTAssertThrowsError(try SafeTensors(bytes: extra.serialized()).load(into: model().parameters())) { error in
      XCTAssertEqual(
        (error as? ModelFileError)?.message, "model file has tensor 'stray' that the architecture does not use")
    }
  }
}
