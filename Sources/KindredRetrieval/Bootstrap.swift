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
        try intervals(ofMeansOf: [values])[0]
    }

    /// The confidence intervals of the means of several equally long columns (the metrics of one
    /// set of queries), resampling the same rows for every column. Each interval equals what
    /// ``interval(ofMeanOf:)`` gives for that column alone — the draws depend only on the seed and
    /// the row count — but the rows are drawn once for all columns.
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `resamples < 1`, `level ∉ (0, 1)` or
    ///   the columns differ in length.
    public func intervals(ofMeansOf columns: [[Double]]) throws -> [ConfidenceInterval?] {
        guard resamples >= 1 else { throw RetrievalError.invalidArgument("bootstrap resamples must be at least 1, got \(resamples)") }
        guard level > 0 && level < 1 else { throw RetrievalError.invalidArgument("bootstrap level must lie in (0, 1), got \(level)") }
        let n = columns.first?.count ?? 0
        for c in columns where c.count != n {
            throw RetrievalError.lengthMismatch(name: "bootstrap column", expected: n, actual: c.count)
        }
        guard n > 0 else { return columns.map { _ in nil } }
        let m = columns.count
        // Row-major copy: one draw reads the row's values of every column from one place.
        var rows = [Double](repeating: 0, count: n * m)
        for (j, c) in columns.enumerated() {
            for i in 0..<n { rows[i * m + j] = c[i] }
        }
        var means = [Double](repeating: 0, count: resamples * m)  // column-major: column j at j * resamples
        // xoshiro256** exactly as RandomGenerator (same seed, same sequence), on local words.
        let start = RandomGenerator(seed: seed).state
        var s0 = start[0], s1 = start[1], s2 = start[2], s3 = start[3]
        let bound = UInt64(n)
        rows.withUnsafeBufferPointer { values in
            means.withUnsafeMutableBufferPointer { out in
                var sums = [Double](repeating: 0, count: m)
                for b in 0..<resamples {
                    for j in 0..<m { sums[j] = 0 }
                    for _ in 0..<n {
                        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
                        let t = s1 << 17
                        s2 ^= s0
                        s3 ^= s1
                        s1 ^= s2
                        s0 ^= s3
                        s2 ^= t
                        s3 = s3 << 45 | s3 >> 19
                        let row = Int(result % bound) * m
                        for j in 0..<m { sums[j] += values[row + j] }
                    }
                    for j in 0..<m { out[j * resamples + b] = sums[j] / Double(n) }
                }
            }
        }
        let alpha: Double = (1 - level) / 2
        return (0..<m).map { j in
            let sorted = means[j * resamples ..< (j + 1) * resamples].sorted()
            return ConfidenceInterval(lower: Self.quantile(sorted, alpha), upper: Self.quantile(sorted, 1 - alpha), level: level)
        }
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
