import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// PCA against scikit-learn's `PCA(svd_solver="full")` (`Fixtures/clustering.json`) and by definition.
final class PCATests: XCTestCase {
    func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/clustering.json")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap(doc["pca"] as? [String: Any])
    }

    func assertClose(_ a: [Double], _ b: [Double], _ tolerance: Double, _ message: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: tolerance, message, line: line) }
    }

    func testMatchesScikitLearn() throws {
        let f = try fixture()
        let data = try XCTUnwrap(f["data"] as? [[Double]])
        let x = matrix(data)
        let pca = try PCA(fitting: x)
        assertClose(pca.mean, try XCTUnwrap(f["mean"] as? [Double]), 1e-5, "mean")
        let components = try XCTUnwrap(f["components"] as? [[Double]])
        XCTAssertEqual(pca.components.count, components.count)
        for (a, b) in zip(pca.components, components) { assertClose(a, b, 1e-5, "component") }
        assertClose(pca.explainedVariance, try XCTUnwrap(f["explainedVariance"] as? [Double]), 1e-5 * (pca.explainedVariance.first ?? 1), "variance")
        assertClose(pca.explainedVarianceRatio, try XCTUnwrap(f["explainedVarianceRatio"] as? [Double]), 1e-5, "ratio")
        let expected = try XCTUnwrap(f["transformed"] as? [[Double]])
        let all = try pca.transformed(matrix(data, dtype: .float64))
        XCTAssertEqual(all.shape, [50, 6])
        assertClose(all.doubles, expected.flatMap { $0 }, 1e-5, "transformed")
        let two = try pca.transformed(x, componentCount: 2)
        XCTAssertEqual(two.shape, [50, 2])
        XCTAssertEqual(two.dtype, .float32)
        assertClose(two.doubles, expected.flatMap { Array($0.prefix(2)) }, 1e-4, "2-D")
        let points = try pca.projection2D(x)
        XCTAssertEqual(points.count, 50)
        XCTAssertEqual(points[3].y, expected[3][1], accuracy: 1e-5)
    }

    func testDefinitionOnKnownAxes() throws {
        // Points spread along (1, 1)/√2 with variance 8 and along (1, −1)/√2 with variance 0.5.
        var rows: [[Double]] = []
        for a in [-2.0, 2.0] { for b in [-0.5, 0.5] { rows.append([(a + b) / 2.0.squareRoot() + 3, (a - b) / 2.0.squareRoot() - 1]) } }
        let pca = try PCA(fitting: matrix(rows, dtype: .float64))
        assertClose(pca.mean, [3, -1], 1e-12, "mean")
        assertClose(pca.explainedVariance, [16.0 / 3, 1.0 / 3], 1e-12, "variance")   // 4·a²/(N−1)
        let s = 1 / 2.0.squareRoot()
        assertClose(pca.components[0], [s, s], 1e-12, "first axis")
        assertClose(pca.components[1], [s, -s], 1e-12, "second axis, largest entry (first on ties) positive")
        XCTAssertEqual(try pca.componentCount(explaining: 0.9), 1)
        XCTAssertEqual(try pca.componentCount(explaining: 1), 2)
        // Errors.
        XCTAssertThrowsError(try pca.transformed(matrix([[1, 2, 3]])))
        XCTAssertThrowsError(try pca.transformed(matrix(rows), componentCount: 3))
        XCTAssertThrowsError(try PCA(fitting: matrix([[1, 2]])))
        XCTAssertThrowsError(try PCA(fitting: matrix([[1, .infinity], [0, 0]])))
    }

    func testLAPACKEigendecomposition() throws {
        let (values, vectors) = try BLAS.symmetricEigendecomposition([2, 1, 0, 1, 2, 0, 0, 0, 5], order: 3)
        XCTAssertEqual(values[0], 1, accuracy: 1e-12)
        XCTAssertEqual(values[1], 3, accuracy: 1e-12)
        XCTAssertEqual(values[2], 5, accuracy: 1e-12)
        XCTAssertEqual(Swift.abs(vectors[6]) + Swift.abs(vectors[7]), 0, accuracy: 1e-12)
        XCTAssertEqual(Swift.abs(vectors[8]), 1, accuracy: 1e-12)
        XCTAssertThrowsError(try BLAS.symmetricEigendecomposition([1, 2, 3], order: 2))
    }
}
