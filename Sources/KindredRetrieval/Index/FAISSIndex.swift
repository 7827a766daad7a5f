import CKindredFAISS
import Foundation
import KindredTensor

/// A ``SearchIndex`` backed by FAISS (the C++ library, through Kindred's `extern "C"` wrapper):
/// any index FAISS's `index_factory` can describe — `"Flat"` (exact), `"IVF256,Flat"` (inverted
/// lists, needs ``train(_:)``), `"HNSW32"` (graph).
///
/// Distances map onto FAISS metrics: ``SearchDistance/dotProduct`` → inner product;
/// ``SearchDistance/cosine`` → inner product of L2-normalised vectors (the index normalises what
/// it is given); ``SearchDistance/squaredEuclidean`` and ``SearchDistance/euclidean`` → L2 (the
/// square root is taken for the reported euclidean score). FAISS's C++ exceptions are caught in the
/// wrapper and thrown as ``RetrievalError/indexFailure(operation:file:message:)``.
///
/// Ties are broken by FAISS, not by gallery index as in ``ExactSearch``. Requires a build with
/// FAISS (Debian's `libfaiss-dev`); check ``isAvailable``.
public final class FAISSIndex: SearchIndex, @unchecked Sendable {
    /// Whether this build of Kindred was linked against FAISS.
    public static var isAvailable: Bool { kd_faiss_available() != 0 }

    private let handle: OpaquePointer
    /// How queries are compared with stored vectors.
    public let distance: SearchDistance
    /// The FAISS factory description the index was created from (`"loaded"` for a loaded index).
    public let description: String

    /// Creates an empty index from a FAISS factory description.
    ///
    /// - Throws: ``RetrievalError/indexFailure(operation:file:message:)`` when FAISS rejects the
    ///   description or this build has no FAISS.
    public init(description: String, dimension: Int, distance: SearchDistance) throws {
        guard dimension >= 1 else { throw RetrievalError.invalidArgument("an index needs dimension ≥ 1, got \(dimension)") }
        let metric: Int32 = distance.isSimilarity ? 0 : 1
        var out: OpaquePointer?
        try Self.check("create '\(description)'", file: nil) { kd_faiss_create(description, Int32(dimension), metric, &out, $0, $1) }
        guard let out else { throw RetrievalError.indexFailure(operation: "create '\(description)'", file: nil, message: "FAISS returned no index") }
        self.handle = out
        self.distance = distance
        self.description = description
    }

    private init(handle: OpaquePointer, distance: SearchDistance) {
        self.handle = handle
        self.distance = distance
        self.description = "loaded"
    }

    deinit { kd_faiss_free(handle) }

    /// Dimension of the stored vectors.
    public var dimension: Int { Int(kd_faiss_dim(handle)) }
    /// Number of stored vectors.
    public var count: Int { Int(kd_faiss_count(handle)) }
    /// Whether the index is ready for ``add(_:)``.
    public var isTrained: Bool { kd_faiss_is_trained(handle) != 0 }

    /// Number of inverted lists an IVF index probes per query (more: slower, better recall).
    ///
    /// - Throws: ``RetrievalError/indexFailure(operation:file:message:)`` for a non-IVF index.
    public func setProbes(_ probes: Int) throws {
        try Self.check("set probes", file: nil) { kd_faiss_set_probes(handle, Int32(probes), $0, $1) }
    }

    /// HNSW's search breadth `efSearch` (more: slower, better recall).
    ///
    /// - Throws: ``RetrievalError/indexFailure(operation:file:message:)`` for a non-HNSW index.
    public func setEfSearch(_ ef: Int) throws {
        try Self.check("set efSearch", file: nil) { kd_faiss_set_ef_search(handle, Int32(ef), $0, $1) }
    }

    /// HNSW's construction breadth `efConstruction` (set it before adding vectors).
    ///
    /// - Throws: ``RetrievalError/indexFailure(operation:file:message:)`` for a non-HNSW index.
    public func setEfConstruction(_ ef: Int) throws {
        try Self.check("set efConstruction", file: nil) { kd_faiss_set_ef_construction(handle, Int32(ef), $0, $1) }
    }

    /// Trains the index on `[N, D]` samples (IVF: k-means for the list centroids).
    public func train(_ vectors: Tensor) throws {
        let x = try prepared(vectors, name: "training vectors")
        try Self.withThreads {
            try Self.check("train", file: nil) { e, n in x.withUnsafeBufferPointer { kd_faiss_train(handle, Int64(x.count / dimension), $0.baseAddress, e, n) } }
        }
    }

    /// Appends `[N, D]` vectors.
    public func add(_ vectors: Tensor) throws {
        guard isTrained else {
            throw RetrievalError.indexFailure(operation: "add", file: nil, message: "the index must be trained first (call train)")
        }
        let x = try prepared(vectors, name: "added vectors")
        try Self.withThreads {
            try Self.check("add", file: nil) { e, n in x.withUnsafeBufferPointer { kd_faiss_add(handle, Int64(x.count / dimension), $0.baseAddress, e, n) } }
        }
    }

    /// The `k` best stored vectors for each `[Q, D]` query (fewer than `k` found: `-1`/`NaN` padding).
    public func search(_ queries: Tensor, k: Int) throws -> SearchResult {
        guard k >= 1 else { throw RetrievalError.nonPositiveK(name: "k", value: k) }
        guard count >= 1 else { throw RetrievalError.emptyGallery }
        let x = try prepared(queries, name: "queries")
        let queryCount = x.count / dimension, depth = Swift.min(k, count)
        var distances = [Float](repeating: .nan, count: queryCount * depth)
        var labels = [Int64](repeating: -1, count: queryCount * depth)
        if queryCount > 0 {
            try Self.withThreads {
                try Self.check("search", file: nil) { e, n in
                    x.withUnsafeBufferPointer { q in
                        distances.withUnsafeMutableBufferPointer { d in
                            labels.withUnsafeMutableBufferPointer { l in
                                kd_faiss_search(handle, Int64(queryCount), q.baseAddress, Int64(depth), d.baseAddress, l.baseAddress, e, n)
                            }
                        }
                    }
                }
            }
        }
        let indices = labels.map { Int($0) }
        let scores: [Double] = zip(labels, distances).map { label, d in
            guard label >= 0 else { return .nan }
            return distance == .euclidean ? Double(Swift.max(d, 0)).squareRoot() : Double(d)
        }
        return SearchResult(unchecked: distance, queryCount: queryCount, depth: depth, indices: indices, scores: scores)
    }

    /// Writes the index with FAISS's `write_index`, atomically (temporary file, then rename).
    public func save(to url: URL) throws {
        try Self.check("save", file: url.path) { kd_faiss_write(handle, url.path, $0, $1) }
    }

    /// Reads an index written by ``save(to:)`` (or by FAISS's `write_index`).
    ///
    /// - Parameter distance: how the index compares vectors; it must agree with the stored metric
    ///   (inner product for ``SearchDistance/dotProduct``/``SearchDistance/cosine``, L2 for the
    ///   Euclidean ones).
    /// - Throws: ``RetrievalError/indexFailure(operation:file:message:)`` naming the file when it is
    ///   missing, not a FAISS index, corrupt, or of the other metric.
    public static func load(from url: URL, distance: SearchDistance) throws -> FAISSIndex {
        var out: OpaquePointer?
        try check("load", file: url.path) { kd_faiss_read(url.path, &out, $0, $1) }
        guard let out else { throw RetrievalError.indexFailure(operation: "load", file: url.path, message: "FAISS returned no index") }
        let index = FAISSIndex(handle: out, distance: distance)
        let metric = kd_faiss_metric(out)
        guard metric == (distance.isSimilarity ? 0 : 1) else {
            throw RetrievalError.indexFailure(operation: "load", file: url.path,
                                              message: "the stored index uses \(metric == 0 ? "inner product" : "L2"), which does not match distance \(distance)")
        }
        return index
    }

    /// Checks the shape and returns float32 rows, L2-normalised for cosine.
    private func prepared(_ t: Tensor, name: String) throws -> [Float] {
        if distance == .cosine {
            guard t.rank == 2, t.shape[1] == dimension else {
                throw RetrievalError.badShape(name: name, expected: "[N, \(dimension)]", actual: t.shape)
            }
            return withoutGradients { t.l2Normalized() }.scalars
        }
        return try rowsAsFloats(t, name: name)
    }

    /// Runs `body` with FAISS (OpenMP) and BLAS on ``Parallel/threadCount`` threads, putting BLAS back
    /// to one thread afterwards (Kindred's own kernels split work across cores themselves).
    private static func withThreads(_ body: () throws -> Void) throws {
        kd_faiss_set_threads(Int32(Parallel.threadCount))
        BLAS.threadCount = Parallel.threadCount
        defer { BLAS.threadCount = 1 }
        try body()
    }

    /// Calls a wrapper function with an error buffer; a non-zero return becomes an error.
    private static func check(_ operation: String, file: String?, _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var buffer = [CChar](repeating: 0, count: 1024)
        let rc = buffer.withUnsafeMutableBufferPointer { b in b.baseAddress.map { call($0, b.count) } ?? -1 }
        guard rc == 0 else {
            let message = buffer.withUnsafeBufferPointer { b in b.baseAddress.map { String(cString: $0) } ?? "" }
            throw RetrievalError.indexFailure(operation: operation, file: file, message: message.isEmpty ? "unknown FAISS error" : message)
        }
    }
}
