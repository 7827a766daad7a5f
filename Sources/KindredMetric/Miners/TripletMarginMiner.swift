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

    /// The kept triplets, ordered by anchor, positive, negative (the order of
    /// ``IndexTuples/allTriplets(labels:refLabels:)``).
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let table = DistanceTable(distance, embeddings, reference)
        let ref = refLabels ?? labels
        let same = refLabels == nil
        var members: [Int: [Int]] = [:]
        for (j, l) in ref.enumerated() { members[l, default: []].append(j) }
        // Each anchor's triplets come straight from its row of the table: a batch of 1024 has
        // millions of triplets, so they are never all listed. The output reserves room for every
        // triplet (untouched pages cost nothing), so appending never copies.
        let sign = distance.isInverted ? -1.0 : 1.0
        let values = table.values, columns = table.columns
        let upper = labels.reduce(0) { total, l in
            let positives = (members[l]?.count ?? 0) - (same ? 1 : 0)
            return total + Swift.max(positives, 0) * (ref.count - (members[l]?.count ?? 0))
        }
        var a: [Int] = [], p: [Int] = [], n: [Int] = []
        a.reserveCapacity(upper); p.reserveCapacity(upper); n.reserveCapacity(upper)
        var negatives: [Int] = [], negativeValues: [Double] = []
        for i in labels.indices {
            let row = i * columns
            negatives.removeAll(keepingCapacity: true)
            negativeValues.removeAll(keepingCapacity: true)
            for k in ref.indices where ref[k] != labels[i] { negatives.append(k); negativeValues.append(values[row + k]) }
            for j in members[labels[i]] ?? [] where !(same && j == i) {
                let ap = values[row + j]
                for t in negatives.indices {
                    // μ = d(a,n) - d(a,p) for distances, s(a,p) - s(a,n) for similarities.
                    if keeps(margin: sign * (negativeValues[t] - ap)) { a.append(i); p.append(j); n.append(negatives[t]) }
                }
            }
        }
        return .triplets(a: a, p: p, n: n)
    }
}
