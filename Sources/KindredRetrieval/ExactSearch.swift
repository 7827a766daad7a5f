import CKindredBLAS
import CKindredDNNL
import Foundation
import KindredTensor

/// Exact k-nearest-neighbour search of queries in a gallery, in bounded memory.
///
/// The score matrix is never built whole. Each worker thread (``Parallel/threadCount`` of them) takes
/// ``queryBlockSize`` queries at a time and walks the gallery ``galleryBlockSize`` rows at a time:
/// each tile of scores is one single-threaded product (`Q_b · G_bᵀ`; oneDNN's sgemm for float32
/// where Kindred is built with it, else BLAS; `KINDRED_SEARCH_GEMM=blas` forces BLAS), small
/// enough to stay in the core's cache, and is scanned at once — sixteen items per comparison
/// against each query's running threshold; the few that pass go to the query's candidate buffer
/// (``TopKBuffer``: unsorted, compacted to the best k by quickselect when full, sorted once at the
/// end). For float32 searches with k ≥ 128, each query first gets a threshold guessed from a
/// sample of the gallery (``ThresholdSample``), and the items that beat it are packed by a C kernel
/// (AVX-512 where the CPU has it); a row whose guess let fewer than k items through is searched
/// again. Threads never wait on each other and neither BLAS nor oneDNN starts threads of its own,
/// so the cores are not oversubscribed.
///
/// Memory beyond the inputs, per worker: one tile (`queryBlockSize × galleryBlockSize` scalars,
/// 2 MiB for float32 at the defaults; with a threshold sample, at most `queryBlockSize × 4096`) and
/// `queryBlockSize × (2k + 32)` candidates; in all, the `queries × k` result, the gallery's norms
/// (`gallery` scalars) and the sample (at most 4096 gallery rows).
///
/// **Tie-breaking:** equal scores put the lower gallery index first. Every score is computed once
/// by the same product whatever the thread count, and selection is exact, so the result does not
/// depend on block sizes or thread count (for a given BLAS). Items with a `NaN` score are never
/// returned.
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
    public init(distance: SearchDistance = .cosine, queryBlockSize: Int = 256, galleryBlockSize: Int = 2048) {
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
        try validate(queries: queries, gallery: gallery, k: k)
        let prepared = try exclusion.prepared(queryCount: queries.shape[0], galleryCount: gallery.shape[0])
        let q = queries.dtype == gallery.dtype ? queries : withoutGradients { queries.cast(to: gallery.dtype) }
        switch gallery.dtype {
        case .float32: return run(Float.self, queries: q, gallery: gallery, k: k, keep: k, labels: nil, exclusion: prepared).result
        case .float64: return run(Double.self, queries: q, gallery: gallery, k: k, keep: k, labels: nil, exclusion: prepared).result
        }
    }

    /// The checks every search makes of its inputs.
    private func validate(queries: Tensor, gallery: Tensor, k: Int) throws {
        guard queries.rank == 2 else { throw RetrievalError.badShape(name: "queries", expected: "[Q, D]", actual: queries.shape) }
        guard gallery.rank == 2 else { throw RetrievalError.badShape(name: "gallery", expected: "[G, D]", actual: gallery.shape) }
        guard queries.shape[1] == gallery.shape[1] else {
            throw RetrievalError.badShape(name: "queries", expected: "[Q, \(gallery.shape[1])] (the gallery's dimension)", actual: queries.shape)
        }
        guard k >= 1 else { throw RetrievalError.nonPositiveK(name: "k", value: k) }
        guard gallery.shape[0] >= 1 else { throw RetrievalError.emptyGallery }
        guard gallery.shape[0] < Int(Int32.max) else {
            throw RetrievalError.invalidArgument("the gallery has \(gallery.shape[0]) items; one search handles fewer than 2³¹ (split the gallery)")
        }
        guard queryBlockSize >= 1, galleryBlockSize >= 1 else {
            throw RetrievalError.invalidArgument("block sizes must be at least 1, got \(queryBlockSize) and \(galleryBlockSize)")
        }
    }

    /// The search and the relevance of its ranking in one pass, keeping only the first `keep`
    /// neighbours of each query.
    ///
    /// The same ranking as ``search(queries:gallery:k:exclusion:)`` with `k = depth`, but the result
    /// holds `min(keep, depth)` neighbours per query and the relevance flags are written as the
    /// ranking is read out: memory is `queries × depth` flags (one byte each) instead of an index
    /// and a score per rank — a leave-one-out evaluation of 60k items in classes of 6k needs
    /// 360 MB of flags rather than 5.8 GB of neighbours.
    ///
    /// - Parameters:
    ///   - queryLabels: one label per query; a gallery item is relevant when its label is equal.
    ///   - galleryLabels: one label per gallery item.
    ///   - depth: ranks per query for the relevance flags, `depth ≥ 1` (capped at `G`).
    ///   - keep: neighbours per query kept in the result, `keep ≥ 1` (capped at `depth`).
    /// - Throws: as ``search(queries:gallery:k:exclusion:)``, and on labels of the wrong length.
    public func searchRelevance(queries: Tensor, queryLabels: [Int], gallery: Tensor, galleryLabels: [Int], depth: Int, keep: Int,
                                exclusion: SearchExclusion = .none) throws -> (result: SearchResult, relevance: RankedRelevance) {
        try validate(queries: queries, gallery: gallery, k: depth)
        guard keep >= 1 else { throw RetrievalError.nonPositiveK(name: "keep", value: keep) }
        guard queryLabels.count == queries.shape[0] else {
            throw RetrievalError.lengthMismatch(name: "queryLabels", expected: queries.shape[0], actual: queryLabels.count)
        }
        guard galleryLabels.count == gallery.shape[0] else {
            throw RetrievalError.lengthMismatch(name: "galleryLabels", expected: gallery.shape[0], actual: galleryLabels.count)
        }
        let prepared = try exclusion.prepared(queryCount: queries.shape[0], galleryCount: gallery.shape[0])
        let q = queries.dtype == gallery.dtype ? queries : withoutGradients { queries.cast(to: gallery.dtype) }
        let labels = LabelCodes(query: queryLabels, gallery: galleryLabels)
        let out = switch gallery.dtype {
        case .float32: run(Float.self, queries: q, gallery: gallery, k: depth, keep: keep, labels: labels, exclusion: prepared)
        case .float64: run(Double.self, queries: q, gallery: gallery, k: depth, keep: keep, labels: labels, exclusion: prepared)
        }
        let counts = RankedRelevance.relevantCounts(queryLabels: queryLabels, galleryLabels: galleryLabels, exclusion: prepared)
        let relevance = RankedRelevance(queryCount: queries.shape[0], depth: Swift.min(depth, gallery.shape[0]), isRelevant: out.flags,
                                        relevantCounts: counts, isExhaustive: !out.rowExhaustive.contains(false))
        return (out.result, relevance)
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

    /// The search. Each query's ranking is read out once: its first `keep` neighbours go to the
    /// result; with `labels`, every rank's relevance goes to `flags` (`queries × depth`) and whether
    /// the row ranked every gallery item it can see to `rowExhaustive`.
    private func run<T: KFloat>(_: T.Type, queries: Tensor, gallery: Tensor, k: Int, keep: Int, labels: LabelCodes?,
                                exclusion: PreparedExclusion) -> (result: SearchResult, flags: [Bool], rowExhaustive: [Bool]) {
        let queryCount = queries.shape[0], galleryCount = gallery.shape[0], dim = queries.shape[1]
        let depth = Swift.min(k, galleryCount)
        let kept = Swift.min(keep, depth)
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
        // Every slot is written below (rows short of `depth` are padded), so the large result arrays
        // start uninitialised: no pass of zeroing over memory that is about to be overwritten.
        var indices = [Int](unsafeUninitializedCapacity: queryCount * kept) { _, count in count = queryCount * kept }
        var scores = [Double](unsafeUninitializedCapacity: queryCount * kept) { _, count in count = queryCount * kept }
        let flagCount = labels == nil ? 0 : queryCount * depth
        var flags = [Bool](unsafeUninitializedCapacity: flagCount) { _, count in count = flagCount }
        var rowExhaustive = [Bool](repeating: true, count: labels == nil ? 0 : queryCount)
        if queryCount == 0 { return (SearchResult(unchecked: kind, queryCount: 0, depth: kept, indices: [], scores: []), [], []) }
        ExactSearch.blasSingleThreaded
        let qb = Swift.min(queryBlockSize, queryCount), gb = Swift.min(galleryBlockSize, galleryCount)
        let blockCount = (queryCount + qb - 1) / qb
        // Threads take whole query blocks (each runs its own single-threaded BLAS products and scans),
        // so a worker's tile and candidate buffers stay in its core's cache.
        let work = Double(queryCount) * Double(galleryCount) * Double(Swift.max(dim, 1))
        let workers = work < 1e7 ? 1 : Swift.min(Parallel.threadCount, blockCount)
        let nextBlock = BlockCounter()
        let sample = T.self == Float.self
            ? ThresholdSample(depth: depth, galleryCount: galleryCount, gallery: gallery, galleryFactor: galleryFactor.map { Float($0) })
            : nil

        queries.withUnsafeElementBytes { qRaw in
            gallery.withUnsafeElementBytes { gRaw in
                queryFactor.withUnsafeBufferPointer { qFactor in
                    galleryFactor.withUnsafeBufferPointer { gFactor in
                        indices.withUnsafeMutableBufferPointer { indexBuffer in
                            scores.withUnsafeMutableBufferPointer { scoreBuffer in
                              flags.withUnsafeMutableBufferPointer { flagBuffer in
                                rowExhaustive.withUnsafeMutableBufferPointer { exhaustiveBuffer in
                                guard let outIndices = indexBuffer.baseAddress, let outScores = scoreBuffer.baseAddress else { return }
                                // (An empty array may still have a base address: gate on `labels`.)
                                let output = SearchOutput(kind: kind, kept: kept, depth: depth, indices: outIndices, scores: outScores,
                                                          flags: labels == nil ? nil : flagBuffer.baseAddress,
                                                          rowExhaustive: labels == nil ? nil : exhaustiveBuffer.baseAddress, labels: labels)
                                let qp = qRaw.bindMemory(to: T.self).baseAddress
                                let gp = gRaw.bindMemory(to: T.self).baseAddress
                                let worker: (Int) -> Void = { _ in
                                    let tile = UnsafeMutablePointer<T>.allocate(capacity: qb * Swift.max(gb, sample?.count ?? 0))
                                    let buffer = TopKBuffer<T>(rows: qb, depth: depth)
                                    var primed = [Bool](repeating: false, count: qb)
                                    defer { tile.deallocate(); buffer.deallocate() }
                                    while let b = nextBlock.take(below: blockCount) {
                                        let q0 = b * qb, q1 = Swift.min(queryCount, q0 + qb)
                                        buffer.reset()
                                        // Excluded gallery indices of each query, ascending, with a
                                        // cursor that moves forward tile by tile.
                                        let excluded: [[Int]] = exclusion.isEmpty ? [] : (q0..<q1).map { exclusion.excluded(forQuery: $0) }
                                        var cursor = [Int](repeating: 0, count: excluded.count)
                                        // Scores of one buffer row against gallery items g0..<g1 (`row`), skipping its exclusions.
                                        func scanRow(_ r: Int, _ row: UnsafePointer<T>, _ g0: Int, _ g1: Int, primed: Bool) {
                                            let factor: T = qFactor.isEmpty ? 0 : qFactor[q0 + r]
                                            var start = 0
                                            if !excluded.isEmpty {
                                                let list = excluded[r]
                                                while cursor[r] < list.count && list[cursor[r]] < g1 {
                                                    let skip = list[cursor[r]] - g0
                                                    Self.scan(kind, row: row, range: start..<skip, galleryOffset: g0, queryFactor: factor,
                                                              galleryFactor: gFactor.baseAddress, buffer: buffer, bufferRow: r, primed: primed)
                                                    start = skip + 1
                                                    cursor[r] += 1
                                                }
                                            }
                                            Self.scan(kind, row: row, range: start..<(g1 - g0), galleryOffset: g0, queryFactor: factor,
                                                      galleryFactor: gFactor.baseAddress, buffer: buffer, bufferRow: r, primed: primed)
                                        }
                                        if let sample {
                                            // Large k: start each row at a threshold read off a sample of the gallery.
                                            Self.gemm(T.self, m: q1 - q0, n: sample.count, k: dim, a: qp.map { $0 + q0 * dim },
                                                      b: UnsafeRawPointer(sample.rows).assumingMemoryBound(to: T.self), c: tile)
                                            for r in 0..<(q1 - q0) {
                                                let factor: Float = qFactor.isEmpty ? 0 : Float(qFactor[q0 + r])
                                                let row = UnsafeRawPointer(tile + r * sample.count).assumingMemoryBound(to: Float.self)
                                                if let t = sample.threshold(kind, scores: row, queryFactor: factor) {
                                                    buffer.prime(row: r, threshold: T(t))
                                                    primed[r] = true
                                                } else {
                                                    primed[r] = false
                                                }
                                            }
                                        }
                                        for g0 in stride(from: 0, to: galleryCount, by: gb) {
                                            let g1 = Swift.min(galleryCount, g0 + gb)
                                            Self.gemm(T.self, m: q1 - q0, n: g1 - g0, k: dim, a: qp.map { $0 + q0 * dim },
                                                      b: gp.map { $0 + g0 * dim }, c: tile)
                                            for r in 0..<(q1 - q0) {
                                                scanRow(r, UnsafePointer(tile + r * (g1 - g0)), g0, g1, primed: sample != nil && primed[r])
                                            }
                                        }
                                        if sample != nil {
                                            // A sampled threshold that let fewer than k items through was too tight:
                                            // search that row again without one (rare; the sample keeps a margin).
                                            for r in 0..<(q1 - q0) where primed[r] {
                                                let available = galleryCount - (excluded.isEmpty ? 0 : excluded[r].count)
                                                guard buffer.counts[r] < Swift.min(depth, available) else { continue }
                                                buffer.reset(row: r)
                                                if !cursor.isEmpty { cursor[r] = 0 }
                                                for g0 in stride(from: 0, to: galleryCount, by: gb) {
                                                    let g1 = Swift.min(galleryCount, g0 + gb)
                                                    Self.gemm(T.self, m: 1, n: g1 - g0, k: dim, a: qp.map { $0 + (q0 + r) * dim },
                                                              b: gp.map { $0 + g0 * dim }, c: tile)
                                                    scanRow(r, UnsafePointer(tile), g0, g1, primed: false)
                                                }
                                            }
                                        }
                                        for r in 0..<(q1 - q0) {
                                            output.write(query: q0 + r, buffer: buffer, row: r,
                                                         available: galleryCount - (excluded.isEmpty ? 0 : excluded[r].count))
                                        }
                                    }
                                }
                                if workers <= 1 {
                                    worker(0)
                                } else {
                                    DispatchQueue.concurrentPerform(iterations: workers, execute: worker)
                                }
                                }
                              }
                            }
                        }
                    }
                }
            }
        }
        return (SearchResult(unchecked: kind, queryCount: queryCount, depth: kept, indices: indices, scores: scores), flags, rowExhaustive)
    }

    /// Whether float32 tiles go to oneDNN's sgemm (when Kindred was built with it) rather than BLAS:
    /// at the short inner dimensions of embeddings its JIT kernels are faster single-threaded (on
    /// the development machine 82 against OpenBLAS's 60 GFLOP/s at 256 × 2048 × 64, 93 against 86 at
    /// 128-d). `KINDRED_SEARCH_GEMM=blas` keeps BLAS.
    static let useDNNL: Bool = kd_dnnl_available() == 1
        && ProcessInfo.processInfo.environment["KINDRED_SEARCH_GEMM"]?.lowercased() != "blas"

    /// Kindred's threads run their own products here, so BLAS must not start threads of its own.
    static let blasSingleThreaded: Void = { kd_blas_set_threads(1) }()

    /// `c[m × n] = a[m × k] · b[n × k]ᵀ` (row-major, single-threaded BLAS).
    @inline(__always)
    static func gemm<T: KFloat>(_: T.Type, m: Int, n: Int, k: Int, a: UnsafePointer<T>?, b: UnsafePointer<T>?,
                                c: UnsafeMutablePointer<T>) {
        guard k > 0, let a, let b else {
            c.initialize(repeating: 0, count: m * n)
            return
        }
        if T.self == Float.self {
            let af = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), bf = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
            let cf = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
            if useDNNL && kd_dnnl_sgemm_nt(Int32(m), Int32(n), Int32(k), af, bf, cf) == 0 { return }
            kd_sgemm(0, 1, Int32(m), Int32(n), Int32(k), 1, af, Int32(k), bf, Int32(k), 0, cf, Int32(n))
        } else {
            kd_dgemm(0, 1, Int32(m), Int32(n), Int32(k), 1,
                     UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(k),
                     UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(k), 0,
                     UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(n))
        }
    }

    /// Merges `row[range]` (raw inner products with gallery items `galleryOffset + j`) into one
    /// query's candidates. Keys are "smaller is better": `−similarity` or the squared distance.
    @inline(__always)
    static func scan<T: KFloat>(_ kind: SearchDistance, row: UnsafePointer<T>, range: Range<Int>, galleryOffset: Int,
                                queryFactor: T, galleryFactor: UnsafePointer<T>?, buffer: TopKBuffer<T>, bufferRow: Int,
                                primed: Bool = false) {
        if range.isEmpty { return }
        if T.self == Float.self {
            // float32 (the common case) gets the 16-wide kernel; the stdlib's SIMD comparisons are
            // vectorised only for concrete element types.
            scanFloat(kind, row: UnsafeRawPointer(row).assumingMemoryBound(to: Float.self), range: range,
                      galleryOffset: galleryOffset, queryFactor: unsafeBitCast(queryFactor, to: Float.self),
                      galleryFactor: galleryFactor.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
                      buffer: unsafeBitCast(buffer, to: TopKBuffer<Float>.self), bufferRow: bufferRow, primed: primed)
            return
        }
        switch kind {
        case .dotProduct:
            scanKeys(range: range, galleryOffset: galleryOffset, buffer: buffer, bufferRow: bufferRow,
                     key: { -row[$0] }, keys: nil)
        case .cosine:
            guard let gf = galleryFactor?.advanced(by: galleryOffset) else { return }
            scanKeys(range: range, galleryOffset: galleryOffset, buffer: buffer, bufferRow: bufferRow,
                     key: { -(row[$0] * queryFactor * gf[$0]) }, keys: nil)
        case .euclidean, .squaredEuclidean:
            guard let gf = galleryFactor?.advanced(by: galleryOffset) else { return }
            scanKeys(range: range, galleryOffset: galleryOffset, buffer: buffer, bufferRow: bufferRow,
                     key: { j in
                         let s = row[j]
                         let key = queryFactor + gf[j] - (s + s)
                         return key < 0 ? 0 : key
                     }, keys: nil)
        }
    }

    /// ``scan(_:row:range:galleryOffset:queryFactor:galleryFactor:buffer:bufferRow:)`` for float32,
    /// sixteen items at a time.
    static func scanFloat(_ kind: SearchDistance, row: UnsafePointer<Float>, range: Range<Int>, galleryOffset: Int,
                          queryFactor: Float, galleryFactor: UnsafePointer<Float>?, buffer: TopKBuffer<Float>, bufferRow: Int,
                          primed: Bool) {
        if primed {
            // A sampled threshold lets about k/G of the items through: most groups of sixteen hold
            // one, so the passing keys are packed without a branch per group.
            buffer.append(row: bufferRow, kind: kind, scores: row + range.lowerBound,
                          galleryFactor: galleryFactor.map { $0 + galleryOffset + range.lowerBound }, queryFactor: queryFactor,
                          count: range.count, firstSlot: galleryOffset + range.lowerBound)
            return
        }
        switch kind {
        case .dotProduct:
            scanKeys(range: range, galleryOffset: galleryOffset, buffer: buffer, bufferRow: bufferRow,
                     key: { -row[$0] },
                     keys: { -UnsafeRawPointer(row + $0).loadUnaligned(as: SIMD16<Float>.self) })
        case .cosine:
            guard let gf = galleryFactor?.advanced(by: galleryOffset) else { return }
            let qf = SIMD16<Float>(repeating: queryFactor)
            scanKeys(range: range, galleryOffset: galleryOffset, buffer: buffer, bufferRow: bufferRow,
                     key: { -(row[$0] * queryFactor * gf[$0]) },
                     keys: { j in
                         let s = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self)
                         return -(s * qf * UnsafeRawPointer(gf + j).loadUnaligned(as: SIMD16<Float>.self))
                     })
        case .euclidean, .squaredEuclidean:
            guard let gf = galleryFactor?.advanced(by: galleryOffset) else { return }
            let qf = SIMD16<Float>(repeating: queryFactor)
            scanKeys(range: range, galleryOffset: galleryOffset, buffer: buffer, bufferRow: bufferRow,
                     key: { j in
                         let s = row[j]
                         let key = queryFactor + gf[j] - (s + s)
                         return key < 0 ? 0 : key
                     },
                     keys: { j in
                         let s = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self)
                         let key = qf + UnsafeRawPointer(gf + j).loadUnaligned(as: SIMD16<Float>.self) - (s + s)
                         return key.replacing(with: 0, where: key .< 0)
                     })
        }
    }

    /// The scan loop shared by every distance: `key(j)` is item `j`'s key and `keys(j)`, when given,
    /// the keys of items `j ..< j + 16` computed the same way (both agree bit for bit). Sixteen items
    /// are rejected at once when none beats the row's threshold.
    @inline(__always)
    static func scanKeys<T: KFloat>(range: Range<Int>, galleryOffset: Int, buffer: TopKBuffer<T>, bufferRow r: Int,
                                    key: (Int) -> T, keys: ((Int) -> SIMD16<Float>)?) {
        var j = range.lowerBound
        let end = range.upperBound
        // Until the row's buffer first fills up, every non-NaN key enters.
        while j < end && !buffer.bounded[r] {
            let x = key(j)
            if !x.isNaN { buffer.insert(row: r, key: x, slot: galleryOffset + j) }
            j += 1
        }
        if let keys, T.self == Float.self {
            let fbuffer = unsafeBitCast(buffer, to: TopKBuffer<Float>.self)
            while j + 16 <= end {
                let xs = keys(j)
                if any(xs .< SIMD16<Float>(repeating: fbuffer.thresholds[r])) {
                    for t in 0..<16 where xs[t] < fbuffer.thresholds[r] {
                        fbuffer.insert(row: r, key: xs[t], slot: galleryOffset + j + t)
                    }
                }
                j += 16
            }
        }
        while j < end {
            let x = key(j)
            if x < buffer.thresholds[r] { buffer.insert(row: r, key: x, slot: galleryOffset + j) }
            j += 1
        }
    }
}

/// Hands out query blocks to worker threads, one at a time.
final class BlockCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    /// The next block below `count`, or `nil` when all have been taken.
    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}

/// Where a search writes each query's ranking: its first `kept` neighbours (index and score) and,
/// with labels, the relevance of every rank down to `depth` and whether the row ranked every gallery
/// item it can see.
struct SearchOutput {
    let kind: SearchDistance
    let kept: Int
    let depth: Int
    let indices: UnsafeMutablePointer<Int>
    let scores: UnsafeMutablePointer<Double>
    let flags: UnsafeMutablePointer<Bool>?
    let rowExhaustive: UnsafeMutablePointer<Bool>?
    let labels: LabelCodes?

    /// Sorts `row` of `buffer` and writes it out as query `query`'s ranking; `available` is the
    /// number of gallery items the query may be matched with (rows with fewer are padded).
    @inline(__always)
    func write<T: KFloat>(query: Int, buffer: TopKBuffer<T>, row r: Int, available: Int) {
        let n = buffer.finish(row: r)
        let base = query * kept
        for i in 0..<Swift.min(n, kept) {
            indices[base + i] = buffer.slot(row: r, rank: i)
            let key = Double(buffer.key(row: r, rank: i))
            switch kind {
            case .dotProduct, .cosine: scores[base + i] = -key
            case .squaredEuclidean: scores[base + i] = key
            case .euclidean: scores[base + i] = key.squareRoot()
            }
        }
        for i in n..<Swift.max(n, kept) {
            indices[base + i] = -1
            scores[base + i] = .nan
        }
        guard let flags, let labels else { return }
        let flagBase = query * depth
        let queryLabel = labels.query[query]
        labels.gallery.withUnsafeBufferPointer { gallery in
            // (Codes of 4 bytes: the gallery's labels stay in the core's first-level cache.)
            for i in 0..<n { flags[flagBase + i] = gallery[buffer.slot(row: r, rank: i)] == queryLabel }
        }
        (flags + flagBase + n).initialize(repeating: false, count: depth - n)
        rowExhaustive?[query] = n >= available
    }
}

/// Query and gallery labels as small dense codes (equal labels, equal codes), so that the relevance
/// read-out looks labels up in a compact array; a query label no gallery item has gets code −1.
struct LabelCodes {
    let query: [Int32]
    let gallery: [Int32]

    init(query: [Int], gallery: [Int]) {
        var codes: [Int: Int32] = [:]
        self.gallery = gallery.map { label in
            if let c = codes[label] { return c }
            let c = Int32(truncatingIfNeeded: codes.count)
            codes[label] = c
            return c
        }
        self.query = query.map { codes[$0] ?? -1 }
    }
}
