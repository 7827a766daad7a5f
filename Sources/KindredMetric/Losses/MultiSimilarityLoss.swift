/// Multi-similarity loss (PML's `MultiSimilarityLoss`, Wang et al. 2019), one value per anchor `i`:
///
/// `ℓᵢ = (1/α) log(1 + Σ_{p∈Pᵢ} e^{-α(Sᵢₚ - λ)}) + (1/β) log(1 + Σ_{n∈Nᵢ} e^{β(Sᵢₙ - λ)})`
///
/// with similarities `S` (default ``CosineSimilarity``; for a distance the signs flip through
/// ``BaseDistance/margin(_:_:)-(Tensor,Tensor)``), `α` = 2, `β` = 50, `λ` (`base`) = 0.5, and
/// ``MeanReducer`` over anchors, as PML.
public final class MultiSimilarityLoss: MetricLoss {
    /// Weight of positive pairs in the exponent.
    public let alpha: Double
    /// Weight of negative pairs in the exponent.
    public let beta: Double
    /// The similarity offset λ.
    public let base: Double

    /// Creates the loss.
    public init(alpha: Double = 2, beta: Double = 50, base: Double = 0.5,
                distance: BaseDistance = CosineSimilarity(), reducer: any Reducer = MeanReducer()) {
        self.alpha = alpha
        self.beta = beta
        self.base = base
        super.init(distance: distance, reducer: reducer)
    }

    /// One loss per anchor row.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        let (a1, p, a2, n) = pairs(labels: labels, indices: indices, refLabels: refLabels)
        lastTupleCount = a1.count + a2.count
        if a1.count <= 1 && a2.count <= 1 { return [.zero] }
        let mat = distance(embeddings, reference)
        let (pos, neg) = Self.pairMasks(a1: a1, p: p, a2: a2, n: n, rows: mat.shape[0], columns: mat.shape[1], dtype: mat.dtype)
        let posLoss = (distance.margin(mat, base) * alpha).maskedLogSumExp(mask: pos, addOne: true) / alpha
        let negLoss = (distance.margin(base, mat) * beta).maskedLogSumExp(mask: neg, addOne: true) / beta
        let m = mat.shape[0]
        return [LossTerm(losses: (posLoss + negLoss).reshaped([m]), kind: .element, anchors: Array(0..<m))]
    }
}
