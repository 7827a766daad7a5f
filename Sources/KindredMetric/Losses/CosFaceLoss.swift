/// CosFace, large-margin cosine loss (PML's `CosFaceLoss`, Wang et al. 2018): a
/// ``LargeMarginSoftmaxLoss`` with `ψ(c) = c - m` and logits `s · c`. Defaults as PML: `m` = 0.35,
/// `s` = 64.
public final class CosFaceLoss: LargeMarginSoftmaxLoss {
    /// Creates the loss.
    override public init(numClasses: Int, embeddingSize: Int, margin: Double = 0.35, scale: Double = 64, weight: Tensor? = nil,
                reducer: any Reducer = MeanReducer()) {
        super.init(numClasses: numClasses, embeddingSize: embeddingSize, margin: margin, scale: scale, weight: weight, reducer: reducer)
    }

    /// `c - m`.
    override public func marginCosine(_ c: Tensor) -> Tensor { c - margin }

    /// `scale · logits`.
    override public func scaleLogits(_ logits: Tensor, embeddings: Tensor) -> Tensor { logits * scale }
}
