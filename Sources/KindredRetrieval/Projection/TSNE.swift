import Foundation
import KindredTensor

/// Exact t-SNE (van der Maaten & Hinton 2008) for 2-D or 3-D pictures of a few thousand embeddings.
///
/// It follows scikit-learn's `TSNE(method="exact")`: squared Euclidean input distances (rounded to
/// float32 for the search, as scikit-learn does); per-point Gaussian bandwidths found by bisection
/// so that each conditional distribution has the requested perplexity (entropy within 1e-5 nats,
/// at most 100 steps); joint probabilities `P = (P_{j|i} + P_{i|j}) / Σ`; a Student-t output kernel
/// with `max(componentCount − 1, 1)` degrees of freedom; and gradient descent with gains (+0.2 /
/// ×0.8, floor 0.01), momentum 0.5 during ``earlyExaggerationIterations`` iterations with `P`
/// multiplied by ``earlyExaggeration``, then momentum 0.8 with the gains and momentum reset. The learning rate defaults to
/// scikit-learn's "auto", `max(N / earlyExaggeration / 4, 50)`. The start is the PCA projection
/// scaled so its first coordinate has standard deviation 1e-4 (deterministic), or seeded Gaussian
/// noise of that scale.
///
/// Time and memory grow as `N²` (an `N × N` matrix of float64): keep `N` to a few thousand, e.g. a
/// sample of the gallery.
///
/// ```swift
/// let picture = try TSNE(perplexity: 30).fit(embeddings)   // [N, 2]
/// ```
public struct TSNE: Sendable {
    /// How the output coordinates start.
    public enum Initialization: Sendable, Equatable {
        /// The PCA projection, scaled to standard deviation 1e-4 along its first axis.
        case pca
        /// Gaussian noise with standard deviation 1e-4 from a generator seeded with the value.
        case random(seed: UInt64)
    }

    /// Effective number of neighbours, `0 < perplexity < N`.
    public var perplexity: Double
    /// Output dimension (2 or 3 for pictures).
    public var componentCount: Int
    /// Total gradient steps, early exaggeration included.
    public var iterations: Int
    /// Factor on `P` during the first steps.
    public var earlyExaggeration: Double
    /// Steps run with the exaggerated `P`.
    public var earlyExaggerationIterations: Int
    /// Step size (`nil`: scikit-learn's "auto").
    public var learningRate: Double?
    /// Starting coordinates.
    public var initialization: Initialization

    /// Creates a t-SNE configuration with scikit-learn's defaults.
    public init(perplexity: Double = 30, componentCount: Int = 2, iterations: Int = 1000, earlyExaggeration: Double = 12,
                earlyExaggerationIterations: Int = 250, learningRate: Double? = nil, initialization: Initialization = .pca) {
        self.perplexity = perplexity
        self.componentCount = componentCount
        self.iterations = iterations
        self.earlyExaggeration = earlyExaggeration
        self.earlyExaggerationIterations = earlyExaggerationIterations
        self.learningRate = learningRate
        self.initialization = initialization
    }

    /// Embeds the rows of `x` in ``componentCount`` dimensions. Every iteration runs (no early stop
    /// on small gradients, unlike scikit-learn).
    ///
    /// - Parameter x: `[N, D]` finite rows, `N ≥ 2`.
    /// - Returns: the `[N, componentCount]` float32 coordinates and the KL divergence of the final coordinates.
    /// - Throws: ``RetrievalError`` on a bad shape, non-finite values or out-of-range settings.
    public func fit(_ x: Tensor) throws -> (embedding: Tensor, klDivergence: Double) {
        guard componentCount >= 1 else { throw RetrievalError.invalidArgument("componentCount must be at least 1, got \(componentCount)") }
        guard iterations >= 1, earlyExaggerationIterations >= 0 else {
            throw RetrievalError.invalidArgument("iterations must be at least 1 and earlyExaggerationIterations at least 0")
        }
        let p = try Self.jointProbabilities(of: x, perplexity: perplexity)
        let n = x.shape[0], m = componentCount
        var y: [Double]
        switch initialization {
        case .pca:
            guard m <= Swift.min(n, x.shape[1]) else {
                throw RetrievalError.invalidArgument("PCA initialisation needs componentCount ≤ min(N, D) = \(Swift.min(n, x.shape[1]))")
            }
            y = try PCA(fitting: x).transformed(x, componentCount: m).cast(to: .float32).doubles
            var mean = 0.0, squares = 0.0
            for i in 0..<n { mean += y[i * m] }
            mean /= Double(n)
            for i in 0..<n { squares += (y[i * m] - mean) * (y[i * m] - mean) }
            let std = (squares / Double(n)).squareRoot()
            y = y.map { std > 0 ? $0 / std * 1e-4 : 0 }
        case let .random(seed):
            var rng = RandomGenerator(seed: seed)
            y = (0..<(n * m)).map { _ in 1e-4 * rng.nextNormal() }
        }
        let rate = learningRate ?? Swift.max(Double(n) / earlyExaggeration / 4, 50)
        var update = [Double](repeating: 0, count: n * m), gains = [Double](repeating: 1, count: n * m)
        var exaggerated = p.map { $0 * earlyExaggeration }
        for step in 0..<iterations {
            if step == earlyExaggerationIterations {
                // The second phase starts afresh, as scikit-learn's second `_gradient_descent` call.
                exaggerated = p
                for i in 0..<(n * m) { update[i] = 0; gains[i] = 1 }
            }
            let momentum = step < earlyExaggerationIterations ? 0.5 : 0.8
            let gradient = Self.evaluate(embedding: y, dimension: m, jointProbabilities: exaggerated, withValue: false).gradient
            for i in 0..<(n * m) {
                if update[i] * gradient[i] < 0 { gains[i] += 0.2 } else { gains[i] *= 0.8 }
                gains[i] = Swift.max(gains[i], 0.01)
                update[i] = momentum * update[i] - rate * gains[i] * gradient[i]
                y[i] += update[i]
            }
        }
        let kl = Self.klDivergence(embedding: y, dimension: m, jointProbabilities: p).value
        return (Tensor(doubles: y, shape: [n, m], dtype: .float32), kl)
    }

    /// The symmetric joint probabilities `P` (row-major `N × N`, zero diagonal, summing to 1) of the
    /// rows of `x` at the given perplexity (see the type's documentation).
    ///
    /// - Throws: ``RetrievalError`` on a bad shape, non-finite values or `perplexity ∉ (0, N)`.
    public static func jointProbabilities(of x: Tensor, perplexity: Double) throws -> [Double] {
        guard x.rank == 2 else { throw RetrievalError.badShape(name: "x", expected: "[N, D]", actual: x.shape) }
        let n = x.shape[0], d = x.shape[1]
        guard n >= 2 else { throw RetrievalError.invalidArgument("t-SNE needs at least 2 rows, got \(n)") }
        guard perplexity > 0 && perplexity < Double(n) else {
            throw RetrievalError.invalidArgument("perplexity must lie in (0, \(n)) (below the number of rows), got \(perplexity)")
        }
        let v = x.doubles
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw RetrievalError.invalidArgument("x[\(bad / Swift.max(d, 1)), \(bad % Swift.max(d, 1))] is \(v[bad]); t-SNE needs finite values")
        }
        let t = Tensor(doubles: v, shape: [n, d], dtype: .float64)
        let gram = withoutGradients { t.matmul(t.transposed(0, 1)) }.doubles
        var distances = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n where i != j {
                distances[i * n + j] = Double(Float(Swift.max(0, gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j])))
            }
        }
        let target = Foundation.log(perplexity)
        var conditional = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            var beta = 1.0, low = -Double.infinity, high = Double.infinity
            for _ in 0..<100 {
                var sum = 0.0
                for j in 0..<n where j != i {
                    let e = Foundation.exp(-distances[i * n + j] * beta)
                    conditional[i * n + j] = e
                    sum += e
                }
                if sum == 0 { sum = 1e-8 }
                var weighted = 0.0
                for j in 0..<n where j != i {
                    conditional[i * n + j] /= sum
                    weighted += distances[i * n + j] * conditional[i * n + j]
                }
                let entropyGap = Foundation.log(sum) + beta * weighted - target
                if Swift.abs(entropyGap) <= 1e-5 { break }
                if entropyGap > 0 {
                    low = beta
                    beta = high == .infinity ? beta * 2 : (beta + high) / 2
                } else {
                    high = beta
                    beta = low == -.infinity ? beta / 2 : (beta + low) / 2
                }
            }
        }
        var joint = [Double](repeating: 0, count: n * n)
        var total = 0.0
        for i in 0..<n { for j in 0..<n where i != j { joint[i * n + j] = conditional[i * n + j] + conditional[j * n + i]; total += joint[i * n + j] } }
        total = Swift.max(total, Double.ulpOfOne)
        for i in 0..<n { for j in 0..<n where i != j { joint[i * n + j] = Swift.max(joint[i * n + j] / total, Double.ulpOfOne) } }
        return joint
    }

    /// KL(P ‖ Q) of an embedding and its gradient, with the Student-t kernel of
    /// `max(dimension − 1, 1)` degrees of freedom (`P`, `Q` floored at machine epsilon), as
    /// scikit-learn's exact `_kl_divergence`.
    ///
    /// - Parameters:
    ///   - embedding: `N × dimension` coordinates, row-major.
    ///   - dimension: output dimension.
    ///   - jointProbabilities: `N × N` joint probabilities (as ``jointProbabilities(of:perplexity:)``).
    public static func klDivergence(embedding y: [Double], dimension m: Int, jointProbabilities p: [Double]) -> (value: Double, gradient: [Double]) {
        evaluate(embedding: y, dimension: m, jointProbabilities: p, withValue: true)
    }

    /// The gradient (and, when `withValue`, the KL value) with rows shared out over the cores.
    static func evaluate(embedding y: [Double], dimension m: Int, jointProbabilities p: [Double],
                         withValue: Bool) -> (value: Double, gradient: [Double]) {
        let n = y.count / Swift.max(m, 1)
        let dof = Double(Swift.max(m - 1, 1))
        let exponent = -(dof + 1) / 2
        var w = [Double](repeating: 0, count: n * n)
        var gradient = [Double](repeating: 0, count: n * m)
        var rowKL = [Double](repeating: 0, count: n)
        y.withUnsafeBufferPointer { yp in
            w.withUnsafeMutableBufferPointer { wp in
                Parallel.forEachChunk(n, costPerItem: n * m) { rows in
                    for i in rows {
                        for j in 0..<n where j != i {
                            var d = 0.0
                            for c in 0..<m { d += (yp[i * m + c] - yp[j * m + c]) * (yp[i * m + c] - yp[j * m + c]) }
                            wp[i * n + j] = dof == 1 ? 1 / (1 + d) : Foundation.pow(1 + d / dof, exponent)
                        }
                    }
                }
            }
        }
        var total = 0.0
        for v in w { total += v }
        let eps = Double.ulpOfOne, c = 2 * (dof + 1) / dof, inverseTotal = 1 / total
        y.withUnsafeBufferPointer { yp in
            p.withUnsafeBufferPointer { pp in
                w.withUnsafeBufferPointer { wp in
                    gradient.withUnsafeMutableBufferPointer { gp in
                        rowKL.withUnsafeMutableBufferPointer { kp in
                            Parallel.forEachChunk(n, costPerItem: n * m) { rows in
                                for i in rows {
                                    var kl = 0.0
                                    for j in 0..<n where j != i {
                                        let q = Swift.max(wp[i * n + j] * inverseTotal, eps)
                                        let pij = pp[i * n + j]
                                        if withValue { kl += pij * Foundation.log(Swift.max(pij, eps) / q) }
                                        let f = (pij - q) * wp[i * n + j] * c   // scikit-learn's form (exact for dof = 1)
                                        for k in 0..<m { gp[i * m + k] += f * (yp[i * m + k] - yp[j * m + k]) }
                                    }
                                    kp[i] = kl
                                }
                            }
                        }
                    }
                }
            }
        }
        return (rowKL.reduce(0, +), gradient)
    }
}
