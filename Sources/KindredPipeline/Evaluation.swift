import Foundation
import KindredNN
import KindredRetrieval
import KindredTensor

/// Retrieval evaluation of embeddings: the metrics with confidence intervals, and the ranking they
/// came from (for retrieval grids).
public struct EvaluationOutcome: Sendable {
    /// One summary per configured metric, in config order.
    public let summaries: [MetricSummary]
    /// The configured metric names, parallel to ``summaries``.
    public let names: [String]
    /// The top-k search of every query.
    public let result: SearchResult
    /// Relevance of each returned item.
    public let relevance: RankedRelevance
    /// Item index (in the evaluated split) of each query and each gallery entry.
    public let queryItems: [Int], galleryItems: [Int]

    /// The mean of metric `name`.
    public func value(of name: String) -> Double? {
        names.firstIndex(of: name).map { summaries[$0].mean }
    }
}

/// Embedding and evaluation shared by `kindred train`, `eval` and `embed`.
public enum Evaluator {
    /// Embeddings `[N, D]` of `images` by `model` in evaluation mode, `batchSize` images at a time.
    public static func embed(model: any Layer, images: Tensor, batchSize: Int, progress: ProgressBar? = nil) -> Tensor {
        let wasTraining = model.training
        model.eval()
        defer { model.train(wasTraining) }
        let n = images.shape[0]
        var parts: [Tensor] = []
        withoutGradients {
            for start in stride(from: 0, to: n, by: batchSize) {
                parts.append(model(images.sliced(axis: 0, range: start..<min(start + batchSize, n))).contiguous())
                progress?.update(min(start + batchSize, n))
            }
        }
        progress?.finish()
        return parts.count == 1 ? parts[0] : Tensor.concat(parts)
    }

    /// Evaluates `embeddings` with `labels`: queries against the gallery (leave-one-out when
    /// `isQuery`/`isGallery` are nil, so every item is a query against all others).
    public static func evaluate(embeddings: Tensor, labels: [Int], isQuery: [Bool]? = nil, isGallery: [Bool]? = nil,
                                config: EvaluationConfig, seed: UInt64) throws -> EvaluationOutcome {
        let n = labels.count
        guard embeddings.rank == 2, embeddings.shape[0] == n else {
            throw EvaluationError(message: "embeddings of shape \(embeddings.shape) do not match \(n) labels (expected [\(n), d])")
        }
        let metrics = try config.metrics.map { try parseMetric($0) }
        let queryItems = isQuery.map { q in q.indices.filter { q[$0] } } ?? Array(0..<n)
        let galleryItems = isGallery.map { g in g.indices.filter { g[$0] } } ?? Array(0..<n)
        guard !queryItems.isEmpty, !galleryItems.isEmpty else {
            throw EvaluationError(message: "no \(queryItems.isEmpty ? "query" : "gallery") items to evaluate")
        }
        let sameSets = queryItems == galleryItems
        let queries = sameSets || queryItems.count == n ? (queryItems.count == n ? embeddings : embeddings.rows(queryItems)) : embeddings.rows(queryItems)
        let gallery = sameSets ? queries : (galleryItems.count == n ? embeddings : embeddings.rows(galleryItems))
        // Every item that appears in both sets is excluded from its own results.
        let exclusion = SearchExclusion(queryItemIDs: queryItems, galleryItemIDs: galleryItems)
        var classSize: [Int: Int] = [:]
        for g in galleryItems { classSize[labels[g], default: 0] += 1 }
        let largestClass = classSize.values.max() ?? 1
        let depth = min(galleryItems.count, max(1, metrics.map { requiredDepth($0, largestClass: largestClass) }.max() ?? 1))
        let distance: SearchDistance = switch config.distance {
        case .cosine: .cosine
        case .euclidean: .euclidean
        case .dot: .dotProduct
        }
        let result = try ExactSearch(distance: distance).search(queries: queries, gallery: gallery, k: depth, exclusion: exclusion)
        let relevance = try RankedRelevance(result: result, queryLabels: queryItems.map { labels[$0] },
                                            galleryLabels: galleryItems.map { labels[$0] }, exclusion: exclusion)
        let bootstrap = config.bootstrap > 0 ? Bootstrap(resamples: config.bootstrap, seed: seed) : nil
        let summaries = try relevance.summaries(of: metrics, bootstrap: bootstrap)
        return EvaluationOutcome(summaries: summaries, names: config.metrics, result: result, relevance: relevance,
                                 queryItems: queryItems, galleryItems: galleryItems)
    }

    /// Results per query a metric reads (`R`-based metrics read up to the largest class).
    static func requiredDepth(_ m: RankingMetric, largestClass: Int) -> Int {
        switch m {
        case let .cmc(k), let .precision(k), let .textbookPrecision(k), let .averagePrecision(k),
             let .textbookAveragePrecision(k), let .ndcg(k):
            return k
        case let .windowPrecision(w), let .windowAveragePrecision(w): return w.upperBound
        case .rPrecision, .averagePrecisionAtR, .reciprocalRank, .averagePrecisionOfRanking: return largestClass
        case let .weightedSum(terms): return terms.map { requiredDepth($0.metric, largestClass: largestClass) }.max() ?? 1
        }
    }
}

/// Embeddings and labels that cannot be evaluated together.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var message: String
    public var description: String { message }
}
