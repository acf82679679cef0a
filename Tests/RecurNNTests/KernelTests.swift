import CRecurKernels
import Foundation
import XCTest

@testable import RecurNN

/// The engine's own kernels on every instruction path this CPU has: products against a
/// double-precision reference, the same bits on the AVX2 and AVX-512 paths, and a row's
/// result independent of the other rows of its batch.
final class KernelTests: XCTestCase {
  override func tearDown() {
    KernelPath.avx512.select()
    super.tearDown()
  }

  /// The paths this machine can run (the baseline always).
  var availablePaths: [KernelPath] {
    KernelPath.allCases.filter { $0.select() == $0 }
  }

  func randomValues(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in rng.uniform(-1, 1) }
  }

  /// Shapes with every remainder: one row, rows past a block of six, columns short of a
  /// vector, past the 64-column panels, and k of one.
  let shapes = [(1, 128, 512), (32, 128, 384), (7, 13, 37), (1, 5, 3), (13, 1, 70), (40, 100, 9), (6, 300, 2)]

  func testProductMatchesAReferenceOnEveryPath() {
    var rng = SeededGenerator(seed: 31)
    for path in availablePaths {
      path.select()
      for (m, k, n) in shapes {
        let a = randomValues(m * k, &rng)
        let b = randomValues(k * n, &rng)
        let start = randomValues(m * n, &rng)
        for accumulate in [false, true] {
          var c = start
          product(a, b, &c, m: m, n: n, k: k, accumulate: accumulate)
          for i in 0..<m {
            for j in 0..<n {
              var expected = accumulate ? Double(start[i * n + j]) : 0
              for p in 0..<k { expected += Double(a[i * k + p]) * Double(b[p * n + j]) }
              XCTAssertEqual(
                Double(c[i * n + j]), expected, accuracy: 1e-5 * Double(k), "\(path.name) \(m)×\(k)×\(n) [\(i), \(j)]")
            }
          }
        }
      }
    }
  }

  func testARowGetsTheSameBitsAloneOrInABatch() {
    var rng = SeededGenerator(seed: 32)
    for path in availablePaths {
      path.select()
      for (m, k, n) in shapes where m > 1 {
        let a = randomValues(m * k, &rng)
        let b = randomValues(k * n, &rng)
        var batched = [Float](repeating: 0, count: m * n)
        product(a, b, &batched, m: m, n: n, k: k, accumulate: false)
        for i in 0..<m {
          var alone = [Float](repeating: 0, count: n)
          product(Array(a[(i * k)..<((i + 1) * k)]), b, &alone, m: 1, n: n, k: k, accumulate: false)
          XCTAssertEqual(alone.map(\.bitPattern), batched[(i * n)..<((i + 1) * n)].map(\.bitPattern), "\(path.name)")
        }
      }
    }
  }

  /// The one-row product over packed weights (batch-1 inference) gives the product's bits.
  /// A batch's (word, features) rows are projected once each: repeats share a row, and
  /// the tagger scores them as the graph (which projects every row) does.
  func testRepeatedWordAndFeatureRowsAreProjectedOnce() {
    let rest: [Float] = [1, 0, 0, 1, 0, 1, 1, 0, 0, 0]
    let (firsts, slots) = Recurrent.distinctRows(ids: [3, 3, 4, 3, -1], rest: rest, columns: 2)
    XCTAssertEqual(firsts, [0, 1, 2, 4])
    XCTAssertEqual(slots, [0, 1, 2, 0, 3])
    var rng = SeededGenerator(seed: 31)
    let model = ManyToMany(
      embedding: Embedding(vocabulary: 10, width: 4, rng: &rng), featureCount: 2, cell: .lstm, hidden: 5, tags: 3,
      useCRF: false, rng: &rng)
    let input = ManyToMany.Input(
      words: [[1, 2, 1, 1], [2, 1]], features: [[[1, 0], [0, 1], [1, 0], [0, 0]], [[0, 1], [1, 0]]])
    var unused = SeededGenerator(seed: 0)
    let fast = withoutGradients { model.emissions(input, rng: &unused).scores.value.data }
    let graph = model.emissions(input, rng: &unused).scores.value.data
    XCTAssertEqual(fast.count, graph.count)
    for (a, b) in zip(fast, graph) { XCTAssertEqual(a, b, accuracy: 1e-5) }
  }

  func testPackedOneRowProductGivesTheSameBits() {
    var rng = SeededGenerator(seed: 36)
    for path in availablePaths {
      path.select()
      for (k, n) in [(128, 512), (64, 192), (7, 300), (5, 3)] {
        let weight = Variable(Tensor(shape: [k, n], data: randomValues(k * n, &rng)))
        let a = randomValues(k, &rng)
        let start = randomValues(n, &rng)
        var expected = start
        product(a, weight.value.data, &expected, m: 1, n: n, k: k, accumulate: true)
        var packedResult = start
        let packed = PackedRows().packed(weight)
        a.withUnsafeBufferPointer { pa in
          weight.value.data.withUnsafeBufferPointer { pw in
            packedResult.withUnsafeMutableBufferPointer { pc in
              CRecurKernels_rowProduct(k, n, pa.baseAddress!, pw.baseAddress!, packed.pointer, pc.baseAddress!, 1)
            }
          }
        }
        XCTAssertEqual(packedResult.map(\.bitPattern), expected.map(\.bitPattern), "\(path.name) \(k)×\(n)")
      }
    }
  }

  /// An LSTM unit past the last whole vector (hidden 21, 25, 100) gets the bits it gets
  /// inside one: the same row computed with hidden widened to whole vectors.
  func testLSTMUnitsPastTheLastVectorGetTheSameBits() {
    var rng = SeededGenerator(seed: 38)
    for path in availablePaths {
      path.select()
      for hidden in [21, 25, 100] {
        let wide = (hidden + 15) / 16 * 16
        let gates = randomValues(4 * hidden, &rng).map { $0 * 6 }
        let previous = randomValues(hidden, &rng)
        func run(_ width: Int) -> [UInt32] {
          var g = [Float](repeating: 0, count: 4 * width)
          var cp = [Float](repeating: 0, count: width)
          for gate in 0..<4 {
            for unit in 0..<hidden { g[gate * width + unit] = gates[gate * hidden + unit] }
          }
          for unit in 0..<hidden { cp[unit] = previous[unit] }
          var c = [Float](repeating: 0, count: width)
          var h = [Float](repeating: 0, count: width)
          CRecurKernels_lstmForward(1, width, &g, cp, &c, &h)
          let units = 0..<hidden
          let activations = (0..<4).flatMap { gate in units.map { g[gate * width + $0] } }
          return (activations + units.map { c[$0] } + units.map { h[$0] }).map(\.bitPattern)
        }
        XCTAssertEqual(run(hidden), run(wide), "\(path.name) hidden \(hidden)")
      }
    }
  }

  func testTheWidePathsGiveTheSameBits() throws {
    let wide = availablePaths.filter { $0 != .baseline }
    guard wide.count == 2 else { throw XCTSkip("this CPU has one vector path: \(wide.map(\.name))") }
    var rng = SeededGenerator(seed: 33)
    for (m, k, n) in shapes {
      let a = randomValues(m * k, &rng)
      let b = randomValues(k * n, &rng)
      let results = wide.map { path -> [UInt32] in
        path.select()
        var c = [Float](repeating: 0, count: m * n)
        product(a, b, &c, m: m, n: n, k: k, accumulate: false)
        return c.map(\.bitPattern)
      }
      XCTAssertEqual(results[0], results[1], "\(m)×\(k)×\(n)")
    }
  }

  /// The gradients' products (A transposed, read in place; or B transposed, copied first),
  /// with k past the kernel's parts of 256 and products large enough to be split over two
  /// threads: against a reference, and the same bits at one and two threads.
  func testTransposedProductsMatchAReferenceAtEveryThreadCount() {
    defer { setProductThreads(1) }
    var rng = SeededGenerator(seed: 36)
    for path in availablePaths {
      path.select()
      for (m, k, n) in [(7, 13, 37), (40, 700, 9), (96, 1100, 48), (1, 300, 17)] {
        let a = randomValues(m * k, &rng)
        let b = randomValues(k * n, &rng)
        let start = randomValues(m * n, &rng)
        // A stored [k, m] and B stored [n, k]: the transposes of a and b.
        let storedA = (0..<(k * m)).map { a[($0 % m) * k + $0 / m] }
        let storedB = (0..<(n * k)).map { b[($0 % k) * n + $0 / k] }
        var results: [[UInt32]] = []
        for (threads, transposeA) in [(1, true), (1, false), (2, true), (2, false)] {
          setProductThreads(threads)
          var c = start
          (transposeA ? storedA : a).withUnsafeBufferPointer { pa in
            (transposeA ? b : storedB).withUnsafeBufferPointer { pb in
              c.withUnsafeMutableBufferPointer { pc in
                gemm(
                  pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k, transposeA: transposeA,
                  transposeB: !transposeA, beta: 1)
              }
            }
          }
          for i in 0..<m {
            for j in 0..<n {
              var expected = Double(start[i * n + j])
              for p in 0..<k { expected += Double(a[i * k + p]) * Double(b[p * n + j]) }
              XCTAssertEqual(
                Double(c[i * n + j]), expected, accuracy: 1e-5 * Double(k), "\(path.name) \(m)×\(k)×\(n) [\(i), \(j)]")
            }
          }
          results.append(c.map(\.bitPattern))
        }
        for other in results.dropFirst() { XCTAssertEqual(other, results[0], "\(path.name) \(m)×\(k)×\(n)") }
      }
    }
  }

  /// Training steps of a bidirectional LSTM classifier, whose gradient products are split
  /// over threads: the same weights on the AVX2 and AVX-512 paths and at one and two
  /// threads, so a seed gives the same model file on every machine with AVX2.
  func testTrainingGivesTheSameWeightsOnEveryWidePathAndThreadCount() throws {
    defer { setProductThreads(1) }
    let wide = availablePaths.filter { $0 != .baseline }
    guard !wide.isEmpty else { throw XCTSkip("this CPU has no vector path with fused multiply-add") }
    func train(_ path: KernelPath, threads: Int) -> [[UInt32]] {
      path.select()
      setProductThreads(threads)
      var rng = SeededGenerator(seed: 37)
      let model = ManyToOne(
        embedding: Embedding(vocabulary: 200, width: 48, rng: &rng), cell: .lstm, hidden: 64, classes: 2,
        bidirectional: true, pooling: .max, rng: &rng)
      let optimizer = Adam.adamW(learningRate: 0.01)
      let data = (0..<96).map { index in (0..<(30 + index % 20)).map { (index * 7 + $0 * 3) % 200 } }
      for batch in lengthBucketedBatches(lengths: data.map(\.count), batchSize: 32, rng: &rng) {
        model.loss(batch.map { data[$0] }, labels: batch.map { data[$0][0] % 2 }, rng: &rng).backward()
        optimizer.update(model.parameters())
      }
      return model.parameters().map { $0.variable.value.data.map(\.bitPattern) }
    }
    let reference = train(wide[0], threads: 1)
    for path in wide {
      for threads in [1, 2] where (path, threads) != (wide[0], 1) {
        XCTAssertEqual(train(path, threads: threads), reference, "\(path.name), \(threads) threads")
      }
    }
  }

  /// A whole model on each path: the same probabilities to within rounding.
  func testEveryPathScoresAModelAlike() {
    var rng = SeededGenerator(seed: 34)
    let model = ManyToOne(
      embedding: Embedding(vocabulary: 50, width: 12, rng: &rng), cell: .lstm, hidden: 20, classes: 3,
      bidirectional: true, pooling: .max, rng: &rng)
    let sequences = (0..<9).map { index in (0..<(2 + index * 3)).map { _ in Int(rng.next() % 50) } }
    var results: [[[Float]]] = []
    for path in availablePaths {
      path.select()
      results.append(model.probabilities(sequences))
    }
    for other in results.dropFirst() {
      for (a, b) in zip(results[0].joined(), other.joined()) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
  }

  func testAdamKernelFollowsTheFormula() {
    var rng = SeededGenerator(seed: 35)
    let parameter = Variable(Tensor(shape: [37], data: randomValues(37, &rng)), requiresGradient: true)
    let start = parameter.value.data
    let gradient = randomValues(37, &rng)
    let optimizer = Adam.adamW(learningRate: 0.01, weightDecay: 0.1)
    parameter.gradient = gradient
    optimizer.update([Parameter("p", parameter)])
    XCTAssertNil(parameter.gradient)
    let rate = 0.01 * (1 - 0.999).squareRoot() / (1 - 0.9)
    for index in 0..<37 {
      let g = Double(gradient[index])
      let first = 0.1 * g
      let second = 0.001 * g * g
      let expected = Double(start[index]) * (1 - 0.01 * 0.1) - rate * first / (second.squareRoot() + 1e-8)
      XCTAssertEqual(Double(parameter.value.data[index]), expected, accuracy: 1e-5)
    }
  }

  #if canImport(Glibc)
    /// A step's buffers, freed, stay in the heap for the next step: allocating, filling and
    /// freeing the same 64 MB of 8 MB blocks a second time faults in almost no new pages
    /// (glibc by default gives all but 16 MB of it back and faults it in again: 16,384 pages).
    func testFreedStepBuffersAreReusedWithoutNewPageFaults() {
      XCTAssertTrue(FreedMemory.retain())
      let size = 8 << 20
      func step() -> (faults: Int, sum: Int) {
        let before = minorPageFaults()
        let blocks = (0..<8).map { _ in malloc(size)!.assumingMemoryBound(to: UInt8.self) }
        var sum = 0
        for block in blocks {
          memset(block, 1, size)
          sum += stride(from: 0, to: size, by: 4096).reduce(0) { $0 + Int(block[$1]) }
        }
        for block in blocks { free(block) }
        return (minorPageFaults() - before, sum)
      }
      XCTAssertEqual(step().sum, 8 * size / 4096)
      let again = step()
      XCTAssertEqual(again.sum, 8 * size / 4096)
      XCTAssertLessThan(again.faults, 1_000, "pages faulted in again by the second step")
    }

    private func minorPageFaults() -> Int {
      var usage = rusage()
      getrusage(RUSAGE_SELF.rawValue, &usage)
      return usage.ru_minflt
    }
  #endif
}

/// `product` on arrays, for the tests.
func product(_ a: [Float], _ b: [Float], _ c: inout [Float], m: Int, n: Int, k: Int, accumulate: Bool) {
  a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        product(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k, accumulate: accumulate)
      }
    }
  }
}
