/// Supervised contrastive loss (PML's `SupConLoss`, Khosla et al. 2020), one value per anchor `i`:
///
/// `ℓᵢ = -(1/|Pᵢ|) Σ_{p∈Pᵢ} log( e^{Sᵢₚ/τ} / Σ_{j∈Pᵢ∪Nᵢ} e^{Sᵢⱼ/τ} )`
///
/// with similarities `S` (default ``CosineSimilarity``; a distance is negated), temperature `τ`
/// (default 0.1) and ``AvgNonZeroReducer``, as PML. Anchors without positives contribute 0.
public final class SupConLoss: MetricLoss {
    /// The temperature τ.
    public let temperature: Double

    /// Creates the loss.
    public init(temperature: Double = 0.1, distance: BaseDistance = CosineSimilarity(), reducer: any Reducer = AvgNonZeroReducer()) {
        self.temperature = temperature
        super.init(distance: distance, reducer: reducer)
    }

    /// One loss per anchor row.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        let (a1, p, a2, n) = pairs(labels: labels, indices: indices, refLabels: refLabels)
        lastTupleCount = a1.count + a2.count
        if (a1.count <= 1 && a2.count <= 1) || a1.isEmpty || a2.isEmpty { return [.zero] }
        var mat = distance(embeddings, reference)
        let (pos, neg) = Self.pairMasks(a1: a1, p: p, a2: a2, n: n, rows: mat.shape[0], columns: mat.shape[1], dtype: mat.dtype)
        mat = mat * ((distance.isInverted ? 1.0 : -1.0) / temperature)
        mat = mat - mat.max(axis: 1, keepDims: true).detached()
        let logProb = mat - mat.maskedLogSumExp(mask: pos + neg, addOne: false)
        let tiny = mat.dtype == .float32 ? Double(Float.leastNormalMagnitude) : Double.leastNormalMagnitude
        let meanLogProbPos = (pos * logProb).sum(axis: 1) / (pos.sum(axis: 1) + tiny)
        let m = mat.shape[0]
        return [LossTerm(losses: -meanLogProbPos, kind: .element, anchors: Array(0..<m))]
    }
}
