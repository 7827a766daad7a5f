import KindredNN
import KindredTensor

/// A convolutional autoencoder: encoder → latent vector → decoder with transposed convolutions
/// (see ``AutoencoderArchitecture`` for the layers).
///
/// The forward pass returns decoder logits; train with a ``ReconstructionLoss`` on them (BCE is
/// computed from the logits, stably) and read images as their sigmoid (``LatentImageModel/decode(_:)``).
/// Parameter names follow PyTorch's `state_dict` (`encoder.0.weight`, `decoder.3.weight`, …).
///
/// ```swift
/// let model = ConvAutoencoder(AutoencoderArchitecture(channels: 1, imageSize: 28, latentSize: 32))
/// let logits = model(batch)                       // [N, 1, 28, 28]
/// let loss = ReconstructionLoss.mse(logits: logits, target: batch)
/// ```
public final class ConvAutoencoder: Module, LatentImageModel {
    /// Images → latent vectors (`[N, latentSize]`).
    public let encoder: Sequential
    /// Latent vectors → logits.
    public let decoder: Sequential
    /// The sizes.
    public let architecture: AutoencoderArchitecture

    /// A freshly initialised autoencoder (initialisation draws from ``GlobalRandom``).
    public init(_ architecture: AutoencoderArchitecture) {
        self.architecture = architecture
        encoder = Sequential(architecture.makeEncoderTrunk() + [Linear(architecture.featureCount, architecture.latentSize)])
        decoder = architecture.makeDecoder()
    }

    /// Latent codes of images.
    public func encode(_ images: Tensor) -> Tensor { encoder(images) }

    /// Logits of latent codes.
    public func decodeLogits(_ latents: Tensor) -> Tensor { decoder(latents) }

    /// Decoder logits of the reconstruction of `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor { decoder(encoder(x)) }
}
