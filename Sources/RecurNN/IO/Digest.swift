import Crypto

/// The lower-case hex SHA-256 of `bytes` (swift-crypto: BoringSSL's implementation).
public func sha256Hex(_ bytes: [UInt8]) -> String {
  SHA256.hash(data: bytes).map { byte in
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
  }.joined()
}
