import Foundation
import KindredTensor
import XCTest

/// Reference reduction: applies `f` to the elements of each line over `axes` (row-major output).
func reduceReference(_ v: [Double], shape: [Int], axes: [Int], _ f: ([Double]) -> Double) -> (values: [Double], keptShape: [Int]) {
    let r = shape.count
    let red = Set(axes.map { $0 < 0 ? $0 + r : $0 })
    let outShape = shape.enumerated().map { red.contains($0.offset) ? 1 : $0.element }
    var groups = [[Double]](repeating: [], count: outShape.reduce(1, *))
    for flat in 0..<v.count {
        var rem = flat
        var idx = [Int](repeating: 0, count: r)
        for k in stride(from: r - 1, through: 0, by: -1) { idx[k] = rem % shape[k]; rem /= shape[k] }
        let o = flatIndex(idx.enumerated().map { red.contains($0.offset) ? 0 : $0.element }, outShape)
        groups[o].append(v[flat])
    }
    return (groups.map(f), outShape)
}

/// Sums, means, extrema, log-sum-exp, variance and norms: values against loops, gradient checks
/// (including non-contiguous inputs) and tie/edge conventions.
final class ReductionTests: XCTestCase {
    let shape = [2, 3, 4]
    let axesCases: [[Int]] = [[0], [1], [2], [-1], [0, 1], [1, 2], [0, 2], [0, 1, 2]]

    func testSumAndMeanValues() {
        let v = distinctValues(24, seed: 1)
        for dtype in DType.allCases {
            let x = Tensor(doubles: v, shape: shape, dtype: dtype)
            let tol = dtype == .float64 ? 1e-14 : 1e-6
            for axes in axesCases {
                let (s, kept) = reduceReference(v, shape: shape, axes: axes) { $0.reduce(0, +) }
                assertClose(x.sum(axes: axes, keepDims: true), s, shape: kept, tol: tol, "sum \(axes)")
                let dropped = kept.enumerated().filter { !axes.map { $0 < 0 ? $0 + 3 : $0 }.contains($0.offset) }.map(\.element)
                assertClose(x.sum(axes: axes), s, shape: dropped, tol: tol, "sum \(axes)")
                let (m, _) = reduceReference(v, shape: shape, axes: axes) { $0.reduce(0, +) / Double($0.count) }
                assertClose(x.mean(axes: axes), m, shape: dropped, tol: tol, "mean \(axes)")
            }
            assertClose(x.sum(), [v.reduce(0, +)], shape: [], tol: tol)
            assertClose(x.mean(), [v.reduce(0, +) / 24], shape: [], tol: tol)
            assertClose(x.sum(axis: 1), reduceReference(v, shape: shape, axes: [1]) { $0.reduce(0, +) }.values, shape: [2, 4], tol: tol)
            assertClose(x.mean(axis: -1, keepDims: true), reduceReference(v, shape: shape, axes: [2]) { $0.reduce(0, +) / 4 }.values, shape: [2, 3, 1], tol: tol)
        }
    }

    func testSumOfNonContiguousViews() {
        // Reductions read transposed, strided and broadcast (stride 0) memory directly.
        let v = distinctValues(24, seed: 2)
        let x = Tensor(doubles: v, shape: shape)
        let views: [(String, Tensor)] = [
            ("permuted", x.permuted([2, 0, 1])),
            ("sliced", x.sliced(axis: 2, range: 1..<4, step: 2)),
            ("expanded", x.sliced(axis: 1, range: 0..<1).expanded(to: [2, 5, 4])),
            ("offset", x.sliced(axis: 0, range: 1..<2)),
        ]
        for (name, view) in views {
            let flat = view.doubles
            for axes in [[0], [1], [2], [0, 2], [0, 1, 2]] {
                let (s, kept) = reduceReference(flat, shape: view.shape, axes: axes) { $0.reduce(0, +) }
                assertClose(view.sum(axes: axes, keepDims: true), s, shape: kept, tol: 1e-14, "\(name) \(axes)")
            }
        }
    }

    func testLargeSumsMatchLoops() {
        // Parallel chunks and the leading-axes fast path on a tensor above the parallel threshold.
        let n = 257, m = 300
        let v = (0..<(n * m)).map { Double(($0 * 37) % 101) / 101 - 0.5 }
        for dtype in DType.allCases {
            let x = Tensor(doubles: v, shape: [n, m], dtype: dtype)
            let tol = dtype == .float64 ? 1e-12 : 2e-5
            assertClose(x.sum(axis: 0), reduceReference(v, shape: [n, m], axes: [0]) { $0.reduce(0, +) }.values, tol: tol)
            assertClose(x.sum(axis: 1), reduceReference(v, shape: [n, m], axes: [1]) { $0.reduce(0, +) }.values, tol: tol)
            assertClose(x.transposed(0, 1).sum(axis: 1), reduceReference(v, shape: [n, m], axes: [0]) { $0.reduce(0, +) }.values, tol: tol)
            assertClose(x.sum(), [v.reduce(0, +)], tol: dtype == .float64 ? 1e-10 : 1e-3)
        }
    }

    func testEmptyReductions() {
        let x = Tensor.zeros([0, 3], dtype: .float64)
        assertClose(x.sum(axis: 0), [0, 0, 0], shape: [3], tol: 0)
        XCTAssertEqual(x.sum(axis: 1).shape, [0])
        // A rank-0 tensor reduces to itself.
        let s = Tensor(scalar: 2.5, dtype: .float64)
        XCTAssertEqual(s.sum().item(), 2.5)
        XCTAssertEqual(s.mean().item(), 2.5)
    }

    func testSumAndMeanGradients() {
        let x = Tensor(doubles: distinctValues(24, seed: 3), shape: shape)
        for axes in axesCases {
            assertGradients([x], "sum \(axes)") { $0[0].sum(axes: axes) }
            assertGradients([x], "mean \(axes)") { $0[0].mean(axes: axes, keepDims: true) }
            assertGradients([x], "sum of permuted \(axes)") { $0[0].permuted([1, 2, 0]).sum(axes: axes) }
        }
        assertGradients([x]) { $0[0].sliced(axis: 2, range: 0..<4, step: 3).sum(axis: 0) }
        assertGradients([x]) { $0[0].sum(axis: 1, keepDims: true).expanded(to: [2, 5, 4]).sum(axis: 1).squared() }
    }

    func testMaxMinValuesAndIndices() {
        let v = distinctValues(24, seed: 4)
        for dtype in DType.allCases {
            let x = Tensor(doubles: v, shape: shape, dtype: dtype)
            for axis in 0..<3 {
                let vv = x.doubles  // the values as stored (rounded to float32 when needed)
                let (mx, kept) = reduceReference(vv, shape: shape, axes: [axis]) { $0.max() ?? .nan }
                let (mn, _) = reduceReference(vv, shape: shape, axes: [axis]) { $0.min() ?? .nan }
                assertClose(x.max(axis: axis, keepDims: true), mx, shape: kept, tol: 0)
                assertClose(x.min(axis: axis), mn, tol: 0)
                XCTAssertEqual(x.max(axis: axis).shape, shape.enumerated().filter { $0.offset != axis }.map(\.element))
                let amax = x.argmax(axis: axis), amin = x.argmin(axis: axis)
                let (iMax, _) = reduceReference(vv, shape: shape, axes: [axis]) { Double($0.firstIndex(of: $0.max() ?? .nan) ?? -1) }
                let (iMin, _) = reduceReference(vv, shape: shape, axes: [axis]) { Double($0.firstIndex(of: $0.min() ?? .nan) ?? -1) }
                XCTAssertEqual(amax.map(Double.init), iMax, "argmax \(axis)")
                XCTAssertEqual(amin.map(Double.init), iMin, "argmin \(axis)")
            }
            XCTAssertEqual(x.max().item(), x.doubles.max())
            XCTAssertEqual(x.max().shape, [])
            XCTAssertEqual(x.min(keepDims: true).shape, [1, 1, 1])
            XCTAssertEqual(x.transposed(0, 2).argmax(axis: 0), x.argmax(axis: 2).transposedIndexOrder(rows: 2, cols: 3))
        }
    }

    func testMaxTiesGoToFirstAndNaNPropagates() {
        let x = Tensor(doubles: [3, 1, 3, 2, 2, 0], shape: [2, 3]).requiringGradient()
        XCTAssertEqual(x.argmax(axis: 1), [0, 0])
        XCTAssertEqual(x.argmin(axis: 1), [1, 2])
        x.max(axis: 1).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [1, 0, 0, 1, 0, 0], "the first maximal element takes the whole gradient")
        x.zeroGrad()
        x.max().backward()
        XCTAssertEqual(x.grad?.doubles, [1, 0, 0, 0, 0, 0])
        let n = Tensor(doubles: [1, .nan, 5, -1])
        XCTAssertTrue(n.max().item().isNaN)
        XCTAssertTrue(n.min().item().isNaN)
        XCTAssertEqual(n.argmax(axis: 0), [1])
    }

    func testMaxMinGradients() {
        let x = Tensor(doubles: distinctValues(24, seed: 5), shape: shape)
        for axis in 0..<3 {
            assertGradients([x], "max \(axis)") { $0[0].max(axis: axis) }
            assertGradients([x], "min \(axis)") { $0[0].min(axis: axis, keepDims: true) }
            assertGradients([x], "max of transposed \(axis)") { $0[0].transposed(0, 2).max(axis: axis) }
        }
        assertGradients([x]) { $0[0].max() * $0[0].min() }
        assertGradients([x]) { $0[0].sliced(axis: 1, range: 0..<3, step: 2).max(axis: 1) }
    }

    func testLogSumExp() {
        let v = values(24, seed: 6, low: -3, high: 3)
        let x = Tensor(doubles: v, shape: shape)
        for axes in axesCases {
            let (ref, kept) = reduceReference(v, shape: shape, axes: axes) { Foundation.log($0.map(Foundation.exp).reduce(0, +)) }
            assertClose(x.logSumExp(axes: axes, keepDims: true), ref, shape: kept, tol: 1e-14, "\(axes)")
            assertGradients([x], "\(axes)") { $0[0].logSumExp(axes: axes) }
        }
        assertClose(x.logSumExp(axis: 1), reduceReference(v, shape: shape, axes: [1]) { Foundation.log($0.map(Foundation.exp).reduce(0, +)) }.values, shape: [2, 4], tol: 1e-14)
        // Large values: no overflow (exp(1000) is inf); all -inf: -inf, not NaN.
        for dtype in DType.allCases {
            let big = Tensor(doubles: [1000, 1000, -.infinity, -.infinity, 5, -.infinity], shape: [3, 2], dtype: dtype)
            let r = big.logSumExp(axis: 1).doubles
            XCTAssertEqual(r[0], 1000 + Foundation.log(2), accuracy: dtype == .float64 ? 1e-12 : 1e-4)
            XCTAssertEqual(r[1], -.infinity)
            XCTAssertEqual(r[2], 5, accuracy: 1e-6)
        }
        // The gradient is the softmax, finite even with -inf entries.
        let y = Tensor(doubles: [0, -.infinity, 1]).requiringGradient()
        y.logSumExp().backward()
        assertClose(y.grad, [1 / (1 + Foundation.exp(1)), 0, Foundation.exp(1) / (1 + Foundation.exp(1))], tol: 1e-15)
    }

    func testVarianceAndStandardDeviation() {
        let v = values(24, seed: 7, low: -2, high: 2)
        let x = Tensor(doubles: v, shape: shape)
        for axes in axesCases {
            for correction in [0, 1] {
                let (ref, kept) = reduceReference(v, shape: shape, axes: axes) { g in
                    let mu = g.reduce(0, +) / Double(g.count)
                    return g.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(g.count - correction)
                }
                assertClose(x.variance(axes: axes, correction: correction, keepDims: true), ref, shape: kept, tol: 1e-14, "var \(axes) \(correction)")
                assertClose(x.standardDeviation(axes: axes, correction: correction, keepDims: true), ref.map { $0.squareRoot() }, shape: kept, tol: 1e-14)
                assertGradients([x], "var \(axes)") { $0[0].variance(axes: axes, correction: correction) }
                assertGradients([x], "std \(axes)") { $0[0].standardDeviation(axes: axes, correction: correction) }
            }
        }
        // PyTorch's default is the unbiased estimate.
        XCTAssertEqual(Tensor(doubles: [1, 2, 3, 4]).variance().item(), 5.0 / 3, accuracy: 1e-15)
    }

    func testNorm() {
        let v = values(24, seed: 8)
        let x = Tensor(doubles: v, shape: shape)
        for axes in axesCases {
            let (ref, kept) = reduceReference(v, shape: shape, axes: axes) { $0.map { $0 * $0 }.reduce(0, +).squareRoot() }
            assertClose(x.norm(axes: axes, keepDims: true), ref, shape: kept, tol: 1e-14)
            assertGradients([x], "\(axes)") { $0[0].norm(axes: axes) }
        }
        assertClose(x.norm(), [v.map { $0 * $0 }.reduce(0, +).squareRoot()], tol: 1e-14)
    }

    func testNormOfZeroVectorHasZeroGradient() {
        // As PyTorch's vector norm: the subgradient at 0 is 0, not NaN (0/0).
        let x = Tensor(doubles: [0, 0, 0, 3, 4, 0], shape: [2, 3]).requiringGradient()
        let n = x.norm(axes: [1])
        XCTAssertEqual(n.doubles, [0, 5])
        n.sum().backward()
        assertClose(x.grad, [0, 0, 0, 0.6, 0.8, 0], tol: 1e-15)
    }
}

private extension Array where Element == Int {
    /// A row-major `rows × cols` list reordered as its transpose (argmax along axis 2 of a [2, 3, 4]
    /// tensor and along axis 0 of its [4, 3, 2] transpose list the same (i, j) pairs in these two orders).
    func transposedIndexOrder(rows a: Int, cols b: Int) -> [Int] {
        var out = [Int](repeating: 0, count: count)
        for i in 0..<a { for j in 0..<b { out[j * a + i] = self[i * b + j] } }
        return out
    }
}
