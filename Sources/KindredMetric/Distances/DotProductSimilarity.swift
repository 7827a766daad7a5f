/// Dot-product similarity `q̂ᵢ · r̂ⱼ` (larger = closer), PML's `DotProductSimilarity`.
///
/// With the default ``BaseDistance/normalizeEmbeddings`` = true it equals ``CosineSimilarity``.
public class DotProductSimilarity: BaseDistance, @unchecked Sendable {
    /// Creates a dot-product similarity (`isInverted` is true).
    public init(normalizeEmbeddings: Bool = true, power: Double = 1) {
        super.init(normalizeEmbeddings: normalizeEmbeddings, power: power, isInverted: true)
    }

    /// `Q Rᵀ`.
    override public func computeMatrix(_ query: Tensor, _ reference: Tensor) -> Tensor {
        query.matmul(reference.transposed(0, 1))
    }
}
