/// Euclidean distance `‖q̂ᵢ - r̂ⱼ‖₂` (raised to ``BaseDistance/power``), PML's `LpDistance` with `p = 2`.
///
/// `LpDistance(power: 2)` is the squared Euclidean distance; `LpDistance(normalizeEmbeddings: false)`
/// compares raw embeddings. Like `torch.cdist`, small batches (both sides ≤ 25 rows) use exact
/// differences, so duplicated embeddings are exactly 0 apart, and larger batches use the matrix
/// product form `‖a‖² + ‖b‖² - 2a·b`. Where a distance is 0 its gradient is 0 (no NaN).
public final class LpDistance: BaseDistance, @unchecked Sendable {
    /// Creates a Euclidean distance (`isInverted` is false).
    public init(normalizeEmbeddings: Bool = true, power: Double = 1) {
        super.init(normalizeEmbeddings: normalizeEmbeddings, power: power, isInverted: false)
    }

    /// `‖qᵢ - rⱼ‖₂` for every pair of rows.
    ///
    /// When the batch is its own reference the diagonal is exactly 0 (with zero gradient), also on
    /// the matrix-product path, whose rounding would otherwise leave noise there.
    override public func computeMatrix(_ query: Tensor, _ reference: Tensor) -> Tensor {
        if query.shape[0] <= 25 && reference.shape[0] <= 25 { return LpDistance.exactPairwiseDistance(query, reference) }
        let d = query.pairwiseDistance(reference)
        guard query === reference else { return d }
        let n = query.shape[0]
        return d * (1 - Tensor.eye(n, dtype: d.dtype))
    }

    /// Pairwise Euclidean distance from explicit differences (exact zeros for equal rows).
    static func exactPairwiseDistance(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape[1] == b.shape[1], "rows of \(a.shape) and \(b.shape) differ in dimension")
        let m = a.shape[0], n = b.shape[0], d = a.shape[1]
        let x = a.doubles, y = b.doubles
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<d {
                    let t = x[i * d + k] - y[j * d + k]
                    s += t * t
                }
                out[i * n + j] = s.squareRoot()
            }
        }
        let value = Tensor(doubles: out, shape: [m, n], dtype: a.dtype)
        return Tensor.custom(name: "exactPairwiseDistance", inputs: [a, b], value: value) { g in
            // ∂Dᵢⱼ/∂aᵢ = (aᵢ - bⱼ)/Dᵢⱼ, and 0 where Dᵢⱼ = 0.
            let zero = Tensor.zeros([], dtype: g.dtype)
            let w = Tensor.where(value .> 0, g / value.clamped(min: 1e-300), zero)
            let ga = a * w.sum(axis: 1, keepDims: true) - w.matmul(b)
            let gb = b * w.sum(axis: 0, keepDims: true).transposed(0, 1) - w.transposed(0, 1).matmul(a)
            return [ga, gb]
        }
    }
}
