/// Proxy-anchor loss (PML's `ProxyAnchorLoss`, Kim et al. 2020) with one learnable proxy per
/// class (`proxies` `[C, D]`) and similarities `S` (default ``CosineSimilarity``):
///
/// `ℓ = (1/|P⁺|) Σ_{c∈P⁺} log(1 + Σ_{i: yᵢ=c} e^{-α(S(xᵢ,p_c) - δ) + wᵢ - 1})
///    + (1/C) Σ_c log(1 + Σ_{i: yᵢ≠c} e^{α(S(xᵢ,p_c) + δ) + wᵢ - 1})`
///
/// where `P⁺` are the classes present in the batch, `wᵢ` miner weights (1 without tuples), `α`
/// = 32, `δ` (`margin`) = 0.1, as PML. (Its two averages are PML's `DivisorReducer`; the loss
/// returns them already reduced, so the `reducer` only passes them through.) For a distance the
/// signs flip through ``BaseDistance/margin(_:_:)-(Tensor,Tensor)``.
public final class ProxyAnchorLoss: MetricLoss {
    /// Number of classes (proxies).
    public let numClasses: Int
    /// The margin δ.
    public let margin: Double
    /// The scale α.
    public let alpha: Double
    /// One proxy per class, `[numClasses, embeddingSize]`, a trainable parameter.
    public var proxies: Tensor

    /// Creates the loss; `proxies` default to Kaiming-normal values (fan-out, as PML).
    public init(numClasses: Int, embeddingSize: Int, margin: Double = 0.1, alpha: Double = 32, proxies: Tensor? = nil,
                distance: BaseDistance = CosineSimilarity(), reducer: any Reducer = MeanReducer()) {
        self.numClasses = numClasses
        self.margin = margin
        self.alpha = alpha
        let std = (2.0 / Double(numClasses)).squareRoot()
        let p = proxies ?? Initializer.normal(mean: 0, std: std).make([numClasses, embeddingSize])
        precondition(p.shape == [numClasses, embeddingSize], "proxies must be [\(numClasses), \(embeddingSize)], got \(p.shape)")
        self.proxies = p.requiresGrad ? p : p.requiringGradient()
        super.init(distance: distance, reducer: reducer)
    }

    /// The class weights as rows, for ``MetricLoss/weightRegularizer``.
    override public var classWeightRows: Tensor? { proxies }

    /// The positive and negative terms, each already averaged.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        guard let labels else { preconditionFailure("ProxyAnchorLoss needs labels") }
        precondition(reference == nil, "ProxyAnchorLoss does not support a reference batch")
        let n = labels.count
        lastTupleCount = n
        let cos = distance(embeddings, proxies.cast(to: embeddings.dtype))  // [N, C]
        let weights = (Self.minerWeights(indices, count: n, dtype: cos.dtype) - 1).reshaped([n, 1])
        let pos = Self.oneHot(labels, classes: numClasses, dtype: cos.dtype)
        let neg = 1 - pos
        let present = Double(Set(labels).count)
        let posExp = distance.margin(cos, margin) * alpha + weights
        let negExp = distance.margin(-margin, cos) * alpha + weights
        // Log-sum-exp over the batch for each proxy: transpose to proxies × batch.
        let posTerm = posExp.transposed(0, 1).maskedLogSumExp(mask: pos.transposed(0, 1), addOne: true).sum() / present
        let negTerm = negExp.transposed(0, 1).maskedLogSumExp(mask: neg.transposed(0, 1), addOne: true).sum() / Double(numClasses)
        return [LossTerm(losses: posTerm, kind: .alreadyReduced), LossTerm(losses: negTerm, kind: .alreadyReduced)]
    }
}
