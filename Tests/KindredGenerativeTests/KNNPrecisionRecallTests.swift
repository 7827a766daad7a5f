import XCTest
import KindredTensor
@testable import KindredGenerative

/// k-NN precision/recall on toy sets with known answers and against a plain double loop.
final class KNNPrecisionRecallTests: XCTestCase {
    func testPointsOnALine() throws {
        // Real: 0, 1, …, 9; with k = 1 every real ball has radius 1, so it covers [−1, 10].
        let real = Tensor(doubles: (0..<10).map(Double.init), shape: [10, 1])
        // Generated: two inside the real manifold (0.5, 3.2), two far outside (100, −5).
        let generated = Tensor(doubles: [0.5, 100, 3.2, -5], shape: [4, 1])
        let r = try KNNPrecisionRecall(k: 1).evaluate(real: real, generated: generated)
        XCTAssertEqual(r.precision, 0.5)
        // Generated radii (k = 1): −5 → 5.5, 0.5 → 2.7, 3.2 → 2.7, 100 → 96.8; together they cover [−10.5, 196.8].
        XCTAssertEqual(r.recall, 1)
        // A generator that collapsed onto one point near 0 (plus a twin): precise, but low recall.
        let collapsed = Tensor(doubles: [0.1, 0.3], shape: [2, 1])
        let c = try KNNPrecisionRecall(k: 1).evaluate(real: real, generated: collapsed)
        XCTAssertEqual(c.precision, 1)
        XCTAssertEqual(c.recall, 0.1, "radii 0.2: only the real point 0 lies in a generated ball")
    }

    func testMatchesPlainLoop() throws {
        var rng = RandomGenerator(seed: 4)
        let real = Tensor.normal([40, 3], generator: &rng)
        let fake = Tensor.normal([30, 3], mean: 0.7, std: 0.6, generator: &rng)
        func plain(_ centres: [[Double]], _ queries: [[Double]], k: Int) -> Double {
            func dist(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
            let radii = centres.indices.map { i in
                centres.indices.filter { $0 != i }.map { dist(centres[i], centres[$0]) }.sorted()[k - 1]
            }
            let hits = queries.filter { q in centres.indices.contains { dist(q, centres[$0]) <= radii[$0] } }
            return Double(hits.count) / Double(queries.count)
        }
        func rows(_ t: Tensor) -> [[Double]] { let v = t.doubles; return (0..<t.shape[0]).map { Array(v[$0 * 3..<$0 * 3 + 3]) } }
        for k in [1, 3, 5] {
            let r = try KNNPrecisionRecall(k: k, blockSize: 7).evaluate(real: real, generated: fake)
            XCTAssertEqual(r.precision, plain(rows(real), rows(fake), k: k), accuracy: 1e-12, "k = \(k)")
            XCTAssertEqual(r.recall, plain(rows(fake), rows(real), k: k), accuracy: 1e-12, "k = \(k)")
            XCTAssertTrue(r.precision > 0 && r.precision < 1 || r.recall > 0 && r.recall < 1)
        }
    }

    func testBadInputs() {
        XCTAssertThrowsError(try KNNPrecisionRecall(k: 3).evaluate(real: Tensor.zeros([3, 2]), generated: Tensor.zeros([10, 2]))) { error in
            XCTAssertTrue("\(error)".contains("real features have shape [3, 2]"), "\(error)")
        }
        XCTAssertThrowsError(try KNNPrecisionRecall().evaluate(real: Tensor.zeros([10, 2]), generated: Tensor.zeros([10, 3])))
    }
}
