import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// Barnes–Hut t-SNE: the quadtree against plain loops, the sparse `P` against scikit-learn's
/// `_joint_probabilities_nn`, and a full run against scikit-learn's `TSNE(method="barnes_hut")`.
final class BarnesHutTSNETests: XCTestCase {
    /// `Fixtures/tsne_barnes_hut.json` (written by `Fixtures/make_tsne_fixtures.py`).
    func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tsne_barnes_hut.json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func randomPoints(_ n: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        var y = (0..<(2 * n)).map { _ in 3 * rng.nextNormal() }
        y[2 * (n - 1)] = y[0]; y[2 * (n - 1) + 1] = y[1]   // one coincident pair
        return y
    }

    func testQuadTreeSummariesAndExactRepulsionAtAngleZero() throws {
        let n = 200
        let y = randomPoints(n, seed: 3)
        let tree = QuadTree(points: y)
        XCTAssertEqual(tree.order.sorted(), Array(0..<n))
        XCTAssertEqual(tree.nodes[0].points, 0..<n)
        var leafPoints = 0
        for node in tree.nodes {
            var sx = 0.0, sy = 0.0
            for s in node.points { sx += y[2 * tree.order[s]]; sy += y[2 * tree.order[s] + 1] }
            XCTAssertEqual(node.centerX, sx / Double(node.count), accuracy: 1e-12)
            XCTAssertEqual(node.centerY, sy / Double(node.count), accuracy: 1e-12)
            if node.isLeaf {
                leafPoints += node.count
            } else {
                XCTAssertEqual(node.children.map { tree.nodes[$0].count }.reduce(0, +), node.count)
                XCTAssertEqual(tree.nodes[node.children.first!].points.lowerBound, node.points.lowerBound)
                XCTAssertEqual(tree.nodes[node.children.last!].points.upperBound, node.points.upperBound)
                for c in node.children { XCTAssertEqual(tree.nodes[c].width, node.width / 2) }
            }
        }
        XCTAssertEqual(leafPoints, n)

        // Plain O(N²) repulsion.
        var exact = [Double](repeating: 0, count: 2 * n), exactZ = 0.0
        for i in 0..<n {
            for j in 0..<n where j != i {
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], w = 1 / (1 + dx * dx + dy * dy)
                exactZ += w
                exact[2 * i] += w * w * dx
                exact[2 * i + 1] += w * w * dy
            }
        }
        let (forces, z) = tree.repulsiveForces(angle: 0)
        XCTAssertEqual(z, exactZ, accuracy: 1e-10 * exactZ)
        for (a, b) in zip(forces, exact) { XCTAssertEqual(a, b, accuracy: 1e-10) }
        // θ = 0.5 approximates it.
        let (rough, roughZ) = tree.repulsiveForces(angle: 0.5)
        XCTAssertEqual(roughZ, exactZ, accuracy: 0.02 * exactZ)
        var error = 0.0, norm = 0.0
        for (a, b) in zip(rough, exact) { error += (a - b) * (a - b); norm += b * b }
        XCTAssertLessThan((error / norm).squareRoot(), 0.05)
    }

    func testBarnesHutGradientAtAngleZeroEqualsExactGradient() throws {
        let doc = try fixture()
        let x = Array(try XCTUnwrap(doc["x"] as? [[Double]]).prefix(120))
        let p = try TSNE.sparseJointProbabilities(of: matrix(x, dtype: .float64), perplexity: 10)
        var dense = [Double](repeating: 0, count: 120 * 120)
        for i in 0..<120 { for (j, v) in p.row(i) { dense[i * 120 + j] = v } }
        let y = randomPoints(120, seed: 5)
        let bh = TSNE.barnesHutGradient(embedding: y, jointProbabilities: p, angle: 0, withValue: true)
        let exact = TSNE.klDivergence(embedding: y, dimension: 2, jointProbabilities: dense)
        for (a, b) in zip(bh.gradient, exact.gradient) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        XCTAssertEqual(bh.value, exact.value, accuracy: 1e-9)
    }

    func testSparseJointProbabilitiesHavePerplexityAndMatchScikitLearn() throws {
        let doc = try fixture()
        let x = try XCTUnwrap(doc["x"] as? [[Double]]), perplexity = try XCTUnwrap(doc["perplexity"] as? Double)
        let t = matrix(x, dtype: .float64)
        let conditionals = try TSNE.neighbourConditionals(of: t, perplexity: perplexity)
        let k = conditionals.neighbourCount
        XCTAssertEqual(k, try XCTUnwrap(doc["neighbours"] as? Int))
        for i in 0..<x.count {
            let row = conditionals.probabilities[(i * k)..<((i + 1) * k)]
            let entropy = -row.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) }
            XCTAssertEqual(entropy, Foundation.log(perplexity), accuracy: 1e-5, "row \(i)")
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertFalse(conditionals.neighbours[(i * k)..<((i + 1) * k)].contains(i))
        }
        let p = try TSNE.sparseJointProbabilities(of: t, perplexity: perplexity)
        XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-12)
        for i in 0..<p.rowCount {
            for (j, v) in p.row(i) {
                XCTAssertNotEqual(i, j)
                XCTAssertEqual(p.value(row: j, column: i), v, "P is symmetric")
            }
        }
        let reference = try XCTUnwrap(doc["p"] as? [String: Any])
        XCTAssertEqual(p.rowStarts, try XCTUnwrap(reference["indptr"] as? [Int]))
        XCTAssertEqual(p.columns, try XCTUnwrap(reference["indices"] as? [Int]))
        var worst = 0.0
        for (a, b) in zip(p.values, try XCTUnwrap(reference["data"] as? [Double])) { worst = Swift.max(worst, Swift.abs(a - b) / b) }
        print("Barnes–Hut t-SNE P: largest relative deviation from scikit-learn \(worst)")
        XCTAssertLessThan(worst, 1e-6)
    }

    func testRunSeparatesBlobsAndMatchesScikitLearnKL() throws {
        let doc = try fixture()
        let x = matrix(try XCTUnwrap(doc["x"] as? [[Double]]), dtype: .float64)
        let labels = try XCTUnwrap(doc["labels"] as? [Int]), perplexity = try XCTUnwrap(doc["perplexity"] as? Double)
        let tsne = TSNE(perplexity: perplexity, method: .barnesHut(angle: 0.5))
        let (embedding, kl) = try tsne.fit(x)
        XCTAssertEqual(embedding.shape, [300, 2])
        let reference = try XCTUnwrap(doc["runKL"] as? Double)
        print("Barnes–Hut t-SNE final KL \(kl), scikit-learn's \(reference)")
        XCTAssertEqual(kl, reference, accuracy: 0.1 * reference)
        let nearest = try ExactSearch(distance: .squaredEuclidean)
            .search(queries: embedding, gallery: embedding, k: 1, exclusion: .leaveOneOut(count: 300))
        let accuracy = Double((0..<300).filter { labels[nearest.indices[$0]] == labels[$0] }.count) / 300
        XCTAssertGreaterThanOrEqual(accuracy, 0.99, "1-NN accuracy of the 2-D picture")
        // The same picture whatever the thread count.
        let threads = Parallel.threadCount
        defer { Parallel.threadCount = threads }
        Parallel.threadCount = threads == 1 ? 3 : 1
        XCTAssertEqual(try tsne.fit(x).embedding.doubles, embedding.doubles)
    }

    func testMethodChoiceAndErrors() throws {
        XCTAssertEqual(TSNE.Method.automatic.resolved(rowCount: 1999, componentCount: 2), .exact)
        XCTAssertEqual(TSNE.Method.automatic.resolved(rowCount: 2000, componentCount: 2), .barnesHut(angle: 0.5))
        XCTAssertEqual(TSNE.Method.automatic.resolved(rowCount: 5000, componentCount: 3), .exact)
        XCTAssertEqual(TSNE().method, .exact)
        let bh = TSNE(perplexity: 1, method: .barnesHut())
        XCTAssertThrowsError(try bh.fit(matrix([[1, 2]])))                                  // N < 2
        XCTAssertNoThrow(try bh.fit(matrix([[1, 2], [3, 4], [5, 6]])))
        XCTAssertThrowsError(try TSNE(perplexity: 3, method: .barnesHut()).fit(matrix([[1, 2], [3, 4], [5, 6]])))   // perplexity ≥ N
        XCTAssertThrowsError(try bh.fit(matrix([[1, 2], [3, .nan], [5, 6]]))) { error in
            XCTAssertTrue("\(error)".contains("row 1"), "\(error)")
        }
        XCTAssertThrowsError(try TSNE(perplexity: 1, componentCount: 3, method: .barnesHut()).fit(matrix([[1, 2, 3], [3, 4, 5], [5, 6, 8]])))
        XCTAssertThrowsError(try TSNE(perplexity: 1, method: .barnesHut(angle: -1)).fit(matrix([[1, 2], [3, 4], [5, 6]])))
    }
}
