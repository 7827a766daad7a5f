import KindredNN
import KindredTensor

/// One CycleGAN training iteration (Zhu et al. 2017) for unpaired translation between domains A and B.
///
/// Two generators `G_AB: A → B`, `G_BA: B → A` and two discriminators `D_A`, `D_B`; one Adam
/// optimiser over both generators and a separate one over both discriminators (as the reference
/// implementation). With `a`, `b` unpaired batches in `[-1, 1]`:
/// 1. **generator step** (discriminators frozen):
///    `L_G = adv(D_B(G_AB(a)), 1) + adv(D_A(G_BA(b)), 1)
///         + λ_cycle·(mean|G_BA(G_AB(a)) − a| + mean|G_AB(G_BA(b)) − b|)
///         + λ_id·(mean|G_AB(b) − b| + mean|G_BA(a) − a|)`;
/// 2. **discriminator step** on the generator step's fakes, detached:
///    `L_D = ½·(adv(D_A(a), 1) + adv(D_A(G_BA(b)), 0)) + ½·(adv(D_B(b), 1) + adv(D_B(G_AB(a)), 0))`.
///
/// `adv` is least squares by default (LSGAN, CycleGAN's choice) or binary cross-entropy on logits.
/// λ_cycle = 10 and λ_id = 5 (0.5·λ_cycle) by default. The reference implementation's history
/// pool of 50 fakes is not used: the discriminators see the current fakes.
public final class CycleGANTrainer {
    /// Generator A → B.
    public let generatorAB: ResnetGenerator
    /// Generator B → A.
    public let generatorBA: ResnetGenerator
    /// Discriminator of domain A.
    public let discriminatorA: PatchDiscriminator
    /// Discriminator of domain B.
    public let discriminatorB: PatchDiscriminator
    /// Optimiser over both generators.
    public let generatorOptimizer: Adam
    /// Optimiser over both discriminators.
    public let discriminatorOptimizer: Adam
    /// The adversarial loss.
    public var objective: AdversarialObjective
    /// Weight of the cycle-consistency terms.
    public var cycleWeight: Double
    /// Weight of the identity terms.
    public var identityWeight: Double

    /// The losses of one iteration.
    public struct Losses: Sendable, Equatable {
        /// Adversarial terms of the generators (both directions summed).
        public var adversarial: Double
        /// Cycle-consistency L1 terms (both directions summed, before λ_cycle).
        public var cycle: Double
        /// Identity L1 terms (summed, before λ_id).
        public var identity: Double
        /// The generators' total loss.
        public var generator: Double
        /// The discriminators' loss.
        public var discriminator: Double
    }

    /// - Parameters:
    ///   - learningRate: Adam learning rate (2e-4 in CycleGAN).
    ///   - betas: Adam betas (β1 = 0.5).
    public init(generatorAB: ResnetGenerator, generatorBA: ResnetGenerator, discriminatorA: PatchDiscriminator,
                discriminatorB: PatchDiscriminator, learningRate: Double = 2e-4, betas: (Double, Double) = (0.5, 0.999),
                objective: AdversarialObjective = .leastSquares, cycleWeight: Double = 10, identityWeight: Double = 5) {
        self.generatorAB = generatorAB
        self.generatorBA = generatorBA
        self.discriminatorA = discriminatorA
        self.discriminatorB = discriminatorB
        generatorOptimizer = Adam(parameters: generatorAB.parameters() + generatorBA.parameters(), learningRate: learningRate, betas: betas)
        discriminatorOptimizer = Adam(parameters: discriminatorA.parameters() + discriminatorB.parameters(), learningRate: learningRate, betas: betas)
        self.objective = objective
        self.cycleWeight = cycleWeight
        self.identityWeight = identityWeight
    }

    /// The generator step; returns the loss terms and the fakes `(G_AB(a), G_BA(b))`, detached.
    public func generatorStep(a: Tensor, b: Tensor) throws -> (adversarial: Double, cycle: Double, identity: Double, total: Double, fakeB: Tensor, fakeA: Tensor) {
        try checkBatches(a: a, b: b)
        return withParametersFrozen([discriminatorA, discriminatorB]) {
            generatorOptimizer.zeroGrad()
            let fakeB = generatorAB(a), fakeA = generatorBA(b)
            let adversarial = AdversarialLoss.loss(objective, logits: discriminatorB(fakeB), target: 1)
                + AdversarialLoss.loss(objective, logits: discriminatorA(fakeA), target: 1)
            let cycle = (generatorBA(fakeB) - a).abs().mean() + (generatorAB(fakeA) - b).abs().mean()
            var total = adversarial + cycle * cycleWeight
            var identityValue = 0.0
            if identityWeight > 0 {
                let identity = (generatorAB(b) - b).abs().mean() + (generatorBA(a) - a).abs().mean()
                total = total + identity * identityWeight
                identityValue = identity.item()
            }
            total.backward()
            generatorOptimizer.step()
            return (adversarial.item(), cycle.item(), identityValue, total.item(), fakeB.detached(), fakeA.detached())
        }
    }

    /// The discriminator step on real batches and (detached) fakes; returns its loss.
    @discardableResult
    public func discriminatorStep(a: Tensor, b: Tensor, fakeA: Tensor, fakeB: Tensor) throws -> Double {
        try checkBatches(a: a, b: b)
        discriminatorOptimizer.zeroGrad()
        let lossA = (AdversarialLoss.loss(objective, logits: discriminatorA(a), target: 1)
            + AdversarialLoss.loss(objective, logits: discriminatorA(fakeA.detached()), target: 0)) * 0.5
        let lossB = (AdversarialLoss.loss(objective, logits: discriminatorB(b), target: 1)
            + AdversarialLoss.loss(objective, logits: discriminatorB(fakeB.detached()), target: 0)) * 0.5
        let loss = lossA + lossB
        loss.backward()
        discriminatorOptimizer.step()
        return loss.item()
    }

    /// One iteration: generator step, then discriminator step on its fakes.
    public func step(a: Tensor, b: Tensor) throws -> Losses {
        let g = try generatorStep(a: a, b: b)
        let d = try discriminatorStep(a: a, b: b, fakeA: g.fakeA, fakeB: g.fakeB)
        return Losses(adversarial: g.adversarial, cycle: g.cycle, identity: g.identity, generator: g.total, discriminator: d)
    }

    /// Throws ``GANInputError`` unless `a` and `b` are image batches of the generators' size (N ≥ 2 each).
    public func checkBatches(a: Tensor, b: Tensor) throws {
        try GANInputError.checkImages(a, name: "domain A images", channels: generatorAB.channels, size: generatorAB.imageSize, minimumBatch: 2)
        try GANInputError.checkImages(b, name: "domain B images", channels: generatorBA.channels, size: generatorBA.imageSize, minimumBatch: 2)
    }
}
