/// Elementwise functions of one tensor. Each has a derivative in ``Backprop``.
public enum UnaryOp: Sendable, Equatable {
    case negate, exp, log, sqrt, abs, sigmoid, tanh, relu, gelu, softplus, sin, cos, square, reciprocal
    /// `x * scale + shift`.
    case affine(scale: Double, shift: Double)
    /// `x` raised to a constant power.
    case power(Double)
    /// `max(x, 0) + slope * min(x, 0)`.
    case leakyRelu(slope: Double)
    /// `min(max(x, lower), upper)`; the gradient is 1 inside the range (bounds included) and 0 outside.
    case clamp(lower: Double, upper: Double)
}

/// Elementwise functions of two broadcast tensors.
public enum BinaryOp: Sendable, Equatable {
    case add, subtract, multiply, divide, power, maximum, minimum
}

/// Settings of a 2-D convolution (PyTorch's meaning for every field).
public struct Conv2dConfig: Sendable, Equatable {
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)
    public var groups: Int
    /// Extra rows/columns added to one side of a transposed convolution's output.
    public var outputPadding: (Int, Int)

    public init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, outputPadding: (Int, Int) = (0, 0)) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.outputPadding = outputPadding
    }

    public static func == (a: Conv2dConfig, b: Conv2dConfig) -> Bool {
        a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation && a.groups == b.groups && a.outputPadding == b.outputPadding
    }
}

/// Settings of a 2-D pooling window (PyTorch's meaning).
public struct Pool2dConfig: Sendable, Equatable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    /// Average pooling: whether padded zeros count in the divisor (PyTorch's `count_include_pad`).
    public var countIncludePad: Bool

    public init(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.countIncludePad = countIncludePad
    }

    public static func == (a: Pool2dConfig, b: Pool2dConfig) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding && a.countIncludePad == b.countIncludePad
    }
}

/// How a tensor was computed: the one closed list of recorded operations.
///
/// Each case holds its inputs (never its output, so the graph has no cycles) and whatever the
/// backward pass needs. ``Backprop`` has exactly one `switch` over this enum.
indirect enum Op {
    case unary(UnaryOp, Tensor)
    case binary(BinaryOp, Tensor, Tensor)
    /// `condition ? a : b`, condition is a 0/1 mask (no gradient).
    case select(condition: Tensor, Tensor, Tensor)
    /// Sum over axes; the output keeps reduced axes as size 1.
    case sum(Tensor)
    /// Max or min along `axis` (kept as size 1); `indices` are the winners' positions along the axis.
    case extremum(Tensor, axis: Int, indices: [Int])
    case matmul(Tensor, Tensor)
    case reshape(Tensor)
    case permute(Tensor, [Int])
    case expand(Tensor)
    case slice(Tensor, axis: Int, start: Int, step: Int)
    case concat([Tensor], axis: Int)
    case pad(Tensor, [(Int, Int)])
    /// Output element at i = input at `index[i]` along `axis` (index has the output's shape).
    case gather(Tensor, axis: Int, index: [Int])
    case indexSelect(Tensor, axis: Int, indices: [Int])
    case scatterAdd(Tensor, axis: Int, index: [Int], source: Tensor)
    case softmax(Tensor, axis: Int)
    case logSoftmax(Tensor, axis: Int)
    case cast(Tensor)
    /// `columns`: the forward pass's unfolded input, kept for the weight gradient (nil: recompute).
    case conv2d(Tensor, weight: Tensor, bias: Tensor?, Conv2dConfig, columns: Storage?)
    case convTranspose2d(Tensor, weight: Tensor, bias: Tensor?, Conv2dConfig)
    case maxPool2d(Tensor, argmax: [Int32])
    case avgPool2d(Tensor, Pool2dConfig)
    case adaptiveAvgPool2d(Tensor)
    /// Batch norm in training mode: per-channel mean and 1/σ of the batch; `relu`: followed by a
    /// ReLU in the same pass.
    case batchNorm(Tensor, weight: Tensor?, bias: Tensor?, mean: Tensor, invStd: Tensor, relu: Bool)
    /// Euclidean distance matrix (gradient 0 where a distance is 0).
    case pairwiseDistance(Tensor, Tensor)
    /// An operation defined outside the engine: `backward(outputGradient)` returns one gradient per input.
    case custom(name: String, inputs: [Tensor], backward: (Tensor) -> [Tensor?])

    /// The tensors this op read.
    var inputs: [Tensor] {
        switch self {
        case .unary(_, let x), .sum(let x), .extremum(let x, _, _), .reshape(let x), .permute(let x, _), .expand(let x),
             .slice(let x, _, _, _), .pad(let x, _), .gather(let x, _, _), .indexSelect(let x, _, _),
             .softmax(let x, _), .logSoftmax(let x, _), .cast(let x), .maxPool2d(let x, _), .avgPool2d(let x, _),
             .adaptiveAvgPool2d(let x):
            return [x]
        case .binary(_, let a, let b), .matmul(let a, let b), .pairwiseDistance(let a, let b): return [a, b]
        case .select(_, let a, let b): return [a, b]
        case .concat(let xs, _): return xs
        case .scatterAdd(let x, _, _, let s): return [x, s]
        case .conv2d(let x, let w, let b, _, _), .convTranspose2d(let x, let w, let b, _):
            return b.map { [x, w, $0] } ?? [x, w]
        case .batchNorm(let x, let w, let b, _, _, _): return [x] + (w.map { [$0] } ?? []) + (b.map { [$0] } ?? [])
        case .custom(_, let xs, _): return xs
        }
    }

    /// A short name for messages.
    var name: String {
        switch self {
        case .unary(let u, _): return "\(u)"
        case .binary(let b, _, _): return "\(b)"
        case .select: return "where"
        case .sum: return "sum"
        case .extremum: return "max/min"
        case .matmul: return "matmul"
        case .reshape: return "reshape"
        case .permute: return "permute"
        case .expand: return "expand"
        case .slice: return "slice"
        case .concat: return "concat"
        case .pad: return "pad"
        case .gather: return "gather"
        case .indexSelect: return "indexSelect"
        case .scatterAdd: return "scatterAdd"
        case .softmax: return "softmax"
        case .logSoftmax: return "logSoftmax"
        case .cast: return "cast"
        case .conv2d: return "conv2d"
        case .convTranspose2d: return "convTranspose2d"
        case .maxPool2d: return "maxPool2d"
        case .avgPool2d: return "avgPool2d"
        case .adaptiveAvgPool2d: return "adaptiveAvgPool2d"
        case .batchNorm(_, _, _, _, _, let relu): return relu ? "batchNorm+relu" : "batchNorm"
        case .pairwiseDistance: return "pairwiseDistance"
        case .custom(let n, _, _): return n
        }
    }
}

extension Tensor {
    /// Wraps a freshly computed result: records `op` if recording is on and an input tracks gradients.
    static func result(_ out: Tensor, _ op: @autoclosure () -> Op, inputs: [Tensor]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.tracksGradient }) else { return out }
        return Tensor(storage: out.storage, layout: out.layout, op: op())
    }

    /// Wraps the result of an op that has no gradient; remembers the op's name for a clear error
    /// if someone tries to backprop through it.
    static func nonDifferentiable(_ out: Tensor, name: String, inputs: [Tensor]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.tracksGradient }) else { return out }
        return Tensor(storage: out.storage, layout: out.layout, madeWithoutGradientBy: name)
    }

    /// Defines a differentiable operation from outside the engine.
    ///
    /// - Parameters:
    ///   - name: shown in error messages.
    ///   - inputs: the tensors the value depends on.
    ///   - value: the computed output (compute it inside ``withoutGradients(_:)``).
    ///   - backward: given ∂L/∂output, returns ∂L/∂input for each input (nil for none).
    public static func custom(name: String, inputs: [Tensor], value: Tensor, backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        result(value.detached(), .custom(name: name, inputs: inputs, backward: backward), inputs: inputs)
    }
}
