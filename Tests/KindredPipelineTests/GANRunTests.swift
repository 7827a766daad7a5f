import XCTest
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor
@testable import KindredPipeline

/// The GAN tasks (dcgan, super_resolution, cyclegan) as generative runs on tiny 28×28 data:
/// run files and grids, config errors, reopening runs for `kindred generate`, wrong tasks and sizes.
final class GANRunTests: XCTestCase {
    var root: URL!

    override func setUp() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-gan-tests-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    func config(_ task: String, _ extra: String) throws -> GenerativeRunConfig {
        try GenerativeRunConfig(yaml: """
        task: \(task)
        name: tiny-\(task)
        epochs: 2
        data: {dataset: folder, path: unused, image_size: 28}
        sampler: {batch_size: 8, steps_per_epoch: 2}
        optimizer: {kind: adam, lr: 0.0002}
        eval: {grid_images: 4}
        \(extra)
        """)
    }

    let extras = [
        "dcgan": "model: {latent_size: 8, generator_features: 4, discriminator_features: 4}",
        "super_resolution": "model: {generator_features: 4, discriminator_features: 4}",
        "cyclegan": "model: {generator_features: 4, discriminator_features: 4, residual_blocks: 1}\ngan: {domain_a: 0, domain_b: 1}",
    ]

    let data = pixelSplits(trainPerClass: 8, testPerClass: 4, size: 28)

    func train(_ task: String) throws -> GenerativeRun {
        let run = try GenerativeRun(config: try config(task, extras[task] ?? ""), directory: root.appendingPathComponent(task), data: data)
        run.log = { _ in }
        run.interactive = false
        try run.run()
        return run
    }

    func testEachGANTaskTrainsAndWritesGrids() throws {
        let rows = ["dcgan": 4, "super_resolution": 4, "cyclegan": 4]
        for task in ["dcgan", "super_resolution", "cyclegan"] {
            let run = try train(task)
            let records = GenerativeEpochRecord.read(from: run.files.epochs)
            XCTAssertEqual(records.map(\.samples), ["samples/epoch-001.png", "samples/epoch-002.png"], task)
            XCTAssertTrue(records.allSatisfy { $0.metrics.count == run.metricNames.count && $0.metrics.allSatisfy { $0.value.isFinite } }, task)
            let grid = try Image(contentsOf: run.files.sampleGrid(epoch: 2))
            XCTAssertEqual(grid.width, 4 * 30 + 2, task)
            XCTAssertEqual(grid.height, (rows[task] ?? 0) * 30 + 2, task)
            XCTAssertEqual(try SafetensorsFile(contentsOf: run.files.lastCheckpoint).metadata["task"], task)
        }
    }

    func testSuperResolutionStartsAtTheBicubicBaselineAndReportsTheGain() throws {
        let run = try train("super_resolution")
        let m = GenerativeEpochRecord.read(from: run.files.epochs).last?.metrics ?? []
        let value = { (name: String) in m.first { $0.name == name }?.value ?? .nan }
        XCTAssertEqual(value("psnr_gain"), value("psnr") - value("bicubic_psnr"), accuracy: 1e-9)
        XCTAssertGreaterThan(value("bicubic_psnr"), 10)
    }

    func testConfigErrorsNameTheKey() {
        func message(_ task: String, _ extra: String) -> String {
            do { _ = try config(task, extra); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("dcgan", "gan: {l1_weight: 10}").contains("gan.l1_weight"))
        XCTAssertTrue(message("dcgan", "gan: {generator_loss: wasserstein}").contains("non_saturating"))
        XCTAssertTrue(message("cyclegan", "gan: {domain_a: 3, domain_b: 3}").contains("gan.domain_b"))
        XCTAssertTrue(message("dcgan", "gan: {label_smoothing: 1.5}").contains("gan.label_smoothing"))
        let small = try? GenerativeRunConfig(yaml: "task: dcgan\nsampler: {batch_size: 8}\ndata: {dataset: folder, path: unused, image_size: 8}\n")
        XCTAssertThrowsError(try GenerativeRun(config: try XCTUnwrap(small), directory: root.appendingPathComponent("s"),
                                               data: pixelSplits(size: 8))) { e in
            XCTAssertTrue("\(e)".contains("data.image_size") && "\(e)".contains("28×28"), "\(e)")
        }
        let missing = try? config("cyclegan", "gan: {domain_a: 0, domain_b: 9}")
        XCTAssertThrowsError(try GenerativeRun(config: try XCTUnwrap(missing), directory: root.appendingPathComponent("c"),
                                               data: pixelSplits(size: 28))) { e in
            XCTAssertTrue("\(e)".contains("gan.domain_b") && "\(e)".contains("class 9"), "\(e)")
        }
    }

    func testGenerateOnGANRunsAndClearErrors() throws {
        let sr = try train("super_resolution")
        let trained = try TrainedGAN(run: sr.files)
        trained.cachedTest = data.test
        let real = try trained.testImages([0, 1, 2])
        let grid = try trained.superResolveGrid(low: try Resampling.areaDownsample(real, factor: 2), real: real)
        XCTAssertEqual(grid.rows.count, 4)
        XCTAssertEqual(grid.measurements.map(\.name), ["psnr", "ssim", "bicubic_psnr", "bicubic_ssim"])
        // Images of the wrong size for the model.
        XCTAssertThrowsError(try trained.superResolveGrid(low: real, real: nil)) { e in
            XCTAssertTrue("\(e)".contains("low-resolution images has shape [3, 1, 28, 28]; expected [N, 1, 14, 14]"), "\(e)")
        }
        // An action of another task.
        XCTAssertThrowsError(try trained.translateGrid(real, aToB: true)) { e in
            XCTAssertTrue("\(e)".contains("needs a cyclegan run; this is a super_resolution run"), "\(e)")
        }
        // A checkpoint of another task.
        XCTAssertThrowsError(try GenerativeCheckpoint.open(sr.files.lastCheckpoint, expecting: [.dcgan])) { e in
            XCTAssertTrue("\(e)".contains("is a checkpoint of a 'super_resolution' run, not of a dcgan run"), "\(e)")
        }
        // A GAN run opened as an autoencoder, and the other way round.
        XCTAssertThrowsError(try TrainedAutoencoder(run: sr.files)) { e in
            XCTAssertTrue("\(e)".contains("is a super_resolution run"), "\(e)")
        }
        let dcgan = try train("dcgan")
        let samples = try TrainedGAN(run: dcgan.files).sampleGrid(count: 6, columns: 3, seed: 1)
        XCTAssertEqual(samples.image.width, 3 * 30 + 2)
        XCTAssertEqual(samples.image.height, 2 * 30 + 2)
        let cycle = try train("cyclegan")
        let cycleGAN = try TrainedGAN(run: cycle.files)
        cycleGAN.cachedTest = data.test
        let translated = try cycleGAN.translateGrid(try cycleGAN.testImages([4, 5]), aToB: false)
        XCTAssertEqual(translated.rows.count, 2)
    }
}

extension GANRunTests {
    func testMissingEmbeddingRunIsAClearError() throws {
        let c = try config("dcgan", (extras["dcgan"] ?? "") + "\nmetrics: {embedding_run: \(root.path)/no-such-run, samples: 10}")
        XCTAssertThrowsError(try GenerativeRun(config: c, directory: root.appendingPathComponent("d"), data: data)) { e in
            XCTAssertTrue("\(e)".contains("metrics.embedding_run") && "\(e)".contains("no-such-run"), "\(e)")
        }
    }
}
