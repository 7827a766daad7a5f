import KindredTensor

/// One call from embeddings and labels to retrieval metrics: search, relevance, summaries.
///
/// Three ways to say which items are queries and which are the gallery:
/// - **leave-one-out** (``evaluate(embeddings:labels:)``): every item is a query and the gallery is
///   all the others (the query itself is excluded);
/// - **split flags** (``evaluate(embeddings:labels:isQuery:isGallery:sequenceIDs:)``, OML's
///   `is_query`/`is_gallery` columns): an item may be both, and is then never retrieved for itself;
/// - **separate sets** (``evaluate(queries:queryLabels:gallery:galleryLabels:exclusion:)``).
///
/// **Search depth.** Unless ``depth`` is set, the search returns the fewest neighbours every metric
/// needs: the largest `k` (or window end) among the metrics, and for ``RankingMetric/rPrecision``,
/// ``RankingMetric/averagePrecisionAtR``, ``RankingMetric/reciprocalRank`` and
/// ``RankingMetric/averagePrecisionOfRanking`` the largest `R` of any query (the largest class size
/// in the gallery, less the excluded items) — PML's AccuracyCalculator reads MRR and MAP to the same
/// depth. Weighted sums use the deepest of their terms.
///
/// ```swift
/// let report = try RetrievalEvaluation(metrics: [.cmc(at: 1), .precision(at: 5), .averagePrecisionAtR],
///                                      distance: .cosine, bootstrap: Bootstrap(resamples: 200, seed: 0))
///     .evaluate(embeddings: embeddings, labels: labels)
/// for summary in report.summaries { print(summary) }
/// let worst = try report.worstQueries(by: .averagePrecisionAtR, count: 8)   // rows of `embeddings`
/// ```
public struct RetrievalEvaluation: Sendable {
    /// The metrics to summarise, in the order of ``RetrievalReport/summaries``.
    public var metrics: [RankingMetric]
    /// How queries and gallery items are compared.
    public var distance: SearchDistance
    /// Bootstrap settings for confidence intervals over queries (`nil`: no intervals).
    public var bootstrap: Bootstrap?
    /// A fixed search depth; `nil` chooses it from the metrics (see the type's documentation).
    public var depth: Int?
    /// The search backend: ``SearchIndexKind/exact`` (the default) runs ``ExactSearch`` on the
    /// embeddings' own dtype; FAISS kinds build a float32 index over the gallery (trained on it when
    /// needed) and remove excluded items from over-fetched results.
    public var index: SearchIndexKind = .exact
    /// Neighbours per query kept in ``RetrievalReport/result`` (for retrieval grids); `nil` keeps all
    /// `depth` of them. With the exact index and a limit, the search writes relevance flags as it
    /// ranks (``ExactSearch/searchRelevance(queries:queryLabels:gallery:galleryLabels:depth:keep:exclusion:)``)
    /// instead of holding an index and a score for every rank: metrics are the same, memory is
    /// a byte per rank instead of sixteen.
    public var keptNeighbors: Int?

    /// Creates an evaluation.
    ///
    /// - Parameters:
    ///   - metrics: the metrics to report (at least one).
    ///   - distance: the comparison used by the search (default cosine similarity).
    ///   - bootstrap: confidence-interval settings, or `nil` for none.
    ///   - depth: a fixed number of neighbours per query, or `nil` for the automatic choice.
    public init(metrics: [RankingMetric], distance: SearchDistance = .cosine, bootstrap: Bootstrap? = nil, depth: Int? = nil) {
        self.metrics = metrics
        self.distance = distance
        self.bootstrap = bootstrap
        self.depth = depth
    }

    /// Leave-one-out evaluation: each item queries all the others.
    ///
    /// - Parameters:
    ///   - embeddings: `[N, D]` embeddings.
    ///   - labels: one label per row; items with equal labels are relevant to each other.
    /// - Throws: ``RetrievalError`` on bad shapes, mismatched lengths or invalid metrics.
    public func evaluate(embeddings: Tensor, labels: [Int]) throws -> RetrievalReport {
        guard embeddings.rank == 2 else { throw RetrievalError.badShape(name: "embeddings", expected: "[N, D]", actual: embeddings.shape) }
        let n = embeddings.shape[0]
        return try evaluate(embeddings: embeddings, labels: labels, isQuery: Array(repeating: true, count: n),
                            isGallery: Array(repeating: true, count: n))
    }

    /// Evaluation with OML-style query/gallery flags: rows with `isQuery` are queries, rows with
    /// `isGallery` form the gallery; a row that is both is never retrieved for itself.
    ///
    /// - Parameters:
    ///   - embeddings: `[N, D]` embeddings.
    ///   - labels: one label per row.
    ///   - isQuery: whether each row is a query.
    ///   - isGallery: whether each row is a gallery item.
    ///   - sequenceIDs: optional group of each row (OML's `sequence`): a query never retrieves
    ///     gallery items of its own group.
    /// - Throws: ``RetrievalError`` on bad shapes, mismatched lengths, no query, an empty gallery or
    ///   invalid metrics.
    public func evaluate(embeddings: Tensor, labels: [Int], isQuery: [Bool], isGallery: [Bool],
                         sequenceIDs: [Int]? = nil) throws -> RetrievalReport {
        guard embeddings.rank == 2 else { throw RetrievalError.badShape(name: "embeddings", expected: "[N, D]", actual: embeddings.shape) }
        let n = embeddings.shape[0]
        guard labels.count == n else { throw RetrievalError.lengthMismatch(name: "labels", expected: n, actual: labels.count) }
        guard isQuery.count == n else { throw RetrievalError.lengthMismatch(name: "isQuery", expected: n, actual: isQuery.count) }
        guard isGallery.count == n else { throw RetrievalError.lengthMismatch(name: "isGallery", expected: n, actual: isGallery.count) }
        if let s = sequenceIDs, s.count != n { throw RetrievalError.lengthMismatch(name: "sequenceIDs", expected: n, actual: s.count) }
        let queryRows = (0..<n).filter { isQuery[$0] }
        let galleryRows = (0..<n).filter { isGallery[$0] }
        guard !queryRows.isEmpty else { throw RetrievalError.invalidArgument("no row is marked as a query (isQuery is all false)") }
        guard !galleryRows.isEmpty else { throw RetrievalError.emptyGallery }
        let exclusion = SearchExclusion(queryItemIDs: queryRows, galleryItemIDs: galleryRows,
                                        querySequenceIDs: sequenceIDs.map { s in queryRows.map { s[$0] } },
                                        gallerySequenceIDs: sequenceIDs.map { s in galleryRows.map { s[$0] } })
        let all = queryRows.count == n && galleryRows.count == n
        let queries = all ? embeddings : Self.rows(queryRows, of: embeddings)
        let gallery = all ? embeddings : Self.rows(galleryRows, of: embeddings)
        return try run(queries: queries, queryLabels: queryRows.map { labels[$0] }, gallery: gallery,
                       galleryLabels: galleryRows.map { labels[$0] }, exclusion: exclusion,
                       queryIndices: queryRows, galleryIndices: galleryRows)
    }

    /// Evaluation of separate query and gallery sets.
    ///
    /// - Parameters:
    ///   - queries: `[Q, D]` query embeddings.
    ///   - queryLabels: one label per query.
    ///   - gallery: `[G, D]` gallery embeddings.
    ///   - galleryLabels: one label per gallery item.
    ///   - exclusion: gallery items each query must skip.
    /// - Throws: ``RetrievalError`` on bad shapes, mismatched lengths, an empty gallery or invalid metrics.
    public func evaluate(queries: Tensor, queryLabels: [Int], gallery: Tensor, galleryLabels: [Int],
                         exclusion: SearchExclusion = .none) throws -> RetrievalReport {
        guard queries.rank == 2 else { throw RetrievalError.badShape(name: "queries", expected: "[Q, D]", actual: queries.shape) }
        guard gallery.rank == 2 else { throw RetrievalError.badShape(name: "gallery", expected: "[G, D]", actual: gallery.shape) }
        return try run(queries: queries, queryLabels: queryLabels, gallery: gallery, galleryLabels: galleryLabels,
                       exclusion: exclusion, queryIndices: Array(0..<queries.shape[0]), galleryIndices: Array(0..<gallery.shape[0]))
    }

    /// The depth the automatic rule picks for these labels (see the type's documentation).
    ///
    /// - Throws: ``RetrievalError`` on mismatched lengths or a bad exclusion.
    public func automaticDepth(queryLabels: [Int], galleryLabels: [Int], exclusion: SearchExclusion = .none) throws -> Int {
        let prepared = try exclusion.prepared(queryCount: queryLabels.count, galleryCount: galleryLabels.count)
        let largest = RankedRelevance.relevantCounts(queryLabels: queryLabels, galleryLabels: galleryLabels, exclusion: prepared).max() ?? 0
        return Swift.max(1, metrics.map { Self.depth(of: $0, largestRelevantCount: largest) }.max() ?? 1)
    }

    /// Ranks `metric` reads when the largest query has `r` relevant items.
    static func depth(of metric: RankingMetric, largestRelevantCount r: Int) -> Int {
        switch metric {
        case .reciprocalRank, .averagePrecisionOfRanking: return r
        case let .weightedSum(terms): return terms.map { depth(of: $0.metric, largestRelevantCount: r) }.max() ?? 0
        default: return metric.requiredDepth(relevantCount: r)
        }
    }

    private func run(queries: Tensor, queryLabels: [Int], gallery: Tensor, galleryLabels: [Int], exclusion: SearchExclusion,
                     queryIndices: [Int], galleryIndices: [Int]) throws -> RetrievalReport {
        guard !metrics.isEmpty else { throw RetrievalError.invalidArgument("an evaluation needs at least one metric") }
        for m in metrics { try m.validate() }
        guard queryLabels.count == queries.shape[0] else {
            throw RetrievalError.lengthMismatch(name: "queryLabels", expected: queries.shape[0], actual: queryLabels.count)
        }
        guard galleryLabels.count == gallery.shape[0] else {
            throw RetrievalError.lengthMismatch(name: "galleryLabels", expected: gallery.shape[0], actual: galleryLabels.count)
        }
        if let depth, depth < 1 { throw RetrievalError.nonPositiveK(name: "depth", value: depth) }
        let k = try depth ?? automaticDepth(queryLabels: queryLabels, galleryLabels: galleryLabels, exclusion: exclusion)
        if let kept = keptNeighbors, index == .exact {
            guard kept >= 1 else { throw RetrievalError.nonPositiveK(name: "keptNeighbors", value: kept) }
            let (result, relevance) = try ExactSearch(distance: distance).searchRelevance(
                queries: queries, queryLabels: queryLabels, gallery: gallery, galleryLabels: galleryLabels, depth: k, keep: kept,
                exclusion: exclusion)
            let summaries = try relevance.summaries(of: metrics, bootstrap: bootstrap)
            return RetrievalReport(summaries: summaries, result: result, relevance: relevance,
                                   queryIndices: queryIndices, galleryIndices: galleryIndices, bootstrap: bootstrap)
        }
        let result: SearchResult
        if index == .exact {
            result = try ExactSearch(distance: distance).search(queries: queries, gallery: gallery, k: k, exclusion: exclusion)
        } else {
            result = try index.buildIndex(gallery: gallery, distance: distance).search(queries, k: k, exclusion: exclusion)
        }
        let relevance = try RankedRelevance(result: result, queryLabels: queryLabels, galleryLabels: galleryLabels, exclusion: exclusion)
        let summaries = try relevance.summaries(of: metrics, bootstrap: bootstrap)
        return RetrievalReport(summaries: summaries, result: result, relevance: relevance,
                               queryIndices: queryIndices, galleryIndices: galleryIndices, bootstrap: bootstrap)
    }

    /// The given rows of a `[N, D]` tensor, as a new `[rows.count, D]` tensor of the same dtype.
    static func rows(_ rows: [Int], of t: Tensor) -> Tensor {
        let d = t.shape[1]
        let source = t.doubles
        var out = [Double](repeating: 0, count: rows.count * d)
        for (i, r) in rows.enumerated() {
            for c in 0..<d { out[i * d + c] = source[r * d + c] }
        }
        return Tensor(doubles: out, shape: [rows.count, d], dtype: t.dtype)
    }
}
