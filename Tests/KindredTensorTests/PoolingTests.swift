import Foundation
import KindredTensor
import XCTest

/// Max, average and adaptive-average pooling: PyTorch fixtures (ties, padding, count_include_pad,
/// non-divisible adaptive windows), closed forms and gradient checks.
final class PoolingTests: XCTestCase {
    func testPoolingMatchesPyTorch() {
        let errors = FixtureErrors()
        for c in loadFixtures("pooling.json") {
            for dtype in DType.allCases {
                for strided in [false, true] {
                    let tol = fixtureTolerance(dtype)
                    let label = "\(c.name) \(dtype)\(strided ? " strided" : "")"
                    let x0 = c.tensor("x", dtype)
                    let x = (strided ? nonContiguousCopy(x0) : x0).requiringGradient()
                    let y: Tensor
                    let group: String
                    if c.name.hasPrefix("max") {
                        y = x.maxPool2d(kernel: c.pair("kernel"), stride: c.pair("stride"), padding: c.pair("padding"))
                        group = "max"
                    } else if c.name.hasPrefix("avg") {
                        y = x.avgPool2d(kernel: c.pair("kernel"), stride: c.pair("stride"), padding: c.pair("padding"),
                                        countIncludePad: c.int("countIncludePad", 1) == 1)
                        group = "avg"
                    } else {
                        y = x.adaptiveAvgPool2d(outputSize: c.pair("outputSize"))
                        group = "adaptive"
                    }
                    errors.record("\(group) output", dtype, assertClose(y, c.expected("y"), shape: c.shape("y"), tol: tol, label))
                    (y * c.tensor("gy", dtype)).sum().backward()
                    errors.record("\(group) grad input", dtype, assertClose(x.grad, c.expected("gx"), shape: x.shape, tol: tol, label))
                }
            }
        }
        errors.report("pooling")
    }

    func testMaxPoolClosedFormsAndTies() {
        let x = Tensor(doubles: [1, 5, 2, 0,
                                 3, 4, 8, 8,
                                 7, 7, 6, 1,
                                 7, 2, 0, 9], shape: [1, 1, 4, 4]).requiringGradient()
        let y = x.maxPool2d(kernel: (2, 2))
        XCTAssertEqual(y.doubles, [5, 8, 7, 9])
        y.sum().backward()
        // Ties (8, 8 and the three 7s): the first in row-major order takes the gradient.
        XCTAssertEqual(x.grad?.doubles, [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
        // Overlapping windows: an element that wins twice gets both gradients.
        x.zeroGrad()
        let z = x.maxPool2d(kernel: (2, 2), stride: (1, 1))
        XCTAssertEqual(z.doubles, [5, 8, 8, 7, 8, 8, 7, 7, 9])
        z.sum().backward()
        XCTAssertEqual(x.grad?.doubles, [0, 1, 0, 0, 0, 0, 4, 0, 2, 1, 0, 0, 0, 0, 0, 1])
        // Padding never wins, even against negative values.
        let n = Tensor(doubles: [-3, -1, -2, -4], shape: [1, 1, 2, 2])
        XCTAssertEqual(n.maxPool2d(kernel: (2, 2), stride: (1, 1), padding: (1, 1)).doubles, [-3, -1, -1, -2, -1, -1, -2, -2, -4])
    }

    func testHalvingMaxPoolFloat32EqualsScalarPath() {
        // float32 2×2/2 pools run eight outputs at a time (odd widths leave a scalar tail); float64
        // takes the scalar loop. Values are small integers (many ties) with NaNs sprinkled in:
        // outputs, NaN positions and gradient routing must agree exactly.
        var values = values(2 * 3 * 9 * 37, seed: 77, low: 0, high: 4).map { $0.rounded(.down) }
        for i in stride(from: 5, to: values.count, by: 41) { values[i] = .nan }
        let x64 = Tensor(doubles: values, shape: [2, 3, 9, 37]).requiringGradient()
        let x32 = Tensor(doubles: values, shape: [2, 3, 9, 37], dtype: .float32).requiringGradient()
        let y64 = x64.maxPool2d(kernel: (2, 2)), y32 = x32.maxPool2d(kernel: (2, 2))
        XCTAssertEqual(y32.shape, [2, 3, 4, 18])
        let a = y64.doubles, b = y32.doubles
        XCTAssertTrue(a.contains { $0.isNaN })
        for i in a.indices {
            XCTAssertTrue(a[i] == b[i] || (a[i].isNaN && b[i].isNaN), "output \(i): \(a[i]) vs \(b[i])")
        }
        let g = Tensor(doubles: (0..<y64.count).map { Double($0 % 7) }, shape: y64.shape)
        (y64 * g).sum().backward()
        (y32 * g.cast(to: .float32)).sum().backward()
        XCTAssertEqual(x64.grad?.doubles, x32.grad?.doubles)
    }

    func testAvgPoolClosedForms() {
        let x = Tensor(doubles: (1...16).map(Double.init), shape: [1, 1, 4, 4])
        XCTAssertEqual(x.avgPool2d(kernel: (2, 2)).doubles, [3.5, 5.5, 11.5, 13.5])
        // 3×3 window at the corner with padding 1: 4 real values; divisor 9 with the pad, 4 without.
        let inc = x.avgPool2d(kernel: (3, 3), stride: (3, 3), padding: (1, 1), countIncludePad: true).doubles
        let exc = x.avgPool2d(kernel: (3, 3), stride: (3, 3), padding: (1, 1), countIncludePad: false).doubles
        XCTAssertEqual(inc[0], (1 + 2 + 5 + 6) / 9, accuracy: 1e-15)
        XCTAssertEqual(exc[0], (1 + 2 + 5 + 6) / 4, accuracy: 1e-15)
        // Global average pooling.
        XCTAssertEqual(x.adaptiveAvgPool2d().doubles, [8.5])
        XCTAssertEqual(x.adaptiveAvgPool2d().shape, [1, 1, 1, 1])
        // Adaptive 4 → 3: windows [0,2), [1,3), [2,4) on both axes.
        let a = x.adaptiveAvgPool2d(outputSize: (3, 3)).doubles
        XCTAssertEqual(a, [3.5, 4.5, 5.5, 7.5, 8.5, 9.5, 11.5, 12.5, 13.5])
        // Adaptive to the same size is the identity.
        XCTAssertEqual(x.adaptiveAvgPool2d(outputSize: (4, 4)).doubles, x.doubles)
    }

    func testPoolingGradients() {
        // Distinct values, so max pooling has no ties (a kink) within the finite-difference step.
        let x = Tensor(doubles: distinctValues(2 * 3 * 5 * 6, seed: 150, gap: 0.01), shape: [2, 3, 5, 6])
        assertGradients([x], "max") { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        assertGradients([x], "max overlapping") { $0[0].maxPool2d(kernel: (2, 3), stride: (1, 1)) }
        assertGradients([x], "max strided input") { $0[0].transposed(2, 3).maxPool2d(kernel: (2, 2), stride: (2, 1), padding: (1, 0)) }
        for include in [true, false] {
            assertGradients([x], "avg \(include)") { $0[0].avgPool2d(kernel: (3, 2), stride: (2, 1), padding: (1, 1), countIncludePad: include) }
            assertGradients([x], "avg strided \(include)") { $0[0].transposed(2, 3).avgPool2d(kernel: (2, 2), padding: (1, 1), countIncludePad: include) }
        }
        for size in [(1, 1), (2, 4), (4, 5), (7, 9)] {
            assertGradients([x], "adaptive \(size)") { $0[0].adaptiveAvgPool2d(outputSize: size) }
        }
        assertGradients([x], "adaptive strided") { $0[0].permuted([0, 1, 3, 2]).adaptiveAvgPool2d(outputSize: (4, 3)) }
    }
}
