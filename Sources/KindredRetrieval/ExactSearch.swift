import KindredTensor

/// Exact k-nearest-neighbour search of queries in a gallery, in bounded memory.
///
/// The score matrix is never built whole. Queries are taken ``queryBlockSize`` rows at a time and
/// the gallery ``galleryBlockSize`` rows at a time; each tile of scores is one BLAS matrix product
/// (`Q_b · G_bᵀ`, through `Tensor.matmul`, which spreads a large product over all cores), and each
/// query row of the tile is then merged into that query's running top-k — a binary heap of `k`
/// entries (O(log k) per accepted item), not a sort of the row — with the rows of the tile shared out over the cores
/// (``Parallel``). The two phases alternate, so the machine's cores are never oversubscribed.
///
/// Memory beyond the inputs: one tile (`queryBlockSize × galleryBlockSize` scalars, 32 MiB for
/// float32 at the defaults), the top-k buffers (`queries × k` scores and indices) and the gallery's
/// norms (`gallery` scalars).
///
/// **Tie-breaking:** equal scores put the lower gallery index first. Because every score is computed
/// once and the merge is deterministic, the result does not depend on block sizes or thread count
/// (for a given BLAS and engine split). Items with a `NaN` score are never returned.
///
/// ```swift
/// let search = ExactSearch(distance: .cosine)
/// let result = try search.search(queries: q, gallery: g, k: 10)
/// let best = result.neighbors(ofQuery: 0)      // gallery indices, best first
/// ```
public struct ExactSearch: Sendable {
    /// How queries and gallery items are compared.
    public var distance: SearchDistance
    /// Queries per tile.
    public var queryBlockSize: Int
    /// Gallery items per tile.
    public var galleryBlockSize: Int

    /// Creates a search with the given comparison and tile size.
    public init(distance: SearchDistance = .cosine, queryBlockSize: Int = 1024, galleryBlockSize: Int = 8192) {
        self.distance = distance
        self.queryBlockSize = queryBlockSize
        self.galleryBlockSize = galleryBlockSize
    }

    /// The `k` best gallery items for every query.
    ///
    /// - Parameters:
    ///   - queries: `[Q, D]` embeddings (float32 or float64; cast to the gallery's dtype if they differ).
    ///   - gallery: `[G, D]` embeddings, `G ≥ 1`.
    ///   - k: neighbours per query, `k ≥ 1`; capped at `G` (rows with fewer items left after
    ///     exclusions are padded, see ``SearchResult``).
    ///   - exclusion: gallery items each query must skip (self, same sequence, ignore lists).
    /// - Throws: ``RetrievalError`` on bad shapes, `k < 1`, an empty gallery or a bad exclusion.
    public func search(queries: Tensor, gallery: Tensor, k: Int, exclusion: SearchExclusion = .none) throws -> SearchResult {
        guard queries.rank == 2 else { throw RetrievalError.badShape(name: "queries", expected: "[Q, D]", actual: queries.shape) }
        guard gallery.rank == 2 else { throw RetrievalError.badShape(name: "gallery", expected: "[G, D]", actual: gallery.shape) }
        guard queries.shape[1] == gallery.shape[1] else {
            throw RetrievalError.badShape(name: "queries", expected: "[Q, \(gallery.shape[1])] (the gallery's dimension)", actual: queries.shape)
        }
        guard k >= 1 else { throw RetrievalError.nonPositiveK(name: "k", value: k) }
        guard gallery.shape[0] >= 1 else { throw RetrievalError.emptyGallery }
        guard queryBlockSize >= 1, galleryBlockSize >= 1 else {
            throw RetrievalError.invalidArgument("block sizes must be at least 1, got \(queryBlockSize) and \(galleryBlockSize)")
        }
        let prepared = try exclusion.prepared(queryCount: queries.shape[0], galleryCount: gallery.shape[0])
        let q = queries.dtype == gallery.dtype ? queries : withoutGradients { queries.cast(to: gallery.dtype) }
        switch gallery.dtype {
        case .float32: return run(Float.self, queries: q, gallery: gallery, k: k, exclusion: prepared)
        case .float64: return run(Double.self, queries: q, gallery: gallery, k: k, exclusion: prepared)
        }
    }

    /// Squared norms of the rows of `t` (accumulated in `Double`).
    static func squaredRowNorms<T: KFloat>(_: T.Type, _ t: Tensor) -> [Double] {
        let rows = t.shape[0], cols = t.shape[1]
        return t.withUnsafeElementBytes { raw in
            let p = raw.bindMemory(to: T.self)
            var norms = [Double](repeating: 0, count: rows)
            for r in 0..<rows {
                var s = 0.0
                for c in 0..<cols {
                    let v = Double(p[r * cols + c])
                    s += v * v
                }
                norms[r] = s
            }
            return norms
        }
    }

    private func run<T: KFloat>(_: T.Type, queries: Tensor, gallery: Tensor, k: Int,
                                exclusion: PreparedExclusion) -> SearchResult {
        let queryCount = queries.shape[0], galleryCount = gallery.shape[0]
        let depth = Swift.min(k, galleryCount)
        let kind = distance
        // Per-row factors: squared norms (Euclidean) or inverse norms (cosine, norm clamped at 1e-12).
        var queryFactor = [T](), galleryFactor = [T]()
        switch kind {
        case .dotProduct: break
        case .cosine:
            let eps = 1e-12
            queryFactor = Self.squaredRowNorms(T.self, queries).map { T(1 / Swift.max($0.squareRoot(), eps)) }
            galleryFactor = Self.squaredRowNorms(T.self, gallery).map { T(1 / Swift.max($0.squareRoot(), eps)) }
        case .euclidean, .squaredEuclidean:
            queryFactor = Self.squaredRowNorms(T.self, queries).map { T($0) }
            galleryFactor = Self.squaredRowNorms(T.self, gallery).map { T($0) }
        }
        let keys = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(queryCount * depth, 1))
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(queryCount * depth, 1))
        defer { keys.deallocate(); slots.deallocate() }
        keys.initialize(repeating: T.infinity, count: queryCount * depth)
        slots.initialize(repeating: Int.max, count: queryCount * depth)

        let qb = queryBlockSize, gb = galleryBlockSize
        galleryFactor.withUnsafeBufferPointer { gFactor in
            for q0 in stride(from: 0, to: queryCount, by: qb) {
                let q1 = Swift.min(queryCount, q0 + qb)
                let block = queries.sliced(axis: 0, range: q0..<q1)
                // Excluded gallery indices of each query in the block, ascending, with a cursor that
                // moves forward tile by tile.
                let excluded: [[Int]] = exclusion.isEmpty ? [] : (q0..<q1).map { exclusion.excluded(forQuery: $0) }
                var cursors = [Int](repeating: 0, count: excluded.count)
                cursors.withUnsafeMutableBufferPointer { cursor in
                    for g0 in stride(from: 0, to: galleryCount, by: gb) {
                        let g1 = Swift.min(galleryCount, g0 + gb)
                        let tile = withoutGradients {
                            block.matmul(gallery.sliced(axis: 0, range: g0..<g1).transposed(0, 1))
                        }
                        let width = g1 - g0
                        tile.withUnsafeElementBytes { raw in
                            let scores = raw.bindMemory(to: T.self)
                            guard let base = scores.baseAddress else { return }
                            Parallel.forEachChunk(q1 - q0, costPerItem: width) { rows in
                                for r in rows {
                                    let query = q0 + r
                                    let row = base + r * width
                                    let factor: T = queryFactor.isEmpty ? 0 : queryFactor[query]
                                    let rowKeys = keys + query * depth, rowSlots = slots + query * depth
                                    var start = 0
                                    if !excluded.isEmpty {
                                        let list = excluded[r]
                                        while cursor[r] < list.count && list[cursor[r]] < g1 {
                                            let skip = list[cursor[r]] - g0
                                            Self.scan(kind, row: row, range: start..<skip, galleryOffset: g0, queryFactor: factor,
                                                      galleryFactor: gFactor, keys: rowKeys, slots: rowSlots, depth: depth)
                                            start = skip + 1
                                            cursor[r] += 1
                                        }
                                    }
                                    Self.scan(kind, row: row, range: start..<width, galleryOffset: g0, queryFactor: factor,
                                              galleryFactor: gFactor, keys: rowKeys, slots: rowSlots, depth: depth)
                                }
                            }
                        }
                    }
                }
            }
        }

        let n = queryCount * depth
        var indices = [Int](repeating: -1, count: n)
        var out = [Double](repeating: .nan, count: n)
        Parallel.forEachChunk(queryCount, costPerItem: depth * 8) { rows in
            var pairs: [(key: T, slot: Int)] = []
            pairs.reserveCapacity(depth)
            for query in rows {
                let base = query * depth
                pairs.removeAll(keepingCapacity: true)
                for i in 0..<depth where slots[base + i] != Int.max { pairs.append((keys[base + i], slots[base + i])) }
                pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.slot < $1.slot }
                for (i, p) in pairs.enumerated() {
                    keys[base + i] = p.key
                    slots[base + i] = p.slot
                }
                for i in pairs.count..<depth { slots[base + i] = -1 }
            }
        }
        for i in 0..<n where slots[i] >= 0 {
            indices[i] = slots[i]
            let key = Double(keys[i])
            switch kind {
            case .dotProduct, .cosine: out[i] = -key
            case .squaredEuclidean: out[i] = key
            case .euclidean: out[i] = key.squareRoot()
            }
        }
        return SearchResult(unchecked: kind, queryCount: queryCount, depth: depth, indices: indices, scores: out)
    }

    /// Merges `row[range]` (raw inner products with gallery items `galleryOffset + j`) into one
    /// query's top-k. Keys are "smaller is better": `−similarity` or the squared distance.
    @inline(__always)
    static func scan<T: KFloat>(_ kind: SearchDistance, row: UnsafePointer<T>, range: Range<Int>, galleryOffset: Int,
                                queryFactor: T, galleryFactor: UnsafeBufferPointer<T>,
                                keys: UnsafeMutablePointer<T>, slots: UnsafeMutablePointer<Int>, depth: Int) {
        if range.isEmpty { return }
        // keys/slots hold a binary max-heap ordered by (key, index): the root is the worst entry kept.
        // Empty entries are (+∞, Int.max), worse than any real one. Gallery indices only grow, so an
        // item enters when its key is strictly smaller than the root's (or the root is empty and the
        // key is not NaN): on equal keys the lower gallery index stays.
        var worst = keys[0]
        var full = slots[0] != Int.max
        switch kind {
        case .dotProduct:
            for j in range {
                let key = -row[j]
                if key < worst || (!full && !key.isNaN) {
                    replaceRoot(key, galleryOffset + j, keys: keys, slots: slots, depth: depth)
                    worst = keys[0]; full = slots[0] != Int.max
                }
            }
        case .cosine:
            for j in range {
                let key = -(row[j] * queryFactor * galleryFactor[galleryOffset + j])
                if key < worst || (!full && !key.isNaN) {
                    replaceRoot(key, galleryOffset + j, keys: keys, slots: slots, depth: depth)
                    worst = keys[0]; full = slots[0] != Int.max
                }
            }
        case .euclidean, .squaredEuclidean:
            for j in range {
                let s = row[j]
                var key = queryFactor + galleryFactor[galleryOffset + j] - (s + s)
                if key < 0 { key = 0 }
                if key < worst || (!full && !key.isNaN) {
                    replaceRoot(key, galleryOffset + j, keys: keys, slots: slots, depth: depth)
                    worst = keys[0]; full = slots[0] != Int.max
                }
            }
        }
    }

    /// Replaces the root of a max-heap of `depth` `(key, index)` entries with `(key, index)` and
    /// sifts it down (O(log k) per accepted item; rows are sorted once at the end).
    @inline(__always)
    static func replaceRoot<T: KFloat>(_ key: T, _ index: Int, keys: UnsafeMutablePointer<T>, slots: UnsafeMutablePointer<Int>, depth: Int) {
        @inline(__always) func worse(_ a: Int, than b: Int) -> Bool {
            keys[a] > keys[b] || (keys[a] == keys[b] && slots[a] > slots[b])
        }
        keys[0] = key
        slots[0] = index
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= depth { break }
            var c = l
            if l + 1 < depth && worse(l + 1, than: l) { c = l + 1 }
            if !worse(c, than: i) { break }
            let tk = keys[i]; keys[i] = keys[c]; keys[c] = tk
            let ts = slots[i]; slots[i] = slots[c]; slots[c] = ts
            i = c
        }
    }
}
