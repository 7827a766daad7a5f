import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// The `vae` task: a ``VariationalAutoencoder`` trained on the negative ELBO with a KL weight β,
/// loss = mean over the batch of [reconstruction(x, decode(z)) + β·KL(q(z|x) ‖ N(0, I))], the
/// reconstruction summed over pixels and z drawn by reparameterisation from ``GlobalRandom``.
///
/// Evaluation on the test split: `mse`, `psnr` and `ssim` of the decoded posterior means; `reconstruction`,
/// `kl` and `neg_elbo` = reconstruction + KL (β = 1, nats per image with BCE; one latent draw per
/// image from a generator seeded by the run's seed, so epochs are comparable). The sample grid
/// shows test images, their reconstructions, and two rows of samples from the prior (the same
/// latent draws every epoch).
final class VAETask: GenerativeTrainingTask {
    static let kinds: [GenerativeTask] = [.vae]

    static func readSettings(_ root: ConfigReader, task: GenerativeTask) throws -> any GenerativeTaskSettings {
        try AutoencoderSettings(root, task: task)
    }

    let context: GenerativeTaskContext
    let settings: AutoencoderSettings
    let model: VariationalAutoencoder
    let optimizer: Optimizer

    init(context: GenerativeTaskContext) throws {
        self.context = context
        settings = try context.settings(as: AutoencoderSettings.self)
        let architecture = settings.architecture(context.config.data)
        do { try architecture.validate() } catch let e as GenerativeModelError {
            throw ConfigError(path: "data.image_size", message: e.message)
        }
        model = VariationalAutoencoder(architecture)
        optimizer = context.makeOptimizer(model.parameters())
    }

    var lossNames: [String] { ["loss", "reconstruction", "kl"] }
    var metricNames: [String] {
        (measuresSSIM ? ["mse", "psnr", "ssim"] : ["mse", "psnr"]) + ["reconstruction", "kl", "neg_elbo"]
    }
    /// SSIM needs images of at least its 11×11 window.
    var measuresSSIM: Bool { context.config.data.imageSize >= ImageQuality.ssimWindowSize }
    var bestMetric: (name: String, higherIsBetter: Bool) { ("neg_elbo", false) }
    var modules: [(name: String, module: Module)] { [("model", model)] }
    var optimizers: [(name: String, optimizer: Optimizer)] { [("model", optimizer)] }

    var facts: [(key: String, value: String)] {
        let a = model.architecture
        return [(key: "Model", value: "convolutional VAE \(a.channels)×\(a.imageSize)×\(a.imageSize) → Gaussian latent \(a.latentSize) (width \(a.width)), \(model.parameterCount) parameters"),
                (key: "Loss", value: "\(settings.reconstruction.rawValue) reconstruction (sum per image) + \(settings.beta) × KL")]
    }

    var sampleGridCaption: String {
        "Rows: test images, their reconstructions (posterior means decoded), and two rows of samples from the prior N(0, I) (the same latent draws every epoch)."
    }

    /// The per-image loss terms of a batch: reconstruction and KL, each `[N]`.
    func terms(_ x: Tensor, generator: inout RandomGenerator) -> (reconstruction: Tensor, kl: Tensor, output: VariationalAutoencoder.Output) {
        let out = model.forward(x, generator: &generator)
        return (settings.reconstruction.perImage(logits: out.logits, target: x),
                GaussianKL.perItem(mean: out.mean, logVariance: out.logVariance), out)
    }

    func trainStep(_ step: Int) throws -> [Double] {
        let x = context.pixels(context.train, context.batchIndices(atStep: step))
        let (rec, kl, _) = GlobalRandom.withGenerator { terms(x, generator: &$0) }
        let recon = rec.mean(), klMean = kl.mean()
        let loss = recon + klMean * settings.beta
        optimizer.zeroGrad()
        loss.backward()
        context.clipGradients(optimizer)
        optimizer.step()
        return [loss.item(), recon.item(), klMean.item()]
    }

    func evaluate() throws -> [Double] {
        var tally = ReconstructionTally()
        var recSum = 0.0, klSum = 0.0
        var rng = RandomGenerator(seed: context.config.seed &+ 0xE1B0)
        let test = context.test
        for r in batchRanges(count: test.count, size: context.config.evaluationBatchSize) {
            let x = context.pixels(test, Array(r))
            try withoutGradients {
                let (rec, kl, out) = terms(x, generator: &rng)
                recSum += rec.sum().item()
                klSum += kl.sum().item()
                try tally.add(model.decode(out.mean), target: x, structural: measuresSSIM)
            }
        }
        let n = Double(max(test.count, 1))
        return [tally.meanSquaredError, tally.meanPSNR] + (measuresSSIM ? [tally.meanSSIM] : []) + [recSum / n, klSum / n, (recSum + klSum) / n]
    }

    func sampleGrid(epoch: Int) throws -> Image {
        let g = context.config.gridImages
        let x = context.pixels(context.test, spreadIndices(count: g, total: context.test.count))
        var rng = RandomGenerator(seed: context.config.seed &+ 0x5A3D)
        let (y, samples) = withoutGradients { (model.decode(model.encode(x)), model.samplePrior(count: 2 * g, generator: &rng)) }
        return try SampleGrid().render(rows: [x, y, samples.sliced(axis: 0, range: 0..<g), samples.sliced(axis: 0, range: g..<(2 * g))])
    }
}
