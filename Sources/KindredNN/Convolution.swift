/// 2-D convolution layer (PyTorch's `nn.Conv2d`; weight `[out, in/groups, kh, kw]`).
public final class Conv2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                weightInit: Initializer = .kaimingUniform()) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: channels \(inChannels)→\(outChannels) are not divisible by groups=\(groups)")
        weight = weightInit.make([outChannels, inChannels / groups, kernelSize.0, kernelSize.1]).requiringGradient()
        self.bias = bias ? defaultBias(outChannels, fanIn: inChannels / groups * kernelSize.0 * kernelSize.1) : nil
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }

    /// Square kernel, stride, padding and dilation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// 2-D transposed convolution layer (PyTorch's `nn.ConvTranspose2d`; weight `[in, out/groups, kh, kw]`).
public final class ConvTranspose2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int), dilation: (Int, Int), groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                groups: Int = 1, bias: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "ConvTranspose2d: channels are not divisible by groups=\(groups)")
        // PyTorch computes fan-in from weight.size(1) * k·k, i.e. out/groups · kh · kw.
        let shape = [inChannels, outChannels / groups, kernelSize.0, kernelSize.1]
        weight = Initializer.kaimingUniform().make(shape).requiringGradient()
        self.bias = bias ? defaultBias(outChannels, fanIn: outChannels / groups * kernelSize.0 * kernelSize.1) : nil
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding; self.dilation = dilation; self.groups = groups
    }

    /// Square kernel, stride and padding.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, bias: Bool = true) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), outputPadding: (outputPadding, outputPadding), bias: bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.convTranspose2d(weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                          dilation: dilation, groups: groups)
    }
}

/// Max pooling layer (`nn.MaxPool2d`; stride defaults to the kernel size).
public final class MaxPool2d: Module, Layer {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        kernel = (kernelSize, kernelSize); self.stride = (stride ?? kernelSize, stride ?? kernelSize); self.padding = (padding, padding)
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.maxPool2d(kernel: kernel, stride: stride, padding: padding) }
}

/// Average pooling layer (`nn.AvgPool2d`).
public final class AvgPool2d: Module, Layer {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        kernel = (kernelSize, kernelSize); self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding); self.countIncludePad = countIncludePad
    }
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// Adaptive average pooling (`nn.AdaptiveAvgPool2d`); `(1, 1)` is global average pooling.
public final class AdaptiveAvgPool2d: Module, Layer {
    public let outputSize: (Int, Int)
    public init(outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.adaptiveAvgPool2d(outputSize: outputSize) }
}
