import KindredRetrieval
import KindredTensor
import XCTest

/// Kindred's search and metrics against `Fixtures/retrieval_metrics.json`: PML's AccuracyCalculator,
/// OML's functional metrics (or plain loops of OML's formulas when OML was not installed; the file
/// says which) and plain-loop references of every metric, on data with ties, queries with one
/// relevant item, queries with none, and categories.
final class MetricFixtureTests: XCTestCase {
    let tolerance = 1e-6

    struct Case {
        let name: String
        let relevance: RankedRelevance
        let json: [String: Any]
        let categories: [Int]
    }

    /// Runs the search on every fixture case and checks the ranking against the reference one.
    func cases() throws -> [Case] {
        let doc = try loadFixture()
        let raw = try XCTUnwrap(doc["cases"] as? [[String: Any]])
        return try raw.map { c in
            let name = try XCTUnwrap(c["name"] as? String)
            let queries = try XCTUnwrap(c["queries"] as? [[Double]])
            let gallery = try XCTUnwrap(c["gallery"] as? [[Double]])
            let qLabels = try XCTUnwrap(c["queryLabels"] as? [Int])
            let gLabels = try XCTUnwrap(c["galleryLabels"] as? [Int])
            let loo = try XCTUnwrap(c["leaveOneOut"] as? Bool)
            let ranking = try XCTUnwrap(c["ranking"] as? [[Int]])
            let exclusion: SearchExclusion = loo ? .leaveOneOut(count: queries.count) : .none
            let result = try ExactSearch(distance: .dotProduct, queryBlockSize: 8, galleryBlockSize: 16)
                .search(queries: matrix(queries), gallery: matrix(gallery), k: gallery.count, exclusion: exclusion)
            for q in 0..<queries.count {
                XCTAssertEqual(Array(result.neighbors(ofQuery: q)), ranking[q], "\(name): ranking of query \(q)")
            }
            let relevance = try RankedRelevance(result: result, queryLabels: qLabels, galleryLabels: gLabels, exclusion: exclusion)
            XCTAssertTrue(relevance.isExhaustive)
            XCTAssertEqual(relevance.relevantCounts, try XCTUnwrap(c["relevantCounts"] as? [Int]), name)
            return Case(name: name, relevance: relevance, json: c, categories: try XCTUnwrap(c["categories"] as? [Int]))
        }
    }

    func testPerQueryValuesAndMeansEqualPlainLoops() throws {
        var worst = 0.0
        for c in try cases() {
            let perQuery = try XCTUnwrap(c.json["perQuery"] as? [String: [Any]])
            let means = try XCTUnwrap(c.json["means"] as? [String: Double])
            XCTAssertEqual(perQuery.count, 20)
            for (name, expected) in perQuery {
                let metric = try XCTUnwrap(fixtureMetric(name), name)
                let values = try c.relevance.values(of: metric)
                XCTAssertEqual(values.count, expected.count)
                for (v, e) in zip(values, expected) {
                    if let e = e as? Double {
                        let v = try XCTUnwrap(v, "\(c.name) \(name): query dropped but reference has a value")
                        worst = Swift.max(worst, Swift.abs(v - e))
                        XCTAssertEqual(v, e, accuracy: tolerance, "\(c.name) \(name)")
                    } else {
                        XCTAssertNil(v, "\(c.name) \(name): query without relevant items must be dropped")
                    }
                }
                let s = try c.relevance.summary(of: metric)
                XCTAssertEqual(s.mean, try XCTUnwrap(means[name]), accuracy: tolerance, "\(c.name) \(name)")
                XCTAssertEqual(s.droppedQueries, c.relevance.relevantCounts.filter { $0 == 0 }.count)
                XCTAssertEqual(s.evaluatedQueries + s.droppedQueries, c.relevance.queryCount)
            }
        }
        print("max deviation from plain loops: \(worst)")
    }

    func testEqualsPMLAccuracyCalculator() throws {
        var worst = 0.0
        for c in try cases() {
            let pml = try XCTUnwrap(c.json["pml"] as? [String: Double])
            XCTAssertEqual(Set(pml.keys), ["cmc@1", "r_precision", "map@r", "map", "mrr"])
            for (name, expected) in pml {
                let mean = try c.relevance.summary(of: try XCTUnwrap(fixtureMetric(name))).mean
                worst = Swift.max(worst, Swift.abs(mean - expected))
                XCTAssertEqual(mean, expected, accuracy: tolerance, "\(c.name) PML \(name)")
            }
        }
        print("max deviation from PML: \(worst)")
    }

    func testEqualsOMLWhereAvailable() throws {
        var worst = 0.0, checked = 0
        for c in try cases() {
            guard let oml = c.json["oml"] as? [String: Double] else { continue }
            for (key, expected) in oml {
                let parts = key.components(separatedBy: "/category ")
                let metric = try XCTUnwrap(fixtureMetric(parts[0]), key)
                let value: Double
                if parts.count == 2 {
                    let category = try XCTUnwrap(Int(parts[1]))
                    value = try XCTUnwrap(try c.relevance.summaries(of: metric, byCategory: c.categories)[category]).mean
                } else {
                    value = try c.relevance.summary(of: metric).mean
                }
                worst = Swift.max(worst, Swift.abs(value - expected))
                XCTAssertEqual(value, expected, accuracy: tolerance, "\(c.name) OML \(key)")
                checked += 1
            }
        }
        print("OML values checked: \(checked), max deviation: \(worst)")
    }

    func testPerCategoryBreakdown() throws {
        for c in try cases() {
            let expected = try XCTUnwrap(c.json["perCategory"] as? [String: Any])
            for (key, value) in expected {
                let parts = key.components(separatedBy: "/category ")
                let metric = try XCTUnwrap(fixtureMetric(parts[0]), key)
                let category = try XCTUnwrap(Int(parts[1]))
                let summary = try XCTUnwrap(try c.relevance.summaries(of: metric, byCategory: c.categories)[category])
                if let value = value as? Double {
                    XCTAssertEqual(summary.mean, value, accuracy: tolerance, "\(c.name) \(key)")
                } else {
                    XCTAssertTrue(summary.mean.isNaN, "\(c.name) \(key): a category without evaluable queries has mean NaN")
                }
            }
        }
    }
}
