import RecurNN

/// Any bytes as a safetensors weights file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? SafeTensors(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
