/// Cosine similarity `qᵢ·rⱼ / (‖qᵢ‖ ‖rⱼ‖)` (larger = closer), PML's `CosineSimilarity`:
/// a ``DotProductSimilarity`` that always normalises.
public final class CosineSimilarity: DotProductSimilarity, @unchecked Sendable {
    /// Creates a cosine similarity.
    public init(power: Double = 1) {
        super.init(normalizeEmbeddings: true, power: power)
    }
}
