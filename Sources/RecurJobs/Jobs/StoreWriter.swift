import Foundation
import RecurStore

/// Saves a chunk's labelled documents on a thread of its own, in order, while the next
/// chunk is parsed and labelled. At most one chunk's saves wait at a time (the next
/// `submit` waits for them), so memory stays bounded; the first store error is kept and
/// thrown by the next `submit` or by `finish`, after which nothing more is written.
final class StoreWriter: @unchecked Sendable {
  private let queue = DispatchQueue(label: "recur-store-writer")
  private let group = DispatchGroup()
  private let lock = NSLock()
  private var failure: StoreError?

  /// Runs `work` after every earlier submission, once the one before it has finished.
  func submit(_ work: @escaping @Sendable () throws(StoreError) -> Void) throws(StoreError) {
    group.wait()
    try check()
    group.enter()
    queue.async { [self] in
      defer { group.leave() }
      guard (lock.withLock { failure }) == nil else { return }
      do throws(StoreError) {
        try work()
      } catch {
        lock.withLock { failure = error }
      }
    }
  }

  /// Waits for every submission; throws the first error one of them met.
  func finish() throws(StoreError) {
    group.wait()
    try check()
  }

  private func check() throws(StoreError) {
    if let failure = lock.withLock({ failure }) { throw failure }
  }
}
