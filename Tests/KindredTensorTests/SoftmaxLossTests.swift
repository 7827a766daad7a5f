import Foundation
import KindredTensor
import XCTest

/// softmax, logSoftmax, logSumExp, gelu and crossEntropy (with label smoothing and every
/// reduction): PyTorch fixtures, closed forms, stability and gradient checks.
final class SoftmaxLossTests: XCTestCase {
    func testSoftmaxFamilyMatchesPyTorch() {
        let errors = FixtureErrors()
        for c in loadFixtures("softmax_loss.json") where !c.name.hasPrefix("layer_norm") && !c.name.hasPrefix("cross_entropy") {
            for dtype in DType.allCases {
                for strided in [false, true] {
                    let label = "\(c.name) \(dtype)\(strided ? " strided" : "")"
                    let x0 = c.tensor("x", dtype)
                    let x = (strided && x0.rank >= 2 ? nonContiguousCopy(x0) : x0).requiringGradient()
                    let y: Tensor, group: String
                    if c.name.hasPrefix("softmax") {
                        y = x.softmax(axis: c.int("axis", -1)); group = "softmax"
                    } else if c.name.hasPrefix("log_softmax") {
                        y = x.logSoftmax(axis: c.int("axis", -1)); group = "logSoftmax"
                    } else if c.name.hasPrefix("logsumexp") {
                        y = x.logSumExp(axes: c.ints["axes"]); group = "logSumExp"
                    } else {
                        y = x.gelu(); group = "gelu"
                    }
                    let tol = fixtureTolerance(dtype)
                    errors.record("\(group) output", dtype, assertClose(y, c.expected("y"), shape: c.shape("y"), tol: tol, label))
                    (y * c.tensor("gy", dtype)).sum().backward()
                    errors.record("\(group) grad input", dtype, assertClose(x.grad, c.expected("gx"), shape: x.shape, tol: tol, label))
                }
            }
        }
        errors.report("softmax family")
    }

    func testCrossEntropyMatchesPyTorch() {
        let errors = FixtureErrors()
        for c in loadFixtures("softmax_loss.json") where c.name.hasPrefix("cross_entropy") {
            for dtype in DType.allCases {
                let tol = fixtureTolerance(dtype)
                guard let reduction = c.reduction.flatMap(LossReduction.init(rawValue:)), let targets = c.ints["targets"] else {
                    XCTFail("\(c.name): missing reduction or targets")
                    continue
                }
                let logits = c.tensor("logits", dtype).requiringGradient()
                let loss = crossEntropy(logits: logits, targets: targets, labelSmoothing: c.floats["labelSmoothing"] ?? 0, reduction: reduction)
                errors.record("loss", dtype, assertClose(loss, c.expected("loss"), shape: c.shape("loss"), tol: tol, "\(c.name) \(dtype)"))
                (loss * c.tensor("gy", dtype)).sum().backward()
                errors.record("grad logits", dtype, assertClose(logits.grad, c.expected("glogits"), shape: logits.shape, tol: tol, "\(c.name) \(dtype)"))
            }
        }
        errors.report("cross entropy")
    }

    func testSoftmaxClosedFormsAndStability() {
        let x = Tensor(doubles: [1, 2, 3, 0, 0, 0], shape: [2, 3])
        let e: [Double] = [Foundation.exp(1.0), Foundation.exp(2.0), Foundation.exp(3.0)]
        let z: Double = e.reduce(0, +)
        let third: Double = 1.0 / 3
        assertClose(x.softmax(), e.map { $0 / z } + [third, third, third], tol: 1e-15)
        let logThird: Double = -Foundation.log(3.0)
        assertClose(x.logSoftmax(), e.map { Foundation.log($0 / z) } + [logThird, logThird, logThird], tol: 1e-15)
        let top: [Double] = e.map { $0 / ($0 + 1) }, bottom: [Double] = e.map { 1 / ($0 + 1) }
        assertClose(x.softmax(axis: 0), top + bottom, tol: 1e-15)
        for dtype in DType.allCases {
            // Huge logits: no overflow; -inf logits get probability 0.
            let big = Tensor(doubles: [1000, 1001, -.infinity, -1000, -1000, -1000], shape: [2, 3], dtype: dtype)
            let p = big.softmax().doubles
            XCTAssertEqual(p[0], 1 / (1 + Foundation.exp(1.0)), accuracy: 1e-6)
            XCTAssertEqual(p[2], 0)
            XCTAssertEqual(p[3], 1.0 / 3, accuracy: 1e-6)
            let lp = big.logSoftmax().doubles
            XCTAssertEqual(lp[1], -Foundation.log1p(Foundation.exp(-1.0)), accuracy: 1e-5)
            XCTAssertEqual(lp[2], -.infinity)
            // Rows sum to one along any axis, also for strided input.
            let r = randomTensor([3, 4, 5], seed: 190, low: -5, high: 5, dtype: dtype)
            for axis in 0..<3 {
                assertClose(r.softmax(axis: axis).sum(axis: axis), [Double](repeating: 1, count: 60 / r.shape[axis]), tol: 1e-6)
                assertClose(r.transposed(0, 2).softmax(axis: axis), r.transposed(0, 2).contiguous().softmax(axis: axis).doubles, tol: 1e-12)
                assertClose(r.logSoftmax(axis: axis).exp(), r.softmax(axis: axis).doubles, tol: 1e-6)
            }
        }
    }

    func testSoftmaxGradients() {
        let x = randomTensor([2, 3, 4], seed: 191, low: -2, high: 2)
        for axis in [0, 1, 2, -1] {
            assertGradients([x], "softmax \(axis)") { $0[0].softmax(axis: axis) }
            assertGradients([x], "logSoftmax \(axis)") { $0[0].logSoftmax(axis: axis) }
            assertGradients([x], "softmax strided \(axis)") { $0[0].permuted([2, 0, 1]).softmax(axis: axis) }
            assertGradients([x], "logSoftmax strided \(axis)") { $0[0].sliced(axis: 2, range: 0..<4, step: 2).logSoftmax(axis: axis) }
        }
        assertGradients([x]) { $0[0].softmax(axis: 1) * $0[0].logSoftmax(axis: 1) }
    }

    func testCrossEntropyClosedFormsAndGradients() {
        let logits = Tensor(doubles: [2, 0, -1, 0.5, 0.5, 0.5], shape: [2, 3])
        let lse0: Double = Foundation.log(Foundation.exp(2.0) + 1 + Foundation.exp(-1.0))
        let lse1: Double = 0.5 + Foundation.log(3.0)
        let perItem: [Double] = [lse0 - 2, lse1 - 0.5]
        assertClose(crossEntropy(logits: logits, targets: [0, 2], reduction: .none), perItem, shape: [2], tol: 1e-15)
        assertClose(crossEntropy(logits: logits, targets: [0, 2]), [(perItem[0] + perItem[1]) / 2], shape: [], tol: 1e-15)
        assertClose(crossEntropy(logits: logits, targets: [0, 2], reduction: .sum), [perItem[0] + perItem[1]], tol: 1e-15)
        // Label smoothing ε: (1-ε)·nll + ε·mean over classes of -log p.
        let eps = 0.2
        let smooth0: Double = (1 - eps) * perItem[0] + eps * (3 * lse0 - 1) / 3  // Σ logits of row 0 = 1
        let smooth1: Double = (1 - eps) * perItem[1] + eps * (3 * lse1 - 1.5) / 3
        assertClose(crossEntropy(logits: logits, targets: [0, 2], labelSmoothing: eps, reduction: .none), [smooth0, smooth1], tol: 1e-15)
        // Gradient of the mean loss: (softmax - onehot) / N.
        let l = logits.requiringGradient()
        crossEntropy(logits: l, targets: [0, 2]).backward()
        let p = logits.softmax().doubles
        assertClose(l.grad, [p[0] - 1, p[1], p[2], p[3], p[4], p[5] - 1].map { $0 / 2 }, tol: 1e-15)
        let x = randomTensor([4, 5], seed: 192, low: -3, high: 3)
        for reduction in LossReduction.allCases {
            for smoothing in [0, 0.1] {
                assertGradients([x], "\(reduction) \(smoothing)") { crossEntropy(logits: $0[0], targets: [4, 0, 0, 2], labelSmoothing: smoothing, reduction: reduction) }
            }
        }
        assertGradients([x]) { crossEntropy(logits: $0[0].T.sliced(axis: 0, range: 0..<5, step: 2), targets: [1, 3, 0]) }
        // Extreme logits stay finite.
        let extreme = Tensor(doubles: [1000, -1000, 0, -1000], shape: [2, 2], dtype: .float32).requiringGradient()
        let loss = crossEntropy(logits: extreme, targets: [1, 1], labelSmoothing: 0.1)
        XCTAssertTrue(loss.item().isFinite)
        loss.backward()
        XCTAssertTrue(extreme.grad?.doubles.allSatisfy(\.isFinite) ?? false)
    }

    func testGeluClosedForm() {
        // Exact GELU, x·Φ(x): Φ(0) = 1/2, Φ(1) ≈ 0.8413447460685429.
        let g = Tensor(doubles: [0, 1, -1]).gelu().doubles
        XCTAssertEqual(g[0], 0)
        XCTAssertEqual(g[1], 0.8413447460685429, accuracy: 1e-15)
        XCTAssertEqual(g[2], -(1 - 0.8413447460685429), accuracy: 1e-15)
        assertGradients([Tensor(doubles: values(20, seed: 193, low: -5, high: 5))]) { $0[0].gelu() }
    }
}
