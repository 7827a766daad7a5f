import KindredTensor

/// k-means clustering of embeddings: k-means++ seeding, Lloyd iterations, several seeded restarts.
///
/// Each restart seeds its centres with k-means++ (the first centre uniformly at random, each next
/// one a point drawn with probability proportional to its squared distance to the nearest centre
/// chosen so far — the original rule, without scikit-learn's greedy extra trials), then alternates
/// assigning every point to its nearest centre and moving each centre to the mean of its points.
/// Squared distances come from one BLAS product per iteration, `‖x‖² − 2 x·c + ‖c‖²` with `X · Cᵀ`
/// through `Tensor.matmul`; means are accumulated in `Double`. Iterations stop when no point changes
/// cluster, when the centres move less than ``tolerance`` × (mean per-feature variance of the data)
/// in total squared distance (scikit-learn's `tol`), or after ``maximumIterations``. A cluster that
/// loses all its points takes the point farthest from its centre. The restart with the lowest
/// inertia (sum of squared distances to the assigned centres) wins. Ties in the nearest centre go to
/// the lower cluster index. The same seed gives the same clustering (for a given BLAS).
///
/// ```swift
/// let clustering = try KMeans(clusterCount: 10, restarts: 3, seed: 0).fit(embeddings)
/// print(clustering.assignments, clustering.inertia)
/// ```
public struct KMeans: Sendable {
    /// Number of clusters `k`.
    public var clusterCount: Int
    /// Independent k-means++ starts; the best one is kept.
    public var restarts: Int
    /// Most Lloyd iterations per start.
    public var maximumIterations: Int
    /// Relative centre-shift tolerance (see the type's documentation).
    public var tolerance: Double
    /// Seed of the seeding draws.
    public var seed: UInt64

    /// Creates a k-means configuration.
    public init(clusterCount: Int, restarts: Int = 3, maximumIterations: Int = 100, tolerance: Double = 1e-4, seed: UInt64 = 0) {
        self.clusterCount = clusterCount
        self.restarts = restarts
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    /// Clusters the rows of `data`.
    ///
    /// - Parameter data: `[N, D]` points (float32 or float64; computed in float32), `N ≥ k`.
    /// - Throws: ``RetrievalError`` on a bad shape, non-finite values, `k ∉ 1…N`, or non-positive
    ///   restarts or iterations.
    public func fit(_ data: Tensor) throws -> KMeansResult {
        guard data.rank == 2 else { throw RetrievalError.badShape(name: "data", expected: "[N, D]", actual: data.shape) }
        let n = data.shape[0], d = data.shape[1]
        guard clusterCount >= 1 else { throw RetrievalError.nonPositiveK(name: "clusterCount", value: clusterCount) }
        guard clusterCount <= n else {
            throw RetrievalError.invalidArgument("k-means with \(clusterCount) clusters needs at least \(clusterCount) points, got \(n)")
        }
        guard restarts >= 1 else { throw RetrievalError.invalidArgument("restarts must be at least 1, got \(restarts)") }
        guard maximumIterations >= 1 else {
            throw RetrievalError.invalidArgument("maximumIterations must be at least 1, got \(maximumIterations)")
        }
        let x = data.scalars
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw RetrievalError.invalidArgument("data[\(bad / Swift.max(d, 1)), \(bad % Swift.max(d, 1))] is \(x[bad]); k-means needs finite values")
        }
        let points = Tensor(x, shape: [n, d])
        var rowNorms = [Float](repeating: 0, count: n)
        var featureMean = [Double](repeating: 0, count: d), featureSquares = [Double](repeating: 0, count: d)
        for i in 0..<n {
            var s: Float = 0
            for c in 0..<d {
                let v = x[i * d + c]
                s += v * v
                featureMean[c] += Double(v)
                featureSquares[c] += Double(v) * Double(v)
            }
            rowNorms[i] = s
        }
        var meanVariance = 0.0
        for c in 0..<d { meanVariance += featureSquares[c] / Double(n) - (featureMean[c] / Double(n)) * (featureMean[c] / Double(n)) }
        let shiftTolerance = tolerance * meanVariance / Double(Swift.max(d, 1))

        var rng = RandomGenerator(seed: seed)
        var best: KMeansResult?
        for _ in 0..<restarts {
            var centres = seedCentres(x, n: n, d: d, rng: &rng)
            var (labels, distances) = assign(points, rowNorms: rowNorms, centres: centres, n: n, d: d)
            var iterations = 0
            for it in 1...maximumIterations {
                iterations = it
                let moved = update(x, labels: labels, distances: distances, n: n, d: d)
                var shift = 0.0
                for i in 0..<centres.count { shift += Double((moved[i] - centres[i]) * (moved[i] - centres[i])) }
                centres = moved
                let next = assign(points, rowNorms: rowNorms, centres: centres, n: n, d: d)
                let unchanged = next.labels == labels
                (labels, distances) = next
                if unchanged || shift <= shiftTolerance { break }
            }
            let inertia = distances.reduce(0.0) { $0 + Double($1) }
            if best.map({ inertia < $0.inertia }) ?? true {
                best = KMeansResult(centroids: Tensor(centres, shape: [clusterCount, d]), assignments: labels,
                                    inertia: inertia, iterations: iterations)
            }
        }
        guard let best else { throw RetrievalError.invalidArgument("k-means ran no restart") }
        return best
    }

    /// k-means++ seeding: `k × d` centres, row-major.
    func seedCentres(_ x: [Float], n: Int, d: Int, rng: inout RandomGenerator) -> [Float] {
        var centres = [Float](repeating: 0, count: clusterCount * d)
        var nearest = [Double](repeating: .infinity, count: n)
        var chosen = rng.nextInt(below: n)
        for c in 0..<clusterCount {
            for j in 0..<d { centres[c * d + j] = x[chosen * d + j] }
            var total = 0.0
            for i in 0..<n {
                var s = 0.0
                for j in 0..<d {
                    let diff = Double(x[i * d + j]) - Double(x[chosen * d + j])
                    s += diff * diff
                }
                nearest[i] = Swift.min(nearest[i], s)
                total += nearest[i]
            }
            guard c + 1 < clusterCount else { break }
            if total <= 0 {
                chosen = rng.nextInt(below: n)   // every point sits on a centre: any point will do
                continue
            }
            var target = rng.nextUniform() * total
            chosen = n - 1
            for i in 0..<n {
                target -= nearest[i]
                if target < 0 { chosen = i; break }
            }
        }
        return centres
    }

    /// Nearest centre of every point and the squared distance to it.
    func assign(_ points: Tensor, rowNorms: [Float], centres: [Float], n: Int, d: Int) -> (labels: [Int], distances: [Float]) {
        let k = clusterCount
        var centreNorms = [Float](repeating: 0, count: k)
        for c in 0..<k {
            var s: Float = 0
            for j in 0..<d { s += centres[c * d + j] * centres[c * d + j] }
            centreNorms[c] = s
        }
        let cross = withoutGradients { points.matmul(Tensor(centres, shape: [k, d]).transposed(0, 1)) }.scalars
        var labels = [Int](repeating: 0, count: n), distances = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var bestC = 0, bestD = Float.infinity
            for c in 0..<k {
                let dist = rowNorms[i] - 2 * cross[i * k + c] + centreNorms[c]
                if dist < bestD { bestD = dist; bestC = c }
            }
            labels[i] = bestC
            distances[i] = Swift.max(0, bestD)
        }
        return (labels, distances)
    }

    /// Means of the assigned points; an empty cluster takes the farthest point not yet taken.
    func update(_ x: [Float], labels: [Int], distances: [Float], n: Int, d: Int) -> [Float] {
        let k = clusterCount
        var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
        for i in 0..<n {
            counts[labels[i]] += 1
            for j in 0..<d { sums[labels[i] * d + j] += Double(x[i * d + j]) }
        }
        var centres = [Float](repeating: 0, count: k * d)
        var farthest: ArraySlice<Int> = []
        if counts.contains(0) {
            farthest = Array(0..<n).sorted { distances[$0] != distances[$1] ? distances[$0] > distances[$1] : $0 < $1 }[...]
        }
        for c in 0..<k {
            if counts[c] == 0, let i = farthest.popFirst() {
                for j in 0..<d { centres[c * d + j] = x[i * d + j] }
            } else {
                for j in 0..<d { centres[c * d + j] = Float(sums[c * d + j] / Double(Swift.max(counts[c], 1))) }
            }
        }
        return centres
    }
}

/// The outcome of ``KMeans/fit(_:)``.
public struct KMeansResult: Sendable {
    /// `[k, D]` float32 cluster centres.
    public let centroids: Tensor
    /// Cluster of each point, in `0..<k`.
    public let assignments: [Int]
    /// Sum of squared distances of the points to their centres.
    public let inertia: Double
    /// Lloyd iterations run by the kept restart.
    public let iterations: Int
}
