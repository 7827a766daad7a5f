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
    /// The metrics of each category's queries, categories in ascending order (empty when the
    /// evaluation was given no categories).
    public var categorySummaries: [CategorySummary] = []

    /// The metrics of each category as logged, parallel to ``categorySummaries``.
    public var categoryRecords: [CategoryRecord] {
        categorySummaries.map { CategoryRecord(category: $0.category, queryCount: $0.queryCount,
                                               metrics: zip(names, $0.summaries).map { MetricRecord(name: $0.0, summary: $0.1) }) }
    }

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
    ///
    /// With `categories` (one per item), the outcome also holds the metrics of each category's
    /// queries, with the same bootstrap settings.
    public static func evaluate(embeddings: Tensor, labels: [Int], isQuery: [Bool]? = nil, isGallery: [Bool]? = nil,
                                categories: [String]? = nil, config: EvaluationConfig, seed: UInt64) throws -> EvaluationOutcome {
        let n = labels.count
        guard embeddings.rank == 2, embeddings.shape[0] == n else {
            throw EvaluationError(message: "embeddings of shape \(embeddings.shape) do not match \(n) labels (expected [\(n), d])")
        }
        if let categories, categories.count != n {
            throw EvaluationError(message: "\(categories.count) categories for \(n) items (expected one category per item)")
        }
        let metrics = try config.metrics.map { try RankingMetric(parsing: $0) }
        let distance: SearchDistance = switch config.distance {
        case .cosine: .cosine
        case .euclidean: .euclidean
        case .dot: .dotProduct
        }
        var evaluation = RetrievalEvaluation(metrics: metrics, distance: distance,
                                             bootstrap: config.bootstrap > 0 ? Bootstrap(resamples: config.bootstrap, seed: seed) : nil)
        evaluation.index = config.index
        // The report draws `grid_results` neighbours per query; the metrics need only relevance.
        evaluation.keptNeighbors = config.gridResults
        let report: RetrievalReport
        if isQuery != nil || isGallery != nil {
            report = try evaluation.evaluate(embeddings: embeddings, labels: labels, isQuery: isQuery ?? Array(repeating: true, count: n),
                                             isGallery: isGallery ?? Array(repeating: true, count: n))
        } else {
            report = try evaluation.evaluate(embeddings: embeddings, labels: labels)
        }
        var outcome = EvaluationOutcome(summaries: report.summaries, names: config.metrics, result: report.result, relevance: report.relevance,
                                        queryItems: report.queryIndices, galleryItems: report.galleryIndices)
        if let categories { outcome.categorySummaries = try report.summariesByCategory(categories) }
        return outcome
    }
}

/// Embeddings and labels that cannot be evaluated together.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var message: String
    public var description: String { message }
}
