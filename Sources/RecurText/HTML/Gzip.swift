import CZlib

/// Gzip decompression with a size cap, so a small bomb cannot fill memory.
public enum Gzip {
  public struct Failure: Error, CustomStringConvertible, Sendable {
    public var description: String
  }

  public static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  public static func decompress(_ bytes: [UInt8], maxBytes: Int = 64 * 1024 * 1024) throws(Failure) -> [UInt8] {
    var stream = z_stream()
    guard CZlib_inflateInitGzip(&stream) == Z_OK else { throw Failure(description: "zlib could not start") }
    defer { inflateEnd(&stream) }
    var input = bytes
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    var status: Int32 = Z_OK
    try input.withUnsafeMutableBufferPointer { (inBuffer) throws(Failure) -> Void in
      stream.next_in = inBuffer.baseAddress
      stream.avail_in = UInt32(inBuffer.count)
      repeat {
        try chunk.withUnsafeMutableBufferPointer { (outBuffer) throws(Failure) -> Void in
          stream.next_out = outBuffer.baseAddress
          stream.avail_out = UInt32(outBuffer.count)
          status = inflate(&stream, Z_NO_FLUSH)
          guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            throw Failure(description: "not valid gzip data (zlib status \(status))")
          }
          let produced = outBuffer.count - Int(stream.avail_out)
          guard output.count + produced <= maxBytes else {
            throw Failure(description: "decompressed data larger than \(maxBytes) bytes")
          }
          output.append(contentsOf: outBuffer[0..<produced])
          if status == Z_BUF_ERROR && produced == 0 {
            throw Failure(description: "truncated gzip data")
          }
        }
      } while status != Z_STREAM_END
    }
    return output
  }
}
