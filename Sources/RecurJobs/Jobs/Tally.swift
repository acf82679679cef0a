import RecurStore

/// Counts a run's documents by outcome and shows progress: a bar redrawn in place on a
/// terminal, a plain line every ten seconds under cron, nothing with `--quiet`.
struct Tally {
  let total: Int
  let style: ProgressStyle
  let log: @Sendable (String) -> Void
  private(set) var counts: [DocumentOutcome: Int] = [:]
  private var done = 0
  private let started: Double
  private var lastShown: Double

  init(total: Int, style: ProgressStyle, log: @escaping @Sendable (String) -> Void) {
    self.total = total
    self.style = style
    self.log = log
    started = monotonicNow()
    lastShown = started
  }

  mutating func add(_ outcome: DocumentOutcome, count: Int) {
    for _ in 0..<count { add(outcome) }
  }

  mutating func add(_ outcome: DocumentOutcome) {
    counts[outcome, default: 0] += 1
    done += 1
    let now = monotonicNow()
    switch style {
    case .quiet: return
    case .bar:
      if now - lastShown >= 0.1 || done == total {
        lastShown = now
        Console.errorRaw("\r" + bar() + "\u{1B}[K")
      }
    case .lines:
      if now - lastShown >= 10 {
        lastShown = now
        log(line())
      }
    }
  }

  mutating func finish() {
    switch style {
    case .quiet: return
    case .bar: Console.errorRaw("\r" + bar() + "\u{1B}[K\n")
    case .lines: log(line())
    }
  }

  func rate() -> Double {
    let elapsed = monotonicNow() - started
    return elapsed > 0 ? Double(done) / elapsed : 0
  }

  var breakdown: String {
    DocumentOutcome.allCases.compactMap { outcome in
      counts[outcome].map { "\(outcome.rawValue) \($0)" }
    }.joined(separator: ", ")
  }

  func line() -> String {
    "\(done)/\(total) documents (\(breakdown.isEmpty ? "none yet" : breakdown)), \(Self.fixed(rate())) documents/s"
  }

  func bar() -> String {
    let width = 24
    let filled = total > 0 ? done * width / total : width
    return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] " + line()
  }

  static func fixed(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
