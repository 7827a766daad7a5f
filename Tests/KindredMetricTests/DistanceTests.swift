import Foundation
import KindredMetric
import XCTest

/// Distances: PML fixtures (matrix and gradient, both dtypes), closed forms, gradient checks.
final class DistanceTests: XCTestCase {
    func testDistancesMatchPML() {
        let log = ErrorLog()
        let cases = pmlCases("distance")
        XCTAssertEqual(cases.count, 18)
        for c in cases {
            for dtype in DType.allCases {
                let tol = pmlTolerance(dtype)
                let d = makeDistance(c.config)
                let q = c.tensor("embeddings", dtype).requiringGradient()
                let r = c.tensors["reference"] == nil ? nil : c.tensor("reference", dtype).requiringGradient()
                let mat = d(q, r)
                XCTAssertEqual(mat.shape, c.tensors["mat"]!.shape, c.name)
                // A batch against itself: torch.cdist's matrix-product path (over 25 rows) leaves rounding
                // noise (up to 1e-4 in float32) on the diagonal, where Kindred returns exact zeros;
                // the diagonal is never a pair, so compare it only against zero.
                var got = mat.doubles, want = c.expected("mat")
                if r == nil {
                    let n = q.shape[0]
                    for i in 0..<n { XCTAssertLessThan(Swift.abs(got[i * n + i] - (d.isInverted ? got[i * n + i] : 0)), 1e-12); got[i * n + i] = 0; want[i * n + i] = 0 }
                }
                log.record("\(c.config) matrix [\(dtype)]", assertClose(got, want, tol: tol, "\(c.name) \(dtype)"))
                (mat * upstreamGradient(mat.shape, dtype)).sum().backward()
                log.record("\(c.config) gradient [\(dtype)]", assertClose(q.grad?.doubles ?? [], c.expected("grad"), tol: tol, "\(c.name) \(dtype)"))
                if let r {
                    log.record("\(c.config) gradient [\(dtype)]", assertClose(r.grad?.doubles ?? [], c.expected("refGrad"), tol: tol, "\(c.name) ref \(dtype)"))
                }
            }
        }
        log.report("distances")
    }

    /// The fixture script's upstream gradient, `((31 i + 17 j) mod 23 - 11) / 10`.
    func upstreamGradient(_ shape: [Int], _ dtype: DType) -> Tensor {
        var v: [Double] = []
        for i in 0..<shape[0] {
            for j in 0..<shape[1] {
                let k: Int = (31 * i + 17 * j) % 23 - 11
                v.append(Double(k) / 10)
            }
        }
        return Tensor(doubles: v, shape: shape, dtype: dtype)
    }

    func testInversionAndMargin() {
        XCTAssertFalse(LpDistance().isInverted)
        XCTAssertFalse(LpDistance(power: 2).isInverted)
        XCTAssertTrue(CosineSimilarity().isInverted)
        XCTAssertTrue(DotProductSimilarity().isInverted)
        XCTAssertTrue(CosineSimilarity().normalizeEmbeddings)
        XCTAssertTrue(LpDistance().normalizeEmbeddings)
        XCTAssertEqual(LpDistance().margin(3.0, 1.0), 2)
        XCTAssertEqual(CosineSimilarity().margin(3.0, 1.0), -2)
        XCTAssertTrue(LpDistance().isCloser(1, than: 2))
        XCTAssertTrue(CosineSimilarity().isCloser(2, than: 1))
        let x = Tensor(doubles: [1, 5], shape: [2]), y = Tensor(doubles: [2, 3], shape: [2])
        XCTAssertEqual(LpDistance().smallest(x, y).doubles, [1, 3])
        XCTAssertEqual(CosineSimilarity().smallest(x, y).doubles, [2, 5])
        XCTAssertEqual(LpDistance().margin(x, y).doubles, [-1, 2])
        XCTAssertEqual(CosineSimilarity().margin(x, y).doubles, [1, -2])
    }

    func testClosedForms() {
        // Points (3,4) and (0,0)+(1,0): raw Euclidean distances 5 and √20; normalised ones on the circle.
        let q = Tensor(doubles: [3, 4, 1, 0], shape: [2, 2])
        assertClose(LpDistance(normalizeEmbeddings: false)(q).doubles, [0, Foundation.sqrt(20), Foundation.sqrt(20), 0], tol: 1e-12)
        assertClose(LpDistance(normalizeEmbeddings: false, power: 2)(q).doubles, [0, 20, 20, 0], tol: 1e-12)
        let cos = CosineSimilarity()(q).doubles
        assertClose(cos, [1, 0.6, 0.6, 1], tol: 1e-12)
        assertClose(DotProductSimilarity(normalizeEmbeddings: false)(q).doubles, [25, 3, 3, 1], tol: 1e-12)
        // On the unit circle, |a - b|² = 2 - 2 cos.
        assertClose(LpDistance(power: 2)(q).doubles, cos.map { 2 - 2 * $0 }, tol: 1e-12)
    }

    func testDuplicatedRowsGiveZeroDistanceAndZeroGradient() {
        for n in [4, 30] {   // exact path and matrix-product path
            let base = randomTensor([n, 3], seed: 5).doubles
            var v = base
            for k in 0..<3 { v[3 + k] = v[k] }   // row 1 = row 0
            let x = Tensor(doubles: v, shape: [n, 3]).requiringGradient()
            let m = LpDistance()(x)
            XCTAssertLessThan(Swift.abs(m.doubles[1]), 1e-7)
            m.sum().backward()
            XCTAssertTrue(x.grad!.doubles.allSatisfy { $0.isFinite })
        }
    }

    func testGradientCheck() {
        let q = randomTensor([5, 3], seed: 1), r = randomTensor([4, 3], seed: 2)
        for name in ["lp", "lp_squared", "lp_raw", "cosine", "dot_raw"] {
            let d = makeDistance(name)
            assertGradients([q, r], name) { d($0[0], $0[1]) }
            assertGradients([q], name) { d($0[0]) * Tensor(doubles: (0..<25).map { 1.0 - Double($0 % 2) }, shape: [5, 5]) }
        }
    }
}
