import KindredNN
import KindredTensor

/// One DCGAN training iteration as the seminar writes it, with separate Adam optimisers.
///
/// ``step(realImages:generator:)``:
/// 1. sample noise `z`, make `G(z)` without recording a graph (the fake is detached);
/// 2. **discriminator step**: `L_D = BCE(D(x), r) + BCE(D(G(z)), 0)` with `r = 1`, or `1 −
///    labelSmoothing` (one-sided: only real labels are smoothed); step D's optimiser;
/// 3. sample **new** noise `z'`;
/// 4. **generator step**: `L_G = −log D(G(z'))` (non-saturating, default) or `log(1 − D(G(z')))`
///    (minimax); step G's optimiser. D's parameters are frozen during this step, so only G gets
///    gradients.
///
/// Both networks stay in training mode, so batch-norm running statistics of the network that is
/// not being optimised still update in its forward pass, as in PyTorch's DCGAN example; its
/// parameters never change.
///
/// ```swift
/// let trainer = DCGANTrainer(generator: DCGANGenerator(), discriminator: DCGANDiscriminator())
/// var rng = RandomGenerator(seed: 0)
/// let losses = try trainer.step(realImages: batch, generator: &rng)   // batch in [-1, 1]
/// ```
public final class DCGANTrainer {
    /// The generator G.
    public let generator: DCGANGenerator
    /// The discriminator D.
    public let discriminator: DCGANDiscriminator
    /// G's optimiser (only G's parameters).
    public let generatorOptimizer: Adam
    /// D's optimiser (only D's parameters).
    public let discriminatorOptimizer: Adam
    /// Which generator loss is minimised.
    public var generatorLoss: GeneratorLoss
    /// One-sided label smoothing: real images are labelled `1 − labelSmoothing` (0 = off; 0.1 gives 0.9).
    public var labelSmoothing: Double

    /// The losses of one iteration.
    public struct Losses: Sendable, Equatable {
        /// The discriminator's loss (real and fake terms summed).
        public var discriminator: Double
        /// The generator's loss.
        public var generator: Double
        /// Mean σ(D(x)) over the real batch.
        public var realScore: Double
        /// Mean σ(D(G(z))) over the fake batch of the discriminator step.
        public var fakeScore: Double
    }

    /// - Parameters:
    ///   - learningRate: Adam learning rate of both networks (2e-4 in DCGAN).
    ///   - betas: Adam betas of both networks (β1 = 0.5 in DCGAN).
    public init(generator: DCGANGenerator, discriminator: DCGANDiscriminator, learningRate: Double = 2e-4,
                betas: (Double, Double) = (0.5, 0.999), generatorLoss: GeneratorLoss = .nonSaturating,
                labelSmoothing: Double = 0) {
        self.generator = generator
        self.discriminator = discriminator
        generatorOptimizer = Adam(parameters: generator.parameters(), learningRate: learningRate, betas: betas)
        discriminatorOptimizer = Adam(parameters: discriminator.parameters(), learningRate: learningRate, betas: betas)
        self.generatorLoss = generatorLoss
        self.labelSmoothing = labelSmoothing
    }

    /// The discriminator step on real images and fakes from noise `z`; returns (loss, real score, fake score).
    @discardableResult
    public func discriminatorStep(realImages: Tensor, noise z: Tensor) throws -> (loss: Double, realScore: Double, fakeScore: Double) {
        try discriminator.checkImages(realImages, name: "real images")
        try generator.checkNoise(z)
        let fake = withoutGradients { generator(z) }
        discriminatorOptimizer.zeroGrad()
        let realLogits = discriminator(realImages)
        let fakeLogits = discriminator(fake)
        let loss = AdversarialLoss.binaryCrossEntropy(logits: realLogits, target: 1 - labelSmoothing)
            + AdversarialLoss.binaryCrossEntropy(logits: fakeLogits, target: 0)
        loss.backward()
        discriminatorOptimizer.step()
        let scores = withoutGradients { (realLogits.sigmoid().mean().item(), fakeLogits.sigmoid().mean().item()) }
        return (loss.item(), scores.0, scores.1)
    }

    /// The generator step on noise `z` (D frozen); returns the generator loss.
    @discardableResult
    public func generatorStep(noise z: Tensor) throws -> Double {
        try generator.checkNoise(z)
        return withParametersFrozen([discriminator]) {
            generatorOptimizer.zeroGrad()
            let loss = AdversarialLoss.generatorLoss(generatorLoss, fakeLogits: discriminator(generator(z)))
            loss.backward()
            generatorOptimizer.step()
            return loss.item()
        }
    }

    /// One iteration: noise, D step, new noise, G step (same batch size as `realImages`).
    public func step(realImages: Tensor, generator rng: inout RandomGenerator) throws -> Losses {
        try GANInputError.checkImages(realImages, name: "real images", channels: discriminator.channels,
                                      size: discriminator.imageSize, minimumBatch: 2)
        let n = realImages.shape[0]
        let d = try discriminatorStep(realImages: realImages, noise: generator.noise(count: n, generator: &rng))
        let g = try generatorStep(noise: generator.noise(count: n, generator: &rng))
        return Losses(discriminator: d.loss, generator: g, realScore: d.realScore, fakeScore: d.fakeScore)
    }
}
