// swift-tools-version:6.1
// Benchmarks live in their own package so the main build stays lean.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which differs between clones.
let recur = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
  name: "RecurBenchmarks",
  dependencies: [.package(path: "..")],
  targets: [
    .executableTarget(
      name: "extract-bench",
      dependencies: [.product(name: "RecurText", package: recur)]
    ),
    .executableTarget(
      name: "rnn-bench",
      dependencies: [.product(name: "RecurNN", package: recur)]
    ),
    .executableTarget(
      name: "run-bench",
      dependencies: [
        .product(name: "RecurTestSupport", package: recur), .product(name: "RecurText", package: recur),
      ]
    ),
    .executableTarget(
      name: "report-bench",
      dependencies: [
        .product(name: "RecurStore", package: recur), .product(name: "RecurTestSupport", package: recur),
      ]
    ),
    .executableTarget(
      name: "claim-bench",
      dependencies: [.product(name: "RecurStore", package: recur)]
    ),
    .executableTarget(
      name: "fetch-bench",
      dependencies: [
        .product(name: "RecurFetch", package: recur),
        .product(name: "RecurTestSupport", package: recur),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
