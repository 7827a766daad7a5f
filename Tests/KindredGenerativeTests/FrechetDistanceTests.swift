import XCTest
import KindredTensor
@testable import KindredGenerative

/// The Fréchet distance against closed forms and a direct matrix square root; its matrix square root
/// against a plain-loop square; its statistics against plain loops.
final class FrechetDistanceTests: XCTestCase {
    private func randomMatrix(_ n: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n * n).map { _ in rng.nextNormal() }
    }

    private func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { c[i * n + j] += a[i * n + k] * b[k * n + j] } } }
        return c
    }

    private func transpose(_ a: [Double], _ n: Int) -> [Double] {
        var t = a
        for i in 0..<n { for j in 0..<n { t[j * n + i] = a[i * n + j] } }
        return t
    }

    /// A random symmetric positive definite matrix `A·Aᵀ + 0.1·I`.
    private func randomSPD(_ n: Int, seed: UInt64) -> [Double] {
        let a = randomMatrix(n, seed: seed)
        var s = multiply(a, transpose(a, n), n)
        for i in 0..<n { s[i * n + i] += 0.1 }
        return s
    }

    /// Plain Gauss–Jordan inverse.
    private func inverse(_ m: [Double], _ n: Int) -> [Double] {
        var a = m, inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inv[i * n + i] = 1 }
        for col in 0..<n {
            let pivot = (col..<n).max { Swift.abs(a[$0 * n + col]) < Swift.abs(a[$1 * n + col]) } ?? col
            for j in 0..<n { a.swapAt(col * n + j, pivot * n + j); inv.swapAt(col * n + j, pivot * n + j) }
            let p = a[col * n + col]
            for j in 0..<n { a[col * n + j] /= p; inv[col * n + j] /= p }
            for r in 0..<n where r != col {
                let f = a[r * n + col]
                for j in 0..<n { a[r * n + j] -= f * a[col * n + j]; inv[r * n + j] -= f * inv[col * n + j] }
            }
        }
        return inv
    }

    /// `sqrtm(A)` of a (non-symmetric) matrix with positive real eigenvalues, by the Denman–Beavers iteration.
    private func denmanBeaversSquareRoot(_ a: [Double], _ n: Int) -> [Double] {
        var y = a, z = [Double](repeating: 0, count: n * n)
        for i in 0..<n { z[i * n + i] = 1 }
        for _ in 0..<60 {
            let yi = inverse(y, n), zi = inverse(z, n)
            y = zip(y, zi).map { 0.5 * ($0 + $1) }
            z = zip(z, yi).map { 0.5 * ($0 + $1) }
        }
        return y
    }

    func testSquareRootSquaresBackToTheMatrix() throws {
        for n in [1, 3, 6] {
            let s = randomSPD(n, seed: UInt64(n))
            let root = try FrechetDistance.symmetricSquareRoot(s, order: n)
            let back = multiply(root, root, n)
            for (x, y) in zip(back, s) { XCTAssertEqual(x, y, accuracy: 1e-10 * Swift.max(1, Swift.abs(y))) }
            XCTAssertEqual(root, transpose(root, n).enumerated().map { root[$0.offset] }, "symmetric")
        }
    }

    func testDiagonalCovariancesMatchClosedForm() throws {
        let a = FrechetDistance.Statistics(mean: [1, 2, 3], covariance: [4, 0, 0, 0, 1, 0, 0, 0, 0.25])
        let b = FrechetDistance.Statistics(mean: [0, 2, 5], covariance: [1, 0, 0, 0, 9, 0, 0, 0, 0.25])
        // ‖μ₁ − μ₂‖² + Σ (√σ₁ − √σ₂)² = (1 + 0 + 4) + (1 + 4 + 0).
        XCTAssertEqual(try FrechetDistance.distance(a, b), 10, accuracy: 1e-12)
        XCTAssertEqual(try FrechetDistance.distance(a, a), 0, accuracy: 1e-12)
    }

    func testCommutingCovariancesMatchClosedForm() throws {
        // Σᵢ = Q·Dᵢ·Qᵀ share eigenvectors Q, so tr((Σ₁Σ₂)^½) = Σ √(d₁ d₂).
        let n = 4
        let q = try BLAS.symmetricEigendecomposition(randomSPD(n, seed: 9), order: n).eigenvectors
        let d1: [Double] = [0.5, 1, 2, 3], d2: [Double] = [2, 0.1, 2, 5]
        func build(_ d: [Double]) -> [Double] {
            var m = [Double](repeating: 0, count: n * n)
            for k in 0..<n { for i in 0..<n { for j in 0..<n { m[i * n + j] += d[k] * q[k * n + i] * q[k * n + j] } } }
            return m
        }
        let a = FrechetDistance.Statistics(mean: [0, 0, 0, 0], covariance: build(d1))
        let b = FrechetDistance.Statistics(mean: [1, 0, 0, 1], covariance: build(d2))
        let want = 2 + zip(d1, d2).map { ($0.squareRoot() - $1.squareRoot()) * ($0.squareRoot() - $1.squareRoot()) }.reduce(0, +)
        XCTAssertEqual(try FrechetDistance.distance(a, b), want, accuracy: 1e-10)
    }

    func testGeneralCovariancesMatchDirectSquareRoot() throws {
        let n = 5
        let s1 = randomSPD(n, seed: 21), s2 = randomSPD(n, seed: 22)
        let root = denmanBeaversSquareRoot(multiply(s1, s2, n), n)
        var trace = 0.0
        for i in 0..<n { trace += s1[i * n + i] + s2[i * n + i] - 2 * root[i * n + i] }
        let mu1: [Double] = [0, 1, 0, 2, 0], mu2: [Double] = [1, 1, 1, 1, 1]
        let want = zip(mu1, mu2).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) + trace
        let got = try FrechetDistance.distance(.init(mean: mu1, covariance: s1), .init(mean: mu2, covariance: s2))
        XCTAssertEqual(got, want, accuracy: 1e-8 * Swift.abs(want))
    }

    func testStatisticsFromSamples() throws {
        var rng = RandomGenerator(seed: 3)
        let n = 50, d = 3
        let x = (0..<n * d).map { _ in rng.nextNormal() }
        let stats = try FrechetDistance.Statistics(features: Tensor(doubles: x, shape: [n, d]))
        for j in 0..<d {
            let mean = (0..<n).map { x[$0 * d + j] }.reduce(0, +) / Double(n)
            XCTAssertEqual(stats.mean[j], mean, accuracy: 1e-12)
            for k in 0..<d {
                let mk = (0..<n).map { x[$0 * d + k] }.reduce(0, +) / Double(n)
                let c = (0..<n).map { (x[$0 * d + j] - mean) * (x[$0 * d + k] - mk) }.reduce(0, +) / Double(n - 1)
                XCTAssertEqual(stats.covariance[j * d + k], c, accuracy: 1e-12)
            }
        }
        // The same set twice: distance 0 (up to rounding in the square root).
        let t = Tensor(doubles: x, shape: [n, d], dtype: .float32)
        XCTAssertEqual(try FrechetDistance.distance(features: t, t), 0, accuracy: 1e-8)
        // A shifted copy: only the mean term remains.
        let shifted = Tensor(doubles: x.enumerated().map { $0.offset % d == 0 ? $0.element + 2 : $0.element }, shape: [n, d])
        XCTAssertEqual(try FrechetDistance.distance(features: Tensor(doubles: x, shape: [n, d]), shifted), 4, accuracy: 1e-8)
    }

    func testBadFeaturesAreErrors() {
        XCTAssertThrowsError(try FrechetDistance.Statistics(features: Tensor.zeros([1, 4]))) { error in
            XCTAssertTrue("\(error)".contains("N ≥ 2"), "\(error)")
        }
        XCTAssertThrowsError(try FrechetDistance.distance(features: Tensor.zeros([5, 4]), Tensor.zeros([5, 3]))) { error in
            XCTAssertEqual(error as? FrechetDistance.InputError, .dimensionMismatch(4, 3))
        }
    }
}
