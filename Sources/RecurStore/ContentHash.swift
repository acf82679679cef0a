import Crypto
import Foundation

/// SHA-256 for content hashes and model fingerprints (a page whose hash is unchanged
/// since the last run keeps its labels), by swift-crypto: BoringSSL's implementation on
/// Linux, which uses the CPU's SHA instructions where it has them. Hashing every fetched
/// body is on the run's hot path.
public struct ContentHash {
  private var hasher = SHA256()

  public init() {}

  /// The hex digest of `bytes`.
  public static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var hasher = ContentHash()
    hasher.update(bytes)
    return hasher.finalizeHex()
  }

  public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    if let done = bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
      return done
    }
    hasher.update(data: Array(bytes))
  }

  /// The lower-case hex digest of everything given so far.
  public func finalizeHex() -> String {
    hasher.finalize().map { String(format: "%02x", $0) }.joined()
  }
}
