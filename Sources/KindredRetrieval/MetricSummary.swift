import Foundation
import KindredTensor

/// A metric averaged over queries, with how many queries it covers and, when asked, how uncertain it is.
public struct MetricSummary: Sendable, Equatable, CustomStringConvertible {
    /// The metric.
    public let metric: RankingMetric
    /// Mean over the evaluated queries (`NaN` when none was evaluated).
    public let mean: Double
    /// Queries in the mean (those with at least one relevant gallery item).
    public let evaluatedQueries: Int
    /// Queries left out because no gallery item is relevant to them (`R = 0`).
    public let droppedQueries: Int
    /// Bootstrap confidence interval of the mean, when requested.
    public let confidenceInterval: ConfidenceInterval?

    public var description: String {
        var s = "\(metric) = \(String(format: "%.4f", mean)) over \(evaluatedQueries) queries"
        if let ci = confidenceInterval { s += ", \(ci)" }
        if droppedQueries > 0 { s += " (\(droppedQueries) without any relevant gallery item dropped)" }
        return s
    }
}

extension RankedRelevance {
    /// The metric for every query; `nil` for a query with no relevant gallery item (`R = 0`).
    ///
    /// - Throws: ``RetrievalError`` when the metric's parameters are invalid or it needs deeper
    ///   ranks than the search returned (search again with a larger `k`).
    public func values(of metric: RankingMetric) throws -> [Double?] {
        try metric.validate()
        if !isExhaustive {
            for (q, r) in relevantCounts.enumerated() where r > 0 {
                let needed = metric.requiredDepth(relevantCount: r)
                if needed > depth {
                    throw RetrievalError.invalidArgument(
                        "\(metric) reads rank \(needed) for query \(q) but the search returned only \(depth) neighbours; search with a larger k")
                }
            }
        }
        var out = [Double?](repeating: nil, count: queryCount)
        let depth = depth
        isRelevant.withUnsafeBufferPointer { flags in
            relevantCounts.withUnsafeBufferPointer { counts in
                out.withUnsafeMutableBufferPointer { values in
                    // Queries are independent: split them over the cores when the rows are long.
                    Parallel.forEachChunk(queryCount, costPerItem: Swift.max(1, depth)) { queries in
                        for q in queries where counts[q] > 0 {
                            values[q] = metric.value(row: UnsafeBufferPointer(rebasing: flags[q * depth ..< (q + 1) * depth]),
                                                     relevantCount: counts[q])
                        }
                    }
                }
            }
        }
        return out
    }

    /// The metric's mean over the queries that have at least one relevant gallery item, with the
    /// number dropped and, if `bootstrap` is given, a confidence interval over queries.
    ///
    /// - Throws: as ``values(of:)``; ``RetrievalError/invalidArgument(_:)`` for a bad bootstrap setting.
    public func summary(of metric: RankingMetric, bootstrap: Bootstrap? = nil) throws -> MetricSummary {
        let all = try values(of: metric)
        let kept = all.compactMap { $0 }
        return try Self.summarize(metric, kept: kept, dropped: all.count - kept.count, bootstrap: bootstrap)
    }

    /// Several metrics at once (see ``summary(of:bootstrap:)``), in the given order. The bootstrap
    /// draws its resamples once for all metrics (the intervals equal the one-metric ones).
    public func summaries(of metrics: [RankingMetric], bootstrap: Bootstrap? = nil) throws -> [MetricSummary] {
        let all = try metrics.map { try values(of: $0) }
        let kept = all.map { $0.compactMap { $0 } }
        let intervals = try bootstrap.map { try $0.intervals(ofMeansOf: kept) }
        return metrics.indices.map { i in
            let mean = kept[i].isEmpty ? Double.nan : kept[i].reduce(0, +) / Double(kept[i].count)
            return MetricSummary(metric: metrics[i], mean: mean, evaluatedQueries: kept[i].count,
                                 droppedQueries: all[i].count - kept[i].count, confidenceInterval: intervals?[i] ?? nil)
        }
    }

    /// The metric per category: queries are grouped by `categories[q]` and each group is summarised
    /// on its own (same bootstrap settings for each).
    ///
    /// - Throws: ``RetrievalError/lengthMismatch(name:expected:actual:)`` when `categories` does not
    ///   have one entry per query; otherwise as ``summary(of:bootstrap:)``.
    public func summaries<Category: Hashable>(of metric: RankingMetric, byCategory categories: [Category],
                                              bootstrap: Bootstrap? = nil) throws -> [Category: MetricSummary] {
        guard categories.count == queryCount else {
            throw RetrievalError.lengthMismatch(name: "categories", expected: queryCount, actual: categories.count)
        }
        let all = try values(of: metric)
        var groups: [Category: [Double?]] = [:]
        for (q, c) in categories.enumerated() { groups[c, default: []].append(all[q]) }
        var out: [Category: MetricSummary] = [:]
        for (c, group) in groups {
            let kept = group.compactMap { $0 }
            out[c] = try Self.summarize(metric, kept: kept, dropped: group.count - kept.count, bootstrap: bootstrap)
        }
        return out
    }

    static func summarize(_ metric: RankingMetric, kept: [Double], dropped: Int, bootstrap: Bootstrap?) throws -> MetricSummary {
        let mean = kept.isEmpty ? Double.nan : kept.reduce(0, +) / Double(kept.count)
        let ci = try bootstrap.map { try $0.interval(ofMeanOf: kept) }
        return MetricSummary(metric: metric, mean: mean, evaluatedQueries: kept.count, droppedQueries: dropped,
                             confidenceInterval: ci ?? nil)
    }
}
