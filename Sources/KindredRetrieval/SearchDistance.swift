import KindredTensor

/// How a query is compared with a gallery item during a search.
///
/// Similarities rank larger first; distances rank smaller first. For embeddings `q` and `g`:
///
/// | case | score | best first |
/// |---|---|---|
/// | ``dotProduct`` | `q · g` | largest |
/// | ``cosine`` | `q · g / (max(‖q‖, ε) · max(‖g‖, ε))`, ε = 1e-12 | largest |
/// | ``euclidean`` | `√max(0, ‖q‖² + ‖g‖² − 2 q · g)` | smallest |
/// | ``squaredEuclidean`` | `max(0, ‖q‖² + ‖g‖² − 2 q · g)` | smallest |
///
/// Euclidean results are ranked by the squared distance (the square root is taken only for the
/// reported score), so ``euclidean`` and ``squaredEuclidean`` always return the same neighbours.
public enum SearchDistance: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Inner product (a similarity).
    case dotProduct
    /// Cosine similarity: inner product of L2-normalised vectors.
    case cosine
    /// Euclidean (L2) distance.
    case euclidean
    /// Squared Euclidean distance.
    case squaredEuclidean

    /// Whether larger scores are better (similarities) rather than smaller ones (distances).
    public var isSimilarity: Bool {
        switch self {
        case .dotProduct, .cosine: return true
        case .euclidean, .squaredEuclidean: return false
        }
    }

    public var description: String { rawValue }

    /// The score of one pair computed the textbook way, in `Double` (for references and tests).
    ///
    /// - Throws: ``RetrievalError/lengthMismatch(name:expected:actual:)`` when the vectors differ in length.
    public func score(_ query: [Double], _ item: [Double]) throws -> Double {
        guard query.count == item.count else {
            throw RetrievalError.lengthMismatch(name: "gallery vector", expected: query.count, actual: item.count)
        }
        var dot = 0.0, qq = 0.0, gg = 0.0
        for i in query.indices {
            dot += query[i] * item[i]
            qq += query[i] * query[i]
            gg += item[i] * item[i]
        }
        switch self {
        case .dotProduct:
            return dot
        case .cosine:
            let eps = 1e-12
            return dot / (Swift.max(qq.squareRoot(), eps) * Swift.max(gg.squareRoot(), eps))
        case .euclidean:
            return Swift.max(0, qq + gg - 2 * dot).squareRoot()
        case .squaredEuclidean:
            return Swift.max(0, qq + gg - 2 * dot)
        }
    }
}
