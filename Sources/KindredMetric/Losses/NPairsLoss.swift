/// N-pairs loss (PML's `NPairsLoss`, Sohn 2016): take one positive pair per label — the first pair
/// whose anchor has that label, labels in increasing order — giving anchors `a₁…a_K` and
/// positives `p₁…p_K`; then each anchor must pick its own positive among all K:
///
/// `ℓₖ = -log softmax_j(S(aₖ, pⱼ))ₖ`
///
/// with similarities `S` (default ``DotProductSimilarity`` on normalised embeddings; a distance
/// is negated) and ``MeanReducer``, as PML. Labels are required; a separate reference batch is not
/// supported.
public final class NPairsLoss: MetricLoss {
    /// Creates the loss.
    override public init(distance: BaseDistance = DotProductSimilarity(), reducer: any Reducer = MeanReducer()) {
        super.init(distance: distance, reducer: reducer)
    }

    /// One loss per distinct anchor label.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        guard let labels else { preconditionFailure("NPairsLoss needs labels") }
        precondition(reference == nil, "NPairsLoss does not support a reference batch")
        let (a1, p, _, _) = pairs(labels: labels, indices: indices, refLabels: nil)
        var firstByLabel: [Int: Int] = [:]
        for (k, a) in a1.enumerated() where firstByLabel[labels[a]] == nil { firstByLabel[labels[a]] = k }
        let chosen = firstByLabel.keys.sorted().map { firstByLabel[$0]! }
        lastTupleCount = chosen.count
        if chosen.isEmpty { return [.zero] }
        let anchors = chosen.map { a1[$0] }, positives = chosen.map { p[$0] }
        var sim = distance(embeddings.rows(anchors), embeddings.rows(positives))
        if !distance.isInverted { sim = -sim }
        let losses = crossEntropy(logits: sim, targets: Array(0..<chosen.count), reduction: .none)
        return [LossTerm(losses: losses, kind: .element, anchors: anchors)]
    }
}
