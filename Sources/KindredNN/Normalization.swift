/// Batch normalisation over channel axis 1 (PyTorch's `nn.BatchNorm1d` / `nn.BatchNorm2d`).
///
/// Training mode normalises with batch statistics and updates the running ones
/// (`momentum` 0.1, unbiased running variance, as PyTorch); evaluation mode uses the running ones.
public class BatchNorm: Module, Layer {
    public let weight: Tensor?
    public let bias: Tensor?
    @Buffer public var runningMean: Tensor
    @Buffer public var runningVar: Tensor
    @Buffer public var numBatchesTracked: Tensor
    public let epsilon: Double
    public let momentum: Double

    public init(_ features: Int, epsilon: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true) {
        weight = affine ? Tensor.ones([features]).requiringGradient() : nil
        bias = affine ? Tensor.zeros([features]).requiringGradient() : nil
        runningMean = Tensor.zeros([features])
        runningVar = Tensor.ones([features])
        numBatchesTracked = Tensor.zeros([])
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { normalized(x, relu: false) }

    /// `self(x).relu()` in one pass over memory (and one in the backward pass): the same values
    /// and gradients, for the common batch norm → ReLU pair.
    public func normalizedReLU(_ x: Tensor) -> Tensor { normalized(x, relu: true) }

    private func normalized(_ x: Tensor, relu: Bool) -> Tensor {
        guard training else {
            return x.batchNormInference(mean: runningMean, variance: runningVar, weight: weight, bias: bias, epsilon: epsilon, relu: relu)
        }
        let (y, mean, variance) = x.batchNormTraining(weight: weight, bias: bias, epsilon: epsilon, relu: relu)
        withoutGradients {
            let n = Double(x.count / x.shape[1])
            runningMean.assign(runningMean * (1 - momentum) + mean * momentum)
            runningVar.assign(runningVar * (1 - momentum) + variance * (momentum * n / Swift.max(n - 1, 1)))
            numBatchesTracked.assign(numBatchesTracked + 1)
        }
        return y
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, L]` inputs.
public final class BatchNorm1d: BatchNorm {}

/// Batch normalisation of `[N, C, H, W]` inputs.
public final class BatchNorm2d: BatchNorm {}

/// Layer normalisation over the trailing `shape` axes (PyTorch's `nn.LayerNorm`).
public final class LayerNorm: Module, Layer {
    public let weight: Tensor?
    public let bias: Tensor?
    public let normalizedShape: [Int]
    public let epsilon: Double

    public init(_ normalizedShape: [Int], epsilon: Double = 1e-5, elementwiseAffine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Tensor.ones(normalizedShape).requiringGradient() : nil
        bias = elementwiseAffine ? Tensor.zeros(normalizedShape).requiringGradient() : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(Array(x.shape.suffix(normalizedShape.count)) == normalizedShape,
                     "LayerNorm\(normalizedShape): input shape \(x.shape) does not end with \(normalizedShape)")
        return x.layerNorm(normalizedAxes: normalizedShape.count, weight: weight, bias: bias, epsilon: epsilon)
    }
}
