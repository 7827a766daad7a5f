import KindredTensor

/// Bootstrap intervals of AUC and EER over pairs (see ``VerificationPairs/bootstrapIntervals(_:)``).
public struct VerificationIntervals: Sendable, Equatable {
    /// Interval of the area under the ROC curve.
    public let auc: ConfidenceInterval
    /// Interval of the equal error rate.
    public let equalErrorRate: ConfidenceInterval
}

extension VerificationPairs {
    /// Percentile bootstrap over pairs of AUC and EER.
    ///
    /// Each round draws `count` pairs uniformly with replacement (a ``RandomGenerator`` seeded with
    /// `bootstrap.seed`) and recomputes both statistics; a draw without any positive or any negative
    /// pair is redrawn. The bounds are quantiles of the recorded values as in ``Bootstrap``.
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` for bad bootstrap settings, or when 100
    ///   draws in a row lack one of the classes (almost all pairs are of one kind).
    public func bootstrapIntervals(_ bootstrap: Bootstrap) throws -> VerificationIntervals {
        guard bootstrap.resamples >= 1 else {
            throw RetrievalError.invalidArgument("bootstrap resamples must be at least 1, got \(bootstrap.resamples)")
        }
        guard bootstrap.level > 0 && bootstrap.level < 1 else {
            throw RetrievalError.invalidArgument("bootstrap level must lie in (0, 1), got \(bootstrap.level)")
        }
        var rng = RandomGenerator(seed: bootstrap.seed)
        let n = scores.count
        var aucs: [Double] = [], eers: [Double] = []
        for _ in 0..<bootstrap.resamples {
            var sample: VerificationPairs?
            for _ in 0..<100 {
                var s = [Double](), same = [Bool]()
                s.reserveCapacity(n)
                same.reserveCapacity(n)
                for _ in 0..<n {
                    let i = rng.nextInt(below: n)
                    s.append(scores[i])
                    same.append(isSame[i])
                }
                if let drawn = try? VerificationPairs(scores: s, isSame: same, kind: kind) { sample = drawn; break }
            }
            guard let sample else {
                throw RetrievalError.invalidArgument("100 bootstrap draws in a row lacked positive or negative pairs; too few of one kind")
            }
            aucs.append(sample.auc)
            eers.append(sample.equalErrorRate.rate)
        }
        aucs.sort()
        eers.sort()
        let alpha = (1 - bootstrap.level) / 2
        func interval(_ v: [Double]) -> ConfidenceInterval {
            ConfidenceInterval(lower: Bootstrap.quantile(v, alpha), upper: Bootstrap.quantile(v, 1 - alpha), level: bootstrap.level)
        }
        return VerificationIntervals(auc: interval(aucs), equalErrorRate: interval(eers))
    }
}
