import KindredTensor

/// Principal component analysis of embeddings: mean, principal axes and explained variance, fitted
/// once and applied to any number of components.
///
/// Fitting centres the rows, forms the covariance `Xcᵀ Xc / (N − 1)` in float64 with one BLAS product,
/// and diagonalises it with LAPACK's symmetric eigensolver (`dsyevd`, see
/// `BLAS.symmetricEigendecomposition(_:order:)`). Components are the eigenvectors by decreasing
/// eigenvalue; ``explainedVariance`` are the eigenvalues (clamped at 0) and
/// ``explainedVarianceRatio`` their share of the total variance — the values of scikit-learn's
/// `PCA(svd_solver="full")`, which keeps `min(N, D)` components.
///
/// **Signs.** An eigenvector is defined up to sign; each component is flipped so that its entry of
/// largest magnitude (the first one, on ties) is positive — scikit-learn's
/// `svd_flip(u_based_decision=False)` rule — so the same data always give the same axes.
///
/// ```swift
/// let pca = try PCA(fitting: embeddings)
/// let xy = try pca.transformed(embeddings, componentCount: 2)   // [N, 2] for a scatter plot
/// print(pca.explainedVarianceRatio.prefix(2))
/// ```
public struct PCA: Sendable {
    /// Mean of the fitted rows (`D` values).
    public let mean: [Double]
    /// Principal axes, row `i` is component `i` (`min(N, D)` rows of `D` values), unit length.
    public let components: [[Double]]
    /// Variance along each component (sample variance, divisor `N − 1`), decreasing.
    public let explainedVariance: [Double]
    /// Share of the total variance along each component.
    public let explainedVarianceRatio: [Double]

    /// Fits the mean and principal axes of the rows of `embeddings`.
    ///
    /// - Parameter embeddings: `[N, D]` rows, `N ≥ 2`, finite.
    /// - Throws: ``RetrievalError`` on a bad shape, too few rows or non-finite values;
    ///   `LAPACKError` if the eigensolver fails.
    public init(fitting embeddings: Tensor) throws {
        guard embeddings.rank == 2 else { throw RetrievalError.badShape(name: "embeddings", expected: "[N, D]", actual: embeddings.shape) }
        let n = embeddings.shape[0], d = embeddings.shape[1]
        guard n >= 2 else { throw RetrievalError.invalidArgument("PCA needs at least 2 rows, got \(n)") }
        guard d >= 1 else { throw RetrievalError.invalidArgument("PCA needs at least 1 column, got 0") }
        var x = embeddings.doubles
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw RetrievalError.invalidArgument("embeddings[\(bad / d), \(bad % d)] is \(x[bad]); PCA needs finite values")
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += x[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        for i in 0..<n { for j in 0..<d { x[i * d + j] -= mean[j] } }
        let centred = Tensor(doubles: x, shape: [n, d], dtype: .float64)
        let covariance = withoutGradients { centred.transposed(0, 1).matmul(centred) }.doubles.map { $0 / Double(n - 1) }
        let (values, vectors) = try BLAS.symmetricEigendecomposition(covariance, order: d)
        let total = values.reduce(0) { $0 + Swift.max($1, 0) }
        let kept = Swift.min(n, d)
        var components: [[Double]] = [], variance: [Double] = []
        for r in 0..<kept {
            let e = d - 1 - r   // eigenvalues come ascending
            var axis = Array(vectors[e * d ..< (e + 1) * d])
            var largest = 0
            for j in 1..<d where Swift.abs(axis[j]) > Swift.abs(axis[largest]) { largest = j }
            if axis[largest] < 0 { axis = axis.map { -$0 } }
            components.append(axis)
            variance.append(Swift.max(values[e], 0))
        }
        self.mean = mean
        self.components = components
        self.explainedVariance = variance
        self.explainedVarianceRatio = variance.map { total > 0 ? $0 / total : 0 }
    }

    /// Coordinates of the rows of `x` on the first `componentCount` components: `(x − mean) · Wᵀ`.
    ///
    /// - Parameters:
    ///   - x: `[M, D]` rows (any dtype; the result has the same dtype).
    ///   - componentCount: how many components, `1…components.count` (`nil`: all).
    /// - Throws: ``RetrievalError`` on a bad shape or component count.
    public func transformed(_ x: Tensor, componentCount: Int? = nil) throws -> Tensor {
        let d = mean.count
        guard x.rank == 2, x.shape[1] == d else { throw RetrievalError.badShape(name: "x", expected: "[M, \(d)]", actual: x.shape) }
        let m = componentCount ?? components.count
        guard m >= 1 && m <= components.count else {
            throw RetrievalError.invalidArgument("componentCount must lie in 1...\(components.count), got \(m)")
        }
        let rows = x.shape[0]
        var centred = x.doubles
        for i in 0..<rows { for j in 0..<d { centred[i * d + j] -= mean[j] } }
        let w = Tensor(doubles: components.prefix(m).flatMap { $0 }, shape: [m, d], dtype: .float64)
        let projected = withoutGradients { Tensor(doubles: centred, shape: [rows, d], dtype: .float64).matmul(w.transposed(0, 1)) }
        return x.dtype == .float64 ? projected : withoutGradients { projected.cast(to: x.dtype) }
    }

    /// The first two coordinates of each row, for a scatter plot (needs at least 2 components).
    ///
    /// - Throws: as ``transformed(_:componentCount:)``.
    public func projection2D(_ x: Tensor) throws -> [(x: Double, y: Double)] {
        let p = try transformed(x, componentCount: 2).doubles
        return (0..<(p.count / 2)).map { (p[2 * $0], p[2 * $0 + 1]) }
    }

    /// The fewest leading components whose variance ratios add up to at least `fraction`.
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `fraction ∉ (0, 1]`.
    public func componentCount(explaining fraction: Double) throws -> Int {
        guard fraction > 0 && fraction <= 1 else { throw RetrievalError.invalidArgument("fraction must lie in (0, 1], got \(fraction)") }
        var sum = 0.0
        for (i, r) in explainedVarianceRatio.enumerated() {
            sum += r
            if sum >= fraction - 1e-12 { return i + 1 }
        }
        return explainedVarianceRatio.count
    }
}
