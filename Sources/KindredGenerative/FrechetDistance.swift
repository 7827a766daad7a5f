import Foundation
import KindredTensor

/// The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian
/// (Heusel et al. 2017's FID, computed in any feature space — Kindred uses a trained embedding model).
///
///     FD = ‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2·tr((Σ₁^½ Σ₂ Σ₁^½)^½)
///
/// `μ` are the means and `Σ` the sample covariances (divided by `N − 1`, as NumPy's `cov` and
/// pytorch-fid). The usual `tr((Σ₁Σ₂)^½)` is computed stably from symmetric matrices only:
/// `Σ₁Σ₂` is similar to the symmetric positive semi-definite `M = Σ₁^½ Σ₂ Σ₁^½`, so its square
/// root's trace is `Σᵢ √λᵢ(M)`. Both `Σ₁^½` and the eigenvalues of `M` come from LAPACK's
/// symmetric eigensolver (``BLAS/symmetricEigendecomposition(_:order:)``); eigenvalues that
/// rounding pushes below zero are taken as zero. No complex arithmetic and no iterative
/// square root are needed. All arithmetic is in `Double`.
///
/// ```swift
/// let real = try FrechetDistance.Statistics(features: realEmbeddings)      // [N, D]
/// let fd = try FrechetDistance.distance(real, try FrechetDistance.Statistics(features: fakeEmbeddings))
/// ```
public enum FrechetDistance {
    /// Errors from feature sets that cannot be compared.
    public enum InputError: Error, Equatable, CustomStringConvertible {
        /// Features that are not a `[N, D]` matrix with `N ≥ 2`.
        case badFeatures(shape: [Int])
        /// Two sets of different dimension.
        case dimensionMismatch(Int, Int)

        /// A message naming the problem and what was expected.
        public var description: String {
            switch self {
            case let .badFeatures(shape): return "features have shape \(shape); expected [N, D] with N ≥ 2 vectors"
            case let .dimensionMismatch(a, b): return "feature sets have dimensions \(a) and \(b); expected the same"
            }
        }
    }

    /// The mean and covariance of one set of feature vectors.
    public struct Statistics: Sendable, Equatable {
        /// Dimension `D`.
        public let dimension: Int
        /// Number of vectors summarised.
        public let count: Int
        /// Mean vector (`D` values).
        public let mean: [Double]
        /// Sample covariance, row-major `D × D`.
        public let covariance: [Double]

        /// Statistics of the rows of a `[N, D]` tensor (`N ≥ 2`).
        public init(features: Tensor) throws {
            guard features.rank == 2, features.shape[0] >= 2, features.shape[1] >= 1 else {
                throw InputError.badFeatures(shape: features.shape)
            }
            let n = features.shape[0], d = features.shape[1]
            let x = features.doubles
            var mean = [Double](repeating: 0, count: d)
            for i in 0..<n { for j in 0..<d { mean[j] += x[i * d + j] } }
            for j in 0..<d { mean[j] /= Double(n) }
            var centred = x
            for i in 0..<n { for j in 0..<d { centred[i * d + j] -= mean[j] } }
            // Σ = Xcᵀ Xc / (N − 1) through one BLAS product.
            let c = Tensor(doubles: centred, shape: [n, d])
            let cov = c.transposed(0, 1).matmul(c).doubles.map { $0 / Double(n - 1) }
            self.init(mean: mean, covariance: cov)
        }

        /// Statistics from a known mean and covariance (row-major `D × D`).
        public init(mean: [Double], covariance: [Double], count: Int = 0) {
            dimension = mean.count
            self.count = count
            self.mean = mean
            self.covariance = covariance
        }
    }

    /// The Fréchet distance between two summarised sets.
    ///
    /// - Throws: ``InputError/dimensionMismatch(_:_:)`` for sets of different dimension, or a
    ///   `LAPACKError` if the eigensolver fails.
    public static func distance(_ a: Statistics, _ b: Statistics) throws -> Double {
        guard a.dimension == b.dimension, a.covariance.count == a.dimension * a.dimension,
              b.covariance.count == b.dimension * b.dimension else {
            throw InputError.dimensionMismatch(a.dimension, b.dimension)
        }
        let d = a.dimension
        var meanTerm = 0.0
        for j in 0..<d { meanTerm += (a.mean[j] - b.mean[j]) * (a.mean[j] - b.mean[j]) }
        var traces = 0.0
        for j in 0..<d { traces += a.covariance[j * d + j] + b.covariance[j * d + j] }
        let rootA = try symmetricSquareRoot(a.covariance, order: d)
        let m = symmetrized(multiply(multiply(rootA, b.covariance, d), rootA, d), d)
        let eigenvalues = try BLAS.symmetricEigendecomposition(m, order: d).eigenvalues
        let traceRoot = eigenvalues.reduce(0) { $0 + Swift.max($1, 0).squareRoot() }
        return meanTerm + traces - 2 * traceRoot
    }

    /// The Fréchet distance between the rows of two `[N, D]` feature tensors.
    public static func distance(features a: Tensor, _ b: Tensor) throws -> Double {
        try distance(Statistics(features: a), Statistics(features: b))
    }

    /// The symmetric positive semi-definite square root `S^½ = V·diag(√max(λ, 0))·Vᵀ` of a
    /// symmetric `n × n` matrix (row-major), from its eigendecomposition.
    public static func symmetricSquareRoot(_ matrix: [Double], order n: Int) throws -> [Double] {
        let (values, vectors) = try BLAS.symmetricEigendecomposition(symmetrized(matrix, n), order: n)
        var root = [Double](repeating: 0, count: n * n)
        // Row k of `vectors` is the eigenvector of eigenvalue k.
        for k in 0..<n {
            let s = Swift.max(values[k], 0).squareRoot()
            if s == 0 { continue }
            for i in 0..<n {
                let vi = vectors[k * n + i] * s
                for j in 0..<n { root[i * n + j] += vi * vectors[k * n + j] }
            }
        }
        return root
    }

    /// `(A + Aᵀ)/2`: removes the rounding asymmetry before a symmetric eigensolver reads one triangle.
    static func symmetrized(_ a: [Double], _ n: Int) -> [Double] {
        var s = a
        for i in 0..<n { for j in 0..<n { s[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]) } }
        return s
    }

    /// Row-major `n × n` product (small matrices: embedding dimensions).
    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let aik = a[i * n + k]
                if aik == 0 { continue }
                for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
            }
        }
        return c
    }
}
