import Foundation
import KindredTensor
import XCTest

// Shared helpers for the KindredTensor tests: tolerant comparisons, gradient checks, deterministic
// inputs and the PyTorch fixtures.

/// Asserts that two lists of numbers agree elementwise: |a - b| ≤ tol · max(1, |b|)
/// (absolute for small values, relative for large ones). Returns the largest such error.
@discardableResult
func assertClose(_ a: [Double], _ b: [Double], tol: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    guard a.count == b.count else {
        XCTFail("count \(a.count) != \(b.count) \(message())", file: file, line: line)
        return .infinity
    }
    var worst = 0.0, worstIndex = -1
    for i in a.indices {
        let bothInfinite = a[i].isInfinite && a[i] == b[i]
        let err = bothInfinite ? 0 : Swift.abs(a[i] - b[i]) / Swift.max(1, Swift.abs(b[i]))
        if err > worst || err.isNaN {
            worst = err.isNaN ? .infinity : err
            worstIndex = i
        }
    }
    if worst > tol {
        XCTFail("max error \(worst) > \(tol) at \(worstIndex): \(a[worstIndex]) vs \(b[worstIndex]) \(message())", file: file, line: line)
    }
    return worst
}

/// `assertClose` for a tensor: checks shape and values.
@discardableResult
func assertClose(_ t: Tensor?, _ expected: [Double], shape: [Int]? = nil, tol: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    guard let t else {
        XCTFail("tensor is nil \(message())", file: file, line: line)
        return .infinity
    }
    if let shape { XCTAssertEqual(t.shape, shape, message(), file: file, line: line) }
    return assertClose(t.doubles, expected, tol: tol, message(), file: file, line: line)
}

/// Runs ``gradientCheck(inputs:epsilon:function:)`` and asserts its error is below `tol`.
@discardableResult
func assertGradients(_ inputs: [Tensor], tol: Double = 1e-6, epsilon: Double = 1e-6, _ message: @autoclosure () -> String = "",
                     file: StaticString = #filePath, line: UInt = #line, _ function: ([Tensor]) -> Tensor) -> Double {
    let r = gradientCheck(inputs: inputs, epsilon: epsilon, function: function)
    XCTAssertLessThan(r.maxError, tol, "\(r) \(message())", file: file, line: line)
    return r.maxError
}

/// Deterministic pseudo-random float64 values in [low, high) (a fixed seed per call site's `seed`).
func values(_ count: Int, seed: UInt64, low: Double = -1, high: Double = 1) -> [Double] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in low + (high - low) * rng.nextUniform() }
}

/// A float64 tensor of deterministic values in [low, high).
func randomTensor(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1, dtype: DType = .float64) -> Tensor {
    Tensor(doubles: values(shape.reduce(1, *), seed: seed, low: low, high: high), shape: shape, dtype: dtype)
}

/// Values whose pairwise differences are at least `gap` (a shuffled ramp): no ties for max/sort,
/// and no kinks near zero for relu/abs when `avoidZero` keeps them away from 0.
func distinctValues(_ count: Int, seed: UInt64, gap: Double = 0.1, avoidZero: Bool = true) -> [Double] {
    var rng = RandomGenerator(seed: seed)
    let perm = rng.permutation(count)
    return perm.map { k in
        let v = (Double(k) - Double(count) / 2) * gap
        return avoidZero && Swift.abs(v) < gap / 2 ? v + gap / 3 : v + gap / 7
    }
}

/// Row-major multi-index → flat index.
func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    var f = 0
    for (i, s) in zip(index, shape) { f = f * s + i }
    return f
}

// MARK: PyTorch fixtures

/// A tensor stored in a fixture: shape and flat row-major values.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Double]

    func tensor(_ dtype: DType) -> Tensor { Tensor(doubles: data, shape: shape, dtype: dtype) }
}

/// One PyTorch reference computation (see Fixtures/make_torch_fixtures.py).
struct FixtureCase: Decodable {
    let name: String
    let ints: [String: [Int]]
    let floats: [String: Double]
    let tensors: [String: FixtureTensor]
    let reduction: String?

    /// A tensor the case must have; fails the test (and returns an empty tensor) when missing.
    func tensor(_ key: String, _ dtype: DType, file: StaticString = #filePath, line: UInt = #line) -> Tensor {
        guard let t = tensors[key] else {
            XCTFail("fixture \(name) has no tensor '\(key)'", file: file, line: line)
            return Tensor.zeros([0], dtype: dtype)
        }
        return t.tensor(dtype)
    }

    func optionalTensor(_ key: String, _ dtype: DType) -> Tensor? { tensors[key]?.tensor(dtype) }

    /// Reference values of a tensor the case must have.
    func expected(_ key: String, file: StaticString = #filePath, line: UInt = #line) -> [Double] {
        guard let t = tensors[key] else {
            XCTFail("fixture \(name) has no tensor '\(key)'", file: file, line: line)
            return []
        }
        return t.data
    }

    func shape(_ key: String) -> [Int]? { tensors[key]?.shape }

    /// A pair of ints (e.g. stride), or `fallback` when absent.
    func pair(_ key: String, _ fallback: (Int, Int) = (0, 0)) -> (Int, Int) {
        guard let v = ints[key], v.count == 2 else { return fallback }
        return (v[0], v[1])
    }

    func int(_ key: String, _ fallback: Int) -> Int { ints[key]?.first ?? fallback }
}

private struct FixtureFile: Decodable {
    let cases: [FixtureCase]
}

/// Loads `Fixtures/<name>` next to this source file (no bundle resources needed).
func loadFixtures(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> [FixtureCase] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    do {
        let data = try Data(contentsOf: url)
        let cases = try JSONDecoder().decode(FixtureFile.self, from: data).cases
        XCTAssertFalse(cases.isEmpty, "\(name) has no cases", file: file, line: line)
        return cases
    } catch {
        XCTFail("cannot load fixture \(url.path): \(error)", file: file, line: line)
        return []
    }
}

/// Tolerances against the float64 PyTorch references: float64 results agree up to the fixtures'
/// 12 printed digits; float32 results to about 1e-5 (a few ulps over short sums).
func fixtureTolerance(_ dtype: DType) -> Double { dtype == .float64 ? 1e-9 : 1e-5 }

/// Largest error seen per fixture group and dtype, printed once per test so the report can quote it.
final class FixtureErrors {
    private var worst: [String: Double] = [:]

    func record(_ key: String, _ dtype: DType, _ err: Double) {
        let k = "\(key) [\(dtype)]"
        worst[k] = Swift.max(worst[k] ?? 0, err)
    }

    func report(_ title: String) {
        for (k, v) in worst.sorted(by: { $0.key < $1.key }) { print("fixture max error \(title) \(k): \(v)") }
    }
}

/// The same values as `t` in a non-contiguous layout (the last two axes stored transposed), as a
/// fresh leaf, so kernels and gradients see strided input.
func nonContiguousCopy(_ t: Tensor) -> Tensor {
    precondition(t.rank >= 2)
    var swapped = t.shape
    swapped.swapAt(t.rank - 2, t.rank - 1)
    let view = Tensor(doubles: t.transposed(-1, -2).doubles, shape: swapped, dtype: t.dtype).transposed(-1, -2)
    return view
}

/// A 1-D view with the values of `t` at every other element of a larger buffer (stride 2), as a
/// fresh leaf: a non-contiguous parameter vector.
func stridedVector(_ t: Tensor) -> Tensor {
    let v = t.doubles
    let interleaved = v.flatMap { [$0, 1e3] }
    return Tensor(doubles: interleaved, shape: [2 * v.count], dtype: t.dtype).sliced(axis: 0, range: 0..<(2 * v.count), step: 2)
}
