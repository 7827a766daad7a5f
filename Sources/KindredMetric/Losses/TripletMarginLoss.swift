/// Triplet margin loss (PML's `TripletMarginLoss`): for each triplet (a, p, n)
///
/// `ℓ = [m(d(a,p), d(a,n)) + margin]₊`, where `m(x, y) = x - y` for distances and `y - x` for
/// similarities (``BaseDistance/margin(_:_:)-(Tensor,Tensor)``).
///
/// - `swap`: replace `d(a,n)` by the closer of `d(a,n)` and `d(p,n)` (distance swap).
/// - `smooth`: `softplus(·)` instead of the hinge `[·]₊` (the soft-margin version).
///
/// Defaults as PML: `margin` 0.05, ``LpDistance`` on normalised embeddings, ``AvgNonZeroReducer``,
/// all triplets the labels define (PML's `triplets_per_anchor="all"`).
public final class TripletMarginLoss: MetricLoss {
    /// The desired gap between anchor–positive and anchor–negative distances.
    public let margin: Double
    /// Whether to use the positive–negative distance when it is closer than anchor–negative.
    public let swap: Bool
    /// Whether to use softplus instead of the hinge.
    public let smooth: Bool

    /// Creates the loss.
    public init(margin: Double = 0.05, swap: Bool = false, smooth: Bool = false,
                distance: BaseDistance = LpDistance(), reducer: any Reducer = AvgNonZeroReducer()) {
        self.margin = margin
        self.swap = swap
        self.smooth = smooth
        super.init(distance: distance, reducer: reducer)
    }

    /// One loss per triplet.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        let (a, p, n) = triplets(labels: labels, indices: indices, refLabels: refLabels)
        lastTupleCount = a.count
        if a.isEmpty { return [.zero] }
        let mat = distance(embeddings, reference)
        let ap = mat.entries(rows: a, cols: p)
        var an = mat.entries(rows: a, cols: n)
        if swap {
            // Positive and negative both index the reference batch. (PML indexes the
            // query–reference matrix with them, which only works when the batch is its own reference.)
            let pn = reference.map { distance($0).entries(rows: p, cols: n) } ?? mat.entries(rows: p, cols: n)
            an = distance.smallest(an, pn)
        }
        let violation = distance.margin(ap, an) + margin
        let losses = smooth ? violation.softplus() : violation.relu()
        return [LossTerm(losses: losses, kind: .triplet, anchors: a, others: p)]
    }
}
