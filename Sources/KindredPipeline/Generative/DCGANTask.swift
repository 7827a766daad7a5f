import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// The `dcgan` task: a ``DCGANGenerator`` and a ``DCGANDiscriminator`` trained by ``DCGANTrainer``
/// (noise → discriminator step → new noise → generator step; separate Adam optimisers with the
/// `gan.beta1`/`beta2` betas and `optimizer.lr`). Images are mapped from pixels in `[0, 1]` to
/// `[-1, 1]` (the generator's tanh range); noise comes from ``GlobalRandom``.
///
/// Evaluation: `real_score` and `fake_score`, the discriminator's mean σ(D) on test images and on
/// generated ones; with `metrics.embedding_run`, also `frechet_distance` between `metrics.samples`
/// generated and as many real test images in that embedding model's space, and k-NN `precision`
/// and `recall` there (the generated samples come from a fixed-seed noise batch, the same every
/// epoch). The best checkpoint has the lowest Fréchet distance (without an embedding run, the
/// highest `fake_score`). The sample grid shows the same fixed noise batch decoded every epoch.
final class DCGANTask: GenerativeTrainingTask {
    static let kinds: [GenerativeTask] = [.dcgan]

    static func readSettings(_ root: ConfigReader, task: GenerativeTask) throws -> any GenerativeTaskSettings {
        try GANSettings(root, task: task)
    }

    let context: GenerativeTaskContext
    let settings: GANSettings
    let trainer: DCGANTrainer
    private var featureSpace: EmbeddingFeatureSpace?

    init(context: GenerativeTaskContext) throws {
        self.context = context
        settings = try context.settings(as: GANSettings.self)
        try settings.checkRun(context.config)
        let channels = context.config.data.channels
        trainer = DCGANTrainer(
            generator: DCGANGenerator(latentSize: settings.latentSize, features: settings.generatorFeatures, channels: channels),
            discriminator: DCGANDiscriminator(features: settings.discriminatorFeatures, channels: channels),
            learningRate: context.config.optimizer.learningRate, betas: settings.betas,
            generatorLoss: settings.generatorLoss, labelSmoothing: settings.labelSmoothing)
        if let run = settings.embeddingRun {
            let real = context.pixels(context.test, spreadIndices(count: settings.metricSamples, total: context.test.count))
            featureSpace = try EmbeddingFeatureSpace(runDirectory: run, realPixels: real, k: settings.k)
        }
    }

    var lossNames: [String] { ["loss_g", "loss_d", "real_score", "fake_score"] }
    var metricNames: [String] {
        featureSpace == nil ? ["real_score", "fake_score"] : ["frechet_distance", "precision", "recall", "real_score", "fake_score"]
    }
    var bestMetric: (name: String, higherIsBetter: Bool) {
        featureSpace == nil ? ("fake_score", true) : ("frechet_distance", false)
    }
    var modules: [(name: String, module: Module)] { [("generator", trainer.generator), ("discriminator", trainer.discriminator)] }
    var optimizers: [(name: String, optimizer: Optimizer)] {
        [("generator", trainer.generatorOptimizer), ("discriminator", trainer.discriminatorOptimizer)]
    }

    var facts: [(key: String, value: String)] {
        [(key: "Model", value: "DCGAN: generator z(\(settings.latentSize)) → 28×28 (\(trainer.generator.parameterCount) parameters), discriminator (\(trainer.discriminator.parameterCount) parameters)"),
         (key: "Loss", value: "BCE from logits; generator \(settings.generatorLoss.rawValue); real label \(1 - settings.labelSmoothing); Adam betas (\(settings.betas.0), \(settings.betas.1)) for each network"),
         (key: "Metrics", value: settings.embeddingRun.map { "Fréchet distance and k-NN precision/recall (k = \(settings.k)) of \(settings.metricSamples) samples in the embedding space of \($0)" } ?? "discriminator scores only (no metrics.embedding_run)")]
    }

    var sampleGridCaption: String { "Samples from the same fixed noise batch after each epoch." }

    /// Pixels in [0, 1] → the generator's range [-1, 1].
    static func toSigned(_ pixels: Tensor) -> Tensor { pixels * 2 - 1 }
    /// [-1, 1] → pixels in [0, 1].
    static func toPixels(_ signed: Tensor) -> Tensor { ((signed + 1) * 0.5).clamped(min: 0, max: 1) }

    func trainStep(_ step: Int) throws -> [Double] {
        let real = Self.toSigned(context.pixels(context.train, context.batchIndices(atStep: step)))
        let n = real.shape[0]
        let g = trainer.generator
        let z1 = GlobalRandom.withGenerator { g.noise(count: n, generator: &$0) }
        let d = try trainer.discriminatorStep(realImages: real, noise: z1)
        let z2 = GlobalRandom.withGenerator { g.noise(count: n, generator: &$0) }
        let lossG = try trainer.generatorStep(noise: z2)
        return [lossG, d.loss, d.realScore, d.fakeScore]
    }

    /// `count` generated images in [0, 1] from a fixed-seed noise batch.
    func fixedSamples(count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let z = trainer.generator.noise(count: count, generator: &rng)
        return withoutGradients {
            Tensor.concat(batchRanges(count: count, size: context.config.evaluationBatchSize).map { r in
                Self.toPixels(trainer.generator(z.sliced(axis: 0, range: r)))
            }, axis: 0)
        }
    }

    func evaluate() throws -> [Double] {
        let count = featureSpace == nil ? Swift.min(1000, context.test.count) : settings.metricSamples
        let fake = fixedSamples(count: count, seed: context.config.seed &+ 0xFD)
        let real = context.pixels(context.test, spreadIndices(count: count, total: context.test.count))
        let scores = withoutGradients { () -> (Double, Double) in
            let d = trainer.discriminator
            return (d(Self.toSigned(real)).sigmoid().mean().item(), d(Self.toSigned(fake)).sigmoid().mean().item())
        }
        guard let featureSpace else { return [scores.0, scores.1] }
        let m = try featureSpace.compare(generatedPixels: fake)
        return [m.frechet, m.precision, m.recall, scores.0, scores.1]
    }

    func sampleGrid(epoch: Int) throws -> Image {
        let g = context.config.gridImages
        return try SampleGrid().render(fixedSamples(count: 4 * g, seed: context.config.seed &+ 0x6A1D), columns: g)
    }
}
