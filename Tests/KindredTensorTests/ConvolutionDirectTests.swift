import Foundation
import KindredTensor
import XCTest

/// Float32 convolutions on oneDNN's direct kernels against the float64 im2col path (which the
/// gradient checks and PyTorch fixtures in ConvolutionTests cover): outputs and all gradients, for
/// strides, padding, dilation, groups, bias, transposed convolutions and batches that split
/// unevenly across threads.
final class ConvolutionDirectTests: XCTestCase {
    /// On a machine with libdnnl-dev the build must have picked it up (unless turned off), so these
    /// tests really run the direct kernels there.
    func testDirectKernelsAreUsedWhereOneDNNIsInstalled() {
        let env = ProcessInfo.processInfo.environment
        let installed = FileManager.default.fileExists(atPath: "/usr/include/oneapi/dnnl/dnnl.h")
        guard installed, env["KINDRED_NO_DNNL"] != "1", env["KINDRED_CONV"] == nil else { return }
        XCTAssertTrue(ConvolutionBackend.isDirect)
        let impl = ConvolutionBackend.implementation(input: [4, 32, 9, 9], weight: [48, 32, 3, 3], padding: (1, 1))
        XCTAssertNotEqual(impl, "im2col")
        // One input channel stays on im2col (oneDNN's blocked kernels are slower there).
        XCTAssertEqual(ConvolutionBackend.implementation(input: [4, 1, 28, 28], weight: [32, 1, 3, 3], padding: (1, 1)), "im2col")
    }

    private func check(_ name: String, x: Tensor, w: Tensor, b: Tensor?, file: StaticString = #filePath, line: UInt = #line,
                       _ f: (Tensor, Tensor, Tensor?) -> Tensor) {
        func run(_ dtype: DType) -> (y: [Double], gx: [Double], gw: [Double], gb: [Double]) {
            let xi = x.cast(to: dtype).requiringGradient(), wi = w.cast(to: dtype).requiringGradient()
            let bi = b?.cast(to: dtype).requiringGradient()
            let y = f(xi, wi, bi)
            // A weighted sum, so every output position gets its own gradient.
            let r = Tensor(doubles: (0..<y.count).map { Double(($0 * 7919) % 13) / 13 - 0.5 }, shape: y.shape, dtype: dtype)
            (y * r).sum().backward()
            return (y.doubles, xi.grad?.doubles ?? [], wi.grad?.doubles ?? [], bi?.grad?.doubles ?? [])
        }
        let single = run(.float32), double = run(.float64)
        assertClose(single.y, double.y, tol: 2e-4, "\(name) output", file: file, line: line)
        assertClose(single.gx, double.gx, tol: 2e-4, "\(name) input gradient", file: file, line: line)
        assertClose(single.gw, double.gw, tol: 1e-3, "\(name) weight gradient", file: file, line: line)
        assertClose(single.gb, double.gb, tol: 1e-3, "\(name) bias gradient", file: file, line: line)
    }

    func testConv2dMatchesTheFloat64Path() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let cases: [(String, [Int], [Int], (Int, Int), (Int, Int), (Int, Int), Int)] = [
            ("3×3 pad 1", [5, 16, 9, 8], [32, 16, 3, 3], (1, 1), (1, 1), (1, 1), 1),
            ("stride 2 unread edge", [3, 16, 11, 10], [16, 16, 3, 2], (2, 3), (0, 1), (1, 1), 1),
            ("dilation", [2, 32, 10, 10], [16, 32, 3, 3], (1, 1), (2, 2), (2, 2), 1),
            ("groups", [3, 32, 7, 7], [32, 16, 3, 3], (1, 1), (1, 1), (1, 1), 2),
            ("4×4 stride 2", [4, 16, 8, 8], [32, 16, 4, 4], (2, 2), (1, 1), (1, 1), 1),
            ("1×1", [3, 16, 5, 6], [24, 16, 1, 1], (1, 1), (0, 0), (1, 1), 1),
        ]
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            for (k, (name, xs, ws, stride, padding, dilation, groups)) in cases.enumerated() {
                let x = randomTensor(xs, seed: UInt64(300 + k)), w = randomTensor(ws, seed: UInt64(310 + k), low: -0.2, high: 0.2)
                let b = randomTensor([ws[0]], seed: UInt64(320 + k))
                check("\(name), \(threads) threads", x: x, w: w, b: b) {
                    $0.conv2d(weight: $1, bias: $2, stride: stride, padding: padding, dilation: dilation, groups: groups)
                }
            }
        }
        // Batch 1 (one slice) without a bias.
        let x = randomTensor([1, 16, 6, 6], seed: 330), w = randomTensor([16, 16, 3, 3], seed: 331, low: -0.2, high: 0.2)
        check("batch 1", x: x, w: w, b: nil) { x, w, _ in x.conv2d(weight: w, padding: (1, 1)) }
    }

    func testConvTranspose2dMatchesTheFloat64Path() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let cases: [(String, [Int], [Int], (Int, Int), (Int, Int), (Int, Int), Int)] = [
            ("4×4 stride 2", [3, 32, 5, 5], [32, 16, 4, 4], (2, 2), (1, 1), (0, 0), 1),
            ("3×3 stride 2 output padding", [5, 16, 4, 6], [16, 32, 3, 3], (2, 2), (1, 1), (1, 1), 1),
            ("groups", [2, 32, 4, 4], [32, 16, 3, 3], (1, 1), (1, 1), (0, 0), 2),
        ]
        for threads in [1, 2] {
            Parallel.threadCount = threads
            for (k, (name, xs, ws, stride, padding, outputPadding, groups)) in cases.enumerated() {
                let x = randomTensor(xs, seed: UInt64(340 + k)), w = randomTensor(ws, seed: UInt64(350 + k), low: -0.2, high: 0.2)
                let b = randomTensor([ws[1] * groups], seed: UInt64(360 + k))
                check("transposed \(name), \(threads) threads", x: x, w: w, b: b) {
                    $0.convTranspose2d(weight: $1, bias: $2, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
                }
            }
        }
    }

    func testDirectResultsRepeatBitForBit() {
        // Same inputs, same thread count: identical outputs and gradients (the weight gradient is
        // summed over batch slices in a fixed order).
        let x = randomTensor([7, 16, 8, 8], seed: 370, dtype: .float32), w = randomTensor([32, 16, 3, 3], seed: 371, dtype: .float32)
        func once() -> ([Double], [Double]) {
            let wi = w.detached().requiringGradient()
            let y = x.conv2d(weight: wi, padding: (1, 1))
            y.squared().sum().backward()
            return (y.doubles, wi.grad?.doubles ?? [])
        }
        let a = once(), b = once()
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
    }

    func testConvolutionsOfOneGeometryFromSeveralThreadsAtOnce() {
        // Each call takes its compiled passes out of the cache while it runs, so concurrent calls
        // of the same geometry never share a pass (its buffers and stream).
        let x = randomTensor([4, 16, 7, 7], seed: 380, dtype: .float32), w = randomTensor([32, 16, 3, 3], seed: 381, dtype: .float32)
        let expected = x.conv2d(weight: w, padding: (1, 1)).doubles
        let results = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: 8)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            var last: [Double] = []
            for _ in 0..<5 { last = x.conv2d(weight: w, padding: (1, 1)).doubles }
            results[i] = last
        }
        for r in results { XCTAssertEqual(r, expected) }
    }
}
