// swift-tools-version: 6.1
import Foundation
import PackageDescription

// KINDRED_NATIVE=1 (set by scripts/cpu-env, which every script sources) compiles Kindred's own
// kernels for this machine's CPU (AVX2/AVX-512 instead of baseline SSE2). It is opt-in because
// SwiftPM refuses unsafe flags in a package used as a dependency.
let native = ProcessInfo.processInfo.environment["KINDRED_NATIVE"] == "1"
let kernelFlags: [SwiftSetting] = native ? [.unsafeFlags(["-target-cpu", "native"])] : []

// FAISS (Debian's libfaiss-dev: headers and a static C++ library) backs the approximate search
// indexes. Without it CKindredFAISS builds as a stub whose calls fail with "no FAISS" errors.
let faissHeader = ProcessInfo.processInfo.environment["KINDRED_FAISS_HEADER"] ?? "/usr/include/faiss/index_factory.h"
let haveFAISS = ProcessInfo.processInfo.environment["KINDRED_NO_FAISS"] != "1" && FileManager.default.fileExists(atPath: faissHeader)

// oneDNN (Debian's libdnnl-dev) runs float32 convolutions directly (JIT-compiled for the CPU) instead
// of im2col + GEMM. Without it CKindredDNNL builds as a stub and convolutions take the im2col path.
let dnnlHeader = ProcessInfo.processInfo.environment["KINDRED_DNNL_HEADER"] ?? "/usr/include/oneapi/dnnl/dnnl.h"
let haveDNNL = ProcessInfo.processInfo.environment["KINDRED_NO_DNNL"] != "1" && FileManager.default.fileExists(atPath: dnnlHeader)

// Kindred: deep metric learning in Swift.
// Layers import only downward: KindredTensor ← KindredNN ← KindredMetric;
// KindredTensor ← KindredData, KindredRetrieval (+ CKindredFAISS, CKindredTopK); NN+Data+Retrieval ← KindredGenerative; all ← KindredPipeline ← kindred.
let package = Package(
    name: "Kindred",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KindredTensor", targets: ["KindredTensor"]),
        .library(name: "KindredNN", targets: ["KindredNN"]),
        .library(name: "KindredData", targets: ["KindredData"]),
        .library(name: "KindredMetric", targets: ["KindredMetric"]),
        .library(name: "KindredRetrieval", targets: ["KindredRetrieval"]),
        .library(name: "KindredReport", targets: ["KindredReport"]),
        .library(name: "KindredGenerative", targets: ["KindredGenerative"]),
        .library(name: "KindredPipeline", targets: ["KindredPipeline"]),
        .executable(name: "kindred", targets: ["kindred"]),
        .executable(name: "kindred-bench", targets: ["KindredBench"]),
        .executable(name: "kindred-data-bench", targets: ["KindredDataBench"]),
        .executable(name: "kindred-retrieval-bench", targets: ["KindredRetrievalBench"]),
        .executable(name: "kindred-metric-bench", targets: ["KindredMetricBench"]),
        .executable(name: "kindred-gan-bench", targets: ["KindredGANBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // BLAS shim: OpenBLAS on Linux, Accelerate on macOS.
        .target(
            name: "CKindredBLAS",
            linkerSettings: [
                .linkedLibrary("openblas", .when(platforms: [.linux])),
                .linkedFramework("Accelerate", .when(platforms: [.macOS])),
            ]
        ),
        // oneDNN shim: direct float32 convolutions (a stub without libdnnl-dev); links its OpenMP runtime.
        .target(
            name: "CKindredDNNL",
            cSettings: haveDNNL ? [.define("KINDRED_HAVE_DNNL")] : [],
            linkerSettings: haveDNNL ? [.linkedLibrary("dnnl"), .linkedLibrary("gomp")] : []
        ),
        .target(
            name: "KindredTensor",
            dependencies: [
                "CKindredBLAS",
                "CKindredDNNL",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: kernelFlags
        ),
        .target(name: "KindredNN", dependencies: ["KindredTensor"]),
        // zlib (gzip-compressed datasets) and stb (image decoding/encoding, Debian libstb-dev).
        .target(name: "CKindredZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "CKindredImage", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "KindredData", dependencies: ["KindredTensor", "CKindredZlib", "CKindredImage"]),
        .target(name: "KindredMetric", dependencies: ["KindredNN"]),
        // Query/gallery search and retrieval metrics; needs only tensors (no losses, no layers).
        // extern "C" wrapper over FAISS's C++ library (catches its exceptions); links OpenMP, OpenBLAS
        // (BLAS + LAPACK) and the C++ runtime that the static libfaiss.a needs.
        .target(
            name: "CKindredFAISS",
            cxxSettings: haveFAISS ? [.define("KINDRED_HAVE_FAISS"), .headerSearchPath("shim")] : [],
            linkerSettings: haveFAISS
                ? [.linkedLibrary("faiss"), .linkedLibrary("openblas"), .linkedLibrary("gomp"), .linkedLibrary("stdc++")] : []
        ),
        // The exact search's candidate collection for deep top-k (AVX-512 where the CPU has it).
        .target(name: "CKindredTopK"),
        .target(
            name: "KindredRetrieval", dependencies: ["KindredTensor", "CKindredBLAS", "CKindredDNNL", "CKindredFAISS", "CKindredTopK"],
            swiftSettings: kernelFlags
        ),
        // Retrieval grids, SVG charts and the self-contained HTML run report; needs only images.
        .target(name: "KindredReport", dependencies: ["KindredData"]),
        // Autoencoders, VAEs and GANs: models, their losses and training steps, image-quality metrics.
        .target(name: "KindredGenerative", dependencies: ["KindredNN", "KindredData", "KindredRetrieval"]),
        // Runs built from YAML configs: training, evaluation, checkpoints, logs, reports.
        .target(
            name: "KindredPipeline",
            dependencies: [
                "KindredNN", "KindredData", "KindredMetric", "KindredRetrieval", "KindredReport", "KindredGenerative",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "kindred",
            dependencies: [
                "KindredNN", "KindredData", "KindredMetric", "KindredRetrieval", "KindredReport", "KindredPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "KindredBench",
            dependencies: ["KindredNN"],
            path: "Benchmarks/KindredBench"
        ),
        .executableTarget(
            name: "KindredDataBench",
            dependencies: ["KindredData"],
            path: "Benchmarks/KindredDataBench"
        ),
        .executableTarget(
            name: "KindredRetrievalBench",
            dependencies: ["KindredRetrieval"],
            path: "Benchmarks/KindredRetrievalBench"
        ),
        .executableTarget(
            name: "KindredMetricBench",
            dependencies: ["KindredMetric"],
            path: "Benchmarks/KindredMetricBench"
        ),
        .executableTarget(
            name: "KindredGANBench",
            dependencies: ["KindredGenerative"],
            path: "Benchmarks/KindredGANBench"
        ),
        // Fixtures/ holds reference numbers and the scripts that made them; tests read them by path.
        .testTarget(name: "KindredTensorTests", dependencies: ["KindredTensor"], exclude: ["Fixtures"]),
        .testTarget(name: "KindredNNTests", dependencies: ["KindredNN"], exclude: ["Fixtures"]),
        .testTarget(name: "KindredDataTests", dependencies: ["KindredData"]),
        .testTarget(name: "KindredMetricTests", dependencies: ["KindredMetric"], exclude: ["Fixtures"]),
        .testTarget(name: "KindredRetrievalTests", dependencies: ["KindredRetrieval", "CKindredTopK"], exclude: ["Fixtures"]),
        .testTarget(name: "KindredReportTests", dependencies: ["KindredReport"]),
        .testTarget(name: "KindredGenerativeTests", dependencies: ["KindredGenerative"], exclude: ["Fixtures"]),
        .testTarget(name: "KindredPipelineTests", dependencies: ["KindredPipeline"]),
    ],
    swiftLanguageModes: [.v5]
)
