import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// The FAISS backend against Kindred's exact search, approximate indexes' recall, saving and loading.
final class SearchIndexTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(FAISSIndex.isAvailable, "this build has no FAISS (install libfaiss-dev)")
    }

    func randomRows(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal([n, d], generator: &rng)
    }

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("kindred-index-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }

    /// Asserts equal rankings: scores to `tolerance` at every rank, indices wherever the score is not
    /// within `tolerance` of a neighbouring rank's (a near-tie may come out in either order).
    func assertSameRanking(_ a: SearchResult, _ b: SearchResult, tolerance: Double, _ message: String) {
        XCTAssertEqual(a.queryCount, b.queryCount, message)
        XCTAssertEqual(a.depth, b.depth, message)
        for q in 0..<a.queryCount {
            let (ia, ib) = (Array(a.neighbors(ofQuery: q)), Array(b.neighbors(ofQuery: q)))
            let (sa, sb) = (Array(a.scores(ofQuery: q)), Array(b.scores(ofQuery: q)))
            XCTAssertEqual(ia.count, ib.count, message)
            for i in 0..<Swift.min(ia.count, ib.count) {
                XCTAssertEqual(sa[i], sb[i], accuracy: tolerance, "\(message) query \(q) rank \(i)")
                let nearTie = (i > 0 && abs(sa[i] - sa[i - 1]) < tolerance) || (i + 1 < sa.count && abs(sa[i] - sa[i + 1]) < tolerance)
                if !nearTie { XCTAssertEqual(ia[i], ib[i], "\(message) query \(q) rank \(i)") }
            }
        }
    }

    /// FAISS's flat index returns ExactSearch's neighbours and scores (to 1e-5) for every distance.
    func testFAISSFlatEqualsExactSearch() throws {
        let gallery = randomRows(3000, 32, seed: 1), queries = randomRows(200, 32, seed: 2)
        for distance in SearchDistance.allCases {
            let index = try SearchIndexKind.faissFlat.buildIndex(gallery: gallery, distance: distance)
            XCTAssertEqual(index.count, 3000)
            XCTAssertEqual(index.dimension, 32)
            let faiss = try index.search(queries, k: 10)
            let exact = try ExactSearch(distance: distance).search(queries: queries, gallery: gallery, k: 10)
            assertSameRanking(faiss, exact, tolerance: 1e-4, "\(distance)")
            for q in 0..<200 {
                for (a, b) in zip(faiss.scores(ofQuery: q), exact.scores(ofQuery: q)) {
                    XCTAssertEqual(a, b, accuracy: 1e-5 * Swift.max(1, abs(b)), "\(distance) query \(q)")
                }
            }
        }
    }

    /// The exact index is ExactSearch; with an exclusion, over-fetching removes exactly the excluded items.
    func testExactIndexAndExclusionsMatchExactSearch() throws {
        let x = randomRows(500, 16, seed: 3)
        let exclusion = SearchExclusion.leaveOneOut(count: 500)
        let reference = try ExactSearch(distance: .cosine).search(queries: x, gallery: x, k: 7, exclusion: exclusion)
        let exact = try SearchIndexKind.exact.buildIndex(gallery: x, distance: .cosine)
        XCTAssertEqual(try exact.search(x, k: 7, exclusion: exclusion), reference)
        let faiss = try SearchIndexKind.faissFlat.buildIndex(gallery: x, distance: .cosine)
        let filtered = try faiss.search(x, k: 7, exclusion: exclusion)
        for q in 0..<500 { XCTAssertFalse(filtered.neighbors(ofQuery: q).contains(q)) }
        assertSameRanking(filtered, reference, tolerance: 1e-5, "leave-one-out")
    }

    /// IVF and HNSW find at least 90% of the true top-10 on a small set.
    func testApproximateIndexesRecall() throws {
        // Clustered data, as embeddings are: 40 centres with noise.
        var rng = RandomGenerator(seed: 4)
        let centres = Tensor.normal([40, 24], generator: &rng)
        let gallery = centres.rows((0..<4000).map { $0 % 40 }) + Tensor.normal([4000, 24], std: 0.5, generator: &rng)
        let queries = centres.rows((0..<300).map { $0 % 40 }) + Tensor.normal([300, 24], std: 0.5, generator: &rng)
        let exact = try ExactSearch(distance: .squaredEuclidean).search(queries: queries, gallery: gallery, k: 10)
        for kind in [SearchIndexKind.faissIVF(lists: 32, probes: 8), .faissHNSW(neighbors: 16, efConstruction: 40, efSearch: 64)] {
            let index = try kind.buildIndex(gallery: gallery, distance: .squaredEuclidean)
            let approx = try index.search(queries, k: 10)
            var found = 0
            for q in 0..<300 { found += Set(approx.neighbors(ofQuery: q)).intersection(exact.neighbors(ofQuery: q)).count }
            let recall = Double(found) / 3000
            XCTAssertGreaterThanOrEqual(recall, 0.9, "\(kind) recall@10 = \(recall)")
        }
    }

    /// An IVF index refuses vectors before it is trained, with a message that says so.
    func testUntrainedIVFRefusesAdd() throws {
        let index = try SearchIndexKind.faissIVF(lists: 8, probes: 2).makeIndex(dimension: 4, distance: .dotProduct)
        XCTAssertFalse(index.isTrained)
        XCTAssertThrowsError(try index.add(randomRows(10, 4, seed: 6))) { error in
            XCTAssertTrue("\(error)".contains("trained"), "\(error)")
        }
    }

    /// Saved and loaded indexes (FAISS flat, HNSW, exact) answer exactly as before.
    func testSaveLoadRoundTrip() throws {
        let gallery = randomRows(1000, 16, seed: 7), queries = randomRows(50, 16, seed: 8)
        for kind in [SearchIndexKind.faissFlat, .faissHNSW(neighbors: 16, efConstruction: 40, efSearch: 32), .faissIVF(lists: 16, probes: 4)] {
            let index = try kind.buildIndex(gallery: gallery, distance: .cosine)
            let before = try index.search(queries, k: 5)
            let url = temporaryFile("\(kind).faiss")
            defer { try? FileManager.default.removeItem(at: url) }
            try index.save(to: url)
            let loaded = try FAISSIndex.load(from: url, distance: .cosine)
            XCTAssertEqual(loaded.count, 1000)
            XCTAssertEqual(try loaded.search(queries, k: 5), before, "\(kind)")
        }
        let exact = try SearchIndexKind.exact.buildIndex(gallery: gallery, distance: .euclidean)
        let url = temporaryFile("exact.kdx")
        defer { try? FileManager.default.removeItem(at: url) }
        try exact.save(to: url)
        let loaded = try ExactIndex.load(from: url)
        XCTAssertEqual(loaded.distance, .euclidean)
        XCTAssertEqual(try loaded.search(queries, k: 5), try exact.search(queries, k: 5))
    }

    /// A corrupt, truncated or missing file gives an error naming the file and the operation.
    func testCorruptIndexFileGivesClearError() throws {
        let url = temporaryFile("corrupt.faiss")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("this is not an index".utf8).write(to: url)
        for load in [{ _ = try FAISSIndex.load(from: url, distance: .dotProduct) }, { _ = try ExactIndex.load(from: url) }] {
            XCTAssertThrowsError(try load()) { error in
                guard case let RetrievalError.indexFailure(operation, file, message) = error else {
                    return XCTFail("unexpected error \(error)")
                }
                XCTAssertEqual(operation, "load")
                XCTAssertEqual(file, url.path)
                XCTAssertFalse(message.isEmpty)
                XCTAssertTrue("\(error)".contains(url.lastPathComponent), "\(error)")
            }
        }
        // A real index cut short.
        let index = try SearchIndexKind.faissFlat.buildIndex(gallery: randomRows(100, 8, seed: 9), distance: .dotProduct)
        try index.save(to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        XCTAssertThrowsError(try FAISSIndex.load(from: url, distance: .dotProduct)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
        let missing = temporaryFile("missing.faiss")
        XCTAssertThrowsError(try FAISSIndex.load(from: missing, distance: .dotProduct)) { error in
            XCTAssertTrue("\(error)".contains(missing.path), "\(error)")
        }
        // The wrong metric for the stored index.
        try index.save(to: url)
        XCTAssertThrowsError(try FAISSIndex.load(from: url, distance: .euclidean)) { error in
            XCTAssertTrue("\(error)".contains("does not match"), "\(error)")
        }
    }

    /// FAISS rejects a bad factory description with its own message, as a Swift error.
    func testBadDescriptionIsASwiftError() {
        XCTAssertThrowsError(try FAISSIndex(description: "NoSuchIndex42", dimension: 8, distance: .dotProduct)) { error in
            XCTAssertTrue("\(error)".contains("create 'NoSuchIndex42'"), "\(error)")
        }
        XCTAssertThrowsError(try SearchIndexKind.faissFlat.makeIndex(dimension: 8, distance: .dotProduct).add(randomRows(3, 5, seed: 1))) { error in
            XCTAssertEqual(error as? RetrievalError, .badShape(name: "added vectors", expected: "[N, 8]", actual: [3, 5]))
        }
    }

    /// The spellings of `eval.index` and their errors.
    func testKindParsing() throws {
        XCTAssertEqual(try SearchIndexKind(parsing: "exact"), .exact)
        XCTAssertEqual(try SearchIndexKind(parsing: "faiss_flat"), .faissFlat)
        XCTAssertEqual(try SearchIndexKind(parsing: "faiss_ivf"), .faissIVF(lists: 256, probes: 16))
        XCTAssertEqual(try SearchIndexKind(parsing: "faiss_ivf:lists=100, probes=8"), .faissIVF(lists: 100, probes: 8))
        XCTAssertEqual(try SearchIndexKind(parsing: "faiss_hnsw:ef_search=128"), .faissHNSW(neighbors: 32, efConstruction: 40, efSearch: 128))
        for kind in [SearchIndexKind.exact, .faissFlat, .faissIVF(lists: 3, probes: 2), .faissHNSW(neighbors: 8, efConstruction: 9, efSearch: 10)] {
            XCTAssertEqual(try SearchIndexKind(parsing: kind.description), kind)
        }
        XCTAssertThrowsError(try SearchIndexKind(parsing: "annoy")) { XCTAssertTrue("\($0)".contains("unknown index 'annoy'")) }
        XCTAssertThrowsError(try SearchIndexKind(parsing: "faiss_ivf:nlist=4")) { XCTAssertTrue("\($0)".contains("unknown parameter 'nlist'")) }
        XCTAssertThrowsError(try SearchIndexKind(parsing: "faiss_hnsw:neighbors=0")) { XCTAssertTrue("\($0)".contains("positive integer")) }
    }

    /// An evaluation through FAISS's flat index reports the exact evaluation's metrics.
    func testEvaluationThroughFAISSMatchesExact() throws {
        var rng = RandomGenerator(seed: 10)
        let centres = Tensor.normal([10, 16], generator: &rng)
        let labels = (0..<400).map { $0 % 10 }
        let x = (centres.rows(labels) + Tensor.normal([400, 16], std: 1.5, generator: &rng)).l2Normalized()
        var evaluation = RetrievalEvaluation(metrics: [.cmc(at: 1), .precision(at: 5), .averagePrecisionAtR])
        let exact = try evaluation.evaluate(embeddings: x, labels: labels)
        evaluation.index = .faissFlat
        let faiss = try evaluation.evaluate(embeddings: x, labels: labels)
        for (a, b) in zip(exact.summaries, faiss.summaries) {
            XCTAssertEqual(a.mean, b.mean, accuracy: 1e-3, "\(a.metric)")
            XCTAssertEqual(a.evaluatedQueries, b.evaluatedQueries)
        }
    }
}
