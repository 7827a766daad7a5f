import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// The `cyclegan` task: unpaired translation between two classes of the dataset (`gan.domain_a`,
/// `gan.domain_b`; sandals ↔ sneakers in the example) with two ``ResnetGenerator``s and two
/// ``PatchDiscriminator``s trained by ``CycleGANTrainer`` (adversarial + λ_cycle·cycle +
/// λ_id·identity; one Adam over both generators, another over both discriminators).
///
/// Each step draws a batch of domain-A and an independent batch of domain-B training images
/// (each domain shuffled per pass with the run's seed), pixels mapped to `[-1, 1]`.
/// Evaluation on the evaluation split's images of the two classes: `cycle_l1`, the
/// mean absolute pixel error (in `[0, 1]` units) of A → B → A and B → A → B, and `identity_l1`,
/// how much each generator changes images already in its target domain. The best checkpoint has
/// the lowest `cycle_l1`. The sample grid rows: A, A → B, B, B → A (the same test images every epoch).
final class CycleGANTask: GenerativeTrainingTask {
    static let kinds: [GenerativeTask] = [.cycleGAN]

    static func readSettings(_ root: ConfigReader, task: GenerativeTask) throws -> any GenerativeTaskSettings {
        try GANSettings(root, task: task)
    }

    let context: GenerativeTaskContext
    let settings: GANSettings
    let trainer: CycleGANTrainer
    /// Training and test indices of each domain.
    let trainA: [Int], trainB: [Int], testA: [Int], testB: [Int]

    init(context: GenerativeTaskContext) throws {
        self.context = context
        settings = try context.settings(as: GANSettings.self)
        try settings.checkRun(context.config)
        func indices(_ split: SplitData, _ label: Int, _ key: String, _ name: String) throws -> [Int] {
            let found = split.labels.indices.filter { split.labels[$0] == label }
            guard found.count >= 2 else {
                throw ConfigError(path: "gan.\(key)", message: "the \(name) split has \(found.count) image(s) of class \(label); a CycleGAN domain needs at least 2 (check data.train_classes/test_classes)")
            }
            return found
        }
        trainA = try indices(context.train, settings.domainA, "domain_a", "training")
        trainB = try indices(context.train, settings.domainB, "domain_b", "training")
        testA = try indices(context.test, settings.domainA, "domain_a", "evaluation")
        testB = try indices(context.test, settings.domainB, "domain_b", "evaluation")
        let c = context.config.data.channels, f = settings.generatorFeatures, blocks = settings.residualBlocks
        trainer = CycleGANTrainer(
            generatorAB: ResnetGenerator(features: f, blocks: blocks, channels: c),
            generatorBA: ResnetGenerator(features: f, blocks: blocks, channels: c),
            discriminatorA: PatchDiscriminator(inputChannels: c, features: settings.discriminatorFeatures),
            discriminatorB: PatchDiscriminator(inputChannels: c, features: settings.discriminatorFeatures),
            learningRate: context.config.optimizer.learningRate, betas: settings.betas, objective: settings.adversarial,
            cycleWeight: settings.cycleWeight, identityWeight: settings.identityWeight)
    }

    var lossNames: [String] { ["loss_g", "adversarial", "cycle", "identity", "loss_d"] }
    var metricNames: [String] { ["cycle_l1", "identity_l1"] }
    var bestMetric: (name: String, higherIsBetter: Bool) { ("cycle_l1", false) }
    var modules: [(name: String, module: Module)] {
        [("generator_ab", trainer.generatorAB), ("generator_ba", trainer.generatorBA),
         ("discriminator_a", trainer.discriminatorA), ("discriminator_b", trainer.discriminatorB)]
    }
    var optimizers: [(name: String, optimizer: Optimizer)] {
        [("generators", trainer.generatorOptimizer), ("discriminators", trainer.discriminatorOptimizer)]
    }

    private func className(_ label: Int) -> String { context.train.className(label) }

    var facts: [(key: String, value: String)] {
        [(key: "Domains", value: "A = class \(settings.domainA) (\(className(settings.domainA)), \(trainA.count) training images), B = class \(settings.domainB) (\(className(settings.domainB)), \(trainB.count))"),
         (key: "Model", value: "two residual generators (\(trainer.generatorAB.parameterCount) parameters each), two PatchGAN discriminators (\(trainer.discriminatorA.parameterCount) each)"),
         (key: "Loss", value: "\(settings.adversarial.rawValue) adversarial + \(settings.cycleWeight) × cycle L1 + \(settings.identityWeight) × identity L1")]
    }

    var sampleGridCaption: String {
        "Rows: domain A (\(className(settings.domainA))) test images, their translation A → B, domain B (\(className(settings.domainB))) test images, their translation B → A."
    }

    /// Batch `step` of one domain: shuffled without replacement, reshuffled every pass.
    private func batch(_ pool: [Int], step: Int, salt: UInt64) -> [Int] {
        let b = Swift.min(context.config.batchSize, pool.count)
        let perPass = Swift.max(1, pool.count / b)
        let pass = step / perPass, offset = (step % perPass) * b
        var rng = RandomGenerator(seed: (context.config.seed &+ salt) &+ 0x9E37_79B9 &* UInt64(pass + 1))
        let order = rng.permutation(pool.count)
        return order[offset..<(offset + b)].map { pool[$0] }
    }

    func trainStep(_ step: Int) throws -> [Double] {
        let a = DCGANTask.toSigned(context.pixels(context.train, batch(trainA, step: step, salt: 0xA)))
        let b = DCGANTask.toSigned(context.pixels(context.train, batch(trainB, step: step, salt: 0xB)))
        let l = try trainer.step(a: a, b: b)
        return [l.generator, l.adversarial, l.cycle, l.identity, l.discriminator]
    }

    func evaluate() throws -> [Double] {
        var cycle = 0.0, identity = 0.0, count = 0
        for (pool, forward, backward) in [(testA, trainer.generatorAB, trainer.generatorBA), (testB, trainer.generatorBA, trainer.generatorAB)] {
            for r in batchRanges(count: pool.count, size: context.config.evaluationBatchSize) {
                let x = DCGANTask.toSigned(context.pixels(context.test, Array(pool[r])))
                withoutGradients {
                    // |Δ| in [-1, 1] units is twice the pixel error.
                    cycle += (backward(forward(x)) - x).abs().mean(axes: [1, 2, 3]).sum().item() / 2
                    identity += (backward(x) - x).abs().mean(axes: [1, 2, 3]).sum().item() / 2
                }
                count += r.count
            }
        }
        return [cycle / Double(count), identity / Double(count)]
    }

    func sampleGrid(epoch: Int) throws -> Image {
        let g = context.config.gridImages
        let a = context.pixels(context.test, spreadIndices(count: g, total: testA.count).map { testA[$0] })
        let b = context.pixels(context.test, spreadIndices(count: g, total: testB.count).map { testB[$0] })
        let (ab, ba) = withoutGradients {
            (DCGANTask.toPixels(trainer.generatorAB(DCGANTask.toSigned(a))), DCGANTask.toPixels(trainer.generatorBA(DCGANTask.toSigned(b))))
        }
        return try SampleGrid().render(rows: [a, ab, b, ba])
    }
}
