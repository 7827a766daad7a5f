import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// The `super_resolution` task: pix2pix-style 2× super-resolution of 28×28 images.
///
/// Each real image `y` (pixels mapped to `[-1, 1]`) is area-downsampled to 14×14 and upsampled
/// back by bicubic interpolation to give the generator's input `x`
/// (``Resampling/areaDownsample(_:factor:)``, ``Resampling/bicubic(_:scale:)``); a
/// ``UNetGenerator`` learns `x → y` against a ``PatchDiscriminator`` on (x, candidate) pairs, with
/// adversarial + λ·L1 loss (``SuperResolutionTrainer``).
///
/// Evaluation on the test split (`eval.limit` images spread over it): `psnr` and `ssim` of the outputs (clamped to
/// `[0, 1]`) against the real images, the same for the bicubic baseline (also clamped), and the
/// gain `psnr_gain = psnr − bicubic_psnr` in dB (``ImageQuality``). The best checkpoint has the
/// highest PSNR. The sample grid rows: low-resolution inputs (shown enlarged by pixel repetition),
/// bicubic, the generator's output, the real image.
final class SuperResolutionTask: GenerativeTrainingTask {
    static let kinds: [GenerativeTask] = [.superResolution]

    static func readSettings(_ root: ConfigReader, task: GenerativeTask) throws -> any GenerativeTaskSettings {
        try GANSettings(root, task: task)
    }

    let context: GenerativeTaskContext
    let settings: GANSettings
    let trainer: SuperResolutionTrainer

    init(context: GenerativeTaskContext) throws {
        self.context = context
        settings = try context.settings(as: GANSettings.self)
        try settings.checkRun(context.config)
        let channels = context.config.data.channels
        trainer = SuperResolutionTrainer(
            generator: UNetGenerator(features: settings.generatorFeatures, channels: channels),
            discriminator: PatchDiscriminator(inputChannels: 2 * channels, features: settings.discriminatorFeatures),
            learningRate: context.config.optimizer.learningRate, betas: settings.betas,
            l1Weight: settings.l1Weight, objective: settings.adversarial)
    }

    var lossNames: [String] { ["loss_g", "l1", "adversarial", "loss_d"] }
    var metricNames: [String] { ["psnr", "ssim", "bicubic_psnr", "bicubic_ssim", "psnr_gain"] }
    var bestMetric: (name: String, higherIsBetter: Bool) { ("psnr", true) }
    var modules: [(name: String, module: Module)] { [("generator", trainer.generator), ("discriminator", trainer.discriminator)] }
    var optimizers: [(name: String, optimizer: Optimizer)] {
        [("generator", trainer.generatorOptimizer), ("discriminator", trainer.discriminatorOptimizer)]
    }

    var facts: [(key: String, value: String)] {
        [(key: "Model", value: "pix2pix U-Net on bicubic-upsampled 14×14 inputs (\(trainer.generator.parameterCount) parameters), PatchGAN on (input, output) pairs (\(trainer.discriminator.parameterCount) parameters)"),
         (key: "Loss", value: "\(settings.adversarial.rawValue) adversarial + \(settings.l1Weight) × L1; Adam betas (\(settings.betas.0), \(settings.betas.1))")]
    }

    var sampleGridCaption: String {
        "Rows: 14×14 inputs (enlarged), bicubic upsampling, the generator's 28×28 output, the real image (the same test images every epoch)."
    }

    /// Real pixels → (bicubic-upsampled low-resolution input, target), both in [-1, 1], and the 14×14 input.
    static func pair(_ pixels: Tensor) throws -> (input: Tensor, target: Tensor, low: Tensor) {
        let low = try Resampling.areaDownsample(pixels, factor: 2)
        let up = try Resampling.bicubic(low, scale: 2)
        return (up * 2 - 1, pixels * 2 - 1, low)
    }

    func trainStep(_ step: Int) throws -> [Double] {
        let (x, y, _) = try Self.pair(context.pixels(context.train, context.batchIndices(atStep: step)))
        let l = try trainer.step(upsampled: x, target: y)
        return [l.generator, l.l1, l.adversarial, l.discriminator]
    }

    /// The generator's output for pixels in [0, 1], as pixels in [0, 1].
    func superResolve(_ pixels: Tensor) throws -> (output: Tensor, bicubic: Tensor, low: Tensor) {
        let (x, _, low) = try Self.pair(pixels)
        let out = withoutGradients { trainer.generator(x) }
        return (DCGANTask.toPixels(out), DCGANTask.toPixels(x), low)
    }

    func evaluate() throws -> [Double] {
        let total = context.test.count
        var psnr = 0.0, ssim = 0.0, bp = 0.0, bs = 0.0
        for r in batchRanges(count: total, size: context.config.evaluationBatchSize) {
            let real = context.pixels(context.test, Array(r))
            let (out, bicubic, _) = try superResolve(real)
            let model = try ImageQuality.compare(out, reference: real), base = try ImageQuality.compare(bicubic, reference: real)
            psnr += model.psnr.reduce(0) { $0 + Swift.min($1, 100) }
            ssim += model.ssim.reduce(0, +)
            bp += base.psnr.reduce(0) { $0 + Swift.min($1, 100) }
            bs += base.ssim.reduce(0, +)
        }
        let n = Double(Swift.max(total, 1))
        return [psnr / n, ssim / n, bp / n, bs / n, (psnr - bp) / n]
    }

    func sampleGrid(epoch: Int) throws -> Image {
        let real = context.pixels(context.test, spreadIndices(count: context.config.gridImages, total: context.test.count))
        let (out, bicubic, low) = try superResolve(real)
        // Nearest-neighbour enlargement of the 14×14 inputs so that every cell is 28×28.
        let s = low.shape
        let enlarged = low.reshaped([s[0], s[1], s[2], 1, s[3], 1]).expanded(to: [s[0], s[1], s[2], 2, s[3], 2])
            .contiguous().reshaped([s[0], s[1], 2 * s[2], 2 * s[3]])
        return try SampleGrid().render(rows: [enlarged, bicubic, out, real])
    }
}
