import KindredNN
import KindredTensor

/// PatchGAN discriminator (Isola et al. 2017): a grid of real/fake logits, one per overlapping
/// image patch, instead of one per image.
///
/// Conv 4×4 stride 2 (`features`) + LeakyReLU(0.2) → Conv 4×4 stride 2 (`2·features`) + BN +
/// LeakyReLU(0.2) → Conv 3×3 (one channel). A 28×28 input gives 7×7 logits, each seeing a
/// 18×18 patch. For pix2pix the input is the condition and the candidate concatenated on the
/// channel axis (`inputChannels = 2` for grayscale); for CycleGAN it is one image. Names as
/// PyTorch's `self.main = nn.Sequential(...)`.
public final class PatchDiscriminator: Module, Layer {
    /// The layers, as PyTorch's `main`.
    public let main: Sequential
    /// Channels of the input tensor.
    public let inputChannels: Int
    /// Side of the square inputs.
    public let imageSize: Int

    /// - Parameters:
    ///   - inputChannels: channels of the discriminator's input.
    ///   - features: channels of the first layer.
    ///   - imageSize: side of the square inputs (28; must be divisible by 4).
    public init(inputChannels: Int, features: Int = 32, imageSize: Int = 28) {
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        main = Sequential(
            Conv2d(inputChannels, features, kernelSize: 4, stride: 2, padding: 1), LeakyReLU(0.2),
            Conv2d(features, 2 * features, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2d(2 * features), LeakyReLU(0.2),
            Conv2d(2 * features, 1, kernelSize: 3, stride: 1, padding: 1))
        super.init()
        initializeGANWeights(self)
    }

    /// Patch logits `[N, 1, imageSize/4, imageSize/4]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { main(x) }

    /// Throws ``GANInputError`` unless `input` is `[N, inputChannels, imageSize, imageSize]`.
    public func checkInput(_ input: Tensor, name: String = "discriminator input") throws {
        try GANInputError.checkImages(input, name: name, channels: inputChannels, size: imageSize)
    }
}
