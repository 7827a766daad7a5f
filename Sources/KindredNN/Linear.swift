/// `y = x·Wᵀ + b` (PyTorch's `nn.Linear`; weight `[out, in]`).
public final class Linear: Module, Layer {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, if used.
    public let bias: Tensor?

    /// PyTorch's default initialisation (Kaiming-uniform weight, uniform bias in `±1/√in`).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, weightInit: Initializer = .kaimingUniform()) {
        weight = weightInit.make([outFeatures, inFeatures]).requiringGradient()
        self.bias = bias ? defaultBias(outFeatures, fanIn: inFeatures) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = x.matmul(weight.transposed(0, 1))
        return bias.map { y + $0 } ?? y
    }
}

/// A lookup table: row `i` of `weight` for index `i` (PyTorch's `nn.Embedding`).
public final class Embedding: Module {
    /// `[count, dimension]`, initialised from N(0, 1) as PyTorch.
    public let weight: Tensor

    public init(count: Int, dimension: Int) {
        weight = Initializer.normal().make([count, dimension]).requiringGradient()
    }

    /// Rows for `indices`: `[indices.count, dimension]`.
    public func callAsFunction(_ indices: [Int]) -> Tensor { weight.rows(indices) }
}

/// Flattens all axes after the first (PyTorch's `nn.Flatten()`).
public final class Flatten: Module, Layer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.flattened(startAxis: 1) }
}

/// Divides each row by its L2 norm (the last step of an embedding network).
public final class L2Normalize: Module, Layer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.l2Normalized(axis: -1) }
}

/// Zeroes elements with probability `p` in training mode and scales the rest by `1/(1-p)`.
public final class Dropout: Module, Layer {
    public let probability: Double
    public init(probability: Double = 0.5) { self.probability = probability }
    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard training, probability > 0 else { return x }
        return GlobalRandom.withGenerator { x.dropout(probability: probability, generator: &$0) }
    }
}

/// An elementwise activation as a layer.
public final class Activation: Module, Layer {
    /// The available functions.
    public enum Kind: Sendable, Equatable {
        case relu, sigmoid, tanh, gelu, softplus
        case leakyRelu(slope: Double)
    }
    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch kind {
        case .relu: return x.relu()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .gelu: return x.gelu()
        case .softplus: return x.softplus()
        case .leakyRelu(let s): return x.leakyRelu(slope: s)
        }
    }
}

/// `ReLU()` as in PyTorch.
public func ReLU() -> Activation { Activation(.relu) }
/// `LeakyReLU(slope)` as in PyTorch.
public func LeakyReLU(_ slope: Double = 0.01) -> Activation { Activation(.leakyRelu(slope: slope)) }
/// `GELU()` as in PyTorch.
public func GELU() -> Activation { Activation(.gelu) }
/// `Sigmoid()` as in PyTorch.
public func Sigmoid() -> Activation { Activation(.sigmoid) }
/// `Tanh()` as in PyTorch.
public func Tanh() -> Activation { Activation(.tanh) }
