import KindredMetric
import XCTest

/// Label → all-pairs / all-triplets conversion and conversions between tuple kinds.
final class IndexTuplesTests: XCTestCase {
    let labels = [0, 1, 0, 2, 1, 0]

    func testAllPairsEqualsPlainLoop() {
        let pairs = IndexTuples.allPairs(labels: labels)
        var pos: [[Int]] = [], neg: [[Int]] = []
        for i in 0..<6 { for j in 0..<6 where i != j { (labels[i] == labels[j] ? { pos.append([i, j]) } : { neg.append([i, j]) })() } }
        let (a1, p, a2, n) = pairs.asPairs
        XCTAssertEqual(zip(a1, p).map { [$0, $1] }, pos)
        XCTAssertEqual(zip(a2, n).map { [$0, $1] }, neg)
        XCTAssertEqual(pairs.count, 30)
    }

    func testAllTripletsEqualsPlainLoop() {
        var expected: [[Int]] = []
        for a in 0..<6 { for p in 0..<6 where p != a && labels[p] == labels[a] { for n in 0..<6 where labels[n] != labels[a] { expected.append([a, p, n]) } } }
        let (a, p, n) = IndexTuples.allTriplets(labels: labels).asTriplets
        XCTAssertEqual(a.indices.map { [a[$0], p[$0], n[$0]] }, expected)
    }

    func testWithReferenceLabelsSelfPairsCount() {
        // With a separate reference, index i of the query and i of the reference are different items.
        let (a1, p, _, _) = IndexTuples.allPairs(labels: [0, 1], refLabels: [0, 1, 1]).asPairs
        XCTAssertEqual(a1, [0, 1, 1])
        XCTAssertEqual(p, [0, 1, 2])
        let t = IndexTuples.allTriplets(labels: [0], refLabels: [0, 1])
        XCTAssertEqual(t, .triplets(a: [0], p: [0], n: [1]))
    }

    func testConversions() {
        let t = IndexTuples.triplets(a: [0, 2], p: [1, 3], n: [4, 5])
        XCTAssertEqual(t.asPairs.a1, [0, 2]); XCTAssertEqual(t.asPairs.n, [4, 5])
        let pairs = IndexTuples.pairs(a1: [0, 0, 1], p: [2, 3, 4], a2: [0, 1, 1, 7], n: [5, 6, 8, 9])
        let (a, p, n) = pairs.asTriplets
        XCTAssertEqual(a, [0, 0, 1, 1])
        XCTAssertEqual(p, [2, 3, 4, 4])
        XCTAssertEqual(n, [5, 5, 6, 8])
        XCTAssertTrue(IndexTuples.allTriplets(labels: [0, 0, 0]).isEmpty)
        XCTAssertTrue(IndexTuples.allTriplets(labels: [0, 1, 2]).isEmpty)
    }
}

/// Matrix entries at tuple indices (the op every pair and triplet loss reads its distances with).
final class TupleEntriesTests: XCTestCase {
    func testEntriesEqualIndexingAndPassTheGradientCheck() {
        let m = randomTensor([4, 5], seed: 51)
        let rows = [0, 3, 3, 1, 0], cols = [4, 0, 0, 2, 4]
        let v = m.doubles
        XCTAssertEqual(m.entries(rows: rows, cols: cols).doubles, zip(rows, cols).map { v[$0 * 5 + $1] })
        XCTAssertEqual(m.cast(to: .float32).entries(rows: rows, cols: cols).doubles,
                       zip(rows, cols).map { Double(Float(v[$0 * 5 + $1])) })
        // Repeated tuples add up their gradients.
        assertGradients([m]) { ($0[0].entries(rows: rows, cols: cols) * Tensor(doubles: [1, 2, 3, 4, 5])).sum() }
    }
}
