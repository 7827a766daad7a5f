import Foundation

import KindredTensor

/// A confidence interval `[lower, upper]` at a given level.
public struct ConfidenceInterval: Sendable, Equatable, CustomStringConvertible {
    /// Lower bound.
    public let lower: Double
    /// Upper bound.
    public let upper: Double
    /// Confidence level, e.g. 0.95.
    public let level: Double

    /// Bounds shown to 4 decimals (the raw values are in ``lower`` and ``upper``).
    public var description: String {
        "\(Int((level * 100).rounded()))% CI [\(String(format: "%.4f", lower)), \(String(format: "%.4f", upper))]"
    }
}

/// Percentile bootstrap over queries: how much a mean would move if the evaluated queries were
/// drawn again from the same population.
///
/// With `n` per-query values `x₁…xₙ`, each of ``resamples`` rounds draws `n` indices uniformly with
/// replacement from a ``RandomGenerator`` seeded with ``seed`` and records the mean of those values.
/// The interval is the `(1 − level)/2` and `(1 + level)/2` quantiles of the recorded means, with
/// linear interpolation between order statistics (NumPy's default "linear" quantile): for sorted
/// means `m₀ ≤ … ≤ m_{B−1}` and a probability `p`, position `h = p·(B − 1)` gives
/// `m_⌊h⌋ + (h − ⌊h⌋)(m_⌊h⌋₊₁ − m_⌊h⌋)`. The same seed gives the same interval.
public struct Bootstrap: Sendable, Equatable {
    /// Number of resampling rounds (`B ≥ 1`).
    public var resamples: Int
    /// Confidence level in `(0, 1)`.
    public var level: Double
    /// Seed of the resampling generator.
    public var seed: UInt64

    /// Creates bootstrap settings (defaults: 1000 rounds, 95 %, seed 0).
    public init(resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) {
        self.resamples = resamples
        self.level = level
        self.seed = seed
    }

    /// The confidence interval of the mean of `values` (`nil` when `values` is empty).
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `resamples < 1` or `level ∉ (0, 1)`.
    public func interval(ofMeanOf values: [Double]) throws -> ConfidenceInterval? {
        guard resamples >= 1 else { throw RetrievalError.invalidArgument("bootstrap resamples must be at least 1, got \(resamples)") }
        guard level > 0 && level < 1 else { throw RetrievalError.invalidArgument("bootstrap level must lie in (0, 1), got \(level)") }
        guard !values.isEmpty else { return nil }
        var rng = RandomGenerator(seed: seed)
        let n = values.count
        var means = [Double](repeating: 0, count: resamples)
        for b in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[rng.nextInt(below: n)] }
            means[b] = sum / Double(n)
        }
        means.sort()
        let alpha: Double = (1 - level) / 2
        return ConfidenceInterval(lower: Self.quantile(means, alpha), upper: Self.quantile(means, 1 - alpha), level: level)
    }

    /// Linear-interpolation quantile of ascending `sorted` values.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h: Double = p * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down))
        let hi = Swift.min(lo + 1, sorted.count - 1)
        let frac: Double = h - Double(lo)
        return sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}
