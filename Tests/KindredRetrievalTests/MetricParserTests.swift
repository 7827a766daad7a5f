import KindredRetrieval
import XCTest

/// `RankingMetric(parsing:)`: every printed name reads back, composites, and errors that point at the token.
final class MetricParserTests: XCTestCase {
    let singles: [RankingMetric] = [
        .cmc(at: 1), .cmc(at: 10), .precision(at: 5), .textbookPrecision(at: 5), .averagePrecision(at: 4),
        .textbookAveragePrecision(at: 7), .ndcg(at: 10), .reciprocalRank, .rPrecision, .averagePrecisionAtR,
        .averagePrecisionOfRanking, .windowPrecision(ranks: 4...10), .windowAveragePrecision(ranks: 4...10),
        .windowAveragePrecision(ranks: 3...3),
    ]

    func testEveryDescriptionRoundTrips() throws {
        for m in singles {
            XCTAssertEqual(try RankingMetric(parsing: m.description), m, m.description)
            XCTAssertEqual(RankingMetric(m.description), m)
        }
        let sums: [RankingMetric] = [
            .weightedSum([WeightedMetric(weight: 1, metric: .precision(at: 3)),
                          WeightedMetric(weight: 0.5, metric: .windowAveragePrecision(ranks: 4...10))]),
            .weightedSum([WeightedMetric(weight: 0.25, metric: .averagePrecisionAtR)]),
            .weightedSum([WeightedMetric(weight: -0.5, metric: .reciprocalRank), WeightedMetric(weight: 1e-5, metric: .cmc(at: 2)),
                          WeightedMetric(weight: 3, metric: .rPrecision)]),
        ]
        for m in sums {
            XCTAssertEqual(try RankingMetric(parsing: m.description), m, m.description)
        }
    }

    func testConfigStrings() throws {
        let config = ["cmc@1", "precision@5", "map@r", "precision@3 + 0.5*map@4-10"]
        let parsed = try config.map { try RankingMetric(parsing: $0) }
        XCTAssertEqual(parsed[0], .cmc(at: 1))
        XCTAssertEqual(parsed[1], .precision(at: 5))
        XCTAssertEqual(parsed[2], .averagePrecisionAtR)
        XCTAssertEqual(parsed[3], .weightedSum([WeightedMetric(weight: 1, metric: .precision(at: 3)),
                                                WeightedMetric(weight: 0.5, metric: .windowAveragePrecision(ranks: 4...10))]))
        XCTAssertEqual(try RankingMetric(parsing: "  MAP@5-0.25 * mrr+2*cmc@1 "),
                       .weightedSum([WeightedMetric(weight: 1, metric: .averagePrecision(at: 5)),
                                     WeightedMetric(weight: -0.25, metric: .reciprocalRank),
                                     WeightedMetric(weight: 2, metric: .cmc(at: 1))]))
    }

    func testErrorsNameTokenPositionAndAllowedNames() {
        func check(_ text: String, token: String, position: Int, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try RankingMetric(parsing: text), file: file, line: line) { error in
                guard let e = error as? MetricParseError else { return XCTFail("\(error)", file: file, line: line) }
                XCTAssertEqual(e.token, token, text, file: file, line: line)
                XCTAssertEqual(e.position, position, text, file: file, line: line)
                XCTAssertTrue(e.description.contains("map@r") && e.description.contains("textbook_precision@k"), file: file, line: line)
            }
        }
        check("prec@3", token: "prec@3", position: 0)
        check("precision@3 + 0.5*mapp@4", token: "mapp@4", position: 18)
        check("cmc", token: "cmc", position: 0)                 // needs a cut-off
        check("cmc@0", token: "cmc@0", position: 0)
        check("map@10-4", token: "map@10-4", position: 0)       // empty window
        check("mrr@5", token: "mrr@5", position: 0)
        check("cmc@1 cmc@2", token: "cmc@2", position: 6)
        check("0.5 map@5", token: "map@5", position: 4)
        check("cmc@1 +", token: "", position: 7)
        check("", token: "", position: 0)
        check("ndcg@x", token: "ndcg@x", position: 0)
        XCTAssertNil(RankingMetric("cmc@"))
    }
}
