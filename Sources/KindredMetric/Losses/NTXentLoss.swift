/// NT-Xent / InfoNCE loss (PML's `NTXentLoss`), one value per positive pair `(a, p)`:
///
/// `ℓ = -log( e^{S_ap/τ} / (e^{S_ap/τ} + Σ_{n: (a,n) negative} e^{S_an/τ}) )`
///
/// with similarities `S` (default ``CosineSimilarity``; a distance is negated), temperature `τ`
/// (default 0.07) and ``MeanReducer`` over positive pairs. With augmented views as labels this is
/// SimCLR's loss. (PML adds the smallest normal number inside the log; so does this.)
public final class NTXentLoss: MetricLoss {
    /// The temperature τ.
    public let temperature: Double

    /// Creates the loss.
    public init(temperature: Double = 0.07, distance: BaseDistance = CosineSimilarity(), reducer: any Reducer = MeanReducer()) {
        self.temperature = temperature
        super.init(distance: distance, reducer: reducer)
    }

    /// One loss per positive pair.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        let (a1, p, a2, n) = pairs(labels: labels, indices: indices, refLabels: refLabels)
        lastTupleCount = a1.count + a2.count
        if (a1.count <= 1 && a2.count <= 1) || a1.isEmpty || a2.isEmpty { return [.zero] }
        let mat = distance(embeddings, reference)
        let sign: Double = distance.isInverted ? 1 : -1
        let posPairs = (mat.entries(rows: a1, cols: p) * (sign / temperature)).reshaped([a1.count, 1])
        let negPairs = mat.entries(rows: a2, cols: n) * (sign / temperature)
        // Negatives sharing each positive pair's anchor: [P, Nneg].
        var sameAnchor = [Double](repeating: 0, count: a1.count * a2.count)
        for i in a1.indices { for j in a2.indices where a2[j] == a1[i] { sameAnchor[i * a2.count + j] = 1 } }
        let mask = Tensor(doubles: sameAnchor, shape: [a1.count, a2.count], dtype: mat.dtype)
        let lowest = mat.dtype == .float32 ? -Double(Float.greatestFiniteMagnitude) : -Double.greatestFiniteMagnitude
        let negs = Tensor.where(mask, negPairs.reshaped([1, a2.count]).expanded(to: [a1.count, a2.count]),
                                Tensor(scalar: lowest, dtype: mat.dtype))
        let maxVal = withoutGradients { posPairs.maximum(negs.max(axis: 1, keepDims: true)) }.detached()
        let numerator = (posPairs - maxVal).exp().reshaped([a1.count])
        let denominator = (negs - maxVal).exp().sum(axis: 1) + numerator
        let tiny = mat.dtype == .float32 ? Double(Float.leastNormalMagnitude) : Double.leastNormalMagnitude
        let losses = -((numerator / denominator) + tiny).log()
        return [LossTerm(losses: losses, kind: .positivePair, anchors: a1, others: p)]
    }
}
