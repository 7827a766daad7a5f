import Foundation
import KindredTensor
import XCTest

/// The seeded generator, random tensors and dropout: determinism, ranges, moments and gradients.
final class RandomTests: XCTestCase {
    func testGeneratorIsDeterministicAndRestorable() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let sa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<8).map { _ in c.next() })
        // Saving the state resumes the exact sequence.
        let saved = a.state
        let next = (0..<4).map { _ in a.nextUniform() }
        var restored = RandomGenerator(state: saved)
        XCTAssertEqual((0..<4).map { _ in restored.nextUniform() }, next)
        // Codable round trip.
        do {
            let data = try JSONEncoder().encode(restored)
            var decoded = try JSONDecoder().decode(RandomGenerator.self, from: data)
            XCTAssertEqual(decoded, restored)
            XCTAssertEqual(decoded.next(), restored.next())
        } catch {
            XCTFail("\(error)")
        }
        // Tensors from equal seeds are equal.
        var g1 = RandomGenerator(seed: 7), g2 = RandomGenerator(seed: 7)
        XCTAssertEqual(Tensor.normal([3, 4], generator: &g1).doubles, Tensor.normal([3, 4], generator: &g2).doubles)
    }

    func testUniformNormalBernoulliMoments() {
        var g = RandomGenerator(seed: 1)
        let n = 200_000
        let u = Tensor.uniform([n], low: -2, high: 3, dtype: .float64, generator: &g).doubles
        XCTAssertTrue(u.allSatisfy { $0 >= -2 && $0 < 3 })
        XCTAssertEqual(u.reduce(0, +) / Double(n), 0.5, accuracy: 0.02)
        // Variance of U(a, b) is (b-a)²/12.
        XCTAssertEqual(u.map { ($0 - 0.5) * ($0 - 0.5) }.reduce(0, +) / Double(n), 25.0 / 12, accuracy: 0.03)
        let z = Tensor.normal([n], mean: 1.5, std: 2, dtype: .float64, generator: &g)
        XCTAssertEqual(z.mean().item(), 1.5, accuracy: 0.03)
        XCTAssertEqual(z.standardDeviation().item(), 2, accuracy: 0.03)
        // About 68.3% of a normal lies within one standard deviation.
        let within = z.doubles.filter { Swift.abs($0 - 1.5) < 2 }.count
        XCTAssertEqual(Double(within) / Double(n), 0.6827, accuracy: 0.01)
        let bern = Tensor.bernoulli([n], probability: 0.3, generator: &g).doubles
        XCTAssertTrue(bern.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertEqual(bern.reduce(0, +) / Double(n), 0.3, accuracy: 0.01)
        XCTAssertEqual(Tensor.uniform([2, 3], generator: &g).dtype, .float32)
        XCTAssertEqual(Tensor.bernoulli([4], probability: 0, generator: &g).doubles, [0, 0, 0, 0])
        XCTAssertEqual(Tensor.bernoulli([4], probability: 1, generator: &g).doubles, [1, 1, 1, 1])
    }

    func testPermutationAndIntegers() {
        var g = RandomGenerator(seed: 3)
        for n in [0, 1, 2, 10, 100] {
            let p = g.permutation(n)
            XCTAssertEqual(p.sorted(), Array(0..<n))
        }
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<50_000 { counts[g.nextInt(below: 5)] += 1 }
        for c in counts { XCTAssertEqual(Double(c) / 50_000, 0.2, accuracy: 0.01) }
        // Every element lands in every position about equally often.
        var first = [Int](repeating: 0, count: 4)
        for _ in 0..<20_000 { first[g.permutation(4)[0]] += 1 }
        for c in first { XCTAssertEqual(Double(c) / 20_000, 0.25, accuracy: 0.015) }
    }

    func testDropout() {
        var g = RandomGenerator(seed: 5)
        let x = Tensor.ones([10_000], dtype: .float64)
        let y = x.dropout(probability: 0.25, generator: &g).doubles
        // Kept elements are scaled by 1/(1-p), so the expectation is unchanged.
        XCTAssertTrue(y.allSatisfy { $0 == 0 || Swift.abs($0 - 4.0 / 3) < 1e-15 })
        XCTAssertEqual(Double(y.filter { $0 == 0 }.count) / 10_000, 0.25, accuracy: 0.02)
        XCTAssertEqual(y.reduce(0, +) / 10_000, 1, accuracy: 0.03)
        XCTAssertTrue(x.dropout(probability: 0, generator: &g) === x, "p = 0 is the identity")
        // The gradient is the same mask and scale.
        let leaf = Tensor(doubles: values(100, seed: 220)).requiringGradient()
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let out = leaf.dropout(probability: 0.5, generator: &g1)
        out.sum().backward()
        let mask = Tensor.bernoulli([100], probability: 0.5, dtype: .float64, generator: &g2).doubles.map { $0 * 2 }
        XCTAssertEqual(leaf.grad?.doubles, mask)
        assertClose(out, zip(leaf.doubles, mask).map(*), tol: 1e-15)
        // Same seed, same mask: a gradient check through dropout is deterministic.
        assertGradients([randomTensor([20], seed: 221)]) { t in
            var gen = RandomGenerator(seed: 11)
            return t[0].dropout(probability: 0.3, generator: &gen)
        }
    }

    func testGlobalRandomIsReproducible() {
        GlobalRandom.seed(123)
        let a = GlobalRandom.withGenerator { Tensor.normal([5], generator: &$0).doubles }
        let state = GlobalRandom.state
        let b = GlobalRandom.withGenerator { Tensor.normal([5], generator: &$0).doubles }
        GlobalRandom.seed(123)
        XCTAssertEqual(GlobalRandom.withGenerator { Tensor.normal([5], generator: &$0).doubles }, a)
        GlobalRandom.state = state
        XCTAssertEqual(GlobalRandom.withGenerator { Tensor.normal([5], generator: &$0).doubles }, b)
    }
}
