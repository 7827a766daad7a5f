import Foundation

/// ArcFace, additive angular margin (PML's `ArcFaceLoss`, Deng et al. 2019): a
/// ``LargeMarginSoftmaxLoss`` with `ψ(c) = cos(θ + m)` for `θ ≤ π - m` and `c - m·sin m` beyond
/// (keeping it decreasing), `θ = acos c`, and logits `s · c`. `margin` is in degrees (default
/// 28.6°, i.e. 0.5 rad) and `scale` `s` = 64, as PML.
public class ArcFaceLoss: LargeMarginSoftmaxLoss {
    /// Creates the loss (margin in degrees).
    override public init(numClasses: Int, embeddingSize: Int, margin: Double = 28.6, scale: Double = 64, weight: Tensor? = nil,
                reducer: any Reducer = MeanReducer()) {
        super.init(numClasses: numClasses, embeddingSize: embeddingSize, margin: margin, scale: scale, weight: weight, reducer: reducer)
    }

    /// `cos(θ + m) = c·cos m - √(1 - c²)·sin m` where `θ ≤ π - m`, else `c - m·sin m`.
    override public func marginCosine(_ c: Tensor) -> Tensor {
        let m = margin * Double.pi / 180
        let clamped = c.clamped(min: -1, max: 1)
        let sine = (1 - clamped.squared()).clamped(min: 0).sqrt()
        let plusMargin = clamped * Foundation.cos(m) - sine * Foundation.sin(m)
        // θ ≤ π - m  ⇔  c ≥ cos(π - m) = -cos m.
        let inRange = withoutGradients { clamped .>= -Foundation.cos(m) }
        return Tensor.where(inRange, plusMargin, clamped - m * Foundation.sin(m))
    }

    /// `scale · logits`.
    override public func scaleLogits(_ logits: Tensor, embeddings: Tensor) -> Tensor { logits * scale }
}

/// Sub-center ArcFace (PML's `SubCenterArcFaceLoss`, Deng et al. 2020): ``ArcFaceLoss`` with `K`
/// weight vectors per class (`weight` `[D, C·K]`, class `j` owning columns `jK ..< (j+1)K`);
/// a class's cosine is the largest over its sub-centres. Defaults: `K` = 3, margin 28.6°, scale 64.
public final class SubCenterArcFaceLoss: ArcFaceLoss {
    /// Sub-centres per class.
    public let subCenters: Int

    /// Creates the loss (margin in degrees).
    public init(numClasses: Int, embeddingSize: Int, subCenters: Int = 3, margin: Double = 28.6, scale: Double = 64,
                weight: Tensor? = nil, reducer: any Reducer = MeanReducer()) {
        self.subCenters = subCenters
        super.init(numClasses: numClasses * subCenters, embeddingSize: embeddingSize, margin: margin, scale: scale,
                   weight: weight, reducer: reducer)
    }

    /// Classes: the weight columns divided by ``subCenters``.
    public var classCount: Int { numClasses / subCenters }

    /// `max_k cos(x, w_{j,k})` for every class `j`: `[N, C]`.
    override public func cosine(_ embeddings: Tensor) -> Tensor {
        let all = distance(embeddings, weight.cast(to: embeddings.dtype).transposed(0, 1))
        return all.reshaped([embeddings.shape[0], classCount, subCenters]).max(axis: 2)
    }

    override var labelClassCount: Int { classCount }
}
