import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// Exact t-SNE against scikit-learn's joint probabilities, KL divergence and gradient, and a full run.
final class TSNETests: XCTestCase {
    func fixture() throws -> (tsne: [String: Any], blobs: [[Double]], labels: [Int]) {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/clustering.json")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let km = try XCTUnwrap(doc["kmeans"] as? [String: Any])
        let data = try XCTUnwrap(km["data"] as? [[Double]]), labels = try XCTUnwrap(km["labels"] as? [Int])
        // The t-SNE reference uses every second blob point.
        return (try XCTUnwrap(doc["tsne"] as? [String: Any]), stride(from: 0, to: data.count, by: 2).map { data[$0] },
                stride(from: 0, to: labels.count, by: 2).map { labels[$0] })
    }

    func testJointProbabilitiesKLAndGradientMatchScikitLearn() throws {
        let (f, x, _) = try fixture()
        let p = try TSNE.jointProbabilities(of: matrix(x), perplexity: try XCTUnwrap(f["perplexity"] as? Double))
        let expected = try XCTUnwrap(f["jointProbabilities"] as? [[Double]]).flatMap { $0 }
        XCTAssertEqual(p.count, expected.count)
        var worst = 0.0
        for (a, b) in zip(p, expected) where b > 1e-12 { worst = Swift.max(worst, Swift.abs(a - b) / b) }
        XCTAssertLessThan(worst, 1e-6, "largest relative deviation of P")
        print("t-SNE P: largest relative deviation from scikit-learn \(worst)")
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
        let y = try XCTUnwrap(f["y"] as? [[Double]]).flatMap { $0 }
        let (kl, gradient) = TSNE.klDivergence(embedding: y, dimension: 2, jointProbabilities: p)
        XCTAssertEqual(kl, try XCTUnwrap(f["kl"] as? Double), accuracy: 1e-6)
        let g = try XCTUnwrap(f["gradient"] as? [Double])
        for (a, b) in zip(gradient, g) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testGradientEqualsFiniteDifferences() throws {
        let (_, x, _) = try fixture()
        let p = try TSNE.jointProbabilities(of: matrix(Array(x.prefix(12))), perplexity: 4)
        var rng = RandomGenerator(seed: 2)
        let y = (0..<24).map { _ in rng.nextNormal() }
        let gradient = TSNE.klDivergence(embedding: y, dimension: 2, jointProbabilities: p).gradient
        for i in [0, 5, 17] {
            var plus = y, minus = y
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let numeric = (TSNE.klDivergence(embedding: plus, dimension: 2, jointProbabilities: p).value
                - TSNE.klDivergence(embedding: minus, dimension: 2, jointProbabilities: p).value) / 2e-6
            XCTAssertEqual(gradient[i], numeric, accuracy: 1e-5)
        }
    }

    func testRunSeparatesBlobsLikeScikitLearn() throws {
        let (f, x, labels) = try fixture()
        let (embedding, kl) = try TSNE(perplexity: 8).fit(matrix(x))
        XCTAssertEqual(embedding.shape, [40, 2])
        let reference = try XCTUnwrap(f["runKL"] as? Double)
        print("t-SNE final KL \(kl), scikit-learn's \(reference)")
        XCTAssertLessThan(kl, Swift.max(2 * reference, reference + 0.05), "final KL \(kl), scikit-learn \(reference)")
        let clusters = try KMeans(clusterCount: 4, seed: 0).fit(embedding)
        XCTAssertEqual(try MutualInformation.normalized(labels, clusters.assignments), 1, accuracy: 1e-12)
        XCTAssertEqual(try TSNE(perplexity: 8).fit(matrix(x)).embedding.doubles, embedding.doubles)   // deterministic
        XCTAssertThrowsError(try TSNE(perplexity: 40).fit(matrix(x)))
        XCTAssertThrowsError(try TSNE.jointProbabilities(of: matrix([[1, .nan], [0, 0], [1, 1]]), perplexity: 1))
        let random = try TSNE(perplexity: 8, iterations: 300, initialization: .random(seed: 1)).fit(matrix(x))
        XCTAssertEqual(random.embedding.shape, [40, 2])
    }
}
