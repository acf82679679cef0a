// swift-tools-version:6.1
// libFuzzer harnesses for every reader of outside bytes, in their own package so the main
// build stays lean. `make fuzz` builds them with `--sanitize fuzzer --sanitize address`
// and runs each from its seed corpus in Fuzz/Corpus/NAME.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which differs between clones.
let recur = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Each harness defines LLVMFuzzerTestOneInput; libFuzzer brings main.
let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "RecurFuzz",
  dependencies: [.package(path: "..")],
  targets: [
    .executableTarget(
      name: "fuzz-html", dependencies: [.product(name: "RecurText", package: recur)], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-tokenizer", dependencies: [.product(name: "RecurText", package: recur)], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-feed", dependencies: [.product(name: "RecurText", package: recur)], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-robots", dependencies: [.product(name: "RecurFetch", package: recur)], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-safetensors", dependencies: [.product(name: "RecurNN", package: recur)], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-jobfile", dependencies: [.product(name: "RecurJobs", package: recur)], swiftSettings: harness),
    .executableTarget(
      name: "fuzz-datafiles",
      dependencies: [.product(name: "RecurJobs", package: recur), .product(name: "RecurModels", package: recur)],
      swiftSettings: harness),
  ],
  swiftLanguageModes: [.v6]
)
