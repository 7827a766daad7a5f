import XCTest
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor
@testable import KindredPipeline

/// Small splits of 8×8 images in [0, 1]: class c is a bright 3×3 square in quadrant c, on faint noise.
func pixelSplits(trainPerClass: Int = 16, testPerClass: Int = 4, size: Int = 8) -> (train: SplitData, test: SplitData) {
    var rng = RandomGenerator(seed: 5)
    func split(_ perClass: Int) -> SplitData {
        var pixels: [Float] = [], labels: [Int] = []
        for c in 0..<4 {
            for _ in 0..<perClass {
                let x0 = (c % 2) * (size / 2) + rng.nextInt(below: 2), y0 = (c / 2) * (size / 2) + rng.nextInt(below: 2)
                for y in 0..<size { for x in 0..<size {
                    let inside = x >= x0 && x < x0 + 3 && y >= y0 && y < y0 + 3
                    pixels.append(Float(min(1, max(0, (inside ? 0.9 : 0.1) + 0.05 * rng.nextNormal()))))
                } }
                labels.append(c)
            }
        }
        let images = Tensor(pixels, shape: [labels.count, 1, size, size])
        let plane = size * size
        return SplitData(images: images, labels: labels, isQuery: nil, isGallery: nil, classNames: (0..<4).map { "class \($0)" },
                         source: "synthetic", originalImage: { i in Image(width: size, height: size, channels: 1, pixels: Array(pixels[(i * plane)..<((i + 1) * plane)])) })
    }
    return (split(trainPerClass), split(testPerClass))
}

final class GenerativeRunTests: XCTestCase {
    var root: URL!

    override func setUp() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-generative-tests-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    func config(_ task: String, _ extra: String = "", overrides: [String] = []) throws -> GenerativeRunConfig {
        try GenerativeRunConfig(yaml: """
        task: \(task)
        name: tiny
        epochs: 2
        data: {dataset: folder, path: unused, image_size: 8}
        sampler: {batch_size: 16, steps_per_epoch: 3}
        model: {latent_size: 4, width: 4}
        eval: {grid_images: 4}
        \(extra)
        """, overrides: overrides)
    }

    func quiet(_ run: GenerativeRun) -> GenerativeRun {
        run.log = { _ in }
        run.interactive = false
        return run
    }

    func testConfigDefaultsAndResolvedYAML() throws {
        let c = try config("vae", "loss: {reconstruction: mse, beta: 0.5}")
        XCTAssertEqual(c.task, .vae)
        XCTAssertEqual(c.data.mean, 0)
        XCTAssertEqual(c.data.std, 1)
        XCTAssertEqual(c.batchSize, 16)
        let settings = try XCTUnwrap(c.settings as? AutoencoderSettings)
        XCTAssertEqual(settings.reconstruction, .mse)
        XCTAssertEqual(settings.beta, 0.5)
        let again = try GenerativeRunConfig(yaml: c.resolvedYAML)
        XCTAssertEqual(again.resolvedYAML, c.resolvedYAML)
        let d = try config("denoising_autoencoder", "corruption: {kind: salt_and_pepper, probability: 0.1}")
        XCTAssertEqual((d.settings as? AutoencoderSettings)?.corruption, Corruption(kind: .saltAndPepper(probability: 0.1)))
        XCTAssertEqual((try config("denoising_autoencoder").settings as? AutoencoderSettings)?.corruption, Corruption(kind: .gaussian(sigma: 0.3)))
    }

    func testConfigErrorsNameTheKey() {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try self.config("autoencoder", "", overrides: ["model.latent_sise=3"]) }
            .contains("config key 'model.latent_sise'"), "unknown key")
        XCTAssertTrue(message { try self.config("autoencoder", "", overrides: ["model.latent_sise=3"]) }.contains("did you mean 'latent_size'"))
        XCTAssertTrue(message { try self.config("autoencoder", "corruption: {kind: gaussian}") }.contains("only a denoising_autoencoder"))
        XCTAssertTrue(message { try self.config("autoencodr") }.contains("did you mean 'autoencoder'"))
        XCTAssertTrue(message { try self.config("denoising_autoencoder", "corruption: {kind: gaussian, sigmaa: 0.3}") }.contains("corruption.sigmaa"))
        XCTAssertTrue(message { try self.config("autoencoder", "loss: {beta: 2}") }.contains("loss.beta"), "beta is for the VAE only")
        XCTAssertTrue(message { try self.config("vae", "miner: {kind: batch_hard}") }.contains("config key 'miner'"))
        XCTAssertTrue(message { try GenerativeRunConfig(yaml: "name: x") }.contains("needs 'task'"))
        XCTAssertTrue(message { try self.config("autoencoder", "", overrides: ["data.image_size=10"]).settings }.contains("no error"))
    }

    func testTrainDispatchReadsTheTask() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let metric = root.appendingPathComponent("metric.yaml"), vae = root.appendingPathComponent("vae.yaml")
        try "name: m\nepochs: 1\n".write(to: metric, atomically: true, encoding: .utf8)
        try "task: vae\n".write(to: vae, atomically: true, encoding: .utf8)
        XCTAssertNil(try GenerativeRunConfig.task(ofConfigAt: metric))
        XCTAssertEqual(try GenerativeRunConfig.task(ofConfigAt: vae), .vae)
        XCTAssertEqual(try GenerativeRunConfig.task(ofConfigAt: metric, overrides: ["task=autoencoder"]), .autoencoder)
    }

    func testImageSizeMustFitTheModel() throws {
        let c = try config("autoencoder", "", overrides: ["data.image_size=10"])
        XCTAssertThrowsError(try GenerativeRun(config: c, directory: root, data: pixelSplits(size: 10))) { e in
            XCTAssertTrue("\(e)".contains("data.image_size"), "\(e)")
            XCTAssertTrue("\(e)".contains("multiple of 4"), "\(e)")
        }
    }

    /// Images of at least SSIM's 11×11 window add an `ssim` column to the autoencoder and VAE
    /// evaluations (a value in (−1, 1]); smaller images leave it out.
    func testSSIMIsMeasuredOnLargeEnoughImages() throws {
        for task in ["autoencoder", "vae"] {
            let dir = root.appendingPathComponent("ssim-" + task)
            let c = try config(task, "", overrides: ["data.image_size=12", "epochs=1"])
            let run = quiet(try GenerativeRun(config: c, directory: dir, data: pixelSplits(size: 12)))
            XCTAssertEqual(Array(run.metricNames.prefix(3)), ["mse", "psnr", "ssim"], task)
            let summary = try run.run()
            let ssim = try XCTUnwrap(summary.finalMetrics.first { $0.name == "ssim" }?.value)
            XCTAssertTrue(ssim > -1 && ssim <= 1, "\(task): ssim \(ssim)")
        }
        let small = quiet(try GenerativeRun(config: try config("autoencoder"), directory: root.appendingPathComponent("ssim-small"),
                                            data: pixelSplits()))
        XCTAssertFalse(small.metricNames.contains("ssim"))
    }

    func testEachTaskTrainsAndWritesItsRunFiles() throws {
        for task in ["autoencoder", "denoising_autoencoder", "vae"] {
            let dir = root.appendingPathComponent(task)
            let run = quiet(try GenerativeRun(config: try config(task), directory: dir, data: pixelSplits()))
            let summary = try run.run()
            XCTAssertEqual(summary.epochs, 2)
            XCTAssertEqual(summary.steps, 6)
            XCTAssertEqual(summary.finalMetrics.map(\.name), run.metricNames)
            XCTAssertTrue(summary.finalMetrics.allSatisfy { $0.value.isFinite })
            let files = run.files
            for url in [files.config, files.steps, files.epochs, files.metrics, files.report, files.lastCheckpoint, files.bestCheckpoint,
                        files.sampleGrid(epoch: 1), files.sampleGrid(epoch: 2)] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "\(task): \(url.lastPathComponent)")
            }
            let steps = try String(contentsOf: files.steps, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(steps.count, 7)
            XCTAssertEqual(steps[0], Substring("epoch,step," + run.lossNames.joined(separator: ",") + ",lr,images_per_second"))
            let records = GenerativeEpochRecord.read(from: files.epochs)
            XCTAssertEqual(records.map(\.samples), ["samples/epoch-001.png", "samples/epoch-002.png"])
            let grid = try Image(contentsOf: files.sampleGrid(epoch: 2))
            let rows = task == "vae" ? 4 : task == "denoising_autoencoder" ? 3 : 2
            XCTAssertEqual(grid.width, 4 * 10 + 2)
            XCTAssertEqual(grid.height, rows * 10 + 2)
            let html = try String(contentsOf: files.report, encoding: .utf8)
            XCTAssertTrue(html.contains("epoch 1") && html.contains("epoch 2"), "report shows the grids in sequence")
            let meta = try SafetensorsFile(contentsOf: files.lastCheckpoint).metadata
            XCTAssertEqual(meta["task"], task)
        }
    }

    func testResumedRunEqualsUninterruptedRun() throws {
        let data = pixelSplits()
        let straight = quiet(try GenerativeRun(config: try config("vae"), directory: root.appendingPathComponent("a"), data: data))
        try straight.run()
        let first = quiet(try GenerativeRun(config: try config("vae"), directory: root.appendingPathComponent("b"), data: data))
        first.stopAfterEpochs = 1
        try first.run()
        let resumed = quiet(try GenerativeRun.resuming(directory: root.appendingPathComponent("b"), data: data))
        try resumed.run()
        let a = straight.task.modules[0].module.stateDict(), b = resumed.task.modules[0].module.stateDict()
        XCTAssertEqual(a.map(\.0), b.map(\.0))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.1.scalars, y.1.scalars, x.0) }
        XCTAssertEqual(GenerativeEpochRecord.read(from: resumed.files.epochs).count, 2)
    }

    func testCheckpointOfAnotherTaskIsAClearError() throws {
        let dir = root.appendingPathComponent("ae")
        try quiet(try GenerativeRun(config: try config("autoencoder"), directory: dir, data: pixelSplits())).run()
        let files = RunFiles(directory: dir)
        let vae = VariationalAutoencoder(AutoencoderArchitecture(channels: 1, imageSize: 8, latentSize: 4, width: 4))
        XCTAssertThrowsError(try GenerativeCheckpoint.read(from: files.lastCheckpoint, task: .vae, modules: [("model", vae)], optimizers: [])) { e in
            XCTAssertTrue("\(e)".contains("is a checkpoint of a 'autoencoder' run, not of a vae run"), "\(e)")
        }
        // A metric-learning checkpoint.
        let metric = root.appendingPathComponent("metric.safetensors")
        try Safetensors.write([("model.w", Tensor.zeros([1]))], metadata: [Checkpoint.formatKey: "1"], to: metric)
        XCTAssertThrowsError(try GenerativeCheckpoint.open(metric, expecting: [.autoencoder])) { e in
            XCTAssertTrue("\(e)".contains("metric-learning run"), "\(e)")
        }
        // `kindred generate` on a metric-learning run directory.
        let metricRun = root.appendingPathComponent("metric-run")
        try FileManager.default.createDirectory(at: metricRun, withIntermediateDirectories: true)
        try "name: m\n".write(to: metricRun.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainedAutoencoder(run: RunFiles(directory: metricRun))) { e in
            XCTAssertTrue("\(e)".contains("is a metric-learning run"), "\(e)")
        }
    }

    func testGenerateHelpersOnATinyTrainedModel() throws {
        let data = pixelSplits()
        let vaeDir = root.appendingPathComponent("vae"), aeDir = root.appendingPathComponent("ae")
        try quiet(try GenerativeRun(config: try config("vae"), directory: vaeDir, data: data)).run()
        try quiet(try GenerativeRun(config: try config("denoising_autoencoder"), directory: aeDir, data: data)).run()
        let vae = try TrainedAutoencoder(run: RunFiles(directory: vaeDir))
        vae.cachedTest = data.test
        XCTAssertTrue(vae.isVariational)
        let images = try vae.testImages([0, 4, 8])
        let rec = try vae.reconstructionGrid(images)
        XCTAssertEqual([rec.image.width, rec.image.height], [3 * 10 + 2, 2 * 10 + 2])
        XCTAssertEqual(rec.measurements.map(\.name), ["mse", "psnr"])
        let line = try vae.interpolationGrid(from: try vae.testImages([0, 1]), to: try vae.testImages([8, 9]), steps: 5)
        XCTAssertEqual([line.image.width, line.image.height], [5 * 10 + 2, 2 * 10 + 2])
        let arithmetic = try vae.arithmeticGrid(group: try vae.testImages(try vae.testIndices(ofClass: 1, limit: 4)),
                                                minus: try vae.testImages(try vae.testIndices(ofClass: 0, limit: 4)),
                                                targets: try vae.testImages([2, 3]), strengths: [0.5, 1])
        XCTAssertEqual([arithmetic.image.width, arithmetic.image.height], [2 * 10 + 2, 4 * 10 + 2])
        let samples = try vae.priorSampleGrid(count: 10, columns: 4, seed: 1)
        XCTAssertEqual([samples.image.width, samples.image.height], [4 * 10 + 2, 3 * 10 + 2])
        XCTAssertThrowsError(try vae.testImages([99])) { e in XCTAssertTrue("\(e)".contains("outside the evaluation split"), "\(e)") }
        XCTAssertThrowsError(try vae.testIndices(ofClass: 7, limit: 3)) { e in XCTAssertTrue("\(e)".contains("no images of class 7"), "\(e)") }

        let dae = try TrainedAutoencoder(run: RunFiles(directory: aeDir))
        dae.cachedTest = data.test
        XCTAssertThrowsError(try dae.priorSampleGrid(count: 4, columns: 2, seed: 0)) { e in XCTAssertTrue("\(e)".contains("need a VAE run"), "\(e)") }
        let (clean, noisy) = try dae.corruptedTestImages([0, 1, 2, 3])
        let denoised = try dae.denoiseGrid(noisy: noisy, clean: clean)
        XCTAssertEqual([denoised.image.width, denoised.image.height], [4 * 10 + 2, 3 * 10 + 2])
        XCTAssertEqual(denoised.measurements.map(\.name), ["noisy_psnr", "denoised_psnr", "psnr_gain"])

        // Image files: the model's size is read; another size is a clear error unless resized.
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let good = root.appendingPathComponent("good.png"), big = root.appendingPathComponent("big.png")
        try Image(width: 8, height: 8, channels: 1, filledWith: 0.5).write(to: good)
        try Image(width: 12, height: 10, channels: 3, filledWith: 0.5).write(to: big)
        XCTAssertEqual(try dae.images(files: [good]).shape, [1, 1, 8, 8])
        XCTAssertThrowsError(try dae.images(files: [good, big])) { e in
            XCTAssertTrue("\(e)".contains("big.png: the image is 12×10, but the model of this run takes 8×8 images"), "\(e)")
        }
        XCTAssertEqual(try dae.images(files: [big], resize: true).shape, [1, 1, 8, 8])
        XCTAssertThrowsError(try dae.reconstructionGrid(Tensor.zeros([1, 1, 28, 28]))) { e in
            XCTAssertTrue("\(e)".contains("the model takes [N, 1, 8, 8]"), "\(e)")
        }
    }
}
