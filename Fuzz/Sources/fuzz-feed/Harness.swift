import RecurText

/// Any bytes as an RSS, Atom or sitemap document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeed(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? FeedParser.parse(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
