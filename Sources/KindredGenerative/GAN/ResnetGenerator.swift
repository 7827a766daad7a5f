import KindredNN
import KindredTensor

/// A residual block of the CycleGAN generator: `x + BN(Conv3×3(ReLU(BN(Conv3×3(x)))))`.
public final class ResidualBlock: Module, Layer {
    /// First 3×3 convolution.
    public let conv1: Conv2d
    /// Normalisation after ``conv1``.
    public let bn1: BatchNorm2d
    /// Second 3×3 convolution.
    public let conv2: Conv2d
    /// Normalisation after ``conv2``.
    public let bn2: BatchNorm2d

    /// A block keeping `channels` channels and the spatial size.
    public init(channels: Int) {
        conv1 = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false); bn1 = BatchNorm2d(channels)
        conv2 = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false); bn2 = BatchNorm2d(channels)
    }

    /// The input plus the residual branch.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x + bn2(conv2(bn1.normalizedReLU(conv1(x))))
    }
}

/// A small CycleGAN generator (Zhu et al. 2017; Johnson et al.'s residual design), for 28×28 images.
///
/// Conv 7×7 (`features`) + BN + ReLU → Conv 3×3 stride 2 (→ 14×14, `2·features`) + BN + ReLU →
/// `blocks` × ``ResidualBlock`` → ConvTranspose 3×3 stride 2 (→ 28×28, `features`) + BN + ReLU →
/// Conv 7×7 (`channels`) → tanh. Outputs lie in `[-1, 1]`.
///
/// CycleGAN uses instance normalisation and reflection padding; this one uses batch
/// normalisation and zero padding (Kindred's layers), which trains well at the batch sizes used
/// here (≥ 16). Names: `stem.0.weight`, `down.1.running_var`, `blocks.0.conv1.weight`, `up.0.weight`,
/// `head.0.bias`.
public final class ResnetGenerator: Module, Layer {
    /// Full-resolution input convolution.
    public let stem: Sequential
    /// Downsampling to half resolution.
    public let down: Sequential
    /// Residual blocks at half resolution.
    public let blocks: [ResidualBlock]
    /// Upsampling back to full resolution.
    public let up: Sequential
    /// Output convolution and tanh.
    public let head: Sequential
    /// Image channels in and out.
    public let channels: Int
    /// Side of the square images.
    public let imageSize = 28

    /// - Parameters:
    ///   - features: channels at full resolution (twice as many at half resolution).
    ///   - blocks: number of residual blocks.
    ///   - channels: image channels.
    public init(features: Int = 16, blocks: Int = 2, channels: Int = 1) {
        let f = features
        self.channels = channels
        stem = Sequential(Conv2d(channels, f, kernelSize: 7, padding: 3, bias: false), BatchNorm2d(f), ReLU())
        down = Sequential(Conv2d(f, 2 * f, kernelSize: 3, stride: 2, padding: 1, bias: false), BatchNorm2d(2 * f), ReLU())
        self.blocks = (0..<blocks).map { _ in ResidualBlock(channels: 2 * f) }
        up = Sequential(ConvTranspose2d(2 * f, f, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false),
                        BatchNorm2d(f), ReLU())
        head = Sequential(Conv2d(f, channels, kernelSize: 7, padding: 3), Tanh())
        super.init()
        initializeGANWeights(self)
    }

    /// The translated images, same shape as the input.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = down(stem(x))
        for block in blocks { y = block(y) }
        return head(up(y))
    }

    /// Throws ``GANInputError`` unless `images` is `[N, channels, 28, 28]`.
    public func checkImages(_ images: Tensor, name: String = "images") throws {
        try GANInputError.checkImages(images, name: name, channels: channels, size: imageSize)
    }
}
