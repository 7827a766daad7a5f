/// Proxy-NCA loss (PML's `ProxyNCALoss`, Movshovitz-Attias et al. 2017): NCA against one learnable
/// proxy per class (`proxies` `[C, D]`):
///
/// `ℓᵢ = -wᵢ · log softmax_c(-s · d(xᵢ, p_c))_{yᵢ}`
///
/// with distance `d` (default squared Euclidean on normalised vectors, ``LpDistance`` with
/// power 2; a similarity is used as is), `s` (`softmaxScale`) = 1, miner weights `wᵢ` counting
/// anchors only, and ``MeanReducer``, as PML. Elements whose probability underflows to 0 are
/// dropped (as PML).
public final class ProxyNCALoss: MetricLoss {
    /// Number of classes (proxies).
    public let numClasses: Int
    /// The softmax scale s.
    public let softmaxScale: Double
    /// One proxy per class, `[numClasses, embeddingSize]`, a trainable parameter.
    public var proxies: Tensor

    /// Creates the loss; `proxies` default to standard normal values (PML's default init).
    public init(numClasses: Int, embeddingSize: Int, softmaxScale: Double = 1, proxies: Tensor? = nil,
                distance: BaseDistance = LpDistance(power: 2), reducer: any Reducer = MeanReducer()) {
        self.numClasses = numClasses
        self.softmaxScale = softmaxScale
        let p = proxies ?? Initializer.normal(mean: 0, std: 1).make([numClasses, embeddingSize])
        precondition(p.shape == [numClasses, embeddingSize], "proxies must be [\(numClasses), \(embeddingSize)], got \(p.shape)")
        self.proxies = p.requiresGrad ? p : p.requiringGradient()
        super.init(distance: distance, reducer: reducer)
    }

    /// The class weights as rows, for ``MetricLoss/weightRegularizer``.
    override public var classWeightRows: Tensor? { proxies }

    /// One loss per batch element.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        guard let labels else { preconditionFailure("ProxyNCALoss needs labels") }
        precondition(reference == nil, "ProxyNCALoss does not support a reference batch")
        let n = labels.count
        lastTupleCount = n
        var weights = [Double](repeating: 1, count: n)
        if let indices, !indices.isEmpty {
            // Only anchors index the query batch when comparing against proxies.
            let anchors: [Int]
            switch indices {
            case let .pairs(a1, _, a2, _): anchors = a1 + a2
            case let .triplets(a, _, _): anchors = a
            }
            var counts = [Double](repeating: 0, count: n)
            for a in anchors { counts[a] += 1 }
            let top = counts.max() ?? 1
            weights = counts.map { $0 / top }
        }
        var mat = distance(embeddings, proxies.cast(to: embeddings.dtype))
        if !distance.isInverted { mat = -mat }
        let prob = (mat * softmaxScale).softmax(axis: 1).gather(axis: 1, index: labels, shape: [n, 1]).reshaped([n])
        let kept = prob.doubles.indices.filter { prob.doubles[$0] != 0 }
        if kept.isEmpty { return [.zero] }
        let w = Tensor(doubles: kept.map { weights[$0] }, shape: [kept.count], dtype: prob.dtype)
        let losses = -(kept.count == n ? prob : prob.rows(kept)).log() * w
        return [LossTerm(losses: losses, kind: .element, anchors: kept)]
    }
}
