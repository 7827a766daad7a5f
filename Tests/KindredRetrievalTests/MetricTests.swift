import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// Hand-computed metric values, depth checks, composites and the bootstrap.
final class MetricTests: XCTestCase {
    /// rel = [1, 0, 1, 0, 0], R = 3; a query with one relevant item at rank 2; a query with none.
    func relevance() throws -> RankedRelevance {
        try RankedRelevance(rows: [[true, false, true, false, false], [false, true, false, false, false], [false, false, false, false, false]],
                            relevantCounts: [3, 1, 0], isExhaustive: false)
    }

    func value(_ m: RankingMetric, query: Int = 0) throws -> Double {
        try XCTUnwrap(try relevance().values(of: m)[query])
    }

    func testHandComputedValues() throws {
        XCTAssertEqual(try value(.cmc(at: 1)), 1)
        XCTAssertEqual(try value(.cmc(at: 1), query: 1), 0)
        XCTAssertEqual(try value(.cmc(at: 2), query: 1), 1)
        XCTAssertEqual(try value(.precision(at: 5)), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(try value(.precision(at: 5), query: 1), 1)           // hits / min(5, R = 1)
        XCTAssertEqual(try value(.textbookPrecision(at: 5)), 2.0 / 5, accuracy: 1e-15)
        XCTAssertEqual(try value(.averagePrecision(at: 5)), (1 + 2.0 / 3) / 2, accuracy: 1e-15)
        XCTAssertEqual(try value(.averagePrecision(at: 2)), 1, accuracy: 1e-15)
        XCTAssertEqual(try value(.averagePrecision(at: 1), query: 1), 0)   // no hit in the top 1
        XCTAssertEqual(try value(.textbookAveragePrecision(at: 5)), (1 + 2.0 / 3) / 3, accuracy: 1e-15)
        let ndcg: Double = (1 + 1 / log2(4.0)) / (1 + 1 / log2(3.0) + 1 / log2(4.0))
        XCTAssertEqual(try value(.ndcg(at: 5)), ndcg, accuracy: 1e-15)
        XCTAssertEqual(try value(.ndcg(at: 5), query: 1), 1 / log2(3.0), accuracy: 1e-15)
        XCTAssertEqual(try value(.reciprocalRank, query: 1), 0.5)
        XCTAssertEqual(try value(.rPrecision), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(try value(.averagePrecisionAtR), (1 + 2.0 / 3) / 3, accuracy: 1e-15)
        XCTAssertEqual(try value(.windowPrecision(ranks: 2...4)), 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(try value(.windowAveragePrecision(ranks: 2...4)), 0.5, accuracy: 1e-15)
        XCTAssertEqual(try value(.windowAveragePrecision(ranks: 1...5)), try value(.averagePrecision(at: 5)), accuracy: 1e-15)
        XCTAssertEqual(try value(.windowPrecision(ranks: 1...5)), try value(.textbookPrecision(at: 5)), accuracy: 1e-15)
    }

    func testQueriesWithoutRelevantItemsAreDroppedAndCounted() throws {
        let s = try relevance().summary(of: .cmc(at: 1))
        XCTAssertEqual(s.evaluatedQueries, 2)
        XCTAssertEqual(s.droppedQueries, 1)
        XCTAssertEqual(s.mean, 0.5)
        XCTAssertTrue(s.description.contains("1 without any relevant gallery item dropped"))
        XCTAssertNil(try relevance().values(of: .cmc(at: 1))[2])
    }

    func testWeightedSumIsWeightedSumOfMeans() throws {
        let p3 = RankingMetric.precision(at: 3), map = RankingMetric.windowAveragePrecision(ranks: 4...5)
        let composite = RankingMetric.weightedSum([WeightedMetric(weight: 1, metric: p3), WeightedMetric(weight: 0.5, metric: map)])
        let r = try relevance()
        let expected: Double = try r.summary(of: p3).mean + 0.5 * r.summary(of: map).mean
        XCTAssertEqual(try r.summary(of: composite).mean, expected, accuracy: 1e-15)
        XCTAssertEqual(composite.description, "1.0*precision@3 + 0.5*map@4-5")
    }

    func testInvalidMetricsAndShallowRankingsThrow() throws {
        let r = try relevance()
        XCTAssertThrowsError(try r.values(of: .cmc(at: 0)))
        XCTAssertThrowsError(try r.values(of: .precision(at: 6)))       // depth is 5 and not exhaustive
        XCTAssertEqual(try r.values(of: .averagePrecisionOfRanking)[0] ?? -1, (1 + 2.0 / 3) / 3, accuracy: 1e-15)
        XCTAssertThrowsError(try r.values(of: .windowPrecision(ranks: 0...3)))
        XCTAssertThrowsError(try r.values(of: .weightedSum([])))
        XCTAssertThrowsError(try r.summaries(of: .cmc(at: 1), byCategory: [1, 2]))
        XCTAssertThrowsError(try RankedRelevance(rows: [[true, true]], relevantCounts: [1]))
        XCTAssertThrowsError(try RankedRelevance(rows: [[true], [true, false]], relevantCounts: [1, 1]))
        let exhaustive = try RankedRelevance(rows: [[true, false]], relevantCounts: [1], isExhaustive: true)
        XCTAssertEqual(try exhaustive.values(of: .precision(at: 6))[0], 1)
        XCTAssertEqual(try exhaustive.values(of: .textbookPrecision(at: 4))[0], 0.25)
    }

    func testRelevanceFromSearchCountsExclusions() throws {
        // Items 0 and 1 share label 7 and sequence 0; item 2 has label 7 and sequence 1.
        let x = matrix([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]])
        let labels = [7, 7, 7, 8]
        let exclusion = SearchExclusion(queryItemIDs: [0, 1, 2, 3], galleryItemIDs: [0, 1, 2, 3],
                                        querySequenceIDs: [0, 0, 1, 2], gallerySequenceIDs: [0, 0, 1, 2])
        let result = try ExactSearch(distance: .cosine).search(queries: x, gallery: x, k: 4, exclusion: exclusion)
        XCTAssertEqual(Array(result.neighbors(ofQuery: 0)), [2, 3])
        let r = try RankedRelevance(result: result, queryLabels: labels, galleryLabels: labels, exclusion: exclusion)
        XCTAssertEqual(r.relevantCounts, [1, 1, 2, 0])
        XCTAssertTrue(r.isExhaustive)
        XCTAssertThrowsError(try RankedRelevance(result: result, queryLabels: [1], galleryLabels: labels))
    }

    func testBootstrapInterval() throws {
        var rng = RandomGenerator(seed: 4)
        let values = (0..<200).map { _ in rng.nextUniform() < 0.3 ? 1.0 : 0.0 }
        let mean = values.reduce(0, +) / 200
        let b = Bootstrap(resamples: 500, level: 0.9, seed: 11)
        let ci = try XCTUnwrap(try b.interval(ofMeanOf: values))
        XCTAssertEqual(ci, try b.interval(ofMeanOf: values))                 // seeded: reproducible
        XCTAssertLessThan(ci.lower, mean)
        XCTAssertGreaterThan(ci.upper, mean)
        XCTAssertEqual(ci.level, 0.9)
        // Binomial standard error √(p(1−p)/n) ≈ 0.032; a 90 % interval spans about ±1.645 of it.
        let se = (mean * (1 - mean) / 200).squareRoot()
        XCTAssertEqual(ci.upper - ci.lower, 2 * 1.645 * se, accuracy: 0.4 * 2 * 1.645 * se)
        let wider = try XCTUnwrap(try Bootstrap(resamples: 500, level: 0.99, seed: 11).interval(ofMeanOf: values))
        XCTAssertGreaterThan(wider.upper - wider.lower, ci.upper - ci.lower)
        let constant = try XCTUnwrap(try b.interval(ofMeanOf: [0.25, 0.25, 0.25]))
        XCTAssertEqual(constant.lower, 0.25)
        XCTAssertEqual(constant.upper, 0.25)
        XCTAssertNil(try b.interval(ofMeanOf: []))
        XCTAssertThrowsError(try Bootstrap(resamples: 0).interval(ofMeanOf: values))
        XCTAssertThrowsError(try Bootstrap(level: 1).interval(ofMeanOf: values))
    }

    func testSummaryCarriesBootstrapAndCategories() throws {
        let r = try relevance()
        let s = try r.summary(of: .reciprocalRank, bootstrap: Bootstrap(resamples: 100, seed: 1))
        let ci = try XCTUnwrap(s.confidenceInterval)
        XCTAssertTrue(ci.lower >= 0.5 && ci.upper <= 1)
        let byCategory = try r.summaries(of: .reciprocalRank, byCategory: ["a", "b", "a"])
        XCTAssertEqual(byCategory["a"]?.mean, 1)
        XCTAssertEqual(byCategory["a"]?.droppedQueries, 1)
        XCTAssertEqual(byCategory["b"]?.mean, 0.5)
    }
}
