import Foundation
import KindredGenerative
import Yams

/// The config sections of the GAN tasks (`dcgan`, `super_resolution`, `cyclegan`). Keys that do not
/// apply to the task are unknown-key errors.
///
/// ```yaml
/// model:                         # network widths
///   latent_size: 100             # dcgan: length of the noise vector z
///   generator_features: 32       # dcgan 32, super_resolution 32, cyclegan 16
///   discriminator_features: 32
///   residual_blocks: 2           # cyclegan
/// gan:
///   beta1: 0.5                   # Adam betas of both optimisers (the learning rate is optimizer.lr)
///   beta2: 0.999
///   generator_loss: non_saturating   # dcgan: non_saturating (−log D(G(z))) or minimax (log(1 − D(G(z))))
///   label_smoothing: 0.0         # dcgan: one-sided; real labels become 1 − label_smoothing
///   adversarial: bce             # super_resolution (bce) and cyclegan (least_squares): bce or least_squares
///   l1_weight: 100               # super_resolution: λ of the L1 term
///   cycle_weight: 10             # cyclegan: λ_cycle
///   identity_weight: 5           # cyclegan: λ_id
///   domain_a: 5                  # cyclegan: class label of domain A (5 = sandal)
///   domain_b: 7                  # cyclegan: class label of domain B (7 = sneaker)
/// metrics:                       # dcgan
///   embedding_run: runs/fashion-mnist-triplet   # a trained embedding run: Fréchet distance and k-NN precision/recall
///   samples: 2000                # generated (and real test) images compared
///   k: 3                         # neighbour rank of the k-NN manifolds
/// ```
struct GANSettings: GenerativeTaskSettings {
    var task: GenerativeTask
    var latentSize = 100
    var generatorFeatures = 32, discriminatorFeatures = 32
    var residualBlocks = 2
    var betas = (0.5, 0.999)
    var generatorLoss = GeneratorLoss.nonSaturating
    var labelSmoothing = 0.0
    var adversarial = AdversarialObjective.bce
    var l1Weight = 100.0
    var cycleWeight = 10.0, identityWeight = 5.0
    var domainA = 5, domainB = 7
    var embeddingRun: String? = nil
    var metricSamples = 2000
    var k = 3

    init(_ root: ConfigReader, task: GenerativeTask) throws {
        self.task = task
        if task == .cycleGAN {
            generatorFeatures = 16
            adversarial = .leastSquares
        }
        let model = try root.child("model")
        if task == .dcgan, let v = try model.int("latent_size", atLeast: 1) { latentSize = v }
        if let v = try model.int("generator_features", atLeast: 1) { generatorFeatures = v }
        if let v = try model.int("discriminator_features", atLeast: 1) { discriminatorFeatures = v }
        if task == .cycleGAN, let v = try model.int("residual_blocks", atLeast: 0) { residualBlocks = v }
        try model.finish()

        let gan = try root.child("gan")
        if let v = try gan.double("beta1") { betas.0 = try Self.unitInterval(v, path: gan.path + ".beta1") }
        if let v = try gan.double("beta2") { betas.1 = try Self.unitInterval(v, path: gan.path + ".beta2") }
        switch task {
        case .dcgan:
            if let v = try gan.choice("generator_loss", as: GeneratorLoss.self) { generatorLoss = v }
            if let v = try gan.double("label_smoothing") {
                guard v >= 0, v < 1 else { throw ConfigError(path: "gan.label_smoothing", message: "must be in [0, 1), found \(v)") }
                labelSmoothing = v
            }
        case .superResolution:
            if let v = try gan.choice("adversarial", as: AdversarialObjective.self) { adversarial = v }
            if let v = try gan.double("l1_weight") { l1Weight = try Self.nonNegative(v, path: "gan.l1_weight") }
        case .cycleGAN:
            if let v = try gan.choice("adversarial", as: AdversarialObjective.self) { adversarial = v }
            if let v = try gan.double("cycle_weight") { cycleWeight = try Self.nonNegative(v, path: "gan.cycle_weight") }
            if let v = try gan.double("identity_weight") { identityWeight = try Self.nonNegative(v, path: "gan.identity_weight") }
            if let v = try gan.int("domain_a", atLeast: 0) { domainA = v }
            if let v = try gan.int("domain_b", atLeast: 0) { domainB = v }
            guard domainA != domainB else {
                throw ConfigError(path: "gan.domain_b", message: "the two domains must be different classes, both are \(domainA)")
            }
        default:
            break
        }
        try gan.finish()

        if task == .dcgan {
            let metrics = try root.child("metrics")
            embeddingRun = try metrics.string("embedding_run")
            if let v = try metrics.int("samples", atLeast: 10) { metricSamples = v }
            if let v = try metrics.int("k", atLeast: 1) { k = v }
            try metrics.finish()
        }
    }

    private static func unitInterval(_ v: Double, path: String) throws -> Double {
        guard v >= 0, v < 1 else { throw ConfigError(path: path, message: "an Adam beta must be in [0, 1), found \(v)") }
        return v
    }

    private static func nonNegative(_ v: Double, path: String) throws -> Double {
        guard v >= 0 else { throw ConfigError(path: path, message: "a loss weight must be ≥ 0, found \(v)") }
        return v
    }

    var resolvedSections: [(String, Node)] {
        var model: [(String, Node)] = []
        if task == .dcgan { model.append(("latent_size", ConfigNodes.int(latentSize))) }
        model += [("generator_features", ConfigNodes.int(generatorFeatures)), ("discriminator_features", ConfigNodes.int(discriminatorFeatures))]
        if task == .cycleGAN { model.append(("residual_blocks", ConfigNodes.int(residualBlocks))) }
        var gan: [(String, Node)] = [("beta1", ConfigNodes.double(betas.0)), ("beta2", ConfigNodes.double(betas.1))]
        switch task {
        case .dcgan:
            gan += [("generator_loss", Node(generatorLoss.rawValue)), ("label_smoothing", ConfigNodes.double(labelSmoothing))]
        case .superResolution:
            gan += [("adversarial", Node(adversarial.rawValue)), ("l1_weight", ConfigNodes.double(l1Weight))]
        case .cycleGAN:
            gan += [("adversarial", Node(adversarial.rawValue)), ("cycle_weight", ConfigNodes.double(cycleWeight)),
                    ("identity_weight", ConfigNodes.double(identityWeight)), ("domain_a", ConfigNodes.int(domainA)),
                    ("domain_b", ConfigNodes.int(domainB))]
        default:
            break
        }
        var sections: [(String, Node)] = [("model", ConfigNodes.map(model)), ("gan", ConfigNodes.map(gan))]
        if task == .dcgan {
            var metrics: [(String, Node)] = []
            if let embeddingRun { metrics.append(("embedding_run", Node(embeddingRun))) }
            metrics += [("samples", ConfigNodes.int(metricSamples)), ("k", ConfigNodes.int(k))]
            sections.append(("metrics", ConfigNodes.map(metrics)))
        }
        return sections
    }

    /// Throws unless the run's optimiser is Adam (the GAN steps own two Adam optimisers) and the
    /// images are 28×28 (the GAN models' size).
    func checkRun(_ config: GenerativeRunConfig) throws {
        guard config.optimizer.kind == .adam else {
            throw ConfigError(path: "optimizer.kind", message: "GAN tasks train with two Adam optimisers; use adam (found \(config.optimizer.kind.rawValue))")
        }
        guard config.data.imageSize == 28 else {
            throw ConfigError(path: "data.image_size", message: "the GAN models are built for 28×28 images, found \(config.data.imageSize)")
        }
        guard config.batchSize >= 2 else {
            throw ConfigError(path: "sampler.batch_size", message: "GAN steps use batch normalisation and need at least 2 images per batch")
        }
    }
}
