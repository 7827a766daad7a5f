/// Circle loss (PML's `CircleLoss`, Sun et al. 2020) on cosine similarities, one value per anchor:
///
/// `ℓᵢ = softplus( log Σ_{p∈Pᵢ} e^{-γ αₚ (Sᵢₚ - Δₚ)} + log Σ_{n∈Nᵢ} e^{γ αₙ (Sᵢₙ - Δₙ)} )`
///
/// with `αₚ = [1 + m - Sᵢₚ]₊`, `αₙ = [Sᵢₙ + m]₊` (treated as constants), `Δₚ = 1 - m`, `Δₙ = m`;
/// anchors lacking positives or negatives give 0. Defaults as PML: `m` 0.4, `γ` 80,
/// ``AvgNonZeroReducer``. Only ``CosineSimilarity`` is allowed. With `detachScaleFactors` false
/// the gradient also flows through `αₚ`, `αₙ` (the exact derivative of the value; not PML).
public final class CircleLoss: MetricLoss {
    /// The relaxation margin m.
    public let m: Double
    /// The scale γ.
    public let gamma: Double
    /// Whether `αₚ`, `αₙ` are constants for the gradient (true, as PML).
    public let detachScaleFactors: Bool

    /// Creates the loss.
    public init(m: Double = 0.4, gamma: Double = 80, detachScaleFactors: Bool = true,
                distance: BaseDistance = CosineSimilarity(), reducer: any Reducer = AvgNonZeroReducer()) {
        precondition(distance is CosineSimilarity, "CircleLoss needs CosineSimilarity")
        self.m = m
        self.gamma = gamma
        self.detachScaleFactors = detachScaleFactors
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
        let frozen = detachScaleFactors ? mat.detached() : mat
        let alphaP = (1 + m - frozen).relu(), alphaN = (frozen + m).relu()
        let posLogits = -gamma * alphaP * (mat - (1 - m))
        let negLogits = gamma * alphaN * (mat - m)
        let lsePos = posLogits.maskedLogSumExp(mask: pos, addOne: false)
        let lseNeg = negLogits.maskedLogSumExp(mask: neg, addOne: false)
        let rows = mat.shape[0]
        let keep = withoutGradients { (pos.sum(axis: 1) .> 0) * (neg.sum(axis: 1) .> 0) }
        let losses = (lsePos + lseNeg).reshaped([rows]).softplus() * keep
        return [LossTerm(losses: losses, kind: .element, anchors: Array(0..<rows))]
    }
}
