import Foundation
import XCTest
import KindredTensor
@testable import KindredGenerative

/// Resampling and image quality against `Fixtures/image_fixtures.json` (PyTorch's `F.interpolate`,
/// SSIM computed with SciPy the way scikit-image does), made by `Fixtures/make_image_fixtures.py`.
final class ResamplingTests: XCTestCase {
    private func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/image_fixtures.json")
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url))
        return try XCTUnwrap(object as? [String: Any])
    }

    private func tensor(_ fixture: [String: Any], _ key: String) throws -> Tensor {
        let entry = try XCTUnwrap(fixture[key] as? [String: Any], key)
        let shape = try XCTUnwrap(entry["shape"] as? [Int], key)
        let values = try XCTUnwrap(entry["values"] as? [Double], key)
        return Tensor(doubles: values, shape: shape)
    }

    private func assertClose(_ a: Tensor, _ b: Tensor, accuracy: Double, _ message: String) {
        XCTAssertEqual(a.shape, b.shape, message)
        for (x, y) in zip(a.doubles, b.doubles) { XCTAssertEqual(x, y, accuracy: accuracy, message) }
    }

    func testBicubicMatchesPyTorch() throws {
        let f = try fixture()
        let x = try tensor(f, "bicubic_input")
        assertClose(try Resampling.bicubic(x, scale: 2), try tensor(f, "bicubic_x2"), accuracy: 1e-12, "2×")
        assertClose(try Resampling.bicubic(x, height: 7, width: 9), try tensor(f, "bicubic_7x9"), accuracy: 1e-12, "7×9")
        // float32 in, float32 out.
        let y = try Resampling.bicubic(x.cast(to: .float32), scale: 2)
        XCTAssertEqual(y.dtype, .float32)
        assertClose(y, try tensor(f, "bicubic_x2"), accuracy: 1e-6, "float32")
    }

    func testAreaDownsampleMatchesPyTorch() throws {
        let f = try fixture()
        assertClose(try Resampling.areaDownsample(try tensor(f, "area_input"), factor: 2), try tensor(f, "area_half"), accuracy: 1e-12, "area")
    }

    func testBicubicKeepsConstantsAndPlainLoop() throws {
        // Cubic weights sum to 1, so a constant image stays constant.
        let c = try Resampling.bicubic(Tensor.full([1, 1, 3, 4], value: 0.25, dtype: .float64), scale: 2)
        for v in c.doubles { XCTAssertEqual(v, 0.25, accuracy: 1e-15) }
        // For 2×, output pixel 2i+1 reads source position i + 0.25: taps i-1..i+2 with weights from t = 0.25.
        let row: [Double] = [0, 1, 4, 9, 16]
        let x = Tensor(doubles: row, shape: [1, 1, 1, 5])
        let out = try Resampling.bicubic(x, height: 1, width: 10).doubles
        func k(_ d: Double) -> Double {
            let a = -0.75, d = Swift.abs(d)
            return d <= 1 ? (a + 2) * d * d * d - (a + 3) * d * d + 1 : (d < 2 ? a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a : 0)
        }
        for o in 0..<10 {
            let s = (Double(o) + 0.5) / 2 - 0.5
            var v = 0.0
            for j in Int(s.rounded(.down)) - 1...Int(s.rounded(.down)) + 2 { v += k(s - Double(j)) * row[min(max(j, 0), 4)] }
            XCTAssertEqual(out[o], v, accuracy: 1e-12, "output \(o)")
        }
    }

    func testQualityMatchesReference() throws {
        let f = try fixture()
        let images = try tensor(f, "quality_images"), refs = try tensor(f, "quality_references")
        let scores = try ImageQuality.compare(images, reference: refs)
        let ssim = try XCTUnwrap(f["ssim"] as? [Double]), psnr = try XCTUnwrap(f["psnr"] as? [Double])
        for i in 0..<2 {
            XCTAssertEqual(scores.ssim[i], ssim[i], accuracy: 1e-10)
            XCTAssertEqual(scores.psnr[i], psnr[i], accuracy: 1e-10)
        }
    }

    func testBadSizesAreErrors() {
        XCTAssertThrowsError(try Resampling.areaDownsample(Tensor.zeros([1, 1, 5, 5]), factor: 2)) { error in
            XCTAssertTrue("\(error)".contains("divisible"), "\(error)")
        }
        XCTAssertThrowsError(try Resampling.bicubic(Tensor.zeros([5, 5]), scale: 2)) { error in
            XCTAssertTrue("\(error)".contains("[N, C, H, W]"), "\(error)")
        }
    }
}
