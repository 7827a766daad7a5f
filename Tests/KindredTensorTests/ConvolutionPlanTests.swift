import XCTest
import KindredTensor

/// The im2col convolution has two plans (one GEMM over the whole batch, or small groups of images
/// in parallel). Both must agree with each other and with finite differences. (Float64 always takes
/// im2col; float32 takes oneDNN's direct kernels where they are built in, see ConvolutionDirectTests.)
final class ConvolutionPlanTests: XCTestCase {
    private var savedThreadCount = 1
    override func setUp() { savedThreadCount = Parallel.threadCount; Parallel.threadCount = 2 }
    override func tearDown() { Parallel.threadCount = savedThreadCount }

    /// A batch of 3 on 2 threads takes the image-group plan (one image on the first thread, a group
    /// of two sharing one GEMM on the second); each image alone (a batch of 1) takes the batched
    /// plan. Outputs and all three gradients must match.
    func testPerImagePlanMatchesBatchedPlan() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.normal([3, 4, 10, 9], generator: &rng).requiringGradient()
        let w = Tensor.normal([6, 2, 3, 3], generator: &rng).requiringGradient()
        let b = Tensor.normal([6], generator: &rng).requiringGradient()
        let upstream = Tensor.normal([3, 6, 10, 9], generator: &rng)
        let y = x.conv2d(weight: w, bias: b, padding: (1, 1), groups: 2)
        y.backward(upstream)
        let (gx, gw, gb) = (x.grad!, w.grad!, b.grad!)

        var gwSum = Tensor.zeros(w.shape), gbSum = Tensor.zeros(b.shape)
        for i in 0..<3 {
            let xi = x.detached().sliced(axis: 0, range: i..<(i + 1)).contiguous().requiringGradient()
            w.grad = nil; b.grad = nil
            let yi = xi.conv2d(weight: w, bias: b, padding: (1, 1), groups: 2)
            yi.backward(upstream.sliced(axis: 0, range: i..<(i + 1)).contiguous())
            XCTAssertEqual(yi.scalars, y.sliced(axis: 0, range: i..<(i + 1)).scalars.map { $0 }, accuracy: 1e-4)
            XCTAssertEqual(xi.grad!.scalars, gx.sliced(axis: 0, range: i..<(i + 1)).scalars, accuracy: 1e-4)
            gwSum = gwSum + w.grad!
            gbSum = gbSum + b.grad!
        }
        XCTAssertEqual(gwSum.scalars, gw.scalars, accuracy: 1e-3)
        XCTAssertEqual(gbSum.scalars, gb.scalars, accuracy: 1e-3)
    }

    func testImageGroupPlanGradientCheck() {
        var rng = RandomGenerator(seed: 12)
        let x = Tensor.normal([2, 2, 9, 8], dtype: .float64, generator: &rng)
        let w = Tensor.normal([3, 2, 3, 3], dtype: .float64, generator: &rng)
        let r = gradientCheck(inputs: [x, w]) { $0[0].conv2d(weight: $0[1], stride: (1, 1), padding: (1, 1)) }
        XCTAssertLessThan(r.maxError, 1e-6, "\(r)")
        // 5 images of 16×16 outputs on 2 threads: groups of two (384 columns wanted) and a trailing
        // group of one on the second thread ([0, 2) | [2, 4), [4, 5)), with padding and a stride.
        let x5 = Tensor.normal([5, 2, 16, 16], dtype: .float64, generator: &rng)
        let w5 = Tensor.normal([3, 2, 3, 3], dtype: .float64, generator: &rng)
        let b5 = Tensor.normal([3], dtype: .float64, generator: &rng)
        let r5 = gradientCheck(inputs: [x5, w5, b5]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
        XCTAssertLessThan(r5.maxError, 1e-6, "\(r5)")
        let t5 = gradientCheck(inputs: [x5, w5]) { $0[0].convTranspose2d(weight: $0[1].transposed(0, 1).contiguous(), stride: (2, 2), padding: (1, 1)) }
        XCTAssertLessThan(t5.maxError, 1e-6, "\(t5)")
    }

    /// The same seed gives bit-identical training: a few conv-net steps twice.
    func testTrainingIsDeterministic() {
        func run() -> [Float] {
            var rng = RandomGenerator(seed: 5)
            let x = Tensor.normal([4, 1, 12, 12], generator: &rng)
            let w1 = Tensor.normal([8, 1, 3, 3], std: 0.3, generator: &rng).requiringGradient()
            let w2 = Tensor.normal([16, 8, 3, 3], std: 0.1, generator: &rng).requiringGradient()
            for _ in 0..<3 {
                let h = x.conv2d(weight: w1, padding: (1, 1)).relu().maxPool2d(kernel: (2, 2))
                let loss = h.conv2d(weight: w2, padding: (1, 1)).squared().mean()
                loss.backward()
                withoutGradients {
                    w1.assign(w1 - w1.grad! * 0.1); w2.assign(w2 - w2.grad! * 0.1)
                    w1.grad = nil; w2.grad = nil
                }
            }
            return w1.scalars + w2.scalars
        }
        XCTAssertEqual(run(), run())
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, accuracy, "max relative difference \(worst)", file: file, line: line)
}
