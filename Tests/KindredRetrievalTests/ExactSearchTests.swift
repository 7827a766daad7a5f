import KindredRetrieval
import KindredTensor
import XCTest

final class ExactSearchTests: XCTestCase {
    let queries = integerEmbeddings(37, dimension: 5, seed: 1)
    let gallery = integerEmbeddings(53, dimension: 5, seed: 2)

    /// Blocked search equals the brute-force loop for every distance, dtype and tile shape.
    func testEqualsBruteForce() throws {
        for distance in SearchDistance.allCases {
            let reference = bruteForce(queries: queries, gallery: gallery, distance: distance, k: 7)
            for dtype in [DType.float32, .float64] {
                for (qb, gb) in [(1024, 8192), (5, 7), (1, 1), (37, 10)] {
                    let search = ExactSearch(distance: distance, queryBlockSize: qb, galleryBlockSize: gb)
                    let r = try search.search(queries: matrix(queries, dtype: dtype), gallery: matrix(gallery, dtype: dtype), k: 7)
                    XCTAssertEqual(r.depth, 7)
                    for q in 0..<queries.count {
                        XCTAssertEqual(Array(r.neighbors(ofQuery: q)), reference.indices[q], "\(distance) \(dtype) \(qb)x\(gb) query \(q)")
                        for (a, b) in zip(r.scores(ofQuery: q), reference.scores[q]) {
                            XCTAssertEqual(a, b, accuracy: dtype == .float32 ? 1e-5 : 1e-12, "\(distance) \(dtype)")
                        }
                    }
                }
            }
        }
    }

    /// Equal scores come out in ascending gallery order.
    func testTiesPutLowerGalleryIndexFirst() throws {
        let g = [[1.0, 0], [0, 1], [1, 0], [1, 0], [0.5, 0]]
        let r = try ExactSearch(distance: .dotProduct, galleryBlockSize: 2)
            .search(queries: matrix([[1, 0]]), gallery: matrix(g), k: 5)
        XCTAssertEqual(r.indices, [0, 2, 3, 4, 1])
        XCTAssertEqual(r.scores, [1, 1, 1, 0.5, 0])
    }

    /// Self-, sequence- and ignore-list exclusion skip exactly the excluded items.
    func testExclusions() throws {
        var rng = RandomGenerator(seed: 9)
        let itemIDsQ = (0..<queries.count).map { $0 % 20 }, itemIDsG = (0..<gallery.count).map { $0 % 25 }
        let seqQ = (0..<queries.count).map { _ in rng.nextInt(below: 6) }
        let seqG = (0..<gallery.count).map { _ in rng.nextInt(below: 6) }
        let ignored = (0..<queries.count).map { _ in (0..<4).map { _ in rng.nextInt(below: 53) } }
        let exclusion = SearchExclusion(queryItemIDs: itemIDsQ, galleryItemIDs: itemIDsG, querySequenceIDs: seqQ,
                                        gallerySequenceIDs: seqG, ignoredGalleryIndices: ignored)
        let reference = bruteForce(queries: queries, gallery: gallery, distance: .euclidean, k: 9) { q, g in
            itemIDsQ[q] == itemIDsG[g] || seqQ[q] == seqG[g] || ignored[q].contains(g)
        }
        for (qb, gb) in [(1024, 8192), (4, 3)] {
            let r = try ExactSearch(distance: .euclidean, queryBlockSize: qb, galleryBlockSize: gb)
                .search(queries: matrix(queries), gallery: matrix(gallery), k: 9, exclusion: exclusion)
            for q in 0..<queries.count {
                XCTAssertEqual(Array(r.neighbors(ofQuery: q)), reference.indices[q], "query \(q)")
            }
        }
    }

    /// Leave-one-out never returns the query itself, and rows are padded when too few items remain.
    func testLeaveOneOutAndPadding() throws {
        let x = matrix(Array(gallery.prefix(4)))
        let r = try ExactSearch(distance: .squaredEuclidean).search(queries: x, gallery: x, k: 10, exclusion: .leaveOneOut(count: 4))
        XCTAssertEqual(r.depth, 4)
        for q in 0..<4 {
            XCTAssertEqual(r.neighbors(ofQuery: q).count, 3)
            XCTAssertFalse(r.neighbors(ofQuery: q).contains(q))
            XCTAssertEqual(r.indices[q * 4 + 3], -1)
            XCTAssertTrue(r.scores[q * 4 + 3].isNaN)
        }
    }

    /// The result does not depend on the thread count.
    func testDeterministicAcrossThreadCounts() throws {
        var rng = RandomGenerator(seed: 3)
        let q = Tensor.normal([300, 16], generator: &rng), g = Tensor.normal([700, 16], generator: &rng)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = try ExactSearch(distance: .cosine, queryBlockSize: 128, galleryBlockSize: 256).search(queries: q, gallery: g, k: 10)
        Parallel.threadCount = 2
        let two = try ExactSearch(distance: .cosine, queryBlockSize: 128, galleryBlockSize: 256).search(queries: q, gallery: g, k: 10)
        XCTAssertEqual(one, two)
    }

    /// Bad input is reported with a thrown error, not a crash.
    func testErrors() {
        let s = ExactSearch()
        let q = matrix([[1, 2]]), g = matrix([[1, 2], [3, 4]])
        XCTAssertThrowsError(try s.search(queries: q, gallery: g, k: 0)) { XCTAssertEqual($0 as? RetrievalError, .nonPositiveK(name: "k", value: 0)) }
        XCTAssertThrowsError(try s.search(queries: q, gallery: Tensor.zeros([0, 2]), k: 1)) { XCTAssertEqual($0 as? RetrievalError, .emptyGallery) }
        XCTAssertThrowsError(try s.search(queries: matrix([[1, 2, 3]]), gallery: g, k: 1))
        XCTAssertThrowsError(try s.search(queries: Tensor.zeros([2]), gallery: g, k: 1))
        XCTAssertThrowsError(try s.search(queries: q, gallery: g, k: 1, exclusion: SearchExclusion(queryItemIDs: [0])))
        XCTAssertThrowsError(try s.search(queries: q, gallery: g, k: 1, exclusion: SearchExclusion(queryItemIDs: [0, 1], galleryItemIDs: [0, 1])))
        XCTAssertThrowsError(try s.search(queries: q, gallery: g, k: 1, exclusion: SearchExclusion(ignoredGalleryIndices: [[2]])))
    }
}
