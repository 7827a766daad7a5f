import Foundation
import KindredRetrieval

/// A metric name in a config that cannot be read.
public struct MetricParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was wrong.
    public var description: String
}

/// Names accepted in `eval.metrics` (followed by `@k` or `@a-b` where shown).
let metricNames = ["cmc@k", "precision@k", "precision@a-b", "textbook_precision@k", "map@k", "map@a-b",
                   "textbook_map@k", "ndcg@k", "mrr", "r_precision", "map@r", "map"]

/// Reads a metric in the syntax that ``RankingMetric/description`` prints: a name such as
/// `precision@5`, `map@r`, `map@4-10`, or a weighted sum `precision@3 + 0.5*map@4-10`.
func parseMetric(_ text: String) throws -> RankingMetric {
    let terms = text.split(separator: "+", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    if terms.count == 1, !terms[0].contains("*") { return try parseSingleMetric(terms[0], in: text) }
    return .weightedSum(try terms.map { term in
        let parts = term.split(separator: "*", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2 {
            guard let w = Double(parts[0]), w.isFinite else {
                throw MetricParseError(description: "in '\(text)': '\(parts[0])' is not a number (expected weight*metric)")
            }
            return WeightedMetric(weight: w, metric: try parseSingleMetric(parts[1], in: text))
        }
        return WeightedMetric(weight: 1, metric: try parseSingleMetric(term, in: text))
    })
}

private func parseSingleMetric(_ name: String, in text: String) throws -> RankingMetric {
    func fail() -> MetricParseError {
        MetricParseError(description: "unknown metric '\(name)'\(name == text ? "" : " in '\(text)'"); allowed: \(metricNames.joined(separator: ", ")), and weighted sums like 'precision@3 + 0.5*map@4-10'")
    }
    switch name {
    case "mrr": return .reciprocalRank
    case "r_precision": return .rPrecision
    case "map@r": return .averagePrecisionAtR
    case "map": return .averagePrecisionOfRanking
    default: break
    }
    let parts = name.split(separator: "@").map(String.init)
    guard parts.count == 2 else { throw fail() }
    let bounds = parts[1].split(separator: "-").map { Int($0) }
    if bounds.count == 2, let a = bounds[0], let b = bounds[1] {
        guard a >= 1, a <= b else { throw MetricParseError(description: "window '\(parts[1])' of '\(name)' must be a-b with 1 ≤ a ≤ b") }
        switch parts[0] {
        case "precision": return .windowPrecision(ranks: a...b)
        case "map": return .windowAveragePrecision(ranks: a...b)
        default: throw fail()
        }
    }
    guard bounds.count == 1, let k = bounds[0] else { throw fail() }
    guard k >= 1 else { throw MetricParseError(description: "k of '\(name)' must be at least 1") }
    switch parts[0] {
    case "cmc": return .cmc(at: k)
    case "precision": return .precision(at: k)
    case "textbook_precision": return .textbookPrecision(at: k)
    case "map": return .averagePrecision(at: k)
    case "textbook_map": return .textbookAveragePrecision(at: k)
    case "ndcg": return .ndcg(at: k)
    default: throw fail()
    }
}
