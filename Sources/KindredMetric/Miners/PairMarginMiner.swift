/// Pair-margin mining (PML's `PairMarginMiner`): positive pairs farther than `posMargin` and
/// negative pairs closer than `negMargin` (for similarities: positives with `s < posMargin`,
/// negatives with `s > negMargin`).
public struct PairMarginMiner: Miner {
    /// Positive pairs beyond this are kept (default 0.2).
    public let posMargin: Double
    /// Negative pairs within this are kept (default 0.8).
    public let negMargin: Double
    /// How embeddings are compared (default ``LpDistance`` on normalised embeddings).
    public let distance: BaseDistance

    /// Creates the miner.
    public init(posMargin: Double = 0.2, negMargin: Double = 0.8, distance: BaseDistance = LpDistance()) {
        self.posMargin = posMargin
        self.negMargin = negMargin
        self.distance = distance
    }

    /// The hard positive and negative pairs, row-major.
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let table = DistanceTable(distance, embeddings, reference)
        let (a1, p, a2, n) = IndexTuples.allPairs(labels: labels, refLabels: refLabels).asPairs
        var r1: [Int] = [], rp: [Int] = [], r2: [Int] = [], rn: [Int] = []
        for k in a1.indices where distance.isCloser(posMargin, than: table[a1[k], p[k]]) { r1.append(a1[k]); rp.append(p[k]) }
        for k in a2.indices where distance.isCloser(table[a2[k], n[k]], than: negMargin) { r2.append(a2[k]); rn.append(n[k]) }
        return .pairs(a1: r1, p: rp, a2: r2, n: rn)
    }
}
