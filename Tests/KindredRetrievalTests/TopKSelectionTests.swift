import KindredRetrieval
import KindredTensor
import XCTest

/// The threshold/quickselect top-k on sizes where the 16-wide scan and repeated compactions run.
final class TopKSelectionTests: XCTestCase {
    /// Many ties (small integer embeddings), several buffer compactions per row, every distance, both
    /// dtypes and k from 1 to beyond the gallery: equal to the brute-force loop.
    func testLargeKWithTiesEqualsBruteForce() throws {
        let queries = integerEmbeddings(40, dimension: 6, seed: 11)
        let gallery = integerEmbeddings(1500, dimension: 6, seed: 12)
        for distance in SearchDistance.allCases {
            for k in [1, 10, 333, 1500, 2000] {
                let reference = bruteForce(queries: queries, gallery: gallery, distance: distance, k: k)
                for dtype in [DType.float32, .float64] {
                    let search = ExactSearch(distance: distance, queryBlockSize: 16, galleryBlockSize: 700)
                    let r = try search.search(queries: matrix(queries, dtype: dtype), gallery: matrix(gallery, dtype: dtype), k: k)
                    for q in 0..<queries.count {
                        if distance == .cosine && dtype == .float32 {
                            // float32 inverse norms break some of float64's exact ties: compare scores.
                            for (a, b) in zip(r.scores(ofQuery: q), reference.scores[q]) {
                                XCTAssertEqual(a, b, accuracy: 1e-6, "\(distance) \(dtype) k=\(k) query \(q)")
                            }
                            XCTAssertEqual(r.neighbors(ofQuery: q).count, reference.indices[q].count)
                        } else {
                            XCTAssertEqual(Array(r.neighbors(ofQuery: q)), reference.indices[q], "\(distance) \(dtype) k=\(k) query \(q)")
                        }
                    }
                }
            }
        }
    }

    /// Random float32 data through the default tiles, with leave-one-out exclusion: equal to brute force.
    func testRandomLeaveOneOutEqualsBruteForce() throws {
        var rng = RandomGenerator(seed: 13)
        let x = Tensor.normal([700, 12], generator: &rng)
        let rows = (0..<700).map { r in (0..<12).map { c in x.doubles[r * 12 + c] } }
        for k in [5, 100] {
            let reference = bruteForce(queries: rows, gallery: rows, distance: .dotProduct, k: k, excluded: { $0 == $1 })
            let r = try ExactSearch(distance: .dotProduct).search(queries: x, gallery: x, k: k, exclusion: .leaveOneOut(count: 700))
            for q in 0..<700 {
                XCTAssertEqual(Array(r.neighbors(ofQuery: q)), reference.indices[q], "k=\(k) query \(q)")
            }
        }
    }

    /// Large k (the sampled starting threshold and the bucket sort): equal to brute force for every
    /// distance, also when a sequence exclusion hides most of a query's best items — the sample then
    /// guesses too tight a threshold and the row is searched again — and when NaN scores and
    /// clustered data leave few usable items.
    func testSampledThresholdEqualsBruteForce() throws {
        var rng = RandomGenerator(seed: 21)
        let n = 2400, d = 8
        // Ten tight clusters, so a query's best items are its cluster mates.
        let centres = Tensor.normal([10, d], generator: &rng)
        let labels = (0..<n).map { $0 % 10 }
        let noisy = centres.rows(labels) + Tensor.normal([n, d], std: 0.2, generator: &rng)
        // Multiples of 1/8: float32 products are exact (so dot products and squared distances equal
        // the float64 loop's bit for bit), and ties occur.
        let rows = (0..<n).map { r in (0..<d).map { c in (noisy.doubles[r * d + c] * 8).rounded() / 8 } }
        let x = matrix(rows)
        // Queries of sequence `s` may not retrieve items of sequence `s`: half of each cluster is
        // one sequence per cluster parity, so most of the nearest items are hidden from some queries.
        let sequence = (0..<n).map { ($0 % 10) * 2 + ($0 / 10) % 2 }
        let exclusion = SearchExclusion(querySequenceIDs: sequence, gallerySequenceIDs: sequence)
        let checked = Array(stride(from: 0, to: n, by: 7))
        for distance in SearchDistance.allCases {
            let reference = bruteForce(queries: checked.map { rows[$0] }, gallery: rows, distance: distance, k: 400,
                                       excluded: { sequence[checked[$0]] == sequence[$1] })
            for k in [150, 400] {
                let r = try ExactSearch(distance: distance, queryBlockSize: 64, galleryBlockSize: 512)
                    .search(queries: x, gallery: x, k: k, exclusion: exclusion)
                for (i, q) in checked.enumerated() {
                    if distance == .dotProduct || distance == .squaredEuclidean {
                        XCTAssertEqual(Array(r.neighbors(ofQuery: q)), Array(reference.indices[i].prefix(k)), "\(distance) k=\(k) query \(q)")
                    } else {
                        // float32 norms and square roots can swap near-equal scores: compare scores.
                        XCTAssertEqual(r.neighbors(ofQuery: q).count, k)
                        for (a, b) in zip(r.scores(ofQuery: q), reference.scores[i]) {
                            XCTAssertEqual(a, b, accuracy: 1e-5, "\(distance) k=\(k) query \(q)")
                        }
                    }
                }
            }
        }
        // Every third gallery item scores NaN: the sample and the scan skip them, so the ranking is
        // the one of the gallery without those items.
        var g = rows
        for i in stride(from: 0, to: n, by: 3) { g[i][0] = .nan }
        let reference = bruteForce(queries: Array(rows.prefix(50)), gallery: rows, distance: .dotProduct, k: 300,
                                   excluded: { _, item in item % 3 == 0 })
        let r = try ExactSearch(distance: .dotProduct).search(queries: matrix(Array(rows.prefix(50))), gallery: matrix(g), k: 300)
        for q in 0..<50 { XCTAssertEqual(Array(r.neighbors(ofQuery: q)), reference.indices[q], "NaN gallery, query \(q)") }
    }

    /// NaN scores never enter a ranking, even when they make rows shorter than k.
    func testNaNScoresAreSkipped() throws {
        var g = integerEmbeddings(100, dimension: 3, seed: 14)
        for i in stride(from: 0, to: 100, by: 3) { g[i][0] = .nan }
        let r = try ExactSearch(distance: .dotProduct).search(queries: matrix([[1, 1, 1]]), gallery: matrix(g), k: 100)
        let found = Array(r.neighbors(ofQuery: 0))
        XCTAssertEqual(found.count, 66)
        XCTAssertTrue(found.allSatisfy { $0 % 3 != 0 })
        XCTAssertEqual(Array(r.indices.suffix(34)), Array(repeating: -1, count: 34))
    }
}
