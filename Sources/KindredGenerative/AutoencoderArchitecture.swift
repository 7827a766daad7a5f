import KindredNN
import KindredTensor

/// The shape of Kindred's convolutional autoencoders: the image size and channels they take, the
/// latent size and the width of the first convolution.
///
/// Encoder: `Conv(C→w, 4, stride 2, pad 1) → ReLU → Conv(w→2w, 4, stride 2, pad 1) → ReLU →
/// Flatten`, leaving `2w × S/4 × S/4` features; decoder: `Linear(latent → 2w·S/4·S/4) → ReLU →
/// Unflatten → ConvT(2w→w, 4, stride 2, pad 1) → ReLU → ConvT(w→C, 4, stride 2, pad 1)`, giving
/// logits (pixel values are their sigmoid). For Fashion-MNIST (`1×28×28`, w = 32) the features are
/// `64×7×7`.
public struct AutoencoderArchitecture: Sendable, Equatable, Codable {
    /// Image channels (1 gray, 3 RGB).
    public var channels: Int
    /// Side of the square images (a multiple of 4).
    public var imageSize: Int
    /// Size of the latent vector.
    public var latentSize: Int
    /// Channels of the first convolution (the second has twice as many).
    public var width: Int

    /// An architecture; `imageSize` must be a multiple of 4 (see ``validate()``).
    public init(channels: Int = 1, imageSize: Int = 28, latentSize: Int = 32, width: Int = 32) {
        self.channels = channels
        self.imageSize = imageSize
        self.latentSize = latentSize
        self.width = width
    }

    /// Throws a ``GenerativeModelError`` when the sizes cannot be built.
    public func validate() throws {
        guard channels >= 1, latentSize >= 1, width >= 1 else {
            throw GenerativeModelError("autoencoder: channels, latent size and width must be positive (found \(channels), \(latentSize), \(width))")
        }
        guard imageSize >= 4, imageSize % 4 == 0 else {
            throw GenerativeModelError("autoencoder: the image size must be a multiple of 4 (two stride-2 convolutions), found \(imageSize)")
        }
    }

    /// Side of the encoder's last feature map (`imageSize / 4`).
    public var featureSide: Int { imageSize / 4 }
    /// Number of features the encoder's convolutions leave (`2w × (S/4)²`).
    public var featureCount: Int { 2 * width * featureSide * featureSide }

    /// The convolutional trunk of the encoder, ending in `Flatten` (`[N, featureCount]`).
    public func makeEncoderTrunk() -> [any Layer] {
        [Conv2d(channels, width, kernelSize: 4, stride: 2, padding: 1), ReLU(),
         Conv2d(width, 2 * width, kernelSize: 4, stride: 2, padding: 1), ReLU(),
         Flatten()]
    }

    /// The decoder from latent vectors `[N, latentSize]` to logits `[N, C, S, S]`.
    public func makeDecoder() -> Sequential {
        Sequential([Linear(latentSize, featureCount), ReLU(), Unflatten([2 * width, featureSide, featureSide]),
                    ConvTranspose2d(2 * width, width, kernelSize: 4, stride: 2, padding: 1), ReLU(),
                    ConvTranspose2d(width, channels, kernelSize: 4, stride: 2, padding: 1)])
    }
}

/// A model with an encoder to latent vectors and a decoder back to images: what
/// `kindred generate` reconstructs, interpolates and does latent arithmetic with.
public protocol LatentImageModel: Layer {
    /// The sizes of the model.
    var architecture: AutoencoderArchitecture { get }
    /// Latent codes `[N, latentSize]` of images `[N, C, S, S]` (a VAE gives the posterior means).
    func encode(_ images: Tensor) -> Tensor
    /// Decoder logits `[N, C, S, S]` of latent codes `[N, latentSize]`.
    func decodeLogits(_ latents: Tensor) -> Tensor
}

extension LatentImageModel {
    /// Images in `[0, 1]` (the sigmoid of the decoder's logits) of latent codes.
    public func decode(_ latents: Tensor) -> Tensor { decodeLogits(latents).sigmoid() }

    /// Latent codes of images, after checking their shape.
    ///
    /// - Throws: ``GenerativeModelError`` naming the expected and the given shape.
    public func checkedEncode(_ images: Tensor, what: String = "input images") throws -> Tensor {
        let a = architecture
        try GenerativeModelError.checkImages(images, channels: a.channels, size: a.imageSize, what: what)
        return encode(images)
    }

    /// Images in `[0, 1]` of latent codes, after checking their shape.
    public func checkedDecode(_ latents: Tensor) throws -> Tensor {
        try GenerativeModelError.checkLatents(latents, size: architecture.latentSize)
        return decode(latents)
    }

    /// Reconstructions in `[0, 1]` of images (encode, then decode), after checking their shape.
    public func reconstruct(_ images: Tensor, what: String = "input images") throws -> Tensor {
        decode(try checkedEncode(images, what: what))
    }
}
