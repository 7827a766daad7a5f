import KindredTensor

/// Which retrieved items are relevant to each query, and how many relevant items each query has.
///
/// This is all a ranking metric needs: for query `q`, `rel_q(i) ∈ {0, 1}` for ranks `i = 1…depth`
/// and `R_q`, the number of gallery items sharing the query's label (excluded items not counted).
/// A query with `R_q = 0` has nothing to find: metrics leave it out of their means and report it
/// as dropped (OML would divide by zero and return NaN; PML drops it silently).
public struct RankedRelevance: Sendable, Equatable {
    /// Number of queries.
    public let queryCount: Int
    /// Ranks recorded per query.
    public let depth: Int
    /// `rel_q(i)`, row-major `queryCount × depth` (rank `i` at position `i − 1`).
    public let isRelevant: [Bool]
    /// `R_q`: relevant gallery items per query (after exclusions).
    public let relevantCounts: [Int]
    /// Whether every row ranks every gallery item it can see (the search used `k ≥` gallery size).
    /// Only then may a metric look deeper than ``depth``: the missing ranks are known to be empty.
    public let isExhaustive: Bool

    /// Relevance of a search result: a gallery item is relevant to a query when their labels are equal.
    ///
    /// - Parameters:
    ///   - result: the ranked neighbours.
    ///   - queryLabels: one label per query.
    ///   - galleryLabels: one label per gallery item.
    ///   - exclusion: the exclusion the search used, so that excluded items are not counted in `R_q`.
    /// - Throws: ``RetrievalError`` on mismatched lengths or neighbour indices outside the gallery.
    public init(result: SearchResult, queryLabels: [Int], galleryLabels: [Int], exclusion: SearchExclusion = .none) throws {
        guard queryLabels.count == result.queryCount else {
            throw RetrievalError.lengthMismatch(name: "queryLabels", expected: result.queryCount, actual: queryLabels.count)
        }
        guard !galleryLabels.isEmpty else { throw RetrievalError.emptyGallery }
        let prepared = try exclusion.prepared(queryCount: result.queryCount, galleryCount: galleryLabels.count)
        var relevant = [Bool](repeating: false, count: result.indices.count)
        let counts = Self.relevantCounts(queryLabels: queryLabels, galleryLabels: galleryLabels, exclusion: prepared)
        let depth = result.depth, galleryCount = galleryLabels.count
        // Per query (rows run in parallel for large results): a neighbour index outside the gallery,
        // if any, and whether the row ranks every gallery item it can see.
        var badIndex = [Int](repeating: -1, count: result.queryCount)
        var rowExhaustive = [Bool](repeating: true, count: result.queryCount)
        result.indices.withUnsafeBufferPointer { indices in
            galleryLabels.withUnsafeBufferPointer { labels in
                relevant.withUnsafeMutableBufferPointer { flags in
                    badIndex.withUnsafeMutableBufferPointer { bad in
                        rowExhaustive.withUnsafeMutableBufferPointer { exhaustive in
                            Parallel.forEachChunk(result.queryCount, costPerItem: Swift.max(1, depth)) { queries in
                                for q in queries {
                                    let label = queryLabels[q]
                                    let excluded = prepared.isEmpty ? [] : prepared.excluded(forQuery: q)
                                    var seen = 0
                                    for i in 0..<depth {
                                        let g = indices[q * depth + i]
                                        if g < 0 { continue }
                                        guard g < galleryCount else {
                                            if bad[q] < 0 { bad[q] = g }
                                            continue
                                        }
                                        seen += 1
                                        flags[q * depth + i] = labels[g] == label
                                    }
                                    exhaustive[q] = seen >= galleryCount - excluded.count
                                }
                            }
                        }
                    }
                }
            }
        }
        if let g = badIndex.first(where: { $0 >= 0 }) {
            throw RetrievalError.indexOutOfRange(name: "result.indices", index: g, count: galleryCount)
        }
        let exhaustive = !rowExhaustive.contains(false)
        self.queryCount = result.queryCount
        self.depth = result.depth
        self.isRelevant = relevant
        self.relevantCounts = counts
        self.isExhaustive = exhaustive
    }

    /// Relevance given directly: one row of flags per query (all rows equally long) and `R_q`.
    ///
    /// - Parameter isExhaustive: whether the rows cover every gallery item (see ``isExhaustive``).
    /// - Throws: ``RetrievalError`` when rows differ in length, counts do not match the rows, or a
    ///   row holds more relevant items than its `R_q`.
    public init(rows: [[Bool]], relevantCounts: [Int], isExhaustive: Bool = false) throws {
        guard relevantCounts.count == rows.count else {
            throw RetrievalError.lengthMismatch(name: "relevantCounts", expected: rows.count, actual: relevantCounts.count)
        }
        let depth = rows.first?.count ?? 0
        for (q, row) in rows.enumerated() {
            guard row.count == depth else { throw RetrievalError.lengthMismatch(name: "rows[\(q)]", expected: depth, actual: row.count) }
            let hits = row.reduce(0) { $0 + ($1 ? 1 : 0) }
            guard hits <= relevantCounts[q] else {
                throw RetrievalError.invalidArgument("rows[\(q)] has \(hits) relevant items but relevantCounts[\(q)] is \(relevantCounts[q])")
            }
        }
        self.queryCount = rows.count
        self.depth = depth
        self.isRelevant = rows.flatMap { $0 }
        self.relevantCounts = relevantCounts
        self.isExhaustive = isExhaustive
    }

    /// The relevance flags of `query`, rank 1 first.
    public func row(ofQuery query: Int) -> ArraySlice<Bool> {
        isRelevant[query * depth ..< (query + 1) * depth]
    }

    /// The sub-problem made of the given queries (in the given order; repeats allowed).
    public func selecting(queries: [Int]) -> RankedRelevance {
        var flags: [Bool] = []
        flags.reserveCapacity(queries.count * depth)
        for q in queries { flags += row(ofQuery: q) }
        return RankedRelevance(queryCount: queries.count, depth: depth, isRelevant: flags,
                               relevantCounts: queries.map { relevantCounts[$0] }, isExhaustive: isExhaustive)
    }

    /// `R_q` for every query: gallery items with the query's label, less its excluded ones.
    static func relevantCounts(queryLabels: [Int], galleryLabels: [Int], exclusion prepared: PreparedExclusion) -> [Int] {
        var labelCounts: [Int: Int] = [:]
        for l in galleryLabels { labelCounts[l, default: 0] += 1 }
        return queryLabels.enumerated().map { q, label in
            var r = labelCounts[label] ?? 0
            if !prepared.isEmpty {
                for g in prepared.excluded(forQuery: q) where galleryLabels[g] == label { r -= 1 }
            }
            return r
        }
    }

    init(queryCount: Int, depth: Int, isRelevant: [Bool], relevantCounts: [Int], isExhaustive: Bool) {
        self.queryCount = queryCount
        self.depth = depth
        self.isRelevant = isRelevant
        self.relevantCounts = relevantCounts
        self.isExhaustive = isExhaustive
    }
}
