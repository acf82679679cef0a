import RecurJobs

/// Any bytes as a TOML job file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJobFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? JobFile.parse(text, path: "/tmp/fuzz/jobs/fuzz.toml")
  return 0
}
