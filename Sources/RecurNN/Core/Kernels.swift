import CRecurKernels

/// Scratch memory for the engine's kernels: grows to the largest size asked of it and is
/// reused after that, so a steady stream of calls allocates nothing (page faults are the
/// cost on virtual machines, not the arithmetic).
struct ScratchBuffer {
  private(set) var pointer: UnsafeMutablePointer<Float>
  private(set) var capacity: Int

  init() {
    pointer = .allocate(capacity: 1)
    capacity = 1
  }

  /// At least `count` floats; the contents are kept only while no growth was needed.
  mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
    if count > capacity {
      pointer.deallocate()
      capacity = max(count, capacity + capacity / 2)
      pointer = .allocate(capacity: capacity)
    }
    return pointer
  }

  /// `count` zeros.
  mutating func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
    let pointer = reserve(count)
    pointer.update(repeating: 0, count: count)
    return pointer
  }

  /// Gives the memory back when it holds more than `bytes` (a rare long batch should not
  /// keep its buffers for the rest of a run).
  mutating func trim(above bytes: Int) {
    guard capacity * MemoryLayout<Float>.size > bytes else { return }
    pointer.deallocate()
    pointer = .allocate(capacity: 1)
    capacity = 1
  }

  func free() { pointer.deallocate() }
}

/// The instruction paths of the engine's kernels.
public enum KernelPath: Int32, CaseIterable, Sendable {
  case baseline = 0
  case avx2 = 1
  case avx512 = 2

  public var name: String {
    switch self {
    case .baseline: "baseline"
    case .avx2: "avx2+fma"
    case .avx512: "avx512"
    }
  }

  /// The path in use (the CPU's best unless `RECUR_KERNELS=baseline|avx2` caps it).
  public static var current: KernelPath { KernelPath(rawValue: CRecurKernels_path()) ?? .baseline }

  /// Uses this path, or the CPU's best when that is lower; returns the path now in use.
  /// The AVX-512 and AVX2 paths give bit-identical results; the baseline rounds
  /// differently (no fused multiply-add).
  @discardableResult
  public func select() -> KernelPath {
    KernelPath(rawValue: CRecurKernels_selectPath(rawValue)) ?? .baseline
  }
}

/// How the C allocator treats freed memory. By default glibc maps each block over a
/// threshold of its own (128 KB, rising with what is freed) and hands memory back to the
/// system once a little lies free; a training step's gradient buffers of a few megabytes
/// were then mapped, faulted in page by page and unmapped every step (at 128 units, 12–17 %
/// of a sentiment training's time in the kernel, most under the zeroing of
/// `SequenceRun.backward`'s buffers; `docs/recurnn.md`).
public enum FreedMemory {
  /// Serves blocks up to `mapLimit` bytes from the heap and keeps up to `keep` bytes free
  /// there for the next step instead of returning them (glibc only; elsewhere it does
  /// nothing and returns false). For a program's start: `recur` calls it before anything.
  @discardableResult
  public static func retain(mapLimit: Int = 32 << 20, keep: Int = 256 << 20) -> Bool {
    CRecurKernels_retainFreedMemory(mapLimit, keep) == 1
  }
}

/// `C = A · B` or `C += A · B` (row-major, contiguous) by the engine's own kernel.
@inline(__always)
func product(
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
  accumulate: Bool
) {
  CRecurKernels_gemm(m, n, k, a, k, b, n, c, n, accumulate ? 1 : 0)
}
