/// ResNet's basic residual block (two 3×3 convolutions), names as torchvision's.
public final class BasicBlock: Module, Layer {
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    /// 1×1 projection when the shape changes (`downsample.0` conv, `downsample.1` BN).
    public let downsample: Sequential?

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1) {
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm2d(outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(outChannels)
        downsample = (stride != 1 || inChannels != outChannels)
            ? Sequential(Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false), BatchNorm2d(outChannels))
            : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = bn2(conv2(bn1.normalizedReLU(conv1(x))))
        return (y + (downsample?(x) ?? x)).relu()
    }
}

/// ResNet-18 (torchvision layout and parameter names: `conv1`, `bn1`, `layer1.0.conv1`, …, `fc`).
public final class ResNet18: Module, Layer {
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    /// Final classifier / projection (`fc`).
    public let fc: Linear

    /// - Parameters:
    ///   - inputChannels: 3 for RGB.
    ///   - outputs: size of the final linear layer (1000 for ImageNet classes; an embedding size for metric learning).
    public init(inputChannels: Int = 3, outputs: Int = 1000) {
        conv1 = Conv2d(inputChannels, 64, kernelSize: (7, 7), stride: (2, 2), padding: (3, 3), bias: false)
        bn1 = BatchNorm2d(64)
        layer1 = Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        layer2 = Sequential(BasicBlock(64, 128, stride: 2), BasicBlock(128, 128))
        layer3 = Sequential(BasicBlock(128, 256, stride: 2), BasicBlock(256, 256))
        layer4 = Sequential(BasicBlock(256, 512, stride: 2), BasicBlock(512, 512))
        fc = Linear(512, outputs)
    }

    /// Image batch `[N, C, H, W]` → pooled features `[N, 512]` (before `fc`).
    public func features(_ x: Tensor) -> Tensor {
        var y = bn1.normalizedReLU(conv1(x)).maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        y = layer4(layer3(layer2(layer1(y))))
        return y.adaptiveAvgPool2d().flattened()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc(features(x)) }
}
