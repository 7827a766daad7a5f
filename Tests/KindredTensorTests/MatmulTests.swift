import Foundation
import KindredTensor
import XCTest

/// Plain-loop matrix product of row-major `[m, k]` and `[k, n]`.
func matmulReference(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
        c[i * n + j] = s
    } }
    return c
}

/// Matrix products (2-D, batched, broadcast, strided operands handed to BLAS without copies) and
/// the embedding-distance helpers built on them.
final class MatmulTests: XCTestCase {
    func testMatmul2DValues() {
        let a = values(12, seed: 31), b = values(20, seed: 32)
        let ref = matmulReference(a, b, m: 3, k: 4, n: 5)
        for dtype in DType.allCases {
            let tol = dtype == .float64 ? 1e-14 : 1e-6
            let ta = Tensor(doubles: a, shape: [3, 4], dtype: dtype), tb = Tensor(doubles: b, shape: [4, 5], dtype: dtype)
            assertClose(ta.matmul(tb), ref, shape: [3, 5], tol: tol)
            // Operands given as transposed views (BLAS reads them as column-major).
            let taT = Tensor(doubles: permuteReference(a, shape: [3, 4], order: [1, 0]), shape: [4, 3], dtype: dtype).T
            let tbT = Tensor(doubles: permuteReference(b, shape: [4, 5], order: [1, 0]), shape: [5, 4], dtype: dtype).T
            assertClose(taT.matmul(tbT), ref, tol: tol, "both transposed")
            assertClose(taT.matmul(tb), ref, tol: tol, "A transposed")
            // Column slices (leading dimension larger than the width) and row-strided slices.
            let wide = Tensor(doubles: a.enumerated().flatMap { $0.offset % 4 == 3 ? [$0.element, 9, 9] : [$0.element] }, shape: [3, 6], dtype: dtype)
            assertClose(wide.sliced(axis: 1, range: 0..<4).matmul(tb), ref, tol: tol, "lda > cols")
            let tall = Tensor(doubles: b.enumerated().flatMap { [$0.element] + ($0.offset % 5 == 4 ? [Double](repeating: 7, count: 5) : []) }, shape: [8, 5], dtype: dtype)
            assertClose(ta.matmul(tall.sliced(axis: 0, range: 0..<8, step: 2)), ref, tol: tol, "row stride 2")
            // Broadcast operands (stride 0) are copied before BLAS.
            let row = Tensor(doubles: Array(a[0..<4]), shape: [1, 4], dtype: dtype).expanded(to: [3, 4])
            assertClose(row.matmul(tb), (0..<3).flatMap { _ in Array(ref[0..<5]) }, tol: tol, "expanded rows")
        }
    }

    func testMatmulEdgeShapes() {
        // Inner size 0: a zero matrix. Outer size 1 and vectors as [1, k] / [k, 1].
        XCTAssertEqual(Tensor.zeros([2, 0], dtype: .float64).matmul(Tensor.zeros([0, 3], dtype: .float64)).doubles, [0, 0, 0, 0, 0, 0])
        let r = Tensor(doubles: [1, 2, 3], shape: [1, 3]), c = Tensor(doubles: [4, 5, 6], shape: [3, 1])
        XCTAssertEqual(r.matmul(c).doubles, [32])
        XCTAssertEqual(c.matmul(r).doubles, [4, 8, 12, 5, 10, 15, 6, 12, 18])
        XCTAssertEqual(c.T.matmul(r.T).doubles, [32])
        XCTAssertEqual(Tensor(doubles: [1, 2, 3]).unsqueezed(axis: 0).expanded(to: [2, 3]).matmul(c).doubles, [32, 32])
    }

    func testBatchedMatmulWithBroadcasting() {
        let a = values(2 * 3 * 4, seed: 33), b = values(3 * 4 * 5, seed: 34)
        for dtype in DType.allCases {
            let tol = dtype == .float64 ? 1e-14 : 1e-6
            // [2, 1, 3, 4] · [3, 4, 5] → [2, 3, 3, 5]
            let ta = Tensor(doubles: a, shape: [2, 1, 3, 4], dtype: dtype), tb = Tensor(doubles: b, shape: [3, 4, 5], dtype: dtype)
            let out = ta.matmul(tb)
            XCTAssertEqual(out.shape, [2, 3, 3, 5])
            var expected = [Double]()
            for i in 0..<2 { for j in 0..<3 {
                expected += matmulReference(Array(a[(i * 12)..<(i * 12 + 12)]), Array(b[(j * 20)..<(j * 20 + 20)]), m: 3, k: 4, n: 5)
            } }
            assertClose(out, expected, tol: tol)
            // 3-D · 2-D shares the matrix across the batch.
            let b2 = Array(b[0..<20])
            let out2 = Tensor(doubles: a, shape: [2, 3, 4], dtype: dtype).matmul(Tensor(doubles: b2, shape: [4, 5], dtype: dtype))
            assertClose(out2, (0..<2).flatMap { matmulReference(Array(a[($0 * 12)..<($0 * 12 + 12)]), b2, m: 3, k: 4, n: 5) }, shape: [2, 3, 5], tol: tol)
            // Batched operands that are permuted views.
            let aP = Tensor(doubles: permuteReference(a, shape: [2, 3, 4], order: [1, 0, 2]), shape: [3, 2, 4], dtype: dtype).permuted([1, 0, 2])
            assertClose(aP.matmul(Tensor(doubles: b2, shape: [4, 5], dtype: dtype)), out2.doubles, tol: tol, "permuted batch")
        }
    }

    func testLargeMatmulFloat32() {
        let (m, k, n) = (70, 130, 90)
        let a = values(m * k, seed: 35), b = values(k * n, seed: 36)
        let out = Tensor(doubles: a, shape: [m, k], dtype: .float32).matmul(Tensor(doubles: b, shape: [k, n], dtype: .float32))
        let ref = matmulReference(Tensor(doubles: a, dtype: .float32).doubles, Tensor(doubles: b, dtype: .float32).doubles, m: m, k: k, n: n)
        assertClose(out, ref, tol: 1e-5)
    }

    func testMatmulGradients() {
        let a = randomTensor([3, 4], seed: 37), b = randomTensor([4, 2], seed: 38)
        assertGradients([a, b]) { $0[0].matmul($0[1]) }
        assertGradients([a, b]) { $0[1].T.matmul($0[0].T) }
        assertGradients([a, b]) { $0[0].sliced(axis: 0, range: 0..<3, step: 2).matmul($0[1]) }
        assertGradients([a, b]) { $0[0].matmul($0[1]).matmul($0[1].T) }
        // The same tensor on both sides.
        assertGradients([a]) { $0[0].matmul($0[0].T) }
        // Broadcast operands: gradients are summed over the broadcast batch.
        let x = randomTensor([2, 1, 3, 4], seed: 39), y = randomTensor([3, 4, 2], seed: 40)
        assertGradients([x, y]) { $0[0].matmul($0[1]) }
        assertGradients([x, b]) { $0[0].matmul($0[1]) }
        assertGradients([a, y]) { $0[0].matmul($0[1]) }
        assertGradients([a]) { $0[0].unsqueezed(axis: 0).expanded(to: [2, 3, 4]).matmul(Tensor(doubles: values(16, seed: 41), shape: [2, 4, 2])) }
        assertGradients([x, y]) { $0[1].transposed(-1, -2).matmul($0[0].transposed(-1, -2)) }
    }

    // MARK: Distances

    private func rowsOf(_ v: [Double], _ n: Int, _ d: Int) -> [[Double]] { (0..<n).map { Array(v[($0 * d)..<($0 * d + d)]) } }

    func testDistanceValues() {
        let a = values(12, seed: 42), b = values(8, seed: 43)
        let ra = rowsOf(a, 3, 4), rb = rowsOf(b, 2, 4)
        var sq = [Double](), cosine = [Double]()
        for x in ra { for y in rb {
            sq.append(zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +))
            let dot = zip(x, y).map(*).reduce(0, +)
            let nx = x.map { $0 * $0 }.reduce(0, +).squareRoot(), ny = y.map { $0 * $0 }.reduce(0, +).squareRoot()
            cosine.append(dot / (nx * ny))
        } }
        for dtype in DType.allCases {
            let tol = dtype == .float64 ? 1e-13 : 1e-5
            let ta = Tensor(doubles: a, shape: [3, 4], dtype: dtype), tb = Tensor(doubles: b, shape: [2, 4], dtype: dtype)
            assertClose(ta.squaredPairwiseDistance(tb), sq, shape: [3, 2], tol: tol)
            assertClose(ta.pairwiseDistance(tb), sq.map { $0.squareRoot() }, shape: [3, 2], tol: tol)
            assertClose(ta.cosineSimilarity(tb), cosine, shape: [3, 2], tol: tol)
            let normalized = ta.l2Normalized()
            assertClose(normalized.norm(axes: [1]), [1, 1, 1], tol: tol)
            let rowNorms: [Double] = ra.map { r in r.map { $0 * $0 }.reduce(0, +).squareRoot() }
            assertClose(normalized, (0..<12).map { i in a[i] / rowNorms[i / 4] }, tol: tol)
            var columnNorms = [Double](repeating: 0, count: 4)
            for i in 0..<12 { columnNorms[i % 4] += a[i] * a[i] }
            assertClose(ta.l2Normalized(axis: 0), (0..<12).map { i in a[i] / columnNorms[i % 4].squareRoot() }, tol: tol)
        }
        // Distances of a set to itself: a zero diagonal, never negative.
        let x = Tensor(doubles: [1, 2, 3, 1, 2, 3, -1, 0, 2], shape: [3, 3])
        let d = x.pairwiseDistance(x).doubles
        XCTAssertEqual([d[0], d[4], d[8], d[1]], [0, 0, 0, 0])
        XCTAssertTrue(x.squaredPairwiseDistance(x).doubles.allSatisfy { $0 >= 0 })
    }

    func testDistanceGradients() {
        let a = randomTensor([4, 3], seed: 44), b = randomTensor([3, 3], seed: 45)
        assertGradients([a, b]) { $0[0].pairwiseDistance($0[1]) }
        assertGradients([a, b]) { $0[0].squaredPairwiseDistance($0[1]) }
        assertGradients([a, b]) { $0[0].cosineSimilarity($0[1]) }
        assertGradients([a]) { $0[0].l2Normalized() }
        assertGradients([a]) { $0[0].l2Normalized(axis: 0) }
        // The same tensor on both sides (shifted, so no distance is 0, where it has a kink).
        assertGradients([a]) { $0[0].pairwiseDistance($0[0].flipRows() + 0.5).sum(axis: 1) }
        // Non-contiguous operands.
        let c = randomTensor([4, 2], seed: 46)
        assertGradients([a, c]) { $0[0].T.pairwiseDistance($0[1].T) }
        assertGradients([a, b]) { $0[0].sliced(axis: 0, range: 0..<4, step: 2).cosineSimilarity($0[1]) }
    }

    func testDistanceGradientsAtZeroAreFinite() {
        // Identical rows: distance exactly 0; its gradient is 0 (as torch.cdist), not NaN.
        let a = Tensor(doubles: [1, 2, 0, 1], shape: [2, 2]).requiringGradient()
        let b = Tensor(doubles: [1, 2, 3, 5], shape: [2, 2]).requiringGradient()
        let d = a.pairwiseDistance(b)
        XCTAssertEqual(d.doubles, [0, 13.0.squareRoot(), 2.0.squareRoot(), 5])
        d.sum().backward()
        XCTAssertTrue(a.grad?.doubles.allSatisfy(\.isFinite) ?? false)
        XCTAssertTrue(b.grad?.doubles.allSatisfy(\.isFinite) ?? false)
        // Row 0 of a is at distance 0 from b's row 0 (no gradient) and √13 from row 1.
        assertClose(Array(a.grad?.doubles[0..<2] ?? []), [(1 - 3) / 13.0.squareRoot(), (2 - 5) / 13.0.squareRoot()], tol: 1e-15)
        // A zero vector normalises to zero with a finite gradient (the norm is clamped at ε).
        let z = Tensor(doubles: [0, 0, 0, 3, 0, 4], shape: [2, 3]).requiringGradient()
        let n = z.l2Normalized()
        XCTAssertEqual(n.doubles, [0, 0, 0, 0.6, 0, 0.8])
        (n * Tensor(doubles: [1, 2, 3, 1, 2, 3], shape: [2, 3])).sum().backward()
        XCTAssertTrue(z.grad?.doubles.allSatisfy(\.isFinite) ?? false, "gradient of normalising a zero row: \(String(describing: z.grad))")
        let cos = z.detached().requiringGradient()
        cos.cosineSimilarity(Tensor(doubles: [1, 1, 1], shape: [1, 3])).sum().backward()
        XCTAssertTrue(cos.grad?.doubles.allSatisfy(\.isFinite) ?? false)
    }
}

private extension Tensor {
    /// Rows in reverse order (so self-distance checks pair each row with a different one).
    func flipRows() -> Tensor { indexSelect(axis: 0, indices: Array((0..<shape[0]).reversed())) }
}
