import Foundation

/// The running figures a trainer reports every few batches: the mean loss and the tokens a
/// second over the batches since the last report.
struct ProgressWindow {
  let batches: Int
  var loss = 0.0
  var tokens = 0
  var count = 0
  var start = Date()

  /// A window that reports every `batches` batches.
  init(every batches: Int) { self.batches = batches }

  /// Starts timing again (after work that is not training, such as a dev check).
  mutating func restartClock() { start = Date() }

  /// Adds one batch; at the window's end (or at `last`) returns the mean loss and tokens a
  /// second since the last report and starts a new window.
  mutating func add(loss: Double, tokens: Int, last: Bool) -> (loss: Double, tokensPerSecond: Double)? {
    self.loss += loss
    self.tokens += tokens
    count += 1
    guard count == batches || last else { return nil }
    let report = (
      loss: self.loss / Double(count),
      tokensPerSecond: Double(self.tokens) / max(1e-9, Date().timeIntervalSince(start))
    )
    self = ProgressWindow(every: batches)
    return report
  }
}
