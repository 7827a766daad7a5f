import Foundation
import KindredTensor
import XCTest

/// Batch normalisation (training and evaluation) and layer normalisation: PyTorch fixtures for
/// outputs, batch and running statistics and gradients; gradient checks; strided parameters.
final class NormalizationTests: XCTestCase {
    /// PyTorch's running-statistics update (momentum 0.1, unbiased variance), from the biased batch
    /// statistics that ``Tensor/batchNormTraining(weight:bias:epsilon:)`` returns.
    private func updateRunning(mean rm: [Double], variance rv: [Double], batchMean: Tensor, batchVariance: Tensor,
                               count n: Int, momentum: Double) -> ([Double], [Double]) {
        let bm = batchMean.doubles, bv = batchVariance.doubles
        let unbiased = Double(n) / Double(n - 1)
        return (zip(rm, bm).map { $0 * (1 - momentum) + $1 * momentum },
                zip(rv, bv).map { $0 * (1 - momentum) + $1 * unbiased * momentum })
    }

    func testBatchNormMatchesPyTorch() {
        let errors = FixtureErrors()
        for c in loadFixtures("batch_norm.json") {
            for dtype in DType.allCases {
                for strided in [false, true] {
                    let tol = fixtureTolerance(dtype)
                    let label = "\(c.name) \(dtype)\(strided ? " strided" : "")"
                    let x0 = c.tensor("x", dtype)
                    let x = (strided ? nonContiguousCopy(x0) : x0).requiringGradient()
                    let w = c.optionalTensor("weight", dtype).map { strided ? stridedVector($0) : $0 }?.requiringGradient()
                    let b = c.optionalTensor("bias", dtype).map { strided ? stridedVector($0) : $0 }?.requiringGradient()
                    let epsilon = c.floats["epsilon"] ?? 1e-5
                    let y: Tensor
                    if c.name.hasPrefix("eval") {
                        y = x.batchNormInference(mean: c.tensor("runningMean", dtype), variance: c.tensor("runningVar", dtype),
                                                 weight: w, bias: b, epsilon: epsilon)
                    } else {
                        let r = x.batchNormTraining(weight: w, bias: b, epsilon: epsilon)
                        y = r.output
                        errors.record("batch mean", dtype, assertClose(r.mean, c.expected("batchMean"), shape: [x.shape[1]], tol: tol, label))
                        errors.record("batch variance", dtype, assertClose(r.variance, c.expected("batchVar"), shape: [x.shape[1]], tol: tol, label))
                        // Running statistics after one and two training steps, from (0, 1).
                        let channels = x.shape[1], n = x.count / channels, momentum = c.floats["momentum"] ?? 0.1
                        var (rm, rv) = updateRunning(mean: [Double](repeating: 0, count: channels), variance: [Double](repeating: 1, count: channels),
                                                     batchMean: r.mean, batchVariance: r.variance, count: n, momentum: momentum)
                        errors.record("running stats", dtype, assertClose(rm, c.expected("runningMean1"), tol: tol, label))
                        errors.record("running stats", dtype, assertClose(rv, c.expected("runningVar1"), tol: tol, label))
                        let r2 = c.tensor("x2", dtype).batchNormTraining(weight: nil, bias: nil, epsilon: epsilon)
                        (rm, rv) = updateRunning(mean: rm, variance: rv, batchMean: r2.mean, batchVariance: r2.variance, count: n, momentum: momentum)
                        errors.record("running stats", dtype, assertClose(rm, c.expected("runningMean2"), tol: tol, label))
                        errors.record("running stats", dtype, assertClose(rv, c.expected("runningVar2"), tol: tol, label))
                    }
                    let group = c.name.hasPrefix("eval") ? "eval" : "train"
                    errors.record("\(group) output", dtype, assertClose(y, c.expected("y"), shape: c.shape("y"), tol: tol, label))
                    (y * c.tensor("gy", dtype)).sum().backward()
                    errors.record("\(group) grad input", dtype, assertClose(x.grad, c.expected("gx"), shape: x.shape, tol: tol, label))
                    if let w, let b {
                        errors.record("\(group) grad weight", dtype, assertClose(w.grad, c.expected("gweight"), shape: w.shape, tol: tol, label))
                        errors.record("\(group) grad bias", dtype, assertClose(b.grad, c.expected("gbias"), shape: b.shape, tol: tol, label))
                    }
                }
            }
        }
        errors.report("batch norm")
    }

    func testLayerNormMatchesPyTorch() {
        let errors = FixtureErrors()
        for c in loadFixtures("softmax_loss.json") where c.name.hasPrefix("layer_norm") {
            for dtype in DType.allCases {
                for strided in [false, true] {
                    let tol = fixtureTolerance(dtype)
                    let label = "\(c.name) \(dtype)\(strided ? " strided" : "")"
                    let x0 = c.tensor("x", dtype)
                    let x = (strided ? nonContiguousCopy(x0) : x0).requiringGradient()
                    let w = c.tensor("weight", dtype).requiringGradient(), b = c.tensor("bias", dtype).requiringGradient()
                    let y = x.layerNorm(normalizedAxes: c.int("normalizedAxes", 1), weight: w, bias: b, epsilon: c.floats["epsilon"] ?? 1e-5)
                    errors.record("output", dtype, assertClose(y, c.expected("y"), shape: c.shape("y"), tol: tol, label))
                    (y * c.tensor("gy", dtype)).sum().backward()
                    errors.record("grad input", dtype, assertClose(x.grad, c.expected("gx"), shape: x.shape, tol: tol, label))
                    errors.record("grad weight", dtype, assertClose(w.grad, c.expected("gweight"), shape: w.shape, tol: tol, label))
                    errors.record("grad bias", dtype, assertClose(b.grad, c.expected("gbias"), shape: b.shape, tol: tol, label))
                }
            }
        }
        errors.report("layer norm")
    }

    func testBatchNormClosedForm() {
        // One channel, values 1…4: mean 2.5, biased variance 1.25.
        let x = Tensor(doubles: [1, 2, 3, 4], shape: [2, 1, 2])
        let r = x.batchNormTraining(weight: Tensor(doubles: [2]), bias: Tensor(doubles: [0.5]), epsilon: 0)
        XCTAssertEqual(r.mean.doubles, [2.5])
        XCTAssertEqual(r.variance.doubles, [1.25])
        let s = 1.25.squareRoot()
        assertClose(r.output, [-1.5, -0.5, 0.5, 1.5].map { 2 * $0 / s + 0.5 }, shape: [2, 1, 2], tol: 1e-15)
        XCTAssertFalse(r.mean.tracksGradient)
        // Per-channel statistics on [N, C, H, W].
        let v = values(2 * 3 * 2 * 2, seed: 160)
        let t = Tensor(doubles: v, shape: [2, 3, 2, 2])
        let stats = t.batchNormTraining(weight: nil, bias: nil)
        let (mean, _) = reduceReference(v, shape: [2, 3, 2, 2], axes: [0, 2, 3]) { $0.reduce(0, +) / Double($0.count) }
        assertClose(stats.mean, mean, tol: 1e-15)
        assertClose(stats.variance, t.variance(axes: [0, 2, 3], correction: 0).doubles, tol: 1e-15)
        // Normalised output: zero mean, unit (biased) variance per channel.
        assertClose(stats.output.mean(axes: [0, 2, 3]), [0, 0, 0], tol: 1e-15)
        assertClose(stats.output.variance(axes: [0, 2, 3], correction: 0), [1, 1, 1], tol: 1e-4)
    }

    func testBatchNormGradients() {
        let x = randomTensor([3, 2, 2, 3], seed: 161), w = randomTensor([2], seed: 162, low: 0.5, high: 1.5), b = randomTensor([2], seed: 163)
        assertGradients([x, w, b], "4-D affine") { $0[0].batchNormTraining(weight: $0[1], bias: $0[2]).output }
        assertGradients([x], "4-D plain") { $0[0].batchNormTraining(weight: nil, bias: nil).output }
        assertGradients([x, w], "strided input, no bias") { $0[0].transposed(2, 3).batchNormTraining(weight: $0[1], bias: nil).output }
        let x2 = randomTensor([5, 3], seed: 164), w2 = randomTensor([3], seed: 165), b2 = randomTensor([3], seed: 166)
        assertGradients([x2, w2, b2], "2-D") { $0[0].batchNormTraining(weight: $0[1], bias: $0[2]).output }
        assertGradients([x2, b2], "bias only") { $0[0].batchNormTraining(weight: nil, bias: $0[1]).output }
        assertGradients([x2, w2, b2], "strided parameters") {
            // weight and bias interleaved in one buffer: both are stride-2 views.
            let both = Tensor.stack([$0[1], $0[2]], axis: 1).reshaped([6])
            return $0[0].batchNormTraining(weight: both.sliced(axis: 0, range: 0..<6, step: 2), bias: both.sliced(axis: 0, range: 1..<6, step: 2)).output
        }
        // The output used twice and combined with the input.
        assertGradients([x2, w2]) { t in
            let y = t[0].batchNormTraining(weight: t[1], bias: nil).output
            return y * y + t[0] * y
        }
        let mean = randomTensor([2], seed: 167), variance = randomTensor([2], seed: 168, low: 0.3, high: 2)
        assertGradients([x, mean, variance, w, b], "inference") {
            $0[0].batchNormInference(mean: $0[1], variance: $0[2], weight: $0[3], bias: $0[4])
        }
    }

    func testFusedBatchNormReLUEqualsBatchNormThenReLU() {
        // Values, gradients (input, weight, bias) and inference outputs, bit for bit, in both dtypes.
        for dtype in [DType.float64, .float32] {
            let x0 = randomTensor([6, 3, 5, 7], seed: 171, dtype: dtype), g = randomTensor([6, 3, 5, 7], seed: 172, dtype: dtype)
            let w0 = randomTensor([3], seed: 173, low: -1.5, high: 1.5, dtype: dtype), b0 = randomTensor([3], seed: 174, dtype: dtype)
            func run(fused: Bool) -> [[Double]] {
                let x = x0.detached().requiringGradient(), w = w0.detached().requiringGradient(), b = b0.detached().requiringGradient()
                let y = fused ? x.batchNormTraining(weight: w, bias: b, relu: true).output
                              : x.batchNormTraining(weight: w, bias: b).output.relu()
                (y * g).sum().backward()
                return [y.doubles, x.grad?.doubles ?? [], w.grad?.doubles ?? [], b.grad?.doubles ?? []]
            }
            let fused = run(fused: true), plain = run(fused: false)
            XCTAssertTrue(fused[0].contains(0) && fused[0].contains { $0 > 0 }, "the test needs both sides of the ReLU")
            for (part, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                XCTAssertEqual(fused[part], plain[part], "\(dtype) \(name)")
            }
            let mean = randomTensor([3], seed: 175, dtype: dtype), variance = randomTensor([3], seed: 176, low: 0.3, high: 2, dtype: dtype)
            let inferred = withoutGradients { x0.batchNormInference(mean: mean, variance: variance, weight: w0, bias: b0, relu: true) }
            let reference = withoutGradients { x0.batchNormInference(mean: mean, variance: variance, weight: w0, bias: b0).relu() }
            XCTAssertEqual(inferred.doubles, reference.doubles, "\(dtype) inference")
        }
        let x = randomTensor([3, 2, 2, 3], seed: 177), w = randomTensor([2], seed: 178, low: 0.5, high: 1.5), b = randomTensor([2], seed: 179)
        assertGradients([x, w, b], "fused ReLU") { $0[0].batchNormTraining(weight: $0[1], bias: $0[2], relu: true).output }
    }

    func testReLUGradientMaskEqualsTheScalarRule() {
        // ReLU's backward (and the fused batch norm's) masks sixteen float32 values at a time:
        // it must keep the scalar rule `x > 0 ? g : 0` exactly, NaN and signed zeros included.
        let specials: [Double] = [.nan, 0, -0.0, -1, 2, .infinity, -.infinity, 1e-40]
        let xs = (0..<37).map { specials[$0 % specials.count] * ($0 % 3 == 0 ? 1 : -1) }
        let gs = (0..<37).map { $0 % 5 == 0 ? Double.nan : Double($0) - 18 }
        for dtype in [DType.float32, .float64] {
            let x = Tensor(doubles: xs, shape: [37], dtype: dtype).requiringGradient()
            x.relu().backward(Tensor(doubles: gs, shape: [37], dtype: dtype))
            let expected = zip(xs, gs).map { Double(dtype == .float32 ? Double(Float($0)) : $0) > 0 ? $1 : 0 }
            let got = x.grad?.doubles ?? []
            for i in 0..<37 {
                XCTAssertTrue(got[i] == expected[i] || (got[i].isNaN && expected[i].isNaN), "\(dtype) [\(i)]: \(got[i]) vs \(expected[i])")
                XCTAssertEqual(got[i].sign, expected[i].sign, "\(dtype) [\(i)] sign")
            }
        }
    }

    func testBatchNormWithNonContiguousWeightAndBias() {
        // Strided weight/bias views must be read correctly (their contiguous copies must outlive
        // the kernel). Large enough that freed buffers are recycled by the storage pool.
        for channels in [3, 5000] {
            let x = randomTensor([2, channels, 2], seed: 170, dtype: .float32)
            let wBase = randomTensor([channels, 2], seed: 171, low: 0.5, high: 1.5, dtype: .float32)
            let bBase = randomTensor([channels, 2], seed: 172, dtype: .float32)
            let w = wBase.reshaped([2 * channels]).sliced(axis: 0, range: 0..<(2 * channels), step: 2)
            let b = bBase.reshaped([2 * channels]).sliced(axis: 0, range: 1..<(2 * channels), step: 2)
            XCTAssertFalse(w.isContiguous)
            let strided = x.batchNormTraining(weight: w, bias: b).output
            let reference = x.batchNormTraining(weight: w.contiguous(copy: true), bias: b.contiguous(copy: true)).output
            assertClose(strided, reference.doubles, tol: 0, "channels \(channels)")
            // The backward pass reads the weight too.
            let xl = x.detached().requiringGradient(), xr = x.detached().requiringGradient()
            xl.batchNormTraining(weight: w, bias: b).output.squared().sum().backward()
            xr.batchNormTraining(weight: w.contiguous(copy: true), bias: b.contiguous(copy: true)).output.squared().sum().backward()
            assertClose(xl.grad, xr.grad?.doubles ?? [], tol: 0, "channels \(channels)")
        }
    }

    func testLayerNormClosedFormAndGradients() {
        let x = Tensor(doubles: [1, 2, 3, 4, 10, 10, 10, 14], shape: [2, 4])
        let y = x.layerNorm(epsilon: 0)
        let s = 1.25.squareRoot()
        assertClose(y, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, -1 / 3.0.squareRoot(), -1 / 3.0.squareRoot(), -1 / 3.0.squareRoot(), 3 / 3.0.squareRoot()], tol: 1e-15)
        let t = randomTensor([2, 3, 4], seed: 180), w = randomTensor([4], seed: 181), b = randomTensor([4], seed: 182)
        assertGradients([t, w, b], "last axis") { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        let w2 = randomTensor([3, 4], seed: 183)
        assertGradients([t, w2], "last two axes") { $0[0].layerNorm(normalizedAxes: 2, weight: $0[1]) }
        assertGradients([t], "strided, no affine") { $0[0].transposed(0, 2).layerNorm() }
        assertGradients([t, w], "broadcast weight") { $0[0].layerNorm(weight: $0[1].unsqueezed(axis: 0)) }
    }
}
