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
        var counts = [Int](repeating: 0, count: n)
        // A resample is a multiset of the pairs: its ROC is the sorted ranking walked with each pair
        // counted as often as it was drawn (groups drawn zero times add repeated points, which change
        // neither the area nor the crossing), so nothing is sorted again.
        for _ in 0..<bootstrap.resamples {
            var curve: (far: [Double], tar: [Double])?
            for _ in 0..<100 {
                for i in 0..<n { counts[i] = 0 }
                for _ in 0..<n { counts[ranking.position[rng.nextInt(below: n)]] += 1 }
                let (fps, tps) = ranking.cumulativeCounts(weights: counts)
                let negatives = fps[fps.count - 1], positives = tps[tps.count - 1]
                if negatives > 0 && positives > 0 {
                    curve = (fps.map { Double($0) / Double(negatives) }, tps.map { Double($0) / Double(positives) })
                    break
                }
            }
            guard let curve else {
                throw RetrievalError.invalidArgument("100 bootstrap draws in a row lacked positive or negative pairs; too few of one kind")
            }
            aucs.append(ROCCurve.area(curve.far, curve.tar))
            eers.append(ROCCurve.equalErrorCrossing(curve.far, curve.tar).rate)
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
