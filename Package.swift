// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "Recur",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "recur", targets: ["recur"]),
    .library(name: "RecurFetch", targets: ["RecurFetch"]),
    .library(name: "RecurJobs", targets: ["RecurJobs"]),
    .library(name: "RecurNN", targets: ["RecurNN"]),
    .library(name: "RecurText", targets: ["RecurText"]),
    .library(name: "RecurModels", targets: ["RecurModels"]),
    .library(name: "RecurStore", targets: ["RecurStore"]),
    .library(name: "RecurReport", targets: ["RecurReport"]),
    // The loopback HTTP server the tests and the benchmarks fetch from.
    .library(name: "RecurTestSupport", targets: ["RecurTestSupport"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    // The store: SQLite through GRDB (DESIGN.md's embedded default).
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    // Job files are TOML.
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    // SHA-256 of every fetched body and of every model file a card vouches for
    // (BoringSSL's, with the CPU's SHA instructions): a hand-written one was 5 % of a
    // run's time.
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    // Tests only: parses the Kubernetes recipes in deploy/ to check the fields they rely on.
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CCurl",
      pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
    ),
    // The engine's own product and cell kernels, in C: compiled for AVX-512, for AVX2 + FMA
    // and for the baseline, chosen at run time (Swift code is built for the baseline only).
    .target(name: "CRecurKernels"),
    // Model cards record each weights file's SHA-256, checked on load.
    .target(
      name: "RecurNN",
      dependencies: ["CRecurKernels", .product(name: "Crypto", package: "swift-crypto")]
    ),
    .systemLibrary(
      name: "CLibXML2",
      pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"])]
    ),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // The parse stage's block tagger is a RecurNN network.
    .target(name: "RecurText", dependencies: ["CLibXML2", "CZlib", "RecurNN"]),
    .target(name: "RecurModels", dependencies: ["RecurNN", "RecurText"]),
    .target(
      name: "RecurFetch",
      dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")]
    ),
    // The store's second backend: PostgreSQL through libpq, synchronous like the runner's
    // threads (Debian's libpq-dev; the server itself only for the tests).
    .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
    .target(
      name: "RecurStore",
      dependencies: [
        "CPostgres", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(name: "RecurReport"),
    .target(
      name: "RecurJobs",
      dependencies: [
        "RecurFetch", "RecurText", "RecurModels", "RecurNN", "RecurStore", "RecurReport",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "TOMLKit", package: "TOMLKit"),
      ]
    ),
    .executableTarget(
      name: "recur",
      dependencies: [
        "RecurJobs",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "RecurTestSupport"),
    .testTarget(
      name: "RecurFetchTests",
      dependencies: ["RecurFetch", "RecurTestSupport"],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(name: "RecurNNTests", dependencies: ["RecurNN", "CRecurKernels"]),
    // The fixtures are read from the repository by path, not bundled.
    .testTarget(
      name: "RecurModelsTests", dependencies: ["RecurModels", "RecurNN", "RecurText"], exclude: ["Fixtures"]),
    .testTarget(name: "RecurTextTests", dependencies: ["RecurText", "RecurNN"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "RecurJobsTests",
      dependencies: [
        "RecurJobs", "RecurFetch", "RecurTestSupport", "RecurStore", "RecurReport", "RecurText", "CLibXML2",
        // Writes a store in an older schema, to check that it migrates.
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Yams", package: "Yams"),
      ],
      resources: [.copy("Fixtures")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
