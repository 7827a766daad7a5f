/// Kindred's reference embedding network for small grayscale images (Fashion-MNIST):
/// three Conv-BN-ReLU blocks (32, 64, 128 channels; 2×2 max-pool after the first two), global
/// average pooling, a linear projection and L2 normalisation.
///
/// Parameter names (`c1.weight`, `b1.running_mean`, …, `fc.weight`) match the PyTorch recipe it
/// mirrors, so weights trained there load here.
public final class EmbeddingCNN: Module, Layer {
    public let c1: Conv2d, b1: BatchNorm2d
    public let c2: Conv2d, b2: BatchNorm2d
    public let c3: Conv2d, b3: BatchNorm2d
    /// Projection to the embedding size.
    public let fc: Linear
    /// Whether the output is L2-normalised.
    public let normalize: Bool

    /// - Parameters:
    ///   - inputChannels: 1 for grayscale, 3 for RGB.
    ///   - embeddingSize: output dimension (64 by default).
    ///   - normalize: L2-normalise the embedding (on by default).
    public init(inputChannels: Int = 1, embeddingSize: Int = 64, normalize: Bool = true) {
        c1 = Conv2d(inputChannels, 32, kernelSize: 3, padding: 1); b1 = BatchNorm2d(32)
        c2 = Conv2d(32, 64, kernelSize: 3, padding: 1); b2 = BatchNorm2d(64)
        c3 = Conv2d(64, 128, kernelSize: 3, padding: 1); b3 = BatchNorm2d(128)
        fc = Linear(128, embeddingSize)
        self.normalize = normalize
    }

    /// Pooled 128-d features before the projection.
    public func features(_ x: Tensor) -> Tensor {
        var y = b1.normalizedReLU(c1(x)).maxPool2d(kernel: (2, 2))
        y = b2.normalizedReLU(c2(y)).maxPool2d(kernel: (2, 2))
        y = b3.normalizedReLU(c3(y))
        return y.adaptiveAvgPool2d().flattened()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let e = fc(features(x))
        return normalize ? e.l2Normalized(axis: 1) : e
    }
}
