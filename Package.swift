// swift-tools-version: 6.1
import PackageDescription

// Kindred: deep metric learning in Swift.
// Layers import only downward: KindredTensor ← KindredNN ← (KindredData, KindredMetric) ← kindred.
let package = Package(
    name: "Kindred",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "KindredTensor", targets: ["KindredTensor"]),
        .library(name: "KindredNN", targets: ["KindredNN"]),
        .executable(name: "kindred", targets: ["kindred"]),
        .executable(name: "kindred-bench", targets: ["KindredBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
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
        .target(
            name: "KindredTensor",
            dependencies: [
                "CKindredBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .target(name: "KindredNN", dependencies: ["KindredTensor"]),
        .executableTarget(
            name: "kindred",
            dependencies: [
                "KindredNN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "KindredBench",
            dependencies: ["KindredNN"],
            path: "Benchmarks/KindredBench"
        ),
        // Fixtures/ holds the PyTorch reference JSON files and their generator; tests read them by path.
        .testTarget(name: "KindredTensorTests", dependencies: ["KindredTensor"], exclude: ["Fixtures"]),
        .testTarget(name: "KindredNNTests", dependencies: ["KindredNN"]),
    ],
    swiftLanguageModes: [.v5]
)
