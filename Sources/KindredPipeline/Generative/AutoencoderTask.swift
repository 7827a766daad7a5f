import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// The `autoencoder` and `denoising_autoencoder` tasks: a ``ConvAutoencoder`` trained to
/// reconstruct its input, or — denoising — the clean image from a corrupted copy.
///
/// Loss: the configured reconstruction loss (mean per pixel). Evaluation on the test split: `mse`,
/// `psnr` (mean per-image PSNR, dB) and `ssim` (mean per-image SSIM, 11×11 Gaussian window; NaN for
/// left out for images smaller than that) of the reconstruction against the clean image; a denoising
/// autoencoder also reports `noisy_psnr` (the corrupted input against the clean image, the same
/// seeded noise every epoch) and `psnr_gain` = psnr − noisy_psnr. The sample grid shows test
/// images, (their corrupted copies,) and the reconstructions.
final class AutoencoderTask: GenerativeTrainingTask {
    static let kinds: [GenerativeTask] = [.autoencoder, .denoisingAutoencoder]

    static func readSettings(_ root: ConfigReader, task: GenerativeTask) throws -> any GenerativeTaskSettings {
        try AutoencoderSettings(root, task: task)
    }

    let context: GenerativeTaskContext
    let settings: AutoencoderSettings
    let model: ConvAutoencoder
    let optimizer: Optimizer
    var denoising: Bool { settings.corruption != nil }

    init(context: GenerativeTaskContext) throws {
        self.context = context
        settings = try context.settings(as: AutoencoderSettings.self)
        let architecture = settings.architecture(context.config.data)
        do { try architecture.validate() } catch let e as GenerativeModelError {
            throw ConfigError(path: "data.image_size", message: e.message)
        }
        model = ConvAutoencoder(architecture)
        optimizer = context.makeOptimizer(model.parameters())
    }

    var lossNames: [String] { [settings.reconstruction.rawValue] }
    var metricNames: [String] {
        let quality = measuresSSIM ? ["mse", "psnr", "ssim"] : ["mse", "psnr"]
        return denoising ? quality + ["noisy_psnr", "psnr_gain"] : quality
    }
    /// SSIM needs images of at least its 11×11 window.
    var measuresSSIM: Bool { context.config.data.imageSize >= ImageQuality.ssimWindowSize }
    var bestMetric: (name: String, higherIsBetter: Bool) { denoising ? ("psnr", true) : ("mse", false) }
    var modules: [(name: String, module: Module)] { [("model", model)] }
    var optimizers: [(name: String, optimizer: Optimizer)] { [("model", optimizer)] }

    var facts: [(key: String, value: String)] {
        let a = model.architecture
        var f = [(key: "Model", value: "convolutional autoencoder \(a.channels)×\(a.imageSize)×\(a.imageSize) → latent \(a.latentSize) (width \(a.width)), \(model.parameterCount) parameters"),
                 (key: "Loss", value: "\(settings.reconstruction.rawValue) reconstruction (mean per pixel)")]
        if let c = settings.corruption { f.append((key: "Corruption", value: c.summary)) }
        return f
    }

    var sampleGridCaption: String {
        denoising ? "Rows: clean test images, their corrupted copies (the model's input), the denoised outputs."
            : "Rows: test images, their reconstructions."
    }

    /// The model's input for clean pixels `x`: corrupted with draws from ``GlobalRandom`` when denoising.
    func input(for x: Tensor) -> Tensor {
        guard let corruption = settings.corruption else { return x }
        return GlobalRandom.withGenerator { corruption.apply(to: x, generator: &$0) }
    }

    func trainStep(_ step: Int) throws -> [Double] {
        let x = context.pixels(context.train, context.batchIndices(atStep: step))
        let logits = model(input(for: x))
        let loss = settings.reconstruction.mean(logits: logits, target: x)
        optimizer.zeroGrad()
        loss.backward()
        context.clipGradients(optimizer)
        optimizer.step()
        return [loss.item()]
    }

    /// Corrupted copies of evaluation images, the same every epoch (a generator seeded by the run's seed and the first index).
    func evaluationInput(_ x: Tensor, first: Int) -> Tensor {
        guard let corruption = settings.corruption else { return x }
        var rng = RandomGenerator(seed: context.config.seed &+ 0xE7A1 &+ UInt64(first))
        return corruption.apply(to: x, generator: &rng)
    }

    func evaluate() throws -> [Double] {
        var tally = ReconstructionTally(), noisy = ReconstructionTally()
        let test = context.test
        for r in batchRanges(count: test.count, size: context.config.evaluationBatchSize) {
            let x = context.pixels(test, Array(r))
            let input = evaluationInput(x, first: r.lowerBound)
            let y = withoutGradients { model.decode(model.encode(input)) }
            try tally.add(y, target: x, structural: measuresSSIM)
            if denoising { try noisy.add(input, target: x) }
        }
        let quality = [tally.meanSquaredError, tally.meanPSNR] + (measuresSSIM ? [tally.meanSSIM] : [])
        return denoising ? quality + [noisy.meanPSNR, tally.meanPSNR - noisy.meanPSNR] : quality
    }

    func sampleGrid(epoch: Int) throws -> Image {
        let indices = spreadIndices(count: context.config.gridImages, total: context.test.count)
        let x = context.pixels(context.test, indices)
        var rng = RandomGenerator(seed: context.config.seed &+ 0x5A3D)
        let input = settings.corruption.map { $0.apply(to: x, generator: &rng) } ?? x
        let y = withoutGradients { model.decode(model.encode(input)) }
        return try SampleGrid().render(rows: denoising ? [x, input, y] : [x, y])
    }
}
