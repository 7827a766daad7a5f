/// Triplet margin loss (PML's `TripletMarginLoss`): for each triplet (a, p, n)
///
/// `ℓ = [m(d(a,p), d(a,n)) + margin]₊`, where `m(x, y) = x - y` for distances and `y - x` for
/// similarities (``BaseDistance/margin(_:_:)-(Tensor,Tensor)``).
///
/// - `swap`: replace `d(a,n)` by the closer of `d(a,n)` and `d(p,n)` (distance swap).
/// - `smooth`: `softplus(·)` instead of the hinge `[·]₊` (the soft-margin version).
///
/// Defaults as PML: `margin` 0.05, ``LpDistance`` on normalised embeddings, ``AvgNonZeroReducer``,
/// all triplets the labels define (PML's `triplets_per_anchor="all"`). With
/// `tripletsPerAnchor: .sampled(k)` a call given labels only draws `k` random triplets per anchor
/// (``IndexTuples/randomTriplets(labels:refLabels:perAnchor:generator:)``) from ``generator``;
/// given tuples (a miner's output) are always used as they are.
///
/// ```swift
/// let loss = TripletMarginLoss(margin: 0.2, tripletsPerAnchor: .sampled(10), seed: 1)
/// let value = loss(embeddings, labels: labels)
/// ```
public final class TripletMarginLoss: MetricLoss {
    /// The desired gap between anchor–positive and anchor–negative distances.
    public let margin: Double
    /// Whether to use the positive–negative distance when it is closer than anchor–negative.
    public let swap: Bool
    /// Whether to use softplus instead of the hinge.
    public let smooth: Bool
    /// All triplets, or a number drawn at random per anchor, when only labels are given.
    public let tripletsPerAnchor: TripletsPerAnchor
    /// The source of the draws for ``TripletsPerAnchor/sampled(_:)``.
    public var generator: RandomGenerator

    /// Creates the loss.
    ///
    /// - Parameters:
    ///   - tripletsPerAnchor: `.all` (default) or `.sampled(k)` with `k ≥ 1`.
    ///   - seed: seeds ``generator`` (used only by `.sampled`).
    public init(margin: Double = 0.05, swap: Bool = false, smooth: Bool = false,
                tripletsPerAnchor: TripletsPerAnchor = .all, seed: UInt64 = 0,
                distance: BaseDistance = LpDistance(), reducer: any Reducer = AvgNonZeroReducer()) {
        if case let .sampled(k) = tripletsPerAnchor {
            precondition(k >= 1, "tripletsPerAnchor must be .all or .sampled(k) with k ≥ 1, got .sampled(\(k))")
        }
        self.margin = margin
        self.swap = swap
        self.smooth = smooth
        self.tripletsPerAnchor = tripletsPerAnchor
        self.generator = RandomGenerator(seed: seed)
        super.init(distance: distance, reducer: reducer)
    }

    /// One loss per triplet.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        var given = indices
        if given == nil, case let .sampled(k) = tripletsPerAnchor, let labels {
            given = IndexTuples.randomTriplets(labels: labels, refLabels: refLabels, perAnchor: k, generator: &generator)
        }
        let (a, p, n) = triplets(labels: labels, indices: given, refLabels: refLabels)
        lastTupleCount = a.count
        if a.isEmpty { return [.zero] }
        let mat = distance(embeddings, reference)
        let violation: Tensor
        if swap {
            let ap = mat.entries(rows: a, cols: p)
            // Positive and negative both index the reference batch. (PML indexes the
            // query–reference matrix with them, which only works when the batch is its own reference.)
            let pn = reference.map { distance($0).entries(rows: p, cols: n) } ?? mat.entries(rows: p, cols: n)
            let an = distance.smallest(mat.entries(rows: a, cols: n), pn)
            violation = distance.margin(ap, an) + margin
        } else {
            // margin(d(a,p), d(a,n)) in one pass: d(a,p) - d(a,n), or d(a,n) - d(a,p) for similarities.
            let inverted = distance.isInverted
            violation = mat.pairDifferences(rows: a, plus: inverted ? n : p, minus: inverted ? p : n) + margin
        }
        let losses = smooth ? violation.softplus() : violation.relu()
        return [LossTerm(losses: losses, kind: .triplet, anchors: a, others: p)]
    }
}
