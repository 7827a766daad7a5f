import Foundation

/// Distance-weighted sampling (PML's `DistanceWeightedMiner`, Wu et al. 2017): negatives drawn
/// with probability inversely proportional to the density of pairwise distances of points spread
/// uniformly on the unit sphere in `D` dimensions,
///
/// `w(a, n) ∝ d^{2-D} · (1 - d²/4)^{-(D-3)/2}`,  `d = max(‖â - n̂‖, cutoff)`,
///
/// and 0 for same-class pairs and for `d ≥ nonzeroLossCutoff`. For every label, each anchor gets
/// as many triplets as its class has members; each takes a uniformly drawn positive (not itself)
/// and a negative drawn by `w`. Anchors whose weights are all 0 get none. Uses ``LpDistance`` on
/// normalised embeddings, as PML requires. Random draws come from ``generator``, so results are
/// reproducible from a seed (they are not PyTorch's draws).
public final class DistanceWeightedMiner: Miner {
    /// Distances are clamped below at this value (limits the weights' variance).
    public let cutoff: Double
    /// Negatives at this distance or farther are never drawn.
    public let nonzeroLossCutoff: Double
    /// The source of the random draws.
    public var generator: RandomGenerator
    private let distance = LpDistance()

    /// Creates the miner.
    public init(cutoff: Double = 0.5, nonzeroLossCutoff: Double = 1.4, seed: UInt64 = 0) {
        self.cutoff = cutoff
        self.nonzeroLossCutoff = nonzeroLossCutoff
        generator = RandomGenerator(seed: seed)
    }

    /// Sampling weights `[M][N]` of each reference element as a negative for each query element
    /// (rows sum to 1, or are all 0 when nothing can be drawn).
    public func weights(_ embeddings: Tensor, labels: [Int], reference: Tensor? = nil, refLabels: [Int]? = nil) -> [[Double]] {
        let table = withoutGradients { DistanceTable(distance, embeddings.detached(), reference?.detached()) }
        let ref = refLabels ?? labels
        let d = Double(embeddings.shape[1])
        var logW = [[Double]](repeating: [Double](repeating: -.infinity, count: ref.count), count: labels.count)
        var top = -Double.infinity
        for i in labels.indices {
            for j in ref.indices where ref[j] != labels[i] {
                let m = Swift.max(table[i, j], cutoff)
                guard m < nonzeroLossCutoff else { continue }
                let lw = (2 - d) * Foundation.log(m) - ((d - 3) / 2) * Foundation.log(1 - 0.25 * m * m)
                guard lw.isFinite else { continue }
                logW[i][j] = lw
                top = Swift.max(top, lw)
            }
        }
        return logW.map { row in
            let w = row.map { $0.isFinite ? Foundation.exp($0 - top) : 0 }
            let s = w.reduce(0, +)
            return s > 0 ? w.map { $0 / s } : w
        }
    }

    /// Draws triplets as described above.
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let w = weights(embeddings, labels: labels, reference: reference, refLabels: refLabels)
        let same = refLabels == nil
        let ref = refLabels ?? labels
        var ra: [Int] = [], rp: [Int] = [], rn: [Int] = []
        for label in Set(labels).sorted() {
            let anchors = labels.indices.filter { labels[$0] == label }
            let positives = ref.indices.filter { ref[$0] == label }
            guard positives.count >= (same ? 2 : 1), ref.contains(where: { $0 != label }) else { continue }
            for a in anchors {
                let total = w[a].reduce(0, +)
                guard total > 0 else { continue }
                let choices = same ? positives.filter { $0 != a } : positives
                for _ in 0..<positives.count {
                    let p = choices[generator.nextInt(below: choices.count)]
                    var u = generator.nextUniform() * total, n = -1
                    for (j, v) in w[a].enumerated() where v > 0 {
                        n = j
                        u -= v
                        if u < 0 { break }
                    }
                    ra.append(a); rp.append(p); rn.append(n)
                }
            }
        }
        return .triplets(a: ra, p: rp, n: rn)
    }
}
