import KindredRetrieval
import KindredTensor
import XCTest

/// Per-category summaries of a retrieval report against a plain per-query loop.
final class CategoryBreakdownTests: XCTestCase {
    func testSummariesByCategoryEqualPlainGrouping() throws {
        var rng = RandomGenerator(seed: 21)
        let n = 300
        let labels = (0..<n).map { $0 % 12 }
        let categories = labels.map { $0 < 4 ? "shoes" : ($0 < 9 ? "bags" : "hats") }
        let x = (Tensor.normal([12, 8], generator: &rng).rows(labels) + Tensor.normal([n, 8], std: 1.2, generator: &rng)).l2Normalized()
        let metrics: [RankingMetric] = [.cmc(at: 1), .precision(at: 3), .averagePrecisionAtR]
        let bootstrap = Bootstrap(resamples: 50, seed: 3)
        let report = try RetrievalEvaluation(metrics: metrics, bootstrap: bootstrap).evaluate(embeddings: x, labels: labels)
        let groups = try report.summariesByCategory(categories)
        XCTAssertEqual(groups.map(\.category), ["bags", "hats", "shoes"])
        XCTAssertEqual(groups.map(\.queryCount), [125, 75, 100])
        for group in groups {
            for (i, metric) in metrics.enumerated() {
                let values = try report.relevance.values(of: metric)
                let mine = (0..<n).filter { categories[$0] == group.category }.compactMap { values[$0] }
                let summary = group.summaries[i]
                XCTAssertEqual(summary.metric, metric)
                XCTAssertEqual(summary.evaluatedQueries, mine.count)
                XCTAssertEqual(summary.mean, mine.reduce(0, +) / Double(mine.count), accuracy: 1e-12, "\(group.category) \(metric)")
                XCTAssertEqual(summary.confidenceInterval, try bootstrap.interval(ofMeanOf: mine))
            }
        }
        XCTAssertThrowsError(try report.summariesByCategory(["a"])) { error in
            XCTAssertEqual(error as? RetrievalError, .lengthMismatch(name: "categories", expected: n, actual: 1))
        }
    }

    /// Shared bootstrap draws give each metric the interval a plain one-column loop gives.
    func testSharedBootstrapEqualsPlainLoop() throws {
        var rng = RandomGenerator(seed: 5)
        let a = (0..<257).map { _ in rng.nextUniform() }, b = (0..<257).map { _ in Double(rng.nextInt(below: 2)) }
        let bootstrap = Bootstrap(resamples: 300, level: 0.9, seed: 8)
        func reference(_ values: [Double]) -> (Double, Double) {
            var g = RandomGenerator(seed: 8)
            var means: [Double] = []
            for _ in 0..<300 {
                var sum = 0.0
                for _ in values.indices { sum += values[g.nextInt(below: values.count)] }
                means.append(sum / Double(values.count))
            }
            means.sort()
            func q(_ p: Double) -> Double {
                let h = p * Double(means.count - 1), lo = Int(h.rounded(.down))
                return means[lo] + (h - Double(lo)) * (means[Swift.min(lo + 1, means.count - 1)] - means[lo])
            }
            return (q(0.05), q(0.95))
        }
        let both = try bootstrap.intervals(ofMeansOf: [a, b])
        for (interval, values) in zip(both, [a, b]) {
            let (lo, hi) = reference(values)
            XCTAssertEqual(interval?.lower ?? .nan, lo, accuracy: 1e-15)
            XCTAssertEqual(interval?.upper ?? .nan, hi, accuracy: 1e-15)
        }
    }
}
