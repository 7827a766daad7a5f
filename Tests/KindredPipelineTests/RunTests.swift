import XCTest
import KindredData
import KindredNN
import KindredTensor
@testable import KindredPipeline

/// Small synthetic splits: class `c` is a bright 6×6 square at a class-specific place on noise.
func syntheticSplits(trainPerClass: Int = 24, testPerClass: Int = 10, classes: Int = 4, size: Int = 16,
                     poison: Bool = false) -> (train: SplitData, test: SplitData) {
    var rng = RandomGenerator(seed: 7)
    func split(_ perClass: Int) -> SplitData {
        var pixels: [Float] = [], labels: [Int] = []
        for c in 0..<classes {
            for _ in 0..<perClass {
                let x0 = (c % 2) * (size / 2) + rng.nextInt(below: 3), y0 = (c / 2) * (size / 2) + rng.nextInt(below: 3)
                for y in 0..<size { for x in 0..<size {
                    let inside = x >= x0 && x < x0 + 6 && y >= y0 && y < y0 + 6
                    pixels.append(Float((inside ? 1.5 : -0.5) + 0.3 * rng.nextNormal()))
                } }
                labels.append(c)
            }
        }
        if poison { pixels = pixels.map { _ in .nan } }
        let images = Tensor(pixels, shape: [labels.count, 1, size, size])
        return SplitData(images: images, labels: labels, isQuery: nil, isGallery: nil,
                         classNames: (0..<classes).map { "class \($0)" }, source: "synthetic",
                         originalImage: { i in Image(width: size, height: size, channels: 1, pixels: Array(pixels[(i * size * size)..<((i + 1) * size * size)]).map { ($0 + 1) / 3 }) })
    }
    let train = split(trainPerClass)
    return (train, poison ? syntheticSplits(trainPerClass: trainPerClass, testPerClass: testPerClass, classes: classes, size: size).test : split(testPerClass))
}

final class RunTests: XCTestCase {
    var root: URL!

    override func setUp() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-run-tests-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    /// The tiny run, with `key=value` overrides.
    func config(_ overrides: String...) throws -> RunConfig {
        try RunConfig(yaml: """
        name: tiny
        epochs: 2
        model: {kind: reference_cnn, embedding_size: 16}
        data: {dataset: fashion_mnist}
        sampler: {kind: pk, classes_per_batch: 4, samples_per_class: 6, steps_per_epoch: 3}
        loss: {kind: triplet_margin, margin: 0.2}
        miner: {kind: triplet_margin, margin: 0.2, type: all}
        eval: {metrics: [precision@1, map@r, map@5], bootstrap: 20}
        """, overrides: overrides)
    }

    func quiet(_ run: TrainingRun) -> TrainingRun {
        run.log = { _ in }
        run.interactive = false
        return run
    }

    func testRunDirectoryHasTheExpectedFiles() throws {
        let dir = root.appendingPathComponent("a")
        let run = quiet(try TrainingRun(config: try config(), directory: dir, data: syntheticSplits()))
        let summary = try run.run()
        XCTAssertEqual(summary.epochs, 2)
        XCTAssertEqual(summary.steps, 6)
        XCTAssertEqual(summary.finalMetrics.map(\.name), ["precision@1", "map@r", "map@5"])
        for file in [run.files.config, run.files.steps, run.files.epochs, run.files.metrics, run.files.lastCheckpoint,
                     run.files.bestCheckpoint, run.files.embeddings] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), file.lastPathComponent)
        }
        let steps = try String(contentsOf: run.files.steps, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(steps.count, 7)  // header + 6 steps
        XCTAssertEqual(EpochRecord.read(from: run.files.epochs).map(\.epoch), [1, 2])
        // The written config reads back to the run's config.
        XCTAssertEqual(try RunConfig(contentsOf: run.files.config), run.config)
        // A second run into the same directory is refused (nothing is overwritten).
        let again = quiet(try TrainingRun(config: try config(), directory: dir, data: syntheticSplits()))
        XCTAssertThrowsError(try again.run()) { XCTAssertTrue("\($0)".contains("--resume")) }
    }

    func testResumeEqualsUninterruptedRun() throws {
        let full = quiet(try TrainingRun(config: try config("optimizer={kind: adam, lr: 0.003}", "data.transforms={horizontal_flip: 0.5, random_crop_padding: 2, gaussian_noise: 0.1}"), directory: root.appendingPathComponent("full"), data: syntheticSplits()))
        try full.run()
        let partDir = root.appendingPathComponent("part")
        let part = quiet(try TrainingRun(config: try config("optimizer={kind: adam, lr: 0.003}", "data.transforms={horizontal_flip: 0.5, random_crop_padding: 2, gaussian_noise: 0.1}"), directory: partDir, data: syntheticSplits()))
        part.stopAfterEpochs = 1
        try part.run()
        XCTAssertEqual(EpochRecord.read(from: part.files.epochs).count, 1)
        // Simulate a kill in the middle of epoch 2: a stray log line after the checkpoint.
        try RunFiles.append("2,5,0.5,10,0.003,100\n", to: part.files.steps)
        let resumed = quiet(try TrainingRun.resuming(directory: partDir, data: syntheticSplits()))
        try resumed.run()
        let a = full.model.stateDict(), b = resumed.model.stateDict()
        XCTAssertEqual(a.map(\.0), b.map(\.0))
        for ((name, x), (_, y)) in zip(a, b) { XCTAssertEqual(x.doubles, y.doubles, name) }
        XCTAssertEqual(try String(contentsOf: full.files.steps, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(4) },
                       try String(contentsOf: resumed.files.steps, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(4) })
        XCTAssertEqual(EpochRecord.read(from: full.files.epochs).map(\.metrics), EpochRecord.read(from: resumed.files.epochs).map(\.metrics))
    }

    func testResumeWithClassWeightsAndSchedule() throws {
        let cfgText = try config("loss={kind: arcface, margin: 28.6, scale: 16}", "sampler={kind: shuffle, batch_size: 16, steps_per_epoch: 3}",
                                 "miner={kind: none}", "schedule={kind: cosine, warmup_steps: 2}", "optimizer={kind: adamw, lr: 0.002, loss_lr: 0.01}")
        let full = quiet(try TrainingRun(config: cfgText, directory: root.appendingPathComponent("f"), data: syntheticSplits()))
        try full.run()
        let part = quiet(try TrainingRun(config: cfgText, directory: root.appendingPathComponent("p"), data: syntheticSplits()))
        part.stopAfterEpochs = 1
        try part.run()
        let resumed = quiet(try TrainingRun.resuming(directory: part.files.directory, data: syntheticSplits()))
        try resumed.run()
        for ((name, x), (_, y)) in zip(full.objective.stateDict() + full.model.stateDict(), resumed.objective.stateDict() + resumed.model.stateDict()) {
            XCTAssertEqual(x.doubles, y.doubles, name)
        }
    }

    func testEvaluationOfTheSavedEmbeddingsEqualsTheRunsEvaluation() throws {
        let run = quiet(try TrainingRun(config: try config(), directory: root.appendingPathComponent("e"), data: syntheticSplits()))
        let summary = try run.run()
        let file = try EmbeddingsFile.read(run.files.embeddings)
        let outcome = try Evaluator.evaluate(embeddings: file.embeddings, labels: file.labels, config: run.config.evaluation, seed: run.config.seed)
        XCTAssertEqual(zip(outcome.names, outcome.summaries).map { MetricRecord(name: $0.0, summary: $0.1) }, summary.finalMetrics)
        // The NumPy copies hold the same numbers.
        let npy = try EmbeddingsFile.read(run.files.embeddings.deletingPathExtension().appendingPathExtension("npy"),
                                          labels: run.files.directory.appendingPathComponent("embeddings-labels.npy").path)
        XCTAssertEqual(npy.embeddings.doubles, file.embeddings.doubles)
        XCTAssertEqual(npy.labels, file.labels)
        // Reopening the best checkpoint gives the model's embeddings again.
        let trained = try TrainedModel(run: run.files, checkpoint: run.files.lastCheckpoint)
        XCTAssertEqual(trained.embed(run.test.images).doubles, file.embeddings.doubles)
    }

    func testAugmentation() throws {
        let x = Tensor((0..<18).map(Float.init), shape: [1, 2, 3, 3])
        var flip = AugmentationConfig()
        flip.horizontalFlip = 1
        XCTAssertEqual(flip.apply(to: x, fill: -1).scalars, [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 17, 16, 15])
        XCTAssertEqual(AugmentationConfig().apply(to: x, fill: -1).scalars, x.scalars)
        var shift = AugmentationConfig()
        shift.randomCropPadding = 1
        GlobalRandom.seed(3)
        let shifted = shift.apply(to: x, fill: -1).scalars
        // Every output pixel is the fill value or a pixel of the same channel.
        for (i, v) in shifted.enumerated() { XCTAssertTrue(v == -1 || Int(v) / 9 == i / 9, "\(i): \(v)") }
    }

    func testNonFiniteLossStopsWithTheStep() throws {
        let run = quiet(try TrainingRun(config: try config("miner={kind: none}", "loss={kind: arcface}", "sampler={kind: shuffle, batch_size: 16}"),
                                        directory: root.appendingPathComponent("n"),
                                        data: syntheticSplits(poison: true)))
        XCTAssertThrowsError(try run.run()) { error in
            XCTAssertTrue("\(error)".contains("at step 1"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.files.lastCheckpoint.path))
    }

    func testResumeErrors() throws {
        XCTAssertThrowsError(try TrainingRun.resuming(directory: root.appendingPathComponent("missing"))) {
            XCTAssertTrue("\($0)".contains("no config.yaml"), "\($0)")
        }
        let bad = try config("sampler={kind: pk, classes_per_batch: 9, samples_per_class: 2}")
        XCTAssertThrowsError(try TrainingRun(config: bad, directory: root, data: syntheticSplits())) {
            XCTAssertTrue("\($0)".contains("only 4 classes"), "\($0)")
        }
    }
}

final class FashionMNISTRunTests: XCTestCase {
    /// The real data path end to end on a slice (scripts/test installs Fashion-MNIST first).
    func testRecipeOnASliceWritesTheWholeRunDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-fmnist-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples").standardized
        let config = try RunConfig(contentsOf: examples.appendingPathComponent("fashion-mnist-openset.yaml"),
                                   overrides: ["epochs=1", "data.train_limit=400", "data.test_limit=200", "sampler.steps_per_epoch=3",
                                               "eval.bootstrap=10"])
        let run = try TrainingRun(config: config, directory: dir)
        run.log = { _ in }
        run.interactive = false
        XCTAssertEqual(Set(run.train.labels), [0, 1, 2, 3, 4])
        XCTAssertEqual(Set(run.test.labels), [5, 6, 7, 8, 9])
        XCTAssertEqual(run.train.count, 400)
        let summary = try run.run()
        XCTAssertEqual(summary.finalMetrics.count, config.evaluation.metrics.count)
        XCTAssertTrue(summary.finalMetrics.allSatisfy { $0.queries == 200 && $0.value > 0 && $0.value <= 1 })
        let html = try String(contentsOf: run.files.report, encoding: .utf8)
        for part in ["Retrieval metrics", "Worst queries", "Training loss", "principal components", "map@r"] {
            XCTAssertTrue(html.contains(part), part)
        }
    }
}
