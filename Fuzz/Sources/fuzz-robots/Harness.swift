import RecurFetch

/// Any bytes as robots.txt, then a few paths asked of the rules.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRobots(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let rules = RobotsRules(parsing: Array(UnsafeBufferPointer(start: data, count: size)), productToken: "recur")
  for path in ["/", "/a/b?c=d", "/%E2%82%AC/x$", "/*"] { _ = rules.allows(path) }
  return 0
}
