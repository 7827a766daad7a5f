/// What ``RetrievalEvaluation`` measured, with the search it ran (to draw retrieval grids).
public struct RetrievalReport: Sendable {
    /// One summary per metric, in the evaluation's order.
    public let summaries: [MetricSummary]
    /// The search result: query `q`'s neighbours are positions in the gallery (see ``galleryIndices``).
    public let result: SearchResult
    /// Relevance of the search result.
    public let relevance: RankedRelevance
    /// For each query of ``result``, its row in the evaluated embeddings.
    public let queryIndices: [Int]
    /// For each gallery position of ``result``, its row in the evaluated embeddings.
    public let galleryIndices: [Int]
    /// The bootstrap settings the summaries used (reused by ``summariesByCategory(_:)``).
    public let bootstrap: Bootstrap?

    /// Creates a report (``RetrievalEvaluation`` makes these).
    public init(summaries: [MetricSummary], result: SearchResult, relevance: RankedRelevance,
                queryIndices: [Int], galleryIndices: [Int], bootstrap: Bootstrap? = nil) {
        self.summaries = summaries
        self.result = result
        self.relevance = relevance
        self.queryIndices = queryIndices
        self.galleryIndices = galleryIndices
        self.bootstrap = bootstrap
    }

    /// The summary of `metric`, if it was evaluated.
    public func summary(of metric: RankingMetric) -> MetricSummary? {
        summaries.first { $0.metric == metric }
    }

    /// The rows (in the evaluated embeddings) of the neighbours of query `query`, best first.
    public func neighborRows(ofQuery query: Int) -> [Int] {
        result.neighbors(ofQuery: query).map { galleryIndices[$0] }
    }

    /// The `count` queries with the lowest value of `metric` (ties: lower query first), as query
    /// positions of ``result``; queries without relevant items are skipped.
    ///
    /// - Throws: as ``RankedRelevance/values(of:)``.
    public func worstQueries(by metric: RankingMetric, count: Int) throws -> [Int] {
        let values = try relevance.values(of: metric)
        let scored = values.enumerated().compactMap { q, v in v.map { (q: q, value: $0) } }
        let sorted = scored.sorted { $0.value != $1.value ? $0.value < $1.value : $0.q < $1.q }
        return sorted.prefix(Swift.max(0, count)).map(\.q)
    }

    /// Every metric of ``summaries`` per category (OML's `category` column), with the same
    /// bootstrap settings; categories in ascending order.
    ///
    /// - Parameter categories: the category of every **evaluated row** (as given to
    ///   ``RetrievalEvaluation``; for separate query and gallery sets, one per query). Queries are
    ///   grouped by the category of their row.
    /// - Throws: ``RetrievalError/lengthMismatch(name:expected:actual:)`` when `categories` is too
    ///   short for the query rows; otherwise as ``RankedRelevance/summaries(of:bootstrap:)``.
    public func summariesByCategory(_ categories: [String]) throws -> [CategorySummary] {
        let needed = (queryIndices.max() ?? -1) + 1
        guard categories.count >= needed else {
            throw RetrievalError.lengthMismatch(name: "categories", expected: needed, actual: categories.count)
        }
        var groups: [String: [Int]] = [:]
        for (q, row) in queryIndices.enumerated() { groups[categories[row], default: []].append(q) }
        let metrics = summaries.map(\.metric)
        return try groups.keys.sorted().map { category in
            let queries = groups[category] ?? []
            let part = relevance.selecting(queries: queries)
            return CategorySummary(category: category, queryCount: queries.count,
                                   summaries: try part.summaries(of: metrics, bootstrap: bootstrap))
        }
    }
}

/// The metrics of the queries of one category (see ``RetrievalReport/summariesByCategory(_:)``).
public struct CategorySummary: Sendable, Equatable {
    /// The category.
    public let category: String
    /// Queries in the category (evaluated and dropped).
    public let queryCount: Int
    /// One summary per metric, in the report's order.
    public let summaries: [MetricSummary]
}
