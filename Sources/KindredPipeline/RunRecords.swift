import Foundation
import KindredRetrieval

/// One metric's result as logged: mean, 95% interval and query counts.
public struct MetricRecord: Codable, Sendable, Equatable {
    /// The metric as configured (`map@r`).
    public var name: String
    /// Mean over evaluated queries.
    public var value: Double
    /// Bootstrap interval bounds (nil without bootstrap).
    public var lower: Double?, upper: Double?
    /// Queries evaluated and dropped (no relevant gallery item).
    public var queries: Int, dropped: Int

    /// A record of `summary` under `name`.
    public init(name: String, summary: MetricSummary) {
        self.name = name
        value = summary.mean
        lower = summary.confidenceInterval?.lower
        upper = summary.confidenceInterval?.upper
        queries = summary.evaluatedQueries
        dropped = summary.droppedQueries
    }

    /// `map@r  0.7445  [0.7391, 0.7502]  (10000 queries)`.
    public var line: String {
        var s = name.padding(toLength: max(name.count + 2, 14), withPad: " ", startingAt: 0) + String(format: "%.4f", value)
        if let lower, let upper { s += String(format: "  [%.4f, %.4f]", lower, upper) }
        s += "  (\(queries) queries\(dropped > 0 ? ", \(dropped) without relevant items dropped" : ""))"
        return s
    }
}

/// The metrics of one category's queries as logged (OML's `category` column).
public struct CategoryRecord: Codable, Sendable, Equatable {
    /// The category.
    public var category: String
    /// Queries of the category (evaluated and dropped).
    public var queryCount: Int
    /// One record per metric, in config order.
    public var metrics: [MetricRecord]

    /// A record of `category`'s metrics.
    public init(category: String, queryCount: Int, metrics: [MetricRecord]) {
        self.category = category
        self.queryCount = queryCount
        self.metrics = metrics
    }

    /// The `byCategory` section of `metrics.json`: category → metric name → record.
    public static func byCategory(_ records: [CategoryRecord]) -> [String: [String: MetricRecord]] {
        var out: [String: [String: MetricRecord]] = [:]
        for r in records {
            out[r.category] = Dictionary(r.metrics.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        return out
    }

    /// Readable lines: the category with its query count, then one indented ``MetricRecord/line`` per metric.
    public var lines: [String] {
        ["\(category) (\(queryCount) \(queryCount == 1 ? "query" : "queries"))"] + metrics.map { "  " + $0.line }
    }
}

/// One epoch as logged in `epochs.jsonl`.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// Epoch number (1-based).
    public var epoch: Int
    /// Mean training loss.
    public var loss: Double
    /// Mean tuples (pairs/triplets) the loss used per batch.
    public var tuplesPerBatch: Double
    /// Training time of the epoch in seconds.
    public var seconds: Double
    /// Evaluation after the epoch (empty when not evaluated).
    public var metrics: [MetricRecord]

    /// The record as one JSON line.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    /// Parses a JSON line (nil if it is not a record).
    public init?(jsonLine: String) {
        guard let r = try? JSONDecoder().decode(EpochRecord.self, from: Data(jsonLine.utf8)) else { return nil }
        self = r
    }

    /// A record.
    public init(epoch: Int, loss: Double, tuplesPerBatch: Double, seconds: Double, metrics: [MetricRecord]) {
        self.epoch = epoch
        self.loss = loss
        self.tuplesPerBatch = tuplesPerBatch
        self.seconds = seconds
        self.metrics = metrics
    }

    /// Every record of an `epochs.jsonl` file (empty if it is missing).
    public static func read(from url: URL) -> [EpochRecord] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { EpochRecord(jsonLine: String($0)) }
    }
}

/// The outcome of a run, written to `metrics.json`.
public struct RunSummary: Codable, Sendable {
    /// Run name.
    public var name: String
    /// Epochs and optimiser steps completed.
    public var epochs: Int, steps: Int
    /// The last evaluation.
    public var finalMetrics: [MetricRecord]
    /// The selection metric, the best epoch by it and its value.
    public var bestBy: String, bestEpoch: Int?, bestValue: Double?
    /// Wall time of this invocation's training and evaluation, in seconds.
    public var secondsThisInvocation: Double
    /// Peak resident memory of the process in bytes (where the system reports it).
    public var peakMemoryBytes: Int?
    /// The last evaluation per category (category → metric name → record), written as
    /// `byCategory`; nil (and left out) when the evaluation data has no categories.
    public var byCategory: [String: [String: MetricRecord]]? = nil

    enum CodingKeys: String, CodingKey {
        case name, epochs, steps, finalMetrics, bestBy, bestEpoch, bestValue, secondsThisInvocation, peakMemoryBytes, byCategory
    }

    /// Pretty-printed JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}
