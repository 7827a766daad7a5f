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
/// With ``Method/exact`` (the default) time and memory grow as `N²` (an `N × N` matrix of float64):
/// keep `N` to a few thousand, e.g. a sample of the gallery. ``Method/barnesHut(angle:)`` follows
/// scikit-learn's default `method="barnes_hut"`: sparse `P` over the nearest neighbours and quadtree
/// repulsion, `O(N log N)` per iteration, with the same optimiser (10,000 points in seconds);
/// ``Method/automatic`` picks Barnes–Hut from ``automaticThreshold`` rows.
///
/// ```swift
/// let picture = try TSNE(perplexity: 30).fit(embeddings)                          // [N, 2], exact
/// let large = try TSNE(method: .barnesHut(angle: 0.5)).fit(manyEmbeddings).embedding
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
    /// Exact or Barnes–Hut affinities and gradient.
    public var method: Method

    /// Creates a t-SNE configuration with scikit-learn's defaults.
    public init(perplexity: Double = 30, componentCount: Int = 2, iterations: Int = 1000, earlyExaggeration: Double = 12,
                earlyExaggerationIterations: Int = 250, learningRate: Double? = nil, initialization: Initialization = .pca,
                method: Method = .exact) {
        self.perplexity = perplexity
        self.componentCount = componentCount
        self.iterations = iterations
        self.earlyExaggeration = earlyExaggeration
        self.earlyExaggerationIterations = earlyExaggerationIterations
        self.learningRate = learningRate
        self.initialization = initialization
        self.method = method
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
        let n = x.rank == 2 ? x.shape[0] : 0, m = componentCount
        switch method.resolved(rowCount: n, componentCount: m) {
        case .exact, .automatic:
            let p = try Self.jointProbabilities(of: x, perplexity: perplexity)
            var y = try initialCoordinates(x)
            let exaggerated = p.map { $0 * earlyExaggeration }
            optimise(&y) { y, exaggerating in
                Self.evaluate(embedding: y, dimension: m, jointProbabilities: exaggerating ? exaggerated : p, withValue: false).gradient
            }
            let kl = Self.klDivergence(embedding: y, dimension: m, jointProbabilities: p).value
            return (Tensor(doubles: y, shape: [n, m], dtype: .float32), kl)
        case let .barnesHut(angle):
            guard m == 2 else {
                throw RetrievalError.invalidArgument("Barnes–Hut t-SNE is 2-D only (componentCount \(m)); use method .exact for 3-D")
            }
            guard angle >= 0, angle.isFinite else { throw RetrievalError.invalidArgument("angle must be finite and at least 0, got \(angle)") }
            let p = try Self.sparseJointProbabilities(of: x, perplexity: perplexity)
            var y = try initialCoordinates(x)
            optimise(&y) { y, exaggerating in
                Self.barnesHutGradient(embedding: y, jointProbabilities: p, exaggeration: exaggerating ? earlyExaggeration : 1,
                                       angle: angle).gradient
            }
            let kl = Self.barnesHutGradient(embedding: y, jointProbabilities: p, exaggeration: 1, angle: angle, withValue: true).value
            return (Tensor(doubles: y, shape: [n, m], dtype: .float32), kl)
        }
    }

    /// The starting `N × componentCount` coordinates, row-major (see ``Initialization``).
    func initialCoordinates(_ x: Tensor) throws -> [Double] {
        let n = x.shape[0], m = componentCount
        switch initialization {
        case .pca:
            guard m <= Swift.min(n, x.shape[1]) else {
                throw RetrievalError.invalidArgument("PCA initialisation needs componentCount ≤ min(N, D) = \(Swift.min(n, x.shape[1]))")
            }
            let y = try PCA(fitting: x).transformed(x, componentCount: m).cast(to: .float32).doubles
            var mean = 0.0, squares = 0.0
            for i in 0..<n { mean += y[i * m] }
            mean /= Double(n)
            for i in 0..<n { squares += (y[i * m] - mean) * (y[i * m] - mean) }
            let std = (squares / Double(n)).squareRoot()
            return y.map { std > 0 ? $0 / std * 1e-4 : 0 }
        case let .random(seed):
            var rng = RandomGenerator(seed: seed)
            return (0..<(n * m)).map { _ in 1e-4 * rng.nextNormal() }
        }
    }

    /// scikit-learn's two gradient-descent phases, shared by both methods: gains (+0.2 / ×0.8,
    /// floor 0.01) and momentum 0.5 with the exaggerated `P` for ``earlyExaggerationIterations``
    /// steps, then momentum 0.8 with gains and updates reset. `gradient(y, exaggerating)` returns
    /// the KL gradient at `y`, with `P` multiplied by ``earlyExaggeration`` when `exaggerating`.
    func optimise(_ y: inout [Double], gradient: ([Double], Bool) -> [Double]) {
        let n = y.count / Swift.max(componentCount, 1)
        let rate = learningRate ?? Swift.max(Double(n) / earlyExaggeration / 4, 50)
        var update = [Double](repeating: 0, count: y.count), gains = [Double](repeating: 1, count: y.count)
        for step in 0..<iterations {
            if step == earlyExaggerationIterations {
                // The second phase starts afresh, as scikit-learn's second `_gradient_descent` call.
                for i in 0..<y.count { update[i] = 0; gains[i] = 1 }
            }
            let exaggerating = step < earlyExaggerationIterations
            let momentum = exaggerating ? 0.5 : 0.8
            let g = gradient(y, exaggerating)
            for i in 0..<y.count {
                if update[i] * g[i] < 0 { gains[i] += 0.2 } else { gains[i] *= 0.8 }
                gains[i] = Swift.max(gains[i], 0.01)
                update[i] = momentum * update[i] - rate * gains[i] * g[i]
                y[i] += update[i]
            }
        }
    }

    /// Checks `x` for t-SNE (`[N, D]`, `N ≥ 2`, `0 < perplexity < N`, finite) and returns its
    /// values as float64, row-major.
    static func validated(_ x: Tensor, perplexity: Double) throws -> (values: [Double], rows: Int, columns: Int) {
        guard x.rank == 2 else { throw RetrievalError.badShape(name: "x", expected: "[N, D]", actual: x.shape) }
        let n = x.shape[0], d = x.shape[1]
        guard n >= 2 else { throw RetrievalError.invalidArgument("t-SNE needs at least 2 rows, got \(n)") }
        guard perplexity > 0 && perplexity < Double(n) else {
            throw RetrievalError.invalidArgument("perplexity must lie in (0, \(n)) (below the number of rows), got \(perplexity)")
        }
        let v = x.doubles
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw RetrievalError.invalidArgument("row \(bad / Swift.max(d, 1)) of x has \(v[bad]) in column \(bad % Swift.max(d, 1)); t-SNE needs finite values")
        }
        return (v, n, d)
    }

    /// The symmetric joint probabilities `P` (row-major `N × N`, zero diagonal, summing to 1) of the
    /// rows of `x` at the given perplexity (see the type's documentation).
    ///
    /// - Throws: ``RetrievalError`` on a bad shape, non-finite values or `perplexity ∉ (0, N)`.
    public static func jointProbabilities(of x: Tensor, perplexity: Double) throws -> [Double] {
        let (v, n, d) = try validated(x, perplexity: perplexity)
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
        distances.withUnsafeBufferPointer { dp in
            conditional.withUnsafeMutableBufferPointer { cp in
                for i in 0..<n {
                    PerplexityBisection.conditionalRow(distances: UnsafeBufferPointer(rebasing: dp[(i * n)..<((i + 1) * n)]), skipping: i,
                                                       target: target, into: UnsafeMutableBufferPointer(rebasing: cp[(i * n)..<((i + 1) * n)]))
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
