/// Batch-hard mining (PML's `BatchHardMiner`): one triplet per anchor, with its hardest positive
/// (`argmax_p d(a,p)` for distances, `argmin` for similarities) and its hardest negative
/// (`argmin_n d(a,n)`, `argmax` for similarities). Anchors without a positive or a negative
/// give no triplet. Ties go to the lowest index.
public struct BatchHardMiner: Miner {
    /// How embeddings are compared (default ``LpDistance`` on normalised embeddings).
    public let distance: BaseDistance

    /// Creates the miner.
    public init(distance: BaseDistance = LpDistance()) { self.distance = distance }

    /// One (anchor, hardest positive, hardest negative) triplet per eligible anchor.
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let table = DistanceTable(distance, embeddings, reference)
        let ref = refLabels ?? labels
        let same = refLabels == nil
        var a: [Int] = [], p: [Int] = [], n: [Int] = []
        for i in labels.indices {
            var hardP: Int? = nil, hardN: Int? = nil
            for j in ref.indices {
                let d = table[i, j]
                if ref[j] == labels[i] {
                    if same && i == j { continue }
                    // Hardest positive: the farthest one.
                    if hardP == nil || distance.isCloser(table[i, hardP!], than: d) { hardP = j }
                } else if hardN == nil || distance.isCloser(d, than: table[i, hardN!]) {
                    hardN = j
                }
            }
            if let hp = hardP, let hn = hardN { a.append(i); p.append(hp); n.append(hn) }
        }
        return .triplets(a: a, p: p, n: n)
    }
}
