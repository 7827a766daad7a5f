import KindredNN
import KindredTensor

/// A convolutional variational autoencoder (Kingma & Welling 2014): the encoder gives the mean and
/// log-variance of a diagonal Gaussian posterior q(z|x); a latent is drawn by reparameterisation,
/// z = μ + exp(½·log σ²)·ε with ε ~ N(0, I) from a seeded generator, and decoded to logits.
///
/// Trained on the negative ELBO: reconstruction + β·KL(q(z|x) ‖ N(0, I)) (see ``GaussianKL``).
/// Parameter names: `encoder.*` (the convolutional trunk), `mean.*`, `log_variance.*`, `decoder.*`.
///
/// ```swift
/// let vae = VariationalAutoencoder(AutoencoderArchitecture(latentSize: 16))
/// var rng = RandomGenerator(seed: 0)
/// let out = vae.forward(batch, generator: &rng)
/// let loss = (ReconstructionLoss.bce.perImage(logits: out.logits, target: batch)
///             + GaussianKL.perItem(mean: out.mean, logVariance: out.logVariance)).mean()
/// ```
public final class VariationalAutoencoder: Module, LatentImageModel {
    /// Images → features (`[N, featureCount]`).
    public let encoder: Sequential
    /// Features → posterior means μ.
    public let mean: Linear
    /// Features → posterior log-variances log σ².
    public let logVariance: Linear
    /// Latent vectors → logits.
    public let decoder: Sequential
    /// The sizes.
    public let architecture: AutoencoderArchitecture

    /// One forward pass: the posterior parameters, the drawn latents and the decoder logits.
    public struct Output {
        /// Posterior means `[N, latentSize]`.
        public var mean: Tensor
        /// Posterior log-variances `[N, latentSize]`.
        public var logVariance: Tensor
        /// The reparameterised latents `[N, latentSize]`.
        public var latents: Tensor
        /// Decoder logits `[N, C, S, S]`.
        public var logits: Tensor
    }

    /// A freshly initialised VAE (initialisation draws from ``GlobalRandom``).
    public init(_ architecture: AutoencoderArchitecture) {
        self.architecture = architecture
        encoder = Sequential(architecture.makeEncoderTrunk())
        mean = Linear(architecture.featureCount, architecture.latentSize)
        logVariance = Linear(architecture.featureCount, architecture.latentSize)
        decoder = architecture.makeDecoder()
    }

    /// Posterior means and log-variances of images.
    public func posterior(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        let h = encoder(images)
        return (mean(h), logVariance(h))
    }

    /// z = μ + exp(½·log σ²)·ε with ε drawn from `generator` (differentiable in μ and log σ²).
    public static func reparameterize(mean: Tensor, logVariance: Tensor, generator: inout RandomGenerator) -> Tensor {
        let epsilon = Tensor.normal(mean.shape, dtype: mean.dtype, generator: &generator)
        return mean + (logVariance * 0.5).exp() * epsilon
    }

    /// The full forward pass with a drawn latent.
    public func forward(_ images: Tensor, generator: inout RandomGenerator) -> Output {
        let (mu, logVar) = posterior(images)
        let z = Self.reparameterize(mean: mu, logVariance: logVar, generator: &generator)
        return Output(mean: mu, logVariance: logVar, latents: z, logits: decoder(z))
    }

    /// Posterior means of images (the deterministic code used for interpolation and arithmetic).
    public func encode(_ images: Tensor) -> Tensor { mean(encoder(images)) }

    /// Logits of latent codes.
    public func decodeLogits(_ latents: Tensor) -> Tensor { decoder(latents) }

    /// Decoder logits of the posterior means of `x` (no sampling).
    public func callAsFunction(_ x: Tensor) -> Tensor { decoder(encode(x)) }

    /// Images in `[0, 1]` decoded from `count` latents drawn from the prior N(0, I).
    public func samplePrior(count: Int, generator: inout RandomGenerator) -> Tensor {
        decode(Tensor.normal([count, architecture.latentSize], generator: &generator))
    }
}
