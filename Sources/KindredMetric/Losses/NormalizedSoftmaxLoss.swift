/// Normalised softmax (PML's `NormalizedSoftmaxLoss`, Zhai & Wu 2018): cross-entropy over
/// `S(xᵢ, ŵⱼ) / T`, with unit-norm class weights `ŵⱼ` (columns of `weight` `[D, C]`, a
/// trainable parameter), similarity `S` (default ``DotProductSimilarity`` on normalised
/// embeddings, i.e. cosine; a distance is negated), temperature `T` (default 0.05), miner weights
/// as ``LargeMarginSoftmaxLoss`` and ``MeanReducer``.
public final class NormalizedSoftmaxLoss: MetricLoss {
    /// Number of classes.
    public let numClasses: Int
    /// The temperature T.
    public let temperature: Double
    /// Class weights `[embeddingSize, numClasses]` (PML's `W`).
    public var weight: Tensor

    /// Creates the loss; `weight` defaults to standard normal values (PML's default init).
    public init(numClasses: Int, embeddingSize: Int, temperature: Double = 0.05, weight: Tensor? = nil,
                distance: BaseDistance = DotProductSimilarity(), reducer: any Reducer = MeanReducer()) {
        self.numClasses = numClasses
        self.temperature = temperature
        let w = weight ?? Initializer.normal(mean: 0, std: 1).make([embeddingSize, numClasses])
        precondition(w.shape == [embeddingSize, numClasses], "weight must be [\(embeddingSize), \(numClasses)], got \(w.shape)")
        self.weight = w.requiresGrad ? w : w.requiringGradient()
        super.init(distance: distance, reducer: reducer)
    }

    /// Logits `S(xᵢ, ŵⱼ) / T` (negated for distances).
    public func logits(_ embeddings: Tensor) -> Tensor {
        let l = distance(embeddings, weight.cast(to: embeddings.dtype).l2Normalized(axis: 0).transposed(0, 1)) / temperature
        return distance.isInverted ? l : -l
    }

    /// The class weights as rows, for ``MetricLoss/weightRegularizer``.
    override public var classWeightRows: Tensor? { weight.transposed(0, 1) }

    /// One weighted cross-entropy per batch element.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        guard let labels else { preconditionFailure("NormalizedSoftmaxLoss needs labels") }
        precondition(reference == nil, "NormalizedSoftmaxLoss does not support a reference batch")
        let n = labels.count
        lastTupleCount = n
        let losses = crossEntropy(logits: logits(embeddings), targets: labels, reduction: .none)
            * Self.minerWeights(indices, count: n, dtype: embeddings.dtype)
        return [LossTerm(losses: losses, kind: .element, anchors: Array(0..<n))]
    }
}
