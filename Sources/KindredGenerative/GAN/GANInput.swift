import KindredNN
import KindredTensor

/// Errors from tensors of the wrong shape given to a GAN model or training step.
public enum GANInputError: Error, Equatable, CustomStringConvertible {
    /// A tensor whose shape is not what the model was built for.
    case wrongShape(name: String, expected: String, actual: [Int])
    /// A batch too small for the step (batch normalisation needs at least two samples).
    case batchTooSmall(name: String, count: Int, minimum: Int)

    /// A message naming the tensor, the expected shape and the actual one.
    public var description: String {
        switch self {
        case let .wrongShape(name, expected, actual):
            return "\(name) has shape \(actual); expected \(expected)"
        case let .batchTooSmall(name, count, minimum):
            return "\(name) holds \(count) sample(s); this step needs at least \(minimum)"
        }
    }

    /// Throws ``wrongShape(name:expected:actual:)`` unless `tensor` is `[N, channels, size, size]`
    /// with `N ≥ minimumBatch`.
    public static func checkImages(_ tensor: Tensor, name: String, channels: Int, size: Int, minimumBatch: Int = 1) throws {
        let expected = "[N, \(channels), \(size), \(size)]"
        guard tensor.rank == 4, tensor.shape[1] == channels, tensor.shape[2] == size, tensor.shape[3] == size else {
            throw wrongShape(name: name, expected: expected, actual: tensor.shape)
        }
        guard tensor.shape[0] >= minimumBatch else {
            throw batchTooSmall(name: name, count: tensor.shape[0], minimum: minimumBatch)
        }
    }
}

/// DCGAN's weight initialisation (Radford et al. 2016), used by every GAN model here:
/// convolution and transposed-convolution weights from N(0, 0.02), batch-norm scales from
/// N(1, 0.02) and biases 0. Draws from ``GlobalRandom`` in module order, so a seed fixes it.
public func initializeGANWeights(_ model: Module) {
    for module in model.modules() {
        if let conv = module as? Conv2d {
            conv.weight.assign(Initializer.normal(mean: 0, std: 0.02).make(conv.weight.shape))
            conv.bias?.fill(0)
        } else if let conv = module as? ConvTranspose2d {
            conv.weight.assign(Initializer.normal(mean: 0, std: 0.02).make(conv.weight.shape))
            conv.bias?.fill(0)
        } else if let norm = module as? BatchNorm {
            if let w = norm.weight { w.assign(Initializer.normal(mean: 1, std: 0.02).make(w.shape)) }
            norm.bias?.fill(0)
        }
    }
}
