import XCTest
import KindredTensor
@testable import KindredGenerative

/// Corruption statistics (seeded) and the sample grid layout.
final class CorruptionTests: XCTestCase {
    let clean = Tensor.full([4, 1, 50, 50], value: 0.5)

    func testGaussianNoiseHasTheConfiguredSigma() {
        var rng = RandomGenerator(seed: 1)
        let noisy = Corruption(kind: .gaussian(sigma: 0.3)).apply(to: clean, generator: &rng).doubles
        let d = noisy.map { $0 - 0.5 }
        let mean = d.reduce(0, +) / Double(d.count)
        let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(sd, 0.3, accuracy: 0.01)
        var again = RandomGenerator(seed: 1)
        XCTAssertEqual(Corruption(kind: .gaussian(sigma: 0.3)).apply(to: clean, generator: &again).doubles, noisy, "seeded")
        var c = RandomGenerator(seed: 1)
        let clipped = Corruption(kind: .gaussian(sigma: 0.3), clip: true).apply(to: clean, generator: &c).scalars
        XCTAssertTrue(clipped.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testSaltAndPepperHitsTheConfiguredFraction() {
        var rng = RandomGenerator(seed: 2)
        let v = Corruption(kind: .saltAndPepper(probability: 0.2)).apply(to: clean, generator: &rng).scalars
        let salt = v.filter { $0 == 1 }.count, pepper = v.filter { $0 == 0 }.count
        let n = Double(v.count)
        XCTAssertEqual(Double(salt + pepper) / n, 0.2, accuracy: 0.02)
        XCTAssertEqual(Double(salt) / Double(salt + pepper), 0.5, accuracy: 0.05)
        XCTAssertEqual(v.filter { $0 == 0.5 }.count + salt + pepper, v.count)
    }

    func testMaskingZeroesTheConfiguredFraction() {
        var rng = RandomGenerator(seed: 3)
        let v = Corruption(kind: .masking(probability: 0.35)).apply(to: clean, generator: &rng).scalars
        XCTAssertEqual(Double(v.filter { $0 == 0 }.count) / Double(v.count), 0.35, accuracy: 0.02)
        XCTAssertTrue(v.allSatisfy { $0 == 0 || $0 == 0.5 })
    }

    func testSampleGridLayout() throws {
        let rows = [Tensor.zeros([3, 1, 5, 5]), Tensor.ones([2, 1, 5, 5])]
        let image = try SampleGrid(gap: 2).render(rows: rows)
        XCTAssertEqual(image.width, 3 * 7 + 2)
        XCTAssertEqual(image.height, 2 * 7 + 2)
        XCTAssertEqual(image[x: 2, y: 2, channel: 0], 0)       // first cell of row 1
        XCTAssertEqual(image[x: 2, y: 9, channel: 0], 1)       // first cell of row 2
        XCTAssertEqual(image[x: 0, y: 0, channel: 0], 1)       // gap
        let tiled = try SampleGrid(gap: 1).render(Tensor.zeros([10, 3, 4, 4]), columns: 4)
        XCTAssertEqual(tiled.width, 4 * 5 + 1)
        XCTAssertEqual(tiled.height, 3 * 5 + 1)
        XCTAssertEqual(tiled.channels, 3)
        XCTAssertThrowsError(try SampleGrid().render(rows: [Tensor.zeros([2, 1, 5, 5]), Tensor.zeros([2, 1, 6, 6])]))
    }
}
