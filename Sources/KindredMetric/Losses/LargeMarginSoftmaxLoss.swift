import Foundation

/// Softmax over cosine logits with a margin on the target class (PML's `LargeMarginSoftmaxLoss`,
/// Liu et al. 2016), and the base of ``ArcFaceLoss``, ``CosFaceLoss``, ``SphereFaceLoss``,
/// ``SubCenterArcFaceLoss``. With class weights `W` `[D, C]` (a learnable parameter) and
/// `cᵢⱼ = cos θᵢⱼ = x̂ᵢ · ŵⱼ`:
///
/// `ℓᵢ = wᵢ · CE(s · (c + onehot(yᵢ) · (ψ(c_{i,yᵢ}) - c_{i,yᵢ})), yᵢ)`
///
/// where `ψ` adds the margin to the target cosine and `s` scales the logits; `wᵢ` are miner
/// weights (how often element `i` appears in given tuples, relative to the most frequent; 1
/// without tuples). Here (L-Softmax) `ψ(c) = (-1)ᵏ cos(mθ) - 2k`, `k = ⌊θm/π⌋`, integer `m`
/// (default 4), and `s = scale · ‖xᵢ‖ · ‖wⱼ‖`. Defaults as PML: ``MeanReducer``.
public class LargeMarginSoftmaxLoss: MetricLoss {
    /// Number of classes.
    public let numClasses: Int
    /// The margin (an integer angle multiplier here; degrees for ArcFace; a cosine offset for CosFace).
    public let margin: Double
    /// The logit scale.
    public let scale: Double
    /// Class weights `[embeddingSize, numClasses]` (PML's `W`), a trainable parameter.
    public var weight: Tensor

    /// Creates the loss. `weight` defaults to standard normal values (PML's default init).
    public init(numClasses: Int, embeddingSize: Int, margin: Double = 4, scale: Double = 1, weight: Tensor? = nil,
                reducer: any Reducer = MeanReducer()) {
        self.numClasses = numClasses
        self.margin = margin
        self.scale = scale
        let w = weight ?? Initializer.normal(mean: 0, std: 1).make([embeddingSize, numClasses])
        precondition(w.shape == [embeddingSize, numClasses], "weight must be [\(embeddingSize), \(numClasses)], got \(w.shape)")
        self.weight = w.requiresGrad ? w : w.requiringGradient()
        super.init(distance: CosineSimilarity(), reducer: reducer)
    }

    /// Cosines `[N, C]` between embeddings and class weights.
    public func cosine(_ embeddings: Tensor) -> Tensor { distance(embeddings, weight.cast(to: embeddings.dtype).transposed(0, 1)) }

    /// The target-class cosine with the margin applied, `ψ(c)`.
    public func marginCosine(_ c: Tensor) -> Tensor {
        let m = Int(margin)
        // cos(mθ) by the multiple-angle formula Σₙ (-1)ⁿ C(m, 2n) cᵐ⁻²ⁿ (1 - c²)ⁿ.
        var cosM: Tensor? = nil
        let sin2 = 1 - c.squared()
        for n in 0...(m / 2) {
            var binom = 1.0
            for j in 0..<(2 * n) { binom = binom * Double(m - j) / Double(j + 1) }
            let sign: Double = n % 2 == 0 ? 1 : -1
            let term = c.pow(Double(m - 2 * n)) * sin2.pow(Double(n)) * (sign * binom)
            cosM = cosM.map { $0 + term } ?? term
        }
        let k: [Double] = c.doubles.map { v in (Foundation.acos(Swift.min(Swift.max(v, -1), 1)) / (Double.pi / Double(m))).rounded(.down) }
        let signs = Tensor(doubles: k.map { Int($0) % 2 == 0 ? 1 : -1 }, shape: c.shape, dtype: c.dtype)
        let offsets = Tensor(doubles: k.map { 2 * $0 }, shape: c.shape, dtype: c.dtype)
        return signs * cosM! - offsets
    }

    /// Scaled logits: `scale · ‖xᵢ‖ · ‖wⱼ‖ · logits`.
    public func scaleLogits(_ logits: Tensor, embeddings: Tensor) -> Tensor {
        let xNorm = embeddings.norm(axes: [1], keepDims: true)
        let wNorm = weight.cast(to: embeddings.dtype).norm(axes: [0], keepDims: true)
        return logits * xNorm * wNorm * scale
    }

    /// The logits without margins (for prediction): scaled cosines.
    public func logits(_ embeddings: Tensor) -> Tensor { scaleLogits(cosine(embeddings), embeddings: embeddings) }

    /// The class weights as rows, for ``MetricLoss/weightRegularizer``.
    override public var classWeightRows: Tensor? { weight.transposed(0, 1) }

    /// Classes the labels index: the columns of ``cosine(_:)`` (``numClasses`` here; fewer when
    /// several weight columns serve one class, as in ``SubCenterArcFaceLoss``).
    var labelClassCount: Int { numClasses }

    /// One weighted cross-entropy per batch element.
    override public func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                                     reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        guard let labels else { preconditionFailure("\(type(of: self)) needs labels") }
        precondition(reference == nil, "\(type(of: self)) does not support a reference batch")
        let n = labels.count
        lastTupleCount = n
        let cos = cosine(embeddings)
        let mask = Self.oneHot(labels, classes: labelClassCount, dtype: cos.dtype)
        let target = cos.gather(axis: 1, index: labels, shape: [n, 1])
        let logits = scaleLogits(cos + mask * (marginCosine(target) - target), embeddings: embeddings)
        let losses = crossEntropy(logits: logits, targets: labels, reduction: .none)
            * Self.minerWeights(indices, count: n, dtype: cos.dtype)
        return [LossTerm(losses: losses, kind: .element, anchors: Array(0..<n))]
    }
}

/// SphereFace (PML's `SphereFaceLoss`, Liu et al. 2017): ``LargeMarginSoftmaxLoss`` with the
/// angular margin `ψ(c) = (-1)ᵏ cos(mθ) - 2k` (default `m` = 4) and logits scaled by the embedding
/// norm only, `s = scale · ‖xᵢ‖` (class weights normalised).
public final class SphereFaceLoss: LargeMarginSoftmaxLoss {
    /// `scale · ‖xᵢ‖ · logits`.
    override public func scaleLogits(_ logits: Tensor, embeddings: Tensor) -> Tensor {
        logits * embeddings.norm(axes: [1], keepDims: true) * scale
    }
}
