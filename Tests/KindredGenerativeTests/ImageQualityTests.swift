import XCTest
import KindredTensor
@testable import KindredGenerative

final class ImageQualityTests: XCTestCase {
    /// Deterministic pseudo-random values in [0, 1].
    private func randomImages(_ shape: [Int], seed: UInt64) -> [Double] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<shape.reduce(1, *)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// SSIM written directly from the definition: a full 2-D 11×11 window at every valid position.
    private func plainSSIM(_ x: [Double], _ y: [Double], n: Int, c: Int, h: Int, w: Int) -> [Double] {
        let k = 11, sigma = 1.5
        var g2 = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var total = 0.0
        for a in 0..<k {
            for b in 0..<k {
                let da = Double(a - 5), db = Double(b - 5)
                g2[a][b] = exp(-(da * da + db * db) / (2 * sigma * sigma))
                total += g2[a][b]
            }
        }
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        var out = [Double]()
        for i in 0..<n {
            var sum = 0.0, count = 0
            for ch in 0..<c {
                let base = (i * c + ch) * h * w
                for r in 0...(h - k) {
                    for q in 0...(w - k) {
                        var mx = 0.0, my = 0.0
                        for a in 0..<k { for b in 0..<k {
                            let wt = g2[a][b] / total
                            mx += wt * x[base + (r + a) * w + q + b]; my += wt * y[base + (r + a) * w + q + b]
                        } }
                        var vx = 0.0, vy = 0.0, cxy = 0.0
                        for a in 0..<k { for b in 0..<k {
                            let wt = g2[a][b] / total
                            let dx = x[base + (r + a) * w + q + b] - mx, dy = y[base + (r + a) * w + q + b] - my
                            vx += wt * dx * dx; vy += wt * dy * dy; cxy += wt * dx * dy
                        } }
                        sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                        count += 1
                    }
                }
            }
            out.append(sum / Double(count))
        }
        return out
    }

    func testSSIMMatchesPlainLoop() throws {
        let shape = [3, 2, 16, 13]
        let x = randomImages(shape, seed: 1)
        // References: a noisy, blended version of x so that SSIM is well inside (0, 1).
        let noise = randomImages(shape, seed: 2)
        let y = zip(x, noise).map { 0.7 * $0 + 0.3 * $1 }
        let got = try ImageQuality.ssim(Tensor(doubles: x, shape: shape), reference: Tensor(doubles: y, shape: shape))
        let want = plainSSIM(x, y, n: 3, c: 2, h: 16, w: 13)
        XCTAssertEqual(got.count, 3)
        for (g, e) in zip(got, want) { XCTAssertEqual(g, e, accuracy: 1e-12) }
        XCTAssertTrue(got.allSatisfy { $0 > 0.1 && $0 < 0.99 }, "\(got)")
    }

    func testPSNRMatchesPlainLoop() throws {
        let shape = [2, 1, 12, 12]
        let x = randomImages(shape, seed: 3), y = randomImages(shape, seed: 4)
        let got = try ImageQuality.psnr(Tensor(doubles: x, shape: shape), reference: Tensor(doubles: y, shape: shape))
        for i in 0..<2 {
            var se = 0.0
            for j in 0..<144 { se += (x[i * 144 + j] - y[i * 144 + j]) * (x[i * 144 + j] - y[i * 144 + j]) }
            XCTAssertEqual(got[i], 10 * log10(1 / (se / 144)), accuracy: 1e-10)
        }
        // A constant error of 0.1 everywhere: MSE 0.01 → 20 dB.
        let a = Tensor.full([1, 1, 11, 11], value: 0.5), b = Tensor.full([1, 1, 11, 11], value: 0.6)
        XCTAssertEqual(try ImageQuality.psnr(a, reference: b)[0], 20, accuracy: 1e-5)
    }

    func testIdenticalImagesScorePerfectly() throws {
        let x = Tensor(doubles: randomImages([2, 1, 28, 28], seed: 5), shape: [2, 1, 28, 28], dtype: .float32)
        let scores = try ImageQuality.compare(x, reference: x)
        XCTAssertEqual(scores.psnr, [.infinity, .infinity])
        for s in scores.ssim { XCTAssertEqual(s, 1, accuracy: 1e-9) }
        XCTAssertEqual(scores.meanSSIM, 1, accuracy: 1e-9)
    }

    func testBadInputsNameTheProblem() {
        let a = Tensor.zeros([2, 1, 28, 28]), b = Tensor.zeros([2, 1, 14, 14])
        XCTAssertThrowsError(try ImageQuality.psnr(a, reference: b)) { error in
            XCTAssertEqual(error as? ImageQuality.InputError, .shapeMismatch(image: [2, 1, 28, 28], reference: [2, 1, 14, 14]))
        }
        let small = Tensor.zeros([2, 1, 7, 7])
        XCTAssertThrowsError(try ImageQuality.ssim(small, reference: small)) { error in
            XCTAssertTrue("\(error)".contains("smaller than the 11×11 SSIM window"), "\(error)")
        }
        XCTAssertThrowsError(try ImageQuality.psnr(Tensor.zeros([28, 28]), reference: Tensor.zeros([28, 28]))) { error in
            XCTAssertTrue("\(error)".contains("[N, C, H, W]"), "\(error)")
        }
    }
}
