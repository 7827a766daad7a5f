import KindredNN
import KindredTensor

/// pix2pix-style encoder-decoder generator with skip connections (Isola et al. 2017), for 2×
/// super-resolution of 28×28 images.
///
/// **Input.** The low-resolution image already upsampled to the output size by bicubic
/// interpolation (``Resampling/bicubic(_:scale:)``), in `[-1, 1]`; the network learns the
/// residual to that upsampling rather than the upsampling itself, so an untrained network
/// starts at the bicubic baseline:
///
///     down1 = LReLU(Conv4×4/2(x))                       28 → 14, f channels
///     down2 = LReLU(BN(Conv4×4/2(down1)))               14 → 7, 2f
///     mid   = ReLU(BN(Conv3×3(down2)))                   7, 2f
///     up2   = ReLU(BN(ConvT4×4/2([mid, down2])))         7 → 14, f
///     up1   = ReLU(BN(ConvT4×4/2([up2, down1])))        14 → 28, f
///     out   = x + Conv3×3([up1, x])                     28, channels
///
/// (`[a, b]` is channel concatenation: the U-Net skips.) Parameter names are
/// `down1.0.weight`, `down2.1.running_mean`, …, `out.weight`, as PyTorch `nn.Sequential` members.
public final class UNetGenerator: Module, Layer {
    /// Encoder stage 1 (28 → 14).
    public let down1: Sequential
    /// Encoder stage 2 (14 → 7).
    public let down2: Sequential
    /// Bottleneck at 7×7.
    public let mid: Sequential
    /// Decoder stage 2 (7 → 14) on the bottleneck and `down2`.
    public let up2: Sequential
    /// Decoder stage 1 (14 → 28) on `up2` and `down1`.
    public let up1: Sequential
    /// Final 3×3 convolution on `up1` and the input, giving the residual.
    public let out: Conv2d
    /// Image channels.
    public let channels: Int
    /// Side of the square input and output images.
    public let imageSize = 28

    /// - Parameters:
    ///   - features: channels of the first encoder stage (`f` above).
    ///   - channels: image channels.
    public init(features: Int = 32, channels: Int = 1) {
        let f = features
        self.channels = channels
        down1 = Sequential(Conv2d(channels, f, kernelSize: 4, stride: 2, padding: 1), LeakyReLU(0.2))
        down2 = Sequential(Conv2d(f, 2 * f, kernelSize: 4, stride: 2, padding: 1, bias: false), BatchNorm2d(2 * f), LeakyReLU(0.2))
        mid = Sequential(Conv2d(2 * f, 2 * f, kernelSize: 3, stride: 1, padding: 1, bias: false), BatchNorm2d(2 * f), ReLU())
        up2 = Sequential(ConvTranspose2d(4 * f, f, kernelSize: 4, stride: 2, padding: 1, bias: false), BatchNorm2d(f), ReLU())
        up1 = Sequential(ConvTranspose2d(2 * f, f, kernelSize: 4, stride: 2, padding: 1, bias: false), BatchNorm2d(f), ReLU())
        out = Conv2d(f + channels, channels, kernelSize: 3, stride: 1, padding: 1)
        super.init()
        initializeGANWeights(self)
    }

    /// The high-resolution estimate `[N, channels, 28, 28]` for upsampled inputs of the same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let d1 = down1(x)
        let d2 = down2(d1)
        let m = mid(d2)
        let u2 = up2(Tensor.concat([m, d2], axis: 1))
        let u1 = up1(Tensor.concat([u2, d1], axis: 1))
        return x + out(Tensor.concat([u1, x], axis: 1))
    }

    /// Throws ``GANInputError`` unless `images` is `[N, channels, 28, 28]`.
    public func checkImages(_ images: Tensor, name: String = "upsampled input") throws {
        try GANInputError.checkImages(images, name: name, channels: channels, size: imageSize)
    }
}
