import RealModule

/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random operation in Kindred takes one explicitly, so a seed fixes a whole run.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The generator's full state (save it to resume a run exactly).
    public private(set) var state: [UInt64]

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var z = seed
        var s = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            s[i] = x ^ (x >> 31)
        }
        state = s
    }

    /// Restores a generator from a saved ``state``.
    public init(state: [UInt64]) {
        precondition(state.count == 4, "RandomGenerator state has 4 words")
        self.state = state
    }

    @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = RandomGenerator.rotl(state[3], 45)
        return result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Double {
        var u = nextUniform()
        while u <= 0 { u = nextUniform() }
        let v = nextUniform()
        return (-2 * Double.log(u)).squareRoot() * Double.cos(2 * Double.pi * v)
    }

    /// A random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                p.swapAt(i, Int(next() % UInt64(i + 1)))
            }
        }
        return p
    }

    /// A uniformly random integer in `0..<n`.
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        return Int(next() % UInt64(n))
    }
}

extension Tensor {
    /// Uniform values in `[low, high)`.
    public static func uniform(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32, generator: inout RandomGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var v = [Double](repeating: 0, count: n)
        for i in 0..<n { v[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(doubles: v, shape: shape, dtype: dtype)
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, generator: inout RandomGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var v = [Double](repeating: 0, count: n)
        for i in 0..<n { v[i] = mean + std * generator.nextNormal() }
        return Tensor(doubles: v, shape: shape, dtype: dtype)
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], probability p: Double, dtype: DType = .float32, generator: inout RandomGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var v = [Double](repeating: 0, count: n)
        for i in 0..<n { v[i] = generator.nextUniform() < p ? 1 : 0 }
        return Tensor(doubles: v, shape: shape, dtype: dtype)
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by `1/(1-p)`.
    public func dropout(probability p: Double, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        if p == 0 { return self }
        let mask = Tensor.bernoulli(shape, probability: 1 - p, dtype: dtype, generator: &generator) * (1 / (1 - p))
        return self * mask
    }
}

import Foundation

/// The process-wide generator used where no generator is passed (layer initialisation, dropout).
/// `GlobalRandom.seed(42)` fixes them all, like `torch.manual_seed`.
public enum GlobalRandom {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var generator = RandomGenerator(seed: 0)

    /// Re-seeds the global generator.
    public static func seed(_ seed: UInt64) {
        lock.lock(); defer { lock.unlock() }
        generator = RandomGenerator(seed: seed)
    }

    /// Runs `body` with exclusive access to the global generator.
    public static func withGenerator<R>(_ body: (inout RandomGenerator) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&generator)
    }

    /// The global generator's state (for checkpoints).
    public static var state: [UInt64] {
        get { withGenerator { $0.state } }
        set { withGenerator { $0 = RandomGenerator(state: newValue) } }
    }
}
