import Foundation
import KindredGenerative
import Yams

/// The config sections of the autoencoder, denoising-autoencoder and VAE tasks:
///
/// ```yaml
/// model: {latent_size: 32, width: 32}            # latent vector size, channels of the first conv
/// loss: {reconstruction: bce, beta: 1.0}         # mse or bce; beta weighs the KL term (vae only)
/// corruption: {kind: gaussian, sigma: 0.3}       # denoising_autoencoder only: gaussian (sigma, clip),
///                                                # salt_and_pepper (probability), masking (probability)
/// ```
struct AutoencoderSettings: GenerativeTaskSettings, Equatable {
    /// Corruption kinds as spelled in YAML.
    enum CorruptionKind: String, CaseIterable, Sendable {
        case gaussian
        case saltAndPepper = "salt_and_pepper"
        case masking
    }

    /// Latent size and width (image size and channels come from `data`).
    var latentSize = 32, width = 32
    /// The reconstruction loss.
    var reconstruction = ReconstructionLoss.bce
    /// Weight of the KL term (VAE).
    var beta = 1.0
    /// The corruption of a denoising autoencoder's inputs (nil for the other tasks).
    var corruption: Corruption? = nil
    /// The task these settings were read for.
    var task = GenerativeTask.autoencoder

    init() {}

    init(_ root: ConfigReader, task: GenerativeTask) throws {
        self.task = task
        let model = try root.child("model")
        if let v = try model.int("latent_size", atLeast: 1) { latentSize = v }
        if let v = try model.int("width", atLeast: 1) { width = v }
        try model.finish()
        let loss = try root.child("loss")
        if let v = try loss.choice("reconstruction", as: ReconstructionLoss.self) { reconstruction = v }
        if task == .vae, let v = try loss.double("beta") {
            guard v >= 0 else { throw ConfigError(path: "loss.beta", message: "the KL weight must be ≥ 0, found \(v)") }
            beta = v
        }
        try loss.finish()
        if task == .denoisingAutoencoder {
            corruption = try Self.readCorruption(try root.child("corruption"))
        } else if root.has("corruption"), root.node("corruption") != nil {
            throw ConfigError(path: "corruption", line: root.node("corruption")?.mark?.line,
                              message: "only a denoising_autoencoder corrupts its inputs; use task: denoising_autoencoder or drop this section")
        }
    }

    static func readCorruption(_ r: ConfigReader) throws -> Corruption {
        let kind = try r.choice("kind", as: CorruptionKind.self) ?? .gaussian
        let result: Corruption
        switch kind {
        case .gaussian:
            let sigma = try r.double("sigma", positive: true) ?? 0.3
            result = Corruption(kind: .gaussian(sigma: sigma), clip: try r.bool("clip") ?? false)
        case .saltAndPepper, .masking:
            let p = try r.double("probability") ?? 0.2
            guard p > 0, p <= 1 else { throw ConfigError(path: r.path + ".probability", message: "a probability in (0, 1], found \(p)") }
            result = Corruption(kind: kind == .masking ? .masking(probability: p) : .saltAndPepper(probability: p))
        }
        try r.finish()
        return result
    }

    var resolvedSections: [(String, Node)] {
        var loss: [(String, Node)] = [("reconstruction", Node(reconstruction.rawValue))]
        if task == .vae { loss.append(("beta", ConfigNodes.double(beta))) }
        var sections: [(String, Node)] = [
            ("model", ConfigNodes.map([("latent_size", ConfigNodes.int(latentSize)), ("width", ConfigNodes.int(width))])),
            ("loss", ConfigNodes.map(loss)),
        ]
        if let corruption {
            let pairs: [(String, Node)]
            switch corruption.kind {
            case .gaussian(let s): pairs = [("kind", Node("gaussian")), ("sigma", ConfigNodes.double(s)), ("clip", ConfigNodes.bool(corruption.clip))]
            case .saltAndPepper(let p): pairs = [("kind", Node("salt_and_pepper")), ("probability", ConfigNodes.double(p))]
            case .masking(let p): pairs = [("kind", Node("masking")), ("probability", ConfigNodes.double(p))]
            }
            sections.append(("corruption", ConfigNodes.map(pairs)))
        }
        return sections
    }

    /// The model sizes for images of `data`.
    func architecture(_ data: DataConfig) -> AutoencoderArchitecture {
        AutoencoderArchitecture(channels: data.channels, imageSize: data.imageSize, latentSize: latentSize, width: width)
    }
}
