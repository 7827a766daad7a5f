import Foundation
import KindredTensor
import XCTest

/// conv2d and convTranspose2d: PyTorch fixtures (values and gradients for input, weight and bias),
/// float64 gradient checks, and the adjoint relation between the two.
final class ConvolutionTests: XCTestCase {
    /// The three ways each fixture is run: float64, float32, and float32 from non-contiguous input,
    /// weight and bias.
    private let variants: [(DType, Bool)] = [(.float64, false), (.float32, false), (.float32, true)]

    private func runFixtures(_ file: String, transposed: Bool) {
        let errors = FixtureErrors()
        for c in loadFixtures(file) {
            for (dtype, strided) in variants {
                let tol = fixtureTolerance(dtype)
                let label = "\(c.name) \(dtype)\(strided ? " strided" : "")"
                let x0 = c.tensor("x", dtype), w0 = c.tensor("weight", dtype)
                let x = (strided ? nonContiguousCopy(x0) : x0).requiringGradient()
                let w = (strided ? nonContiguousCopy(w0) : w0).requiringGradient()
                let b = c.optionalTensor("bias", dtype).map { strided ? stridedVector($0) : $0 }?.requiringGradient()
                let y: Tensor
                if transposed {
                    y = x.convTranspose2d(weight: w, bias: b, stride: c.pair("stride", (1, 1)), padding: c.pair("padding"),
                                          outputPadding: c.pair("outputPadding"), dilation: c.pair("dilation", (1, 1)), groups: c.int("groups", 1))
                } else {
                    y = x.conv2d(weight: w, bias: b, stride: c.pair("stride", (1, 1)), padding: c.pair("padding"),
                                 dilation: c.pair("dilation", (1, 1)), groups: c.int("groups", 1))
                }
                errors.record("output", dtype, assertClose(y, c.expected("y"), shape: c.shape("y"), tol: tol, label))
                (y * c.tensor("gy", dtype)).sum().backward()
                errors.record("grad input", dtype, assertClose(x.grad, c.expected("gx"), shape: x.shape, tol: tol, label))
                errors.record("grad weight", dtype, assertClose(w.grad, c.expected("gweight"), shape: w.shape, tol: tol, label))
                if let b {
                    errors.record("grad bias", dtype, assertClose(b.grad, c.expected("gbias"), shape: b.shape, tol: tol, label))
                } else {
                    XCTAssertNil(c.shape("gbias"), label)
                }
            }
        }
        errors.report(file)
    }

    func testConv2dMatchesPyTorch() { runFixtures("conv2d.json", transposed: false) }

    func testConvTranspose2dMatchesPyTorch() { runFixtures("conv_transpose2d.json", transposed: true) }

    func testConv2dByLoopsOnHandMadeInput() {
        // 1 image, 1 channel, 3×3 input, 2×2 kernel: out[i][j] = Σ x[i+a][j+b] w[a][b] + bias.
        let x = Tensor(doubles: [1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [1, 1, 3, 3])
        let w = Tensor(doubles: [1, 0, 0, -1], shape: [1, 1, 2, 2])
        XCTAssertEqual(x.conv2d(weight: w, bias: Tensor(doubles: [10])).doubles, [6, 6, 6, 6])
        // Padding 1, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
        XCTAssertEqual(x.conv2d(weight: w, stride: (2, 2), padding: (1, 1)).doubles, [-1, -3, -7, -4])
        // Dilation 2 with a 2×2 kernel touches the corners: 1 - 9.
        XCTAssertEqual(x.conv2d(weight: w, dilation: (2, 2)).doubles, [-8])
        // Padding wider than the kernel: a 1×1 kernel over 2 rings of zeros.
        let padded = x.conv2d(weight: Tensor(doubles: [2], shape: [1, 1, 1, 1]), padding: (2, 1))
        XCTAssertEqual(padded.shape, [1, 1, 7, 5])
        XCTAssertEqual(padded.sum().item(), 90)
        XCTAssertEqual(padded.doubles[2 * 5 + 1], 2)
        XCTAssertEqual(padded.doubles[4 * 5 + 3], 18)
        // Windows start at rows -3, 0, 3 and columns -2, 1: only (0, 1) overlaps the image (2 - 6).
        let sparse = x.conv2d(weight: w, stride: (3, 3), padding: (3, 2))
        XCTAssertEqual(sparse.shape, [1, 1, 3, 2])
        XCTAssertEqual(sparse.doubles, [0, 0, 0, -4, 0, 0])
        // Transposed convolution of a single 1 places the kernel.
        let one = Tensor(doubles: [1], shape: [1, 1, 1, 1])
        XCTAssertEqual(one.convTranspose2d(weight: w).doubles, [1, 0, 0, -1])
        XCTAssertEqual(Tensor(doubles: [1, 2], shape: [1, 1, 1, 2]).convTranspose2d(weight: w, stride: (1, 3)).doubles,
                       [1, 0, 0, 2, 0, 0, -1, 0, 0, -2])
    }

    func testConv2dGradients() {
        let x = randomTensor([2, 4, 5, 4], seed: 51)
        let cases: [(String, [Int], (Int, Int), (Int, Int), (Int, Int), Int)] = [
            ("plain", [3, 4, 3, 3], (1, 1), (0, 0), (1, 1), 1),
            ("stride/pad", [3, 4, 3, 2], (2, 1), (1, 1), (1, 1), 1),
            ("dilation", [2, 4, 2, 2], (1, 2), (1, 0), (2, 2), 1),
            ("groups", [4, 2, 3, 3], (1, 1), (1, 1), (1, 1), 2),
            ("depthwise", [4, 1, 2, 3], (2, 1), (0, 1), (1, 1), 4),
        ]
        for (k, (name, ws, stride, padding, dilation, groups)) in cases.enumerated() {
            let w = randomTensor(ws, seed: UInt64(60 + k)), b = randomTensor([ws[0]], seed: UInt64(70 + k))
            assertGradients([x, w, b], name) {
                $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
            }
        }
        // A channels-last view as input, and the same weight used twice.
        let w = randomTensor([3, 4, 2, 2], seed: 80)
        assertGradients([x, w], "strided input") {
            $0[0].permuted([0, 2, 3, 1]).contiguous().permuted([0, 3, 1, 2]).transposed(2, 3).conv2d(weight: $0[1], padding: (1, 0))
        }
        assertGradients([x, w], "weight used twice") {
            $0[0].conv2d(weight: $0[1]).squared() + $0[0].conv2d(weight: $0[1] * 2).sin()
        }
        // Only the input requires a gradient (the weight is a constant), and vice versa.
        let xl = x.detached().requiringGradient()
        xl.conv2d(weight: w).sum().backward()
        XCTAssertNotNil(xl.grad)
        XCTAssertNil(w.grad)
    }

    func testConvTranspose2dGradients() {
        let x = randomTensor([2, 4, 3, 3], seed: 52)
        let cases: [(String, [Int], (Int, Int), (Int, Int), (Int, Int), (Int, Int), Int)] = [
            ("plain", [4, 3, 2, 2], (1, 1), (0, 0), (0, 0), (1, 1), 1),
            ("stride/pad/outpad", [4, 2, 3, 3], (2, 2), (1, 1), (1, 0), (1, 1), 1),
            ("dilation", [4, 2, 2, 3], (1, 2), (0, 1), (0, 1), (2, 1), 1),
            ("groups", [4, 3, 3, 2], (2, 1), (1, 0), (0, 0), (1, 1), 2),
        ]
        for (k, (name, ws, stride, padding, outputPadding, dilation, groups)) in cases.enumerated() {
            let w = randomTensor(ws, seed: UInt64(90 + k)), b = randomTensor([ws[1] * groups], seed: UInt64(100 + k))
            assertGradients([x, w, b], name) {
                $0[0].convTranspose2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, outputPadding: outputPadding,
                                      dilation: dilation, groups: groups)
            }
            assertGradients([x, w], name + " strided") {
                $0[0].transposed(2, 3).convTranspose2d(weight: $0[1].transposed(2, 3).contiguous().transposed(2, 3), stride: stride,
                                                      padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups)
            }
        }
    }

    func testConv2dWithUnreadInputRowsAndColumns() {
        // Stride 2 on 7 rows with a 2-row kernel never reads the last row; stride 3 on 8 columns
        // with padding 1 never reads the last column. Their gradients are zero, under both plans
        // (per-image from 64 output positions, batched below).
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        for (name, x) in [("batched", randomTensor([2, 2, 7, 8], seed: 54)), ("per-image", randomTensor([2, 2, 29, 26], seed: 55))] {
            let w = randomTensor([3, 2, 2, 2], seed: 56), b = randomTensor([3], seed: 57)
            assertGradients([x, w, b], name) { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (2, 3), padding: (0, 1)) }
            let xg = x.detached().requiringGradient()
            xg.conv2d(weight: w, stride: (2, 3), padding: (0, 1)).sum().backward()
            let g = xg.grad?.doubles ?? []
            let (h, wd) = (x.shape[2], x.shape[3])
            for img in 0..<4 {
                for col in 0..<wd { XCTAssertEqual(g[(img * h + h - 1) * wd + col], 0, "\(name): last row is never read") }
                for row in 0..<h { XCTAssertEqual(g[(img * h + row) * wd + wd - 1], 0, "\(name): last column is never read") }
            }
        }
    }

    func testConvTranspose2dPerImagePlan() {
        // Inputs with ≥ 64 positions and a batch of at least the thread count take the per-image
        // plan (the convolution's input-gradient kernels run one image per thread).
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        let x = randomTensor([3, 4, 8, 9], seed: 53)
        let cases: [(String, [Int], (Int, Int), (Int, Int), (Int, Int), Int)] = [
            ("per-image plain", [4, 3, 2, 2], (1, 1), (0, 0), (0, 0), 1),
            ("per-image stride/pad/outpad", [4, 2, 4, 4], (2, 2), (1, 1), (1, 0), 1),
            ("per-image groups", [4, 3, 3, 2], (2, 1), (1, 0), (0, 0), 2),
        ]
        for (k, (name, ws, stride, padding, outputPadding, groups)) in cases.enumerated() {
            let w = randomTensor(ws, seed: UInt64(150 + k)), b = randomTensor([ws[1] * groups], seed: UInt64(160 + k))
            assertGradients([x, w, b], name) {
                $0[0].convTranspose2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
            }
            // ⟨convT(x, w), y⟩ = ⟨conv(y, w), x⟩, and float32 tracks float64.
            let yT = x.convTranspose2d(weight: w, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
            let y = randomTensor(yT.shape, seed: UInt64(170 + k))
            let back = y.conv2d(weight: w, stride: stride, padding: padding, groups: groups)
            XCTAssertEqual(back.shape, x.shape, name)
            XCTAssertEqual((yT * y).sum().item(), (back * x).sum().item(), accuracy: 1e-10, name)
            let y32 = x.cast(to: .float32).convTranspose2d(weight: w.cast(to: .float32), bias: b.cast(to: .float32), stride: stride,
                                                           padding: padding, outputPadding: outputPadding, groups: groups)
            let y64 = x.convTranspose2d(weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
            assertClose(y32.doubles, y64.doubles, tol: 1e-5)
        }
    }

    func testConvTransposeIsTheAdjointOfConv() {
        // ⟨conv(x, w), y⟩ = ⟨x, convT(y, w)⟩ for the same weight and settings.
        let configs: [((Int, Int), (Int, Int), (Int, Int), Int)] = [
            ((1, 1), (0, 0), (1, 1), 1), ((2, 2), (1, 1), (1, 1), 1), ((2, 3), (1, 0), (2, 1), 2), ((3, 1), (2, 1), (1, 2), 4),
        ]
        let h = 7, wd = 8
        for (k, (stride, padding, dilation, groups)) in configs.enumerated() {
            let x = randomTensor([2, 4, h, wd], seed: UInt64(110 + k))
            let w = randomTensor([4, 4 / groups, 3, 2], seed: UInt64(120 + k))
            let y0 = x.conv2d(weight: w, stride: stride, padding: padding, dilation: dilation, groups: groups)
            let y = randomTensor(y0.shape, seed: UInt64(130 + k))
            let outPad = (h - ((y0.shape[2] - 1) * stride.0 - 2 * padding.0 + dilation.0 * 2 + 1),
                          wd - ((y0.shape[3] - 1) * stride.1 - 2 * padding.1 + dilation.1 * 1 + 1))
            let xt = y.convTranspose2d(weight: w, stride: stride, padding: padding, outputPadding: outPad, dilation: dilation, groups: groups)
            XCTAssertEqual(xt.shape, x.shape)
            XCTAssertEqual((y0 * y).sum().item(), (x * xt).sum().item(), accuracy: 1e-11, "\(stride) \(padding) \(dilation) \(groups)")
        }
    }

    func testLargerConvFloat32AgainstFloat64() {
        // Big enough for the parallel im2col/col2im paths; float32 must track float64 closely.
        let x = randomTensor([4, 8, 20, 18], seed: 140), w = randomTensor([16, 4, 3, 3], seed: 141), b = randomTensor([16], seed: 142)
        let gy = randomTensor([4, 16, 10, 9], seed: 143)
        var results: [[Double]] = []
        for dtype in [DType.float64, .float32] {
            let xl = x.cast(to: dtype).requiringGradient(), wl = w.cast(to: dtype).requiringGradient()
            let y = xl.conv2d(weight: wl, bias: b.cast(to: dtype), stride: (2, 2), padding: (1, 1), groups: 2)
            XCTAssertEqual(y.shape, [4, 16, 10, 9])
            (y * gy.cast(to: dtype)).sum().backward()
            results.append(y.doubles + (xl.grad?.doubles ?? []) + (wl.grad?.doubles ?? []))
        }
        assertClose(results[1], results[0], tol: 5e-5)
    }
}
