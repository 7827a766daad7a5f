/// Multi-similarity mining (PML's `MultiSimilarityMiner`, Wang et al. 2019), with similarities
/// `s` (default ``CosineSimilarity``): for anchor `i`
///
/// - positive `p` is kept when `s(i,p) - ε < max_n s(i,n)`;
/// - negative `n` is kept when `s(i,n) + ε > min_p s(i,p)`.
///
/// With a distance the inequalities flip (`d(i,p) + ε > min_n d(i,n)`, `d(i,n) - ε < max_p d(i,p)`).
/// An anchor without negatives keeps no positives and vice versa; a batch with no positive or no
/// negative pair at all mines nothing.
public struct MultiSimilarityMiner: Miner {
    /// The slack ε (default 0.1).
    public let epsilon: Double
    /// How embeddings are compared.
    public let distance: BaseDistance

    /// Creates the miner.
    public init(epsilon: Double = 0.1, distance: BaseDistance = CosineSimilarity()) {
        self.epsilon = epsilon
        self.distance = distance
    }

    /// The informative positive and negative pairs, grouped by anchor.
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let (pa1, pp, pa2, pn) = IndexTuples.allPairs(labels: labels, refLabels: refLabels).asPairs
        if pa1.isEmpty || pa2.isEmpty { return .pairs(a1: [], p: [], a2: [], n: []) }
        let table = DistanceTable(distance, embeddings, reference)
        var positives = [[Int]](repeating: [], count: labels.count)
        var negatives = [[Int]](repeating: [], count: labels.count)
        for k in pa1.indices { positives[pa1[k]].append(pp[k]) }
        for k in pa2.indices { negatives[pa2[k]].append(pn[k]) }
        var a1: [Int] = [], p: [Int] = [], a2: [Int] = [], n: [Int] = []
        let inv = distance.isInverted
        for i in labels.indices {
            let pv = positives[i].map { table[i, $0] }, nv = negatives[i].map { table[i, $0] }
            // The closest negative and the farthest positive bound the informative pairs.
            if let closestNeg = inv ? nv.max() : nv.min() {
                for (k, j) in positives[i].enumerated() where inv ? pv[k] - epsilon < closestNeg : pv[k] + epsilon > closestNeg {
                    a1.append(i); p.append(j)
                }
            }
            if let farthestPos = inv ? pv.min() : pv.max() {
                for (k, j) in negatives[i].enumerated() where inv ? nv[k] + epsilon > farthestPos : nv[k] - epsilon < farthestPos {
                    a2.append(i); n.append(j)
                }
            }
        }
        return .pairs(a1: a1, p: p, a2: a2, n: n)
    }
}
