import KindredNN
import KindredTensor

/// One pix2pix training iteration for 2× super-resolution: a ``UNetGenerator`` against a
/// ``PatchDiscriminator`` that judges (input, output) pairs, with separate Adam optimisers.
///
/// With `x` the bicubic-upsampled low-resolution batch and `y` the real high-resolution batch
/// (both `[N, C, 28, 28]` in `[-1, 1]`) and `[a, b]` channel concatenation:
/// 1. **discriminator step** (G's output detached): `L_D = ½·(adv(D([x, y]), 1) + adv(D([x, G(x)]), 0))`;
/// 2. **generator step** (D frozen): `L_G = adv(D([x, G(x)]), 1) + λ·mean|G(x) − y|`, `λ = 100` by default.
///
/// `adv` is binary cross-entropy on logits (default, as pix2pix) or least squares
/// (``AdversarialObjective``), averaged over the patch grid.
public final class SuperResolutionTrainer {
    /// The generator.
    public let generator: UNetGenerator
    /// The pair discriminator (`2·C` input channels).
    public let discriminator: PatchDiscriminator
    /// G's optimiser.
    public let generatorOptimizer: Adam
    /// D's optimiser.
    public let discriminatorOptimizer: Adam
    /// Weight λ of the L1 term.
    public var l1Weight: Double
    /// The adversarial loss.
    public var objective: AdversarialObjective

    /// The losses of one iteration.
    public struct Losses: Sendable, Equatable {
        /// The discriminator's loss.
        public var discriminator: Double
        /// The generator's adversarial term.
        public var adversarial: Double
        /// The generator's mean absolute error (before λ).
        public var l1: Double
        /// The generator's total loss `adversarial + λ·l1`.
        public var generator: Double
    }

    /// - Parameters:
    ///   - learningRate: Adam learning rate of both networks (2e-4 in pix2pix).
    ///   - betas: Adam betas (β1 = 0.5).
    public init(generator: UNetGenerator, discriminator: PatchDiscriminator, learningRate: Double = 2e-4,
                betas: (Double, Double) = (0.5, 0.999), l1Weight: Double = 100, objective: AdversarialObjective = .bce) {
        self.generator = generator
        self.discriminator = discriminator
        generatorOptimizer = Adam(parameters: generator.parameters(), learningRate: learningRate, betas: betas)
        discriminatorOptimizer = Adam(parameters: discriminator.parameters(), learningRate: learningRate, betas: betas)
        self.l1Weight = l1Weight
        self.objective = objective
    }

    /// Throws ``GANInputError`` unless both batches are `[N, C, 28, 28]` with the same `N ≥ 2`.
    public func checkBatch(upsampled x: Tensor, target y: Tensor) throws {
        try GANInputError.checkImages(x, name: "upsampled low-resolution images", channels: generator.channels,
                                      size: generator.imageSize, minimumBatch: 2)
        try GANInputError.checkImages(y, name: "high-resolution images", channels: generator.channels, size: generator.imageSize)
        guard x.shape == y.shape else {
            throw GANInputError.wrongShape(name: "high-resolution images", expected: "\(x.shape) (the inputs' shape)", actual: y.shape)
        }
    }

    /// The discriminator step; returns its loss.
    @discardableResult
    public func discriminatorStep(upsampled x: Tensor, target y: Tensor) throws -> Double {
        try checkBatch(upsampled: x, target: y)
        let fake = withoutGradients { generator(x) }
        discriminatorOptimizer.zeroGrad()
        let real = AdversarialLoss.loss(objective, logits: discriminator(Tensor.concat([x, y], axis: 1)), target: 1)
        let faked = AdversarialLoss.loss(objective, logits: discriminator(Tensor.concat([x, fake], axis: 1)), target: 0)
        let loss = (real + faked) * 0.5
        loss.backward()
        discriminatorOptimizer.step()
        return loss.item()
    }

    /// The generator step (D frozen); returns (adversarial, l1, total).
    @discardableResult
    public func generatorStep(upsampled x: Tensor, target y: Tensor) throws -> (adversarial: Double, l1: Double, total: Double) {
        try checkBatch(upsampled: x, target: y)
        return withParametersFrozen([discriminator]) {
            generatorOptimizer.zeroGrad()
            let fake = generator(x)
            let adversarial = AdversarialLoss.loss(objective, logits: discriminator(Tensor.concat([x, fake], axis: 1)), target: 1)
            let l1 = (fake - y).abs().mean()
            let total = adversarial + l1 * l1Weight
            total.backward()
            generatorOptimizer.step()
            return (adversarial.item(), l1.item(), total.item())
        }
    }

    /// One iteration: discriminator step, then generator step, on the same batch.
    public func step(upsampled x: Tensor, target y: Tensor) throws -> Losses {
        let d = try discriminatorStep(upsampled: x, target: y)
        let g = try generatorStep(upsampled: x, target: y)
        return Losses(discriminator: d, adversarial: g.adversarial, l1: g.l1, generator: g.total)
    }
}
