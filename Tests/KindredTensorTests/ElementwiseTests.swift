import Foundation
import KindredTensor
import XCTest

/// Elementwise unary and binary ops: values against closed forms, float64 gradient checks
/// (including broadcasting and non-contiguous views), comparisons, `where` and casts.
final class ElementwiseTests: XCTestCase {
    /// Inputs away from 0 and from each other, so kinked functions (relu, abs, clamp) are smooth here.
    let xs: [Double] = [-2.3, -1.1, -0.45, -0.2, 0.15, 0.6, 1.3, 2.7]

    private func unaryCases() -> [(String, (Tensor) -> Tensor, (Double) -> Double)] {
        let gelu: (Double) -> Double = { x in x * (1 + erf(x / 2.0.squareRoot())) / 2 }
        let softplus: (Double) -> Double = { x in x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }
        return [
            ("negate", { -$0 }, { -$0 }),
            ("exp", { $0.exp() }, { Foundation.exp($0) }),
            ("abs", { $0.abs() }, { Swift.abs($0) }),
            ("sigmoid", { $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) }),
            ("tanh", { $0.tanh() }, { Foundation.tanh($0) }),
            ("relu", { $0.relu() }, { Swift.max($0, 0) }),
            ("leakyRelu", { $0.leakyRelu(slope: 0.2) }, { $0 > 0 ? $0 : 0.2 * $0 }),
            ("gelu", { $0.gelu() }, gelu),
            ("softplus", { $0.softplus() }, softplus),
            ("logSigmoid", { $0.logSigmoid() }, { -softplus(-$0) }),
            ("sin", { $0.sin() }, { Foundation.sin($0) }),
            ("cos", { $0.cos() }, { Foundation.cos($0) }),
            ("squared", { $0.squared() }, { $0 * $0 }),
            ("reciprocal", { $0.reciprocal() }, { 1 / $0 }),
            ("pow3", { $0.pow(3) }, { $0 * $0 * $0 }),
            ("pow2", { $0.pow(2) }, { $0 * $0 }),
            ("clamped", { $0.clamped(min: -0.5, max: 1) }, { Swift.min(Swift.max($0, -0.5), 1) }),
            ("plusScalar", { $0 + 1.5 }, { $0 + 1.5 }),
            ("scalarPlus", { 1.5 + $0 }, { 1.5 + $0 }),
            ("minusScalar", { $0 - 0.25 }, { $0 - 0.25 }),
            ("scalarMinus", { 2 - $0 }, { 2 - $0 }),
            ("timesScalar", { $0 * -3 }, { $0 * -3 }),
            ("scalarTimes", { 0.5 * $0 }, { 0.5 * $0 }),
            ("overScalar", { $0 / 4 }, { $0 / 4 }),
            ("scalarOver", { 3 / $0 }, { 3 / $0 }),
            ("oneOver", { 1 / $0 }, { 1 / $0 }),
        ]
    }

    /// Functions defined for positive inputs only.
    private func positiveCases() -> [(String, (Tensor) -> Tensor, (Double) -> Double)] {
        [
            ("log", { $0.log() }, { Foundation.log($0) }),
            ("sqrt", { $0.sqrt() }, { $0.squareRoot() }),
            ("pow-1.5", { $0.pow(-1.5) }, { Foundation.pow($0, -1.5) }),
            ("pow0.5", { $0.pow(0.5) }, { $0.squareRoot() }),
            ("pow2.5", { $0.pow(2.5) }, { Foundation.pow($0, 2.5) }),
        ]
    }

    private let positives: [Double] = [0.05, 0.3, 0.9, 1.7, 3.2, 11]

    func testUnaryValuesMatchClosedForms() {
        for dtype in DType.allCases {
            let tol = dtype == .float64 ? 1e-14 : 2e-6
            for (name, f, ref) in unaryCases() {
                assertClose(f(Tensor(doubles: xs, shape: [2, 4], dtype: dtype)), xs.map(ref), shape: [2, 4], tol: tol, "\(name) \(dtype)")
            }
            for (name, f, ref) in positiveCases() {
                assertClose(f(Tensor(doubles: positives, dtype: dtype)), positives.map(ref), tol: tol, "\(name) \(dtype)")
            }
        }
    }

    func testUnaryGradients() {
        for (name, f, _) in unaryCases() {
            assertGradients([Tensor(doubles: xs, shape: [2, 4])], name) { f($0[0]) }
        }
        for (name, f, _) in positiveCases() {
            assertGradients([Tensor(doubles: positives, shape: [2, 3])], name) { f($0[0]) }
        }
    }

    func testUnaryGradientsThroughNonContiguousViews() {
        // Transposed, strided-slice and broadcast views feed the kernels non-contiguous memory;
        // the gradient must land back on the right elements (and be summed over the broadcast).
        let x = Tensor(doubles: distinctValues(12, seed: 1), shape: [3, 4])
        for (name, f, _) in unaryCases() {
            assertGradients([x], name) { f($0[0].transposed(0, 1)) }
            assertGradients([x], name) { f($0[0].sliced(axis: 1, range: 1..<4, step: 2)) }
            assertGradients([x], name) { f($0[0].unsqueezed(axis: 0).expanded(to: [2, 3, 4])) }
        }
    }

    func testActivationsAtExtremesAreFinite() {
        let big = Tensor(doubles: [-1000, -30, -20.5, 20.5, 30, 1000])
        let sig = big.sigmoid().doubles
        XCTAssertEqual(sig.first, 0)
        XCTAssertEqual(sig.last, 1)
        XCTAssertTrue(sig.allSatisfy(\.isFinite))
        // softplus is linear above its threshold 20 (PyTorch's default) and exp-small below -20.
        assertClose(big.softplus(), [0, Foundation.exp(-30), Foundation.log1p(Foundation.exp(-20.5)), 20.5, 30, 1000], tol: 1e-15)
        // logSigmoid = -softplus(-x) must not overflow for very negative x.
        assertClose(big.logSigmoid(), [-1000, -30, -20.5, -Foundation.log1p(Foundation.exp(-20.5)), -Foundation.exp(-30), 0], tol: 1e-15)
        for dtype in DType.allCases {
            let t = Tensor(doubles: [-1000, -100, 100, 1000], dtype: dtype)
            XCTAssertTrue(t.tanh().doubles.allSatisfy(\.isFinite))
            XCTAssertTrue(t.logSigmoid().doubles.allSatisfy(\.isFinite))
            XCTAssertTrue(t.gelu().doubles.allSatisfy(\.isFinite))
        }
        // Gradients in the saturated regions are finite too.
        let x = Tensor(doubles: [-800, -25, 25, 800]).requiringGradient()
        (x.sigmoid() + x.logSigmoid() + x.softplus() + x.tanh()).sum().backward()
        XCTAssertTrue(x.grad?.doubles.allSatisfy(\.isFinite) ?? false)
    }

    func testSubgradientsAtKinksMatchPyTorch() {
        // PyTorch's conventions: relu'(0) = 0, |x|'(0) = 0, clamp passes the gradient at its bounds,
        // leakyRelu'(0) = slope.
        let x = Tensor(doubles: [0, -0.5, 1]).requiringGradient()
        x.relu().sum().backward()
        XCTAssertEqual(x.grad?.doubles, [0, 0, 1])
        x.zeroGrad()
        x.abs().sum().backward()
        XCTAssertEqual(x.grad?.doubles, [0, -1, 1])
        x.zeroGrad()
        x.clamped(min: -0.5, max: 0.5).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [1, 1, 0])
        x.zeroGrad()
        x.leakyRelu(slope: 0.1).sum().backward()
        assertClose(x.grad, [0.1, 0.1, 1], tol: 1e-15)
        // sign has no gradient and records nothing.
        XCTAssertEqual(Tensor(doubles: [-2, 0, 3]).sign().doubles, [-1, 0, 1])
        XCTAssertFalse(x.sign().tracksGradient)
    }

    func testPowOfNegativeAndZeroBases() {
        // C/PyTorch semantics: integral exponents of negative bases are defined, 0⁰ = 1, and
        // non-integral powers of negative numbers are NaN.
        for dtype in DType.allCases {
            let x = Tensor(doubles: [-2, 0, 3], dtype: dtype)
            XCTAssertEqual(x.pow(3).doubles, [-8, 0, 27])
            XCTAssertEqual(x.pow(2).doubles, [4, 0, 9])
            XCTAssertEqual(x.pow(-1).doubles, [-0.5, .infinity, 1.0 / 3].map { Double(dtype == .float32 ? Double(Float($0)) : $0) })
            XCTAssertEqual(x.pow(0).doubles, [1, 1, 1])
            XCTAssertEqual(x.pow(Tensor(doubles: [3, 0, 2], dtype: dtype)).doubles, [-8, 1, 9])
            XCTAssertTrue(x.pow(0.5).doubles[0].isNaN)
        }
        // Gradients at negative bases: d/dx x² = 2x, d/dx x³ = 3x².
        let x = Tensor(doubles: [-2, -0.5, 0, 1.5]).requiringGradient()
        (x.pow(2) + x.pow(3)).sum().backward()
        assertClose(x.grad, [-4 + 12, -1 + 0.75, 0, 3 + 6.75], tol: 1e-15)
        // d/dx x⁰ = 0 everywhere, including x = 0 (PyTorch returns zeros; 0·0⁻¹ would be NaN).
        x.zeroGrad()
        x.pow(0).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [0, 0, 0, 0])
        let y = Tensor(doubles: [0, 0, 2, 0]).requiringGradient()
        x.zeroGrad()
        x.pow(y).sum().backward()
        assertClose(x.grad, [0, 0, 0, 0], tol: 0)
        XCTAssertTrue(y.grad?.doubles.allSatisfy(\.isFinite) ?? false)
        assertGradients([Tensor(doubles: [-1.3, -0.4, 0.7, 2.2])]) { $0[0].pow(3) + $0[0].pow(-2) }
    }

    // MARK: Binary

    private func binaryCases() -> [(String, (Tensor, Tensor) -> Tensor, (Double, Double) -> Double)] {
        [
            ("add", { $0 + $1 }, { $0 + $1 }),
            ("subtract", { $0 - $1 }, { $0 - $1 }),
            ("multiply", { $0 * $1 }, { $0 * $1 }),
            ("divide", { $0 / $1 }, { $0 / $1 }),
            ("maximum", { $0.maximum($1) }, { Swift.max($0, $1) }),
            ("minimum", { $0.minimum($1) }, { Swift.min($0, $1) }),
        ]
    }

    /// Reference for broadcast binary ops: loops over the broadcast shape.
    private func broadcastReference(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int], _ f: (Double, Double) -> Double) -> ([Double], [Int]) {
        let r = Swift.max(sa.count, sb.count)
        let pa = [Int](repeating: 1, count: r - sa.count) + sa, pb = [Int](repeating: 1, count: r - sb.count) + sb
        let shape = zip(pa, pb).map { Swift.max($0, $1) }
        let n = shape.reduce(1, *)
        var out = [Double](repeating: 0, count: n)
        for flat in 0..<n {
            var rem = flat
            var idx = [Int](repeating: 0, count: r)
            for k in stride(from: r - 1, through: 0, by: -1) { idx[k] = rem % shape[k]; rem /= shape[k] }
            let ia = flatIndex(zip(idx, pa).map { $1 == 1 ? 0 : $0 }, pa)
            let ib = flatIndex(zip(idx, pb).map { $1 == 1 ? 0 : $0 }, pb)
            out[flat] = f(a[ia], b[ib])
        }
        return (out, shape)
    }

    private let shapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 1, 4], [3, 1]), ([1], [2, 2]), ([], [2, 3]), ([2, 3], []),
        ([4, 1], [1, 5]), ([2, 1, 3], [2, 4, 1]),
    ]

    func testBinaryValuesWithBroadcasting() {
        for dtype in DType.allCases {
            for (k, (sa, sb)) in shapePairs.enumerated() {
                let a = distinctValues(sa.reduce(1, *), seed: UInt64(k), gap: 0.3)
                // Positive second operand keeps divide away from 0; offset keeps max/min free of ties.
                let b = values(sb.reduce(1, *), seed: UInt64(100 + k), low: 0.5, high: 2).map { $0 + 0.01 }
                for (name, f, ref) in binaryCases() {
                    let (expected, shape) = broadcastReference(a, sa, b, sb, ref)
                    let out = f(Tensor(doubles: a, shape: sa, dtype: dtype), Tensor(doubles: b, shape: sb, dtype: dtype))
                    assertClose(out, expected, shape: shape, tol: dtype == .float64 ? 1e-15 : 1e-6, "\(name) \(sa) \(sb) \(dtype)")
                }
            }
        }
    }

    func testBinaryGradientsWithBroadcasting() {
        for (k, (sa, sb)) in shapePairs.enumerated() {
            let a = Tensor(doubles: distinctValues(sa.reduce(1, *), seed: UInt64(k), gap: 0.3), shape: sa)
            let b = Tensor(doubles: values(sb.reduce(1, *), seed: UInt64(100 + k), low: 0.5, high: 2).map { $0 + 0.01 }, shape: sb)
            for (name, f, _) in binaryCases() {
                assertGradients([a, b], "\(name) \(sa) \(sb)") { f($0[0], $0[1]) }
            }
        }
    }

    func testBinaryGradientsThroughViews() {
        let a = Tensor(doubles: distinctValues(12, seed: 7, gap: 0.25), shape: [4, 3])
        let b = Tensor(doubles: values(12, seed: 8, low: 0.6, high: 1.8), shape: [3, 4])
        for (name, f, _) in binaryCases() {
            // transposed ⊙ contiguous
            assertGradients([a, b], name) { f($0[0].transposed(0, 1), $0[1]) }
            // strided slice ⊙ broadcast row of a transposed view
            assertGradients([a, b], name) { f($0[0].sliced(axis: 0, range: 0..<4, step: 2), $0[1].transposed(0, 1).sliced(axis: 0, range: 1..<2)) }
            // an input combined with itself through two different views
            assertGradients([a], name) { f($0[0].sliced(axis: 1, range: 0..<2), $0[0].sliced(axis: 1, range: 1..<3) + 3) }
        }
    }

    func testMaximumMinimumSplitTiedGradients() {
        // Ties share the gradient equally, as PyTorch does.
        let a = Tensor(doubles: [1, 2, 3]).requiringGradient()
        let b = Tensor(doubles: [1, 5, 0]).requiringGradient()
        a.maximum(b).sum().backward()
        XCTAssertEqual(a.grad?.doubles, [0.5, 0, 1])
        XCTAssertEqual(b.grad?.doubles, [0.5, 1, 0])
        a.zeroGrad(); b.zeroGrad()
        a.minimum(b).sum().backward()
        XCTAssertEqual(a.grad?.doubles, [0.5, 1, 0])
        XCTAssertEqual(b.grad?.doubles, [0.5, 0, 1])
    }

    func testTensorPowerValuesAndGradients() {
        let base = Tensor(doubles: values(6, seed: 3, low: 0.3, high: 2.5), shape: [2, 3])
        let exponent = Tensor(doubles: values(3, seed: 4, low: -1.5, high: 2.5), shape: [3])
        let out = base.pow(exponent)
        let (expected, _) = broadcastReference(base.doubles, [2, 3], exponent.doubles, [3], Foundation.pow)
        assertClose(out, expected, shape: [2, 3], tol: 1e-15)
        assertGradients([base, exponent]) { $0[0].pow($0[1]) }
        // Zero base with a positive exponent: d/dx 0² = 0 and the exponent's gradient is 0, not NaN.
        let x = Tensor(doubles: [0, 2]).requiringGradient(), y = Tensor(doubles: [2, 2]).requiringGradient()
        x.pow(y).sum().backward()
        assertClose(x.grad, [0, 4], tol: 1e-15)
        assertClose(y.grad, [0, 4 * Foundation.log(2)], tol: 1e-15)
    }

    // MARK: Comparisons, where, cast

    func testComparisons() {
        let a = Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor(doubles: [2, 2, 7], shape: [3])
        XCTAssertEqual((a .< b).doubles, [1, 0, 1, 0, 0, 1])
        XCTAssertEqual((a .<= b).doubles, [1, 1, 1, 0, 0, 1])
        XCTAssertEqual((a .> b).doubles, [0, 0, 0, 1, 1, 0])
        XCTAssertEqual((a .>= b).doubles, [0, 1, 0, 1, 1, 0])
        XCTAssertEqual((a .== b).doubles, [0, 1, 0, 0, 0, 0])
        XCTAssertEqual((a .!= b).doubles, [1, 0, 1, 1, 1, 1])
        XCTAssertEqual((a .> 3.5).doubles, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual((a .== 2).doubles, [0, 1, 0, 0, 0, 0])
        XCTAssertEqual((a.transposed(0, 1) .>= 3).doubles, [0, 1, 0, 1, 1, 1])
        let x = Tensor(doubles: [1, -1, 0]).requiringGradient()
        let mask = x .> 0
        XCTAssertFalse(mask.tracksGradient, "comparisons are not differentiable")
        XCTAssertEqual(mask.dtype, .float64)
        XCTAssertEqual((Tensor([1, 2]) .< Tensor([2, 1])).dtype, .float32)
    }

    func testWhereValuesAndGradients() {
        let c = Tensor(doubles: [1, 0, 0, 1, 1, 0], shape: [2, 3])
        let a = Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor(doubles: [-1, -2, -3], shape: [3])
        XCTAssertEqual(Tensor.where(c, a, b).doubles, [1, -2, -3, 4, 5, -3])
        XCTAssertEqual(Tensor.where(c, a, Tensor(scalar: 9, dtype: .float64)).doubles, [1, 9, 9, 4, 5, 9])
        // The condition broadcasts too.
        XCTAssertEqual(Tensor.where(Tensor(doubles: [0, 1, 0]), a, b).doubles, [-1, 2, -3, -1, 5, -3])
        assertGradients([a, b]) { Tensor.where(c, $0[0], $0[1]) }
        assertGradients([a, b]) { Tensor.where(c.transposed(0, 1), $0[0].transposed(0, 1), $0[1].unsqueezed(axis: 1)) }
        // Gradients sum over the broadcast: b's columns are picked 0, 1 and 2 times.
        let bl = b.requiringGradient()
        Tensor.where(c, a, bl).sum().backward()
        XCTAssertEqual(bl.grad?.doubles, [0, 1, 2])
    }

    func testCastValuesAndGradients() {
        let x = Tensor([1.5, -2.25, 3], shape: [3]).requiringGradient()
        let y = x.cast(to: .float64)
        XCTAssertEqual(y.dtype, .float64)
        XCTAssertEqual(y.doubles, [1.5, -2.25, 3])
        (y * y).sum().backward()
        XCTAssertEqual(x.grad?.dtype, .float32, "the gradient has the leaf's dtype")
        XCTAssertEqual(x.grad?.doubles, [3, -4.5, 6])
        XCTAssertTrue(x.cast(to: .float32) === x, "casting to the same dtype is free")
        // Rounding to float32 and back.
        let d = Tensor(doubles: [0.1, 1e-50, 1e50])
        XCTAssertEqual(d.cast(to: .float32).doubles, [Double(Float(0.1)), 0, Double.infinity])
        // A round trip through float32 passes the gradient through unchanged (finite differences
        // would only see float32 rounding here, so the check is analytic).
        let z = Tensor(doubles: [0.3, -0.7, 1.2]).requiringGradient()
        (z.cast(to: .float32).cast(to: .float64) * 2).sum().backward()
        XCTAssertEqual(z.grad?.doubles, [2, 2, 2])
        XCTAssertEqual(z.grad?.dtype, .float64)
    }

    func testLargeElementwiseRunsInParallelChunksCorrectly() {
        // Above the parallel threshold (65536 items) on both contiguous and broadcast paths.
        let n = 300, m = 400
        let a = Tensor(doubles: (0..<(n * m)).map { Double($0 % 97) / 7 }, shape: [n, m], dtype: .float32)
        let b = Tensor(doubles: (0..<m).map { Double($0) / 13 }, shape: [m], dtype: .float32)
        let out = (a * b + a.exp() / 1000).doubles
        let av = a.doubles, bv = b.doubles
        var maxErr = 0.0
        for i in 0..<n { for j in 0..<m {
            let v = av[i * m + j]
            let e = v * bv[j] + Foundation.exp(v) / 1000
            maxErr = Swift.max(maxErr, Swift.abs(out[i * m + j] - e) / Swift.max(1, Swift.abs(e)))
        } }
        XCTAssertLessThan(maxErr, 1e-6)
        let t = a.transposed(0, 1) + b.unsqueezed(axis: 1)
        XCTAssertEqual(t.shape, [m, n])
        let tv = t.doubles
        XCTAssertEqual(tv[5 * n + 7], Double(Float(av[7 * m + 5]) + Float(bv[5])))
    }

    /// As PyTorch: ReLU passes NaN through, so a diverged network shows a NaN loss.
    func testReluPropagatesNaN() {
        let y = Tensor([-1, .nan, 2] as [Float], shape: [3]).relu().scalars
        XCTAssertEqual(y[0], 0)
        XCTAssertTrue(y[1].isNaN)
        XCTAssertEqual(y[2], 2)
    }
}
