import Foundation

/// The per-point Gaussian bandwidth search shared by exact and Barnes–Hut t-SNE.
///
/// For one point with squared distances `d_j` to its candidates (every other point for exact t-SNE,
/// its nearest neighbours for Barnes–Hut), it finds the precision `β` so that the conditional
/// distribution `p_{j|i} = exp(−β d_j) / Σ exp(−β d_j)` has entropy `log(perplexity)` within 1e-5
/// nats: bisection from `β = 1`, doubling or halving while one side is open, at most 100 steps, as
/// scikit-learn's `_binary_search_perplexity` (a zero sum becomes 1e-8).
enum PerplexityBisection {
    /// Entropy tolerance in nats.
    static let tolerance = 1e-5
    /// Most bisection steps per point.
    static let maximumSteps = 100

    /// Writes the conditional probabilities of one point into `out`.
    ///
    /// - Parameters:
    ///   - distances: squared distances to the candidates (already rounded as the caller wants).
    ///   - skipping: a position in `distances` that is the point itself (left at 0 in `out`), or `nil`.
    ///   - target: `log(perplexity)`.
    ///   - out: as many slots as `distances`.
    static func conditionalRow(distances: UnsafeBufferPointer<Double>, skipping: Int?, target: Double,
                               into out: UnsafeMutableBufferPointer<Double>) {
        let count = distances.count
        let skip = skipping ?? -1
        var beta = 1.0, low = -Double.infinity, high = Double.infinity
        for _ in 0..<maximumSteps {
            var sum = 0.0
            for j in 0..<count where j != skip {
                let e = Foundation.exp(-distances[j] * beta)
                out[j] = e
                sum += e
            }
            if sum == 0 { sum = 1e-8 }
            var weighted = 0.0
            for j in 0..<count where j != skip {
                out[j] /= sum
                weighted += distances[j] * out[j]
            }
            let entropyGap = Foundation.log(sum) + beta * weighted - target
            if Swift.abs(entropyGap) <= tolerance { break }
            if entropyGap > 0 {
                low = beta
                beta = high == .infinity ? beta * 2 : (beta + high) / 2
            } else {
                high = beta
                beta = low == -.infinity ? beta / 2 : (beta + low) / 2
            }
        }
        if skip >= 0 { out[skip] = 0 }
    }
}
