/// Convolutions over `[N, C, H, W]` images (PyTorch semantics and weight layouts).
extension Tensor {
    /// 2-D convolution (cross-correlation, as PyTorch's `conv2d`).
    ///
    /// - Parameters:
    ///   - weight: `[Cout, Cin/groups, kh, kw]`.
    ///   - bias: `[Cout]`, optional.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        let config = Conv2dConfig(stride: stride, padding: padding, dilation: dilation, groups: groups)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        // Keep the unfolded input for the weight gradient instead of unfolding it again.
        let keep = GradMode.isEnabled && weight.tracksGradient
        let (out, columns) = Kernels.conv2d(self, weight: weight, bias: bias, config: config, keepColumns: keep)
        return Tensor.result(out, .conv2d(self, weight: weight, bias: bias, config, columns: columns), inputs: inputs)
    }

    /// 2-D transposed convolution (PyTorch's `conv_transpose2d`): the gradient of ``conv2d(weight:bias:stride:padding:dilation:groups:)``
    /// with respect to its input.
    ///
    /// - Parameters:
    ///   - weight: `[Cin, Cout/groups, kh, kw]`.
    ///   - outputPadding: extra size added to one side of the output.
    public func convTranspose2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                                outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        let config = Conv2dConfig(stride: stride, padding: padding, dilation: dilation, groups: groups, outputPadding: outputPadding)
        let out = Kernels.convTranspose2d(self, weight: weight, bias: bias, config: config)
        return Tensor.result(out, .convTranspose2d(self, weight: weight, bias: bias, config), inputs: [self, weight] + (bias.map { [$0] } ?? []))
    }
}

/// Pooling over `[N, C, H, W]`.
extension Tensor {
    /// Max over windows; padded positions never win. Ties: the first position in row-major order wins the gradient.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let (out, argmax) = Kernels.maxPool2d(self, Pool2dConfig(kernel: kernel, stride: stride, padding: padding))
        return Tensor.result(out, .maxPool2d(self, argmax: argmax), inputs: [self])
    }

    /// Mean over windows (`countIncludePad` as PyTorch's `count_include_pad`).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true) -> Tensor {
        let config = Pool2dConfig(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
        return Tensor.result(Kernels.avgPool2d(self, config), .avgPool2d(self, config), inputs: [self])
    }

    /// Mean over PyTorch's adaptive windows so the output is `outputSize` (`(1, 1)` = global average pooling).
    public func adaptiveAvgPool2d(outputSize: (Int, Int) = (1, 1)) -> Tensor {
        Tensor.result(Kernels.adaptiveAvgPool2d(self, outputSize: outputSize), .adaptiveAvgPool2d(self), inputs: [self])
    }
}

/// Normalisation.
extension Tensor {
    /// Batch normalisation with batch statistics over all axes but 1 (training mode).
    ///
    /// - Returns: the normalised tensor, the batch mean and the biased batch variance (per channel), for
    ///   updating running statistics.
    ///
    /// - Parameter relu: also apply a ReLU, in the same pass (the result equals `.relu()` of the
    ///   normalised tensor, value for value and in its gradient, with two fewer passes over memory).
    public func batchNormTraining(weight: Tensor?, bias: Tensor?, epsilon: Double = 1e-5, relu: Bool = false)
        -> (output: Tensor, mean: Tensor, variance: Tensor) {
        let (y, mean, invStd, variance) = Kernels.batchNorm(self, weight: weight, bias: bias, epsilon: epsilon, relu: relu)
        let inputs = [self] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        let out = Tensor.result(y, .batchNorm(self, weight: weight, bias: bias, mean: mean, invStd: invStd, relu: relu), inputs: inputs)
        return (out, mean, variance)
    }

    /// Batch normalisation with given (running) statistics (evaluation mode).
    ///
    /// - Parameter relu: also apply a ReLU (in the same pass when no gradient is recorded).
    public func batchNormInference(mean: Tensor, variance: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double = 1e-5,
                                   relu: Bool = false) -> Tensor {
        let inputs = [self, mean, variance] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        guard !relu || !(GradMode.isEnabled && inputs.contains(where: \.tracksGradient)) else {
            return batchNormInference(mean: mean, variance: variance, weight: weight, bias: bias, epsilon: epsilon).relu()
        }
        if !(GradMode.isEnabled && inputs.contains(where: \.tracksGradient)) {
            // Inference: one fused pass y = x·scale[c] + shift[c].
            let scale = withoutGradients { () -> Tensor in
                let s = (variance + epsilon).pow(-0.5)
                return weight.map { s * $0 } ?? s
            }
            let shift = withoutGradients { () -> Tensor in
                let s = -(mean * scale)
                return bias.map { s + $0 } ?? s
            }
            return Kernels.channelAffine(self, scale: scale, shift: shift, relu: relu)
        }
        var shape = [Int](repeating: 1, count: rank)
        shape[1] = self.shape[1]
        let scale = (variance + epsilon).pow(-0.5)
        var y = (self - mean.reshaped(shape)) * scale.reshaped(shape)
        if let weight { y = y * weight.reshaped(shape) }
        if let bias { y = y + bias.reshaped(shape) }
        return y
    }

    /// Layer normalisation over the last `normalizedAxes` axes (biased variance, as PyTorch).
    public func layerNorm(normalizedAxes: Int = 1, weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5) -> Tensor {
        let axes = Array((rank - normalizedAxes)..<rank)
        let mu = mean(axes: axes, keepDims: true)
        let centered = self - mu
        let variance = centered.squared().mean(axes: axes, keepDims: true)
        var y = centered * (variance + epsilon).pow(-0.5)
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }
}
