/// Triplet-margin mining (PML's `TripletMarginMiner`): among all triplets the labels define, keep
/// those whose margin `μ = m(d(a,n), d(a,p))` (`d(a,n) - d(a,p)` for distances,
/// `s(a,p) - s(a,n)` for similarities) satisfies
///
/// - ``Kind/all``: `μ ≤ margin` (violates the margin);
/// - ``Kind/hard``: `μ ≤ margin` and `μ ≤ 0` (negative at least as close as the positive);
/// - ``Kind/semihard``: `0 < μ ≤ margin`;
/// - ``Kind/easy``: `μ > margin`.
public struct TripletMarginMiner: Miner {
    /// Which triplets to keep.
    public enum Kind: String, Sendable, CaseIterable {
        /// Every margin-violating triplet.
        case all
        /// Violating triplets whose negative is at least as close as the positive.
        case hard
        /// Violating triplets whose negative is farther than the positive.
        case semihard
        /// Triplets that satisfy the margin.
        case easy
    }

    /// The margin (default 0.2).
    public let margin: Double
    /// Which triplets to keep.
    public let kind: Kind
    /// How embeddings are compared (default ``LpDistance`` on normalised embeddings).
    public let distance: BaseDistance

    /// Creates the miner.
    public init(margin: Double = 0.2, kind: Kind = .all, distance: BaseDistance = LpDistance()) {
        self.margin = margin
        self.kind = kind
        self.distance = distance
    }

    /// Whether a triplet with margin `mu` is kept.
    public func keeps(margin mu: Double) -> Bool {
        switch kind {
        case .easy: return mu > margin
        case .all: return mu <= margin
        case .hard: return mu <= margin && mu <= 0
        case .semihard: return mu <= margin && mu > 0
        }
    }

    /// The kept triplets, ordered by anchor, positive, negative.
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let table = DistanceTable(distance, embeddings, reference)
        let (a, p, n) = IndexTuples.allTriplets(labels: labels, refLabels: refLabels).asTriplets
        var ra: [Int] = [], rp: [Int] = [], rn: [Int] = []
        for k in a.indices {
            let mu = distance.margin(table[a[k], n[k]], table[a[k], p[k]])
            if keeps(margin: mu) { ra.append(a[k]); rp.append(p[k]); rn.append(n[k]) }
        }
        return .triplets(a: ra, p: rp, n: rn)
    }
}
