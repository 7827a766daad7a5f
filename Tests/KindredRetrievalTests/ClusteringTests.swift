import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// NMI, AMI and k-means against `Fixtures/clustering.json` (scikit-learn) and plain loops.
final class ClusteringTests: XCTestCase {
    func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/clustering.json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testMutualInformationMatchesScikitLearn() throws {
        let pairs = try XCTUnwrap(try fixture()["mutualInformation"] as? [[String: Any]])
        XCTAssertEqual(pairs.count, 9)
        for p in pairs {
            let name = try XCTUnwrap(p["name"] as? String)
            let u = try XCTUnwrap(p["labels"] as? [Int]), v = try XCTUnwrap(p["clusters"] as? [Int])
            XCTAssertEqual(try MutualInformation.normalized(u, v), try XCTUnwrap(p["nmi"] as? Double), accuracy: 1e-10, "NMI \(name)")
            XCTAssertEqual(try MutualInformation.adjusted(u, v), try XCTUnwrap(p["ami"] as? Double), accuracy: 1e-10, "AMI \(name)")
            XCTAssertEqual(try MutualInformation.normalized(u, v), try MutualInformation.normalized(v, u), accuracy: 1e-12)
        }
        XCTAssertThrowsError(try MutualInformation.normalized([1, 2], [1]))
    }

    func testNMIEqualsPlainLoop() throws {
        var rng = RandomGenerator(seed: 1)
        let u = (0..<120).map { _ in rng.nextInt(below: 4) }, v = (0..<120).map { _ in rng.nextInt(below: 3) }
        // Plain loop over the full contingency table.
        let n = 120.0
        var mi = 0.0, hu = 0.0, hv = 0.0
        for a in 0..<4 {
            let na = Double(u.filter { $0 == a }.count)
            if na > 0 { hu -= na / n * log(na / n) }
            for b in 0..<3 {
                let nb = Double(v.filter { $0 == b }.count)
                let nab = Double(zip(u, v).filter { $0 == a && $1 == b }.count)
                if nab > 0 { mi += nab / n * log(n * nab / (na * nb)) }
            }
        }
        for b in 0..<3 {
            let nb = Double(v.filter { $0 == b }.count)
            if nb > 0 { hv -= nb / n * log(nb / n) }
        }
        XCTAssertEqual(try MutualInformation.normalized(u, v), mi / ((hu + hv) / 2), accuracy: 1e-12)
    }

    func testKMeansReachesScikitLearnInertiaAndIsAFixedPoint() throws {
        let km = try XCTUnwrap(try fixture()["kmeans"] as? [String: Any])
        let data = try XCTUnwrap(km["data"] as? [[Double]]), labels = try XCTUnwrap(km["labels"] as? [Int])
        let x = matrix(data)
        let result = try KMeans(clusterCount: 4, restarts: 3, seed: 0).fit(x)
        XCTAssertEqual(result.inertia, try XCTUnwrap(km["inertia"] as? Double), accuracy: 1e-4 * result.inertia)
        XCTAssertEqual(try MutualInformation.normalized(labels, result.assignments), 1, accuracy: 1e-12)
        // Lloyd fixed point: every point is at its nearest centre, every centre is its points' mean.
        let c = result.centroids.doubles
        var inertia = 0.0
        for (i, row) in data.enumerated() {
            let d2 = (0..<4).map { k in (0..<5).reduce(0.0) { $0 + pow(row[$1] - c[k * 5 + $1], 2) } }
            XCTAssertEqual(d2[result.assignments[i]], d2.min() ?? 0, accuracy: 1e-3)
            inertia += d2[result.assignments[i]]
        }
        XCTAssertEqual(result.inertia, inertia, accuracy: 1e-4 * inertia)
        for k in 0..<4 {
            let members = data.indices.filter { result.assignments[$0] == k }
            for j in 0..<5 {
                let mean = members.reduce(0.0) { $0 + data[$1][j] } / Double(members.count)
                XCTAssertEqual(c[k * 5 + j], mean, accuracy: 1e-4)
            }
        }
        // Seeded: the same clustering again; several restarts never do worse than one.
        XCTAssertEqual(try KMeans(clusterCount: 4, restarts: 3, seed: 0).fit(x).assignments, result.assignments)
        XCTAssertLessThanOrEqual(result.inertia, try KMeans(clusterCount: 4, restarts: 1, seed: 0).fit(x).inertia * (1 + 1e-6))
    }

    func testClusteringEvaluationAndErrors() throws {
        let km = try XCTUnwrap(try fixture()["kmeans"] as? [String: Any])
        let data = try XCTUnwrap(km["data"] as? [[Double]]), labels = try XCTUnwrap(km["labels"] as? [Int])
        let scores = try ClusteringEvaluation(seed: 3).evaluate(embeddings: matrix(data), labels: labels.map { $0 * 10 })
        XCTAssertEqual(scores.normalizedMutualInformation, 1, accuracy: 1e-12)
        XCTAssertEqual(scores.adjustedMutualInformation, 1, accuracy: 1e-12)
        XCTAssertEqual(scores.clustering.centroids.shape, [4, 5])
        XCTAssertThrowsError(try KMeans(clusterCount: 0).fit(matrix(data)))
        XCTAssertThrowsError(try KMeans(clusterCount: 81).fit(matrix(data)))
        XCTAssertThrowsError(try KMeans(clusterCount: 2).fit(matrix([[1, .nan], [0, 0]]))) {
            XCTAssertTrue("\($0)".contains("data[0, 1]"))
        }
        XCTAssertThrowsError(try ClusteringEvaluation().evaluate(embeddings: matrix(data), labels: [1]))
        // Duplicate points: k-means++ and empty clusters still give k centres.
        let dup = try KMeans(clusterCount: 3, seed: 1).fit(matrix(Array(repeating: [1, 1], count: 6) + [[5, 5]]))
        XCTAssertEqual(dup.centroids.shape, [3, 2])
        XCTAssertEqual(dup.inertia, 0, accuracy: 1e-9)
    }
}
