import KindredNN
import KindredTensor

/// Reshapes `[N, d]` to `[N] + shape` (PyTorch's `nn.Unflatten(1, shape)`); no parameters.
///
/// ```swift
/// let decoder = Sequential(Linear(16, 64 * 7 * 7), ReLU(), Unflatten([64, 7, 7]), ConvTranspose2d(64, 1, kernelSize: 4, stride: 2, padding: 1))
/// ```
public final class Unflatten: Module, Layer {
    /// The shape of each item after the batch axis.
    public let itemShape: [Int]

    /// A layer that reshapes every item to `itemShape`.
    public init(_ itemShape: [Int]) {
        self.itemShape = itemShape
    }

    /// `x` reshaped to `[N] + itemShape`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.reshaped([x.shape[0]] + itemShape)
    }
}
