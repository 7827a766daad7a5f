/// Contrastive loss (PML's `ContrastiveLoss`), one term per positive pair and one per negative pair:
///
/// `ℓ⁺ = [m(d(a,p), posMargin)]₊`,  `ℓ⁻ = [m(negMargin, d(a,n))]₊`,
///
/// with `m(x, y) = x - y` for distances and `y - x` for similarities. The two terms are reduced
/// separately (default ``AvgNonZeroReducer``) and summed. Defaults as PML: `posMargin` 0,
/// `negMargin` 1, ``LpDistance`` on normalised embeddings. As in PML, a batch with at most one
/// positive and at most one negative pair gives zero loss.
public final class ContrastiveLoss: MetricLoss {
    /// Positive pairs closer than this cost nothing.
    public let posMargin: Double
    /// Negative pairs farther than this cost nothing.
    public let negMargin: Double

    /// Creates the loss.
    public init(posMargin: Double = 0, negMargin: Double = 1,
                distance: BaseDistance = LpDistance(), reducer: any Reducer = AvgNonZeroReducer()) {
        self.posMargin = posMargin
        self.negMargin = negMargin
        super.init(distance: distance, reducer: reducer)
    }

    /// A positive-pair term and a negative-pair term.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        let (a1, p, a2, n) = pairs(labels: labels, indices: indices, refLabels: refLabels)
        lastTupleCount = a1.count + a2.count
        if a1.count <= 1 && a2.count <= 1 { return [.zero, .zero] }
        let mat = distance(embeddings, reference)
        var pos = LossTerm.zero, neg = LossTerm.zero
        if !a1.isEmpty {
            let d = mat.entries(rows: a1, cols: p)
            pos = LossTerm(losses: distance.margin(d, posMargin).relu(), kind: .positivePair, anchors: a1, others: p)
        }
        if !a2.isEmpty {
            let d = mat.entries(rows: a2, cols: n)
            neg = LossTerm(losses: distance.margin(negMargin, d).relu(), kind: .negativePair, anchors: a2, others: n)
        }
        return [pos, neg]
    }
}
