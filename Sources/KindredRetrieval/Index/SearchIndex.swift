import Foundation
import KindredTensor

/// A gallery of embeddings that answers k-nearest-neighbour queries: exact (``ExactIndex``) or
/// through FAISS (``FAISSIndex``: flat, IVF or HNSW).
///
/// The life cycle is FAISS's: create, ``train(_:)`` (only IVF indexes need it; the others ignore
/// it), ``add(_:)`` gallery rows (they get the ids `count, count + 1, …`), ``search(_:k:)``, and
/// ``save(to:)`` / the backend's `load(from:)`. Vectors are stored as float32.
///
/// ```swift
/// let index = try SearchIndexKind.faissHNSW(neighbors: 32, efConstruction: 40, efSearch: 64)
///     .makeIndex(dimension: 128, distance: .cosine)
/// try index.add(gallery)
/// let result = try index.search(queries, k: 10)
/// ```
public protocol SearchIndex: AnyObject {
    /// Dimension of the stored vectors.
    var dimension: Int { get }
    /// Number of stored vectors.
    var count: Int { get }
    /// How queries are compared with stored vectors.
    var distance: SearchDistance { get }
    /// Whether the index is ready for ``add(_:)`` (false only for an untrained IVF index).
    var isTrained: Bool { get }
    /// Learns the index's structure (IVF centroids) from `[N, D]` sample vectors; a no-op for
    /// indexes that need no training.
    func train(_ vectors: Tensor) throws
    /// Appends `[N, D]` vectors to the gallery.
    func add(_ vectors: Tensor) throws
    /// The `k` best stored vectors for each `[Q, D]` query, best first (see ``SearchResult``).
    func search(_ queries: Tensor, k: Int) throws -> SearchResult
    /// Writes the index to `url`, atomically.
    func save(to url: URL) throws
}

extension SearchIndex {
    /// The `k` best stored vectors of each query that `exclusion` allows.
    ///
    /// Asks the index for `k` plus the most items any query excludes, drops the excluded ones and
    /// keeps the first `k`, so a query never loses a neighbour to an exclusion.
    ///
    /// - Throws: ``RetrievalError`` on a bad exclusion or a failed search.
    public func search(_ queries: Tensor, k: Int, exclusion: SearchExclusion) throws -> SearchResult {
        guard queries.rank == 2 else { throw RetrievalError.badShape(name: "queries", expected: "[Q, D]", actual: queries.shape) }
        guard k >= 1 else { throw RetrievalError.nonPositiveK(name: "k", value: k) }
        guard count >= 1 else { throw RetrievalError.emptyGallery }
        let queryCount = queries.shape[0]
        let prepared = try exclusion.prepared(queryCount: queryCount, galleryCount: count)
        if prepared.isEmpty { return try search(queries, k: k) }
        let excluded = (0..<queryCount).map { prepared.excluded(forQuery: $0) }
        let extra = excluded.map(\.count).max() ?? 0
        let depth = Swift.min(k, count)
        let wide = try search(queries, k: Swift.min(count, depth + extra))
        var indices = [Int](repeating: -1, count: queryCount * depth)
        var scores = [Double](repeating: .nan, count: queryCount * depth)
        for q in 0..<queryCount {
            let skip = Set(excluded[q])
            var n = 0
            for (g, s) in zip(wide.neighbors(ofQuery: q), wide.scores(ofQuery: q)) where !skip.contains(g) {
                if n == depth { break }
                indices[q * depth + n] = g
                scores[q * depth + n] = s
                n += 1
            }
        }
        return SearchResult(unchecked: distance, queryCount: queryCount, depth: depth, indices: indices, scores: scores)
    }

    /// Checks that `t` is `[N, dimension]` and returns its elements as float32, row-major.
    func rowsAsFloats(_ t: Tensor, name: String) throws -> [Float] {
        guard t.rank == 2, t.shape[1] == dimension else {
            throw RetrievalError.badShape(name: name, expected: "[N, \(dimension)]", actual: t.shape)
        }
        return t.scalars
    }
}
