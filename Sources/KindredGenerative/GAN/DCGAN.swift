import KindredNN
import KindredTensor

/// DCGAN generator for small square images (Radford, Metz & Chintala 2016), sized for 28×28.
///
/// `z [N, latentSize]` → `[N, latentSize, 1, 1]` → ConvTranspose 7×7 (→ 7×7, `2·features`
/// channels) + BN + ReLU → ConvTranspose 4×4 stride 2 (→ 14×14, `features`) + BN + ReLU →
/// ConvTranspose 4×4 stride 2 (→ 28×28, `channels`) → tanh. Outputs lie in `[-1, 1]`; convolutions
/// have no bias (batch norm follows them). Parameter names are those of a PyTorch
/// `self.main = nn.Sequential(...)` (`main.0.weight`, `main.1.running_mean`, …).
///
/// ```swift
/// let g = DCGANGenerator(latentSize: 100, features: 64)
/// let images = g(Tensor.normal([16, 100], generator: &rng))   // [16, 1, 28, 28]
/// ```
public final class DCGANGenerator: Module, Layer {
    /// The layers, as PyTorch's `main`.
    public let main: Sequential
    /// Length of the noise vector `z`.
    public let latentSize: Int
    /// Image channels produced.
    public let channels: Int
    /// Side of the square output images.
    public let imageSize = 28

    /// - Parameters:
    ///   - latentSize: length of `z` (100 in DCGAN).
    ///   - features: channels of the 14×14 layer (the 7×7 layer has twice as many).
    ///   - channels: output image channels (1 for Fashion-MNIST).
    public init(latentSize: Int = 100, features: Int = 64, channels: Int = 1) {
        self.latentSize = latentSize
        self.channels = channels
        main = Sequential(
            ConvTranspose2d(latentSize, 2 * features, kernelSize: 7, stride: 1, padding: 0, bias: false),
            BatchNorm2d(2 * features), ReLU(),
            ConvTranspose2d(2 * features, features, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2d(features), ReLU(),
            ConvTranspose2d(features, channels, kernelSize: 4, stride: 2, padding: 1, bias: false),
            Tanh())
        super.init()
        initializeGANWeights(self)
    }

    /// Images `[N, channels, 28, 28]` from noise `[N, latentSize]` (or `[N, latentSize, 1, 1]`).
    public func callAsFunction(_ z: Tensor) -> Tensor {
        main(z.reshaped([z.shape[0], latentSize, 1, 1]))
    }

    /// Throws ``GANInputError`` unless `z` is `[N, latentSize]` or `[N, latentSize, 1, 1]`.
    public func checkNoise(_ z: Tensor, name: String = "noise") throws {
        let ok = (z.rank == 2 && z.shape[1] == latentSize) || (z.rank == 4 && Array(z.shape[1...]) == [latentSize, 1, 1])
        guard ok, z.shape[0] >= 1 else {
            throw GANInputError.wrongShape(name: name, expected: "[N, \(latentSize)]", actual: z.shape)
        }
    }

    /// Fresh standard-normal noise `[count, latentSize]`.
    public func noise(count: Int, generator: inout RandomGenerator) -> Tensor {
        Tensor.normal([count, latentSize], generator: &generator)
    }
}

/// DCGAN discriminator for 28×28 images: one real/fake logit per image.
///
/// Conv 4×4 stride 2 (→ 14×14, `features`) + LeakyReLU(0.2) → Conv 4×4 stride 2 (→ 7×7,
/// `2·features`) + BN + LeakyReLU(0.2) → Conv 7×7 (→ 1×1, one channel). No sigmoid: the losses
/// take logits (binary cross-entropy computed stably from them). Parameter names as PyTorch's
/// `self.main = nn.Sequential(...)`.
public final class DCGANDiscriminator: Module, Layer {
    /// The layers, as PyTorch's `main`.
    public let main: Sequential
    /// Image channels expected.
    public let channels: Int
    /// Side of the square input images.
    public let imageSize = 28

    /// - Parameters:
    ///   - features: channels of the first layer (the second has twice as many).
    ///   - channels: input image channels.
    public init(features: Int = 64, channels: Int = 1) {
        self.channels = channels
        main = Sequential(
            Conv2d(channels, features, kernelSize: 4, stride: 2, padding: 1, bias: false), LeakyReLU(0.2),
            Conv2d(features, 2 * features, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2d(2 * features), LeakyReLU(0.2),
            Conv2d(2 * features, 1, kernelSize: 7, stride: 1, padding: 0, bias: false))
        super.init()
        initializeGANWeights(self)
    }

    /// Logits `[N]` for images `[N, channels, 28, 28]` (larger = more likely real).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        main(x).reshaped([x.shape[0]])
    }

    /// Throws ``GANInputError`` unless `images` is `[N, channels, 28, 28]`.
    public func checkImages(_ images: Tensor, name: String = "images") throws {
        try GANInputError.checkImages(images, name: name, channels: channels, size: imageSize)
    }
}
