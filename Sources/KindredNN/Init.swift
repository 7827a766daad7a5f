import Foundation

/// Weight initialisers with PyTorch's definitions (`torch.nn.init`).
///
/// `fanIn` / `fanOut` of a weight `[out, in, k…]` are `in·∏k` and `out·∏k`.
public enum Initializer: Sendable {
    /// Uniform in `[-b, b]`, `b = gain·√(3/fanIn)`; PyTorch's Linear/Conv default is `a = √5`,
    /// which gives `b = 1/√fanIn`.
    case kaimingUniform(a: Double = 5.0.squareRoot())
    /// Normal with std `gain/√fanIn` (`gain = √(2/(1+a²))`), fan-in mode.
    case kaimingNormal(a: Double = 0)
    /// Uniform in `[-b, b]`, `b = gain·√(6/(fanIn+fanOut))`.
    case xavierUniform(gain: Double = 1)
    /// Normal with std `gain·√(2/(fanIn+fanOut))`.
    case xavierNormal(gain: Double = 1)
    /// Normal with the given mean and std.
    case normal(mean: Double = 0, std: Double = 1)
    /// Uniform in `[low, high)`.
    case uniform(low: Double, high: Double)
    /// A constant.
    case constant(Double)

    /// `(fanIn, fanOut)` of a weight shape.
    public static func fans(_ shape: [Int]) -> (Int, Int) {
        guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
        let receptive = shape[2...].reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A new tensor of `shape` drawn from this initialiser with the global generator (or `generator`).
    public func make(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        GlobalRandom.withGenerator { g in make(shape, dtype: dtype, generator: &g) }
    }

    /// A new tensor of `shape` drawn with `generator`.
    public func make(_ shape: [Int], dtype: DType = .float32, generator g: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        switch self {
        case .kaimingUniform(let a):
            let gain = (2 / (1 + a * a)).squareRoot()
            let b = gain * (3 / Double(max(fanIn, 1))).squareRoot()
            return Tensor.uniform(shape, low: -b, high: b, dtype: dtype, generator: &g)
        case .kaimingNormal(let a):
            let gain = (2 / (1 + a * a)).squareRoot()
            return Tensor.normal(shape, std: gain / Double(max(fanIn, 1)).squareRoot(), dtype: dtype, generator: &g)
        case .xavierUniform(let gain):
            let b = gain * (6 / Double(max(fanIn + fanOut, 1))).squareRoot()
            return Tensor.uniform(shape, low: -b, high: b, dtype: dtype, generator: &g)
        case .xavierNormal(let gain):
            return Tensor.normal(shape, std: gain * (2 / Double(max(fanIn + fanOut, 1))).squareRoot(), dtype: dtype, generator: &g)
        case .normal(let mean, let std):
            return Tensor.normal(shape, mean: mean, std: std, dtype: dtype, generator: &g)
        case .uniform(let low, let high):
            return Tensor.uniform(shape, low: low, high: high, dtype: dtype, generator: &g)
        case .constant(let v):
            return Tensor.full(shape, value: v, dtype: dtype)
        }
    }
}

/// PyTorch's default bias for a layer with `fanIn` inputs: uniform in `±1/√fanIn`.
func defaultBias(_ count: Int, fanIn: Int) -> Tensor {
    let b = 1 / Double(max(fanIn, 1)).squareRoot()
    return Initializer.uniform(low: -b, high: b).make([count]).requiringGradient()
}
