import KindredRetrieval
import KindredTensor
import XCTest

/// The one-call evaluation against the same pipeline written out step by step and a plain loop.
final class RetrievalEvaluationTests: XCTestCase {
    let metrics: [RankingMetric] = [.cmc(at: 1), .precision(at: 3), .averagePrecisionAtR, .rPrecision, .reciprocalRank,
                                    .weightedSum([WeightedMetric(weight: 1, metric: .precision(at: 2)),
                                                  WeightedMetric(weight: 0.5, metric: .windowAveragePrecision(ranks: 3...4))])]

    func data() -> (x: [[Double]], labels: [Int]) {
        let x = integerEmbeddings(40, dimension: 4, seed: 3)
        var rng = RandomGenerator(seed: 9)
        // Class sizes 1…12: label 5 has 12 members, so map@r needs 11 ranks leave-one-out.
        var labels: [Int] = []
        for (label, size) in [3, 5, 4, 1, 12, 6, 9].enumerated() { labels += Array(repeating: label, count: size) }
        labels = rng.permutation(labels.count).map { labels[$0] }
        return (x, labels)
    }

    func testLeaveOneOutEqualsStepByStepAndPlainLoop() throws {
        let (x, labels) = data()
        let evaluation = RetrievalEvaluation(metrics: metrics, distance: .dotProduct)
        let report = try evaluation.evaluate(embeddings: matrix(x), labels: labels)
        XCTAssertEqual(report.result.depth, 11)   // largest class (12) less the query itself
        XCTAssertEqual(try evaluation.automaticDepth(queryLabels: labels, galleryLabels: labels,
                                                     exclusion: .leaveOneOut(count: 40)), 11)
        let exclusion = SearchExclusion.leaveOneOut(count: 40)
        // MRR reads only the searched depth (as PML does), so the step-by-step search uses the same k.
        let full = try ExactSearch(distance: .dotProduct).search(queries: matrix(x), gallery: matrix(x), k: 11, exclusion: exclusion)
        let relevance = try RankedRelevance(result: full, queryLabels: labels, galleryLabels: labels, exclusion: exclusion)
        for (summary, metric) in zip(report.summaries, metrics) {
            XCTAssertEqual(summary.metric, metric)
            XCTAssertEqual(summary.mean, try relevance.summary(of: metric).mean, accuracy: 1e-12, "\(metric)")
        }
        // Plain loop: precision@3 = hits in the top 3 / min(3, R), over queries with R ≥ 1.
        let ranking = bruteForce(queries: x, gallery: x, distance: .dotProduct, k: 3, excluded: { $0 == $1 }).indices
        var sum = 0.0, n = 0
        for q in 0..<40 {
            let r = labels.filter { $0 == labels[q] }.count - 1
            guard r > 0 else { continue }
            sum += Double(ranking[q].filter { labels[$0] == labels[q] }.count) / Double(Swift.min(3, r))
            n += 1
        }
        XCTAssertEqual(report.summary(of: .precision(at: 3))?.mean ?? -1, sum / Double(n), accuracy: 1e-12)
        XCTAssertEqual(report.summary(of: .cmc(at: 1))?.droppedQueries, 1)   // the singleton class
    }

    func testRelevanceWrittenDuringTheSearchEqualsTheStepByStepRelevance() throws {
        // searchRelevance: the same flags, R_q and exhaustiveness as search + RankedRelevance, the
        // first `keep` neighbours of the full search; float32 at depth ≥ 128 (sampled thresholds,
        // with re-searched rows under a sequence exclusion) and float64, exhaustive or not.
        var rng = RandomGenerator(seed: 31)
        let n = 900
        let labels = (0..<n).map { $0 % 6 }
        let sequence = (0..<n).map { ($0 % 6) * 2 + ($0 / 6) % 2 }
        let x = (Tensor.normal([6, 8], generator: &rng).rows(labels) + Tensor.normal([n, 8], std: 0.4, generator: &rng)).l2Normalized()
        let cases: [(DType, SearchExclusion, Int, Int)] = [
            (.float32, .leaveOneOut(count: n), 149, 10), (.float32, SearchExclusion(querySequenceIDs: sequence, gallerySequenceIDs: sequence), 300, 7),
            (.float64, .leaveOneOut(count: n), 149, 200), (.float64, .none, n, 3),
        ]
        for (dtype, exclusion, depth, keep) in cases {
            let e = x.cast(to: dtype), label = "\(dtype) depth \(depth) keep \(keep)"
            for distance in SearchDistance.allCases {
                let search = ExactSearch(distance: distance, queryBlockSize: 64, galleryBlockSize: 256)
                let full = try search.search(queries: e, gallery: e, k: depth, exclusion: exclusion)
                let expected = try RankedRelevance(result: full, queryLabels: labels, galleryLabels: labels, exclusion: exclusion)
                let (result, relevance) = try search.searchRelevance(queries: e, queryLabels: labels, gallery: e, galleryLabels: labels,
                                                                     depth: depth, keep: keep, exclusion: exclusion)
                XCTAssertEqual(relevance, expected, "\(label) \(distance)")
                XCTAssertEqual(result.depth, Swift.min(keep, depth), label)
                for q in stride(from: 0, to: n, by: 37) {
                    XCTAssertEqual(Array(result.neighbors(ofQuery: q)), Array(full.neighbors(ofQuery: q).prefix(keep)), "\(label) \(distance) query \(q)")
                    XCTAssertEqual(Array(result.scores(ofQuery: q)), Array(full.scores(ofQuery: q).prefix(keep)), "\(label) \(distance) query \(q)")
                }
            }
        }
        // The evaluation with a kept-neighbour limit reports the same metrics and intervals.
        var evaluation = RetrievalEvaluation(metrics: metrics, distance: .cosine, bootstrap: Bootstrap(resamples: 50, seed: 1))
        let all = try evaluation.evaluate(embeddings: x, labels: labels)
        evaluation.keptNeighbors = 5
        let limited = try evaluation.evaluate(embeddings: x, labels: labels)
        XCTAssertEqual(limited.summaries, all.summaries)
        XCTAssertEqual(limited.result.depth, 5)
        XCTAssertEqual(limited.relevance, all.relevance)
        XCTAssertThrowsError(try ExactSearch().searchRelevance(queries: x, queryLabels: Array(labels.prefix(10)), gallery: x, galleryLabels: labels,
                                                               depth: 5, keep: 5))
        XCTAssertThrowsError(try ExactSearch().searchRelevance(queries: x, queryLabels: labels, gallery: x, galleryLabels: labels,
                                                               depth: 5, keep: 0))
    }

    func testSplitFlagsEqualSeparateSets() throws {
        let (x, labels) = data()
        let isQuery = (0..<40).map { $0 % 3 != 0 }, isGallery = (0..<40).map { $0 % 4 != 1 }
        let evaluation = RetrievalEvaluation(metrics: metrics, distance: .cosine, bootstrap: Bootstrap(resamples: 50, seed: 2))
        let report = try evaluation.evaluate(embeddings: matrix(x), labels: labels, isQuery: isQuery, isGallery: isGallery)
        let qRows = (0..<40).filter { isQuery[$0] }, gRows = (0..<40).filter { isGallery[$0] }
        XCTAssertEqual(report.queryIndices, qRows)
        XCTAssertEqual(report.galleryIndices, gRows)
        let separate = try evaluation.evaluate(queries: matrix(qRows.map { x[$0] }), queryLabels: qRows.map { labels[$0] },
                                               gallery: matrix(gRows.map { x[$0] }), galleryLabels: gRows.map { labels[$0] },
                                               exclusion: SearchExclusion(queryItemIDs: qRows, galleryItemIDs: gRows))
        XCTAssertEqual(report.summaries, separate.summaries)
        XCTAssertNotNil(report.summaries[0].confidenceInterval)
        // No query retrieves itself, and neighbour rows map back to the embeddings.
        for q in 0..<report.result.queryCount {
            XCTAssertFalse(report.neighborRows(ofQuery: q).contains(qRows[q]))
        }
        let worst = try report.worstQueries(by: .averagePrecisionAtR, count: 5)
        let values = try report.relevance.values(of: .averagePrecisionAtR)
        XCTAssertEqual(worst.count, 5)
        let worstValue = worst.compactMap { values[$0] }.max() ?? 1
        XCTAssertTrue(values.compactMap { $0 }.filter { $0 < worstValue }.count <= 5)
    }

    func testFixedDepthAndErrors() throws {
        let (x, labels) = data()
        let report = try RetrievalEvaluation(metrics: [.cmc(at: 1)], depth: 7).evaluate(embeddings: matrix(x), labels: labels)
        XCTAssertEqual(report.result.depth, 7)
        XCTAssertThrowsError(try RetrievalEvaluation(metrics: []).evaluate(embeddings: matrix(x), labels: labels))
        XCTAssertThrowsError(try RetrievalEvaluation(metrics: [.cmc(at: 0)]).evaluate(embeddings: matrix(x), labels: labels))
        XCTAssertThrowsError(try RetrievalEvaluation(metrics: [.cmc(at: 1)]).evaluate(embeddings: matrix(x), labels: [1, 2]))
        XCTAssertThrowsError(try RetrievalEvaluation(metrics: [.cmc(at: 1)], depth: 7)
            .evaluate(embeddings: matrix(x), labels: labels, isQuery: Array(repeating: false, count: 40),
                      isGallery: Array(repeating: true, count: 40)))
        // A shallow fixed depth makes deep metrics fail with a clear message.
        XCTAssertThrowsError(try RetrievalEvaluation(metrics: [.averagePrecisionAtR], depth: 2).evaluate(embeddings: matrix(x), labels: labels)) {
            XCTAssertTrue("\($0)".contains("larger k"))
        }
    }
}
