/// TAR, FAR and accuracy of scored pairs at one threshold.
public struct OperatingPoint: Sendable, Equatable, CustomStringConvertible {
    /// The threshold, in the scores' units (accept `score ≥ t` for similarities, `≤ t` for distances).
    public let threshold: Double
    /// Accepted positives / positives.
    public let trueAcceptRate: Double
    /// Accepted negatives / negatives.
    public let falseAcceptRate: Double
    /// (Accepted positives + rejected negatives) / pairs.
    public let accuracy: Double

    public var description: String {
        "threshold \(threshold): TAR \(fmt(trueAcceptRate)), FAR \(fmt(falseAcceptRate)), accuracy \(fmt(accuracy))"
    }
}

/// TAR at a target FAR (see ``VerificationPairs/tar(atFAR:)``).
public struct TARAtFAR: Sendable, Equatable, CustomStringConvertible {
    /// The FAR asked for.
    public let targetFAR: Double
    /// The operating point chosen: its FAR is at most ``targetFAR``.
    public let point: OperatingPoint
    /// Whether the data can resolve the target: at least `1 / targetFAR` negatives. Otherwise the only
    /// FAR at or below the target is 0, and ``point`` is the TAR at zero false accepts — a stricter
    /// operating point than the one asked for, so the value is a lower bound, not TAR@FAR.
    public let isResolved: Bool

    /// The true accept rate at the chosen threshold.
    public var trueAcceptRate: Double { point.trueAcceptRate }

    public var description: String {
        var s = "TAR@FAR=\(targetFAR) = \(fmt(point.trueAcceptRate)) (FAR \(fmt(point.falseAcceptRate)), threshold \(point.threshold))"
        if !isResolved { s += " [unresolved: fewer than \(Int((1 / targetFAR).rounded())) negatives, TAR at FAR 0]" }
        return s
    }
}

/// The equal error rate (see ``VerificationPairs/equalErrorRate``).
public struct EqualErrorRate: Sendable, Equatable {
    /// The rate at which FAR = FRR = 1 − TAR on the linearly interpolated ROC curve.
    public let rate: Double
    /// The threshold of the first ROC point at or past the crossing (its FAR ≥ FRR).
    public let threshold: Double
}

func fmt(_ x: Double) -> String { String(format: "%.4f", x) }

extension VerificationPairs {
    /// TAR, FAR and accuracy when pairs scoring at least as well as `threshold` are accepted.
    public func operatingPoint(atThreshold threshold: Double) -> OperatingPoint {
        let t = likeness(threshold)
        var tp = 0, fp = 0
        for (s, same) in zip(scores, isSame) where likeness(s) >= t {
            if same { tp += 1 } else { fp += 1 }
        }
        return point(threshold: threshold, trueAccepts: tp, falseAccepts: fp)
    }

    func point(threshold: Double, trueAccepts tp: Int, falseAccepts fp: Int) -> OperatingPoint {
        OperatingPoint(threshold: threshold, trueAcceptRate: Double(tp) / Double(positiveCount),
                       falseAcceptRate: Double(fp) / Double(negativeCount),
                       accuracy: Double(tp + negativeCount - fp) / Double(scores.count))
    }

    /// The operating point of ROC point `i`.
    func rocPoint(_ i: Int) -> OperatingPoint {
        point(threshold: roc.thresholds[i], trueAccepts: roc.trueAccepts[i], falseAccepts: roc.falseAccepts[i])
    }

    /// TAR at a target FAR.
    ///
    /// **Threshold rule:** the most lenient ROC threshold (a score of the data, so tied pairs are
    /// accepted or rejected together) whose FAR is at most `far` — no interpolation, so the reported
    /// FAR may lie below the target. With fewer than `1/far` negatives (e.g. under 10,000 for 1e-4)
    /// the target cannot be resolved: the result is the TAR at FAR 0 and is flagged
    /// ``TARAtFAR/isResolved`` `false`.
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `far ∉ (0, 1]`.
    public func tar(atFAR far: Double) throws -> TARAtFAR {
        guard far > 0 && far <= 1 else { throw RetrievalError.invalidArgument("target FAR must lie in (0, 1], got \(far)") }
        var best = 0
        for i in roc.falseAcceptRates.indices where roc.falseAcceptRates[i] <= far { best = i }
        return TARAtFAR(targetFAR: far, point: rocPoint(best), isResolved: Double(negativeCount) * far >= 1)
    }

    /// TAR at each of the usual targets 1e-1, 1e-2, 1e-3, 1e-4 (see ``tar(atFAR:)``).
    public var standardTARs: [TARAtFAR] {
        [1e-1, 1e-2, 1e-3, 1e-4].compactMap { try? tar(atFAR: $0) }
    }

    /// The equal error rate: where FAR equals FRR = 1 − TAR.
    ///
    /// Along the ROC polyline `g = FAR + TAR − 1` rises from −1 to 1; the EER is the FAR where the
    /// segment that first reaches `g ≥ 0` crosses zero, by linear interpolation (the same value as
    /// `brentq(lambda x: 1 - x - interp1d(fpr, tpr)(x), 0, 1)` used by face-recognition code).
    public var equalErrorRate: EqualErrorRate {
        let (i, rate) = ROCCurve.equalErrorCrossing(roc.falseAcceptRates, roc.trueAcceptRates)
        return EqualErrorRate(rate: rate, threshold: roc.thresholds[i])
    }

    /// False non-match rate at a false match rate, as open-metric-learning's `calc_fnmr_at_fmr`.
    ///
    /// With distances `d` (for similarity scores, `d = −score`), the threshold is the `fmr`-quantile
    /// of the negative pairs' distances with linear interpolation between order statistics (NumPy's
    /// default `quantile`), and FNMR is the fraction of positive pairs whose distance is **at least**
    /// that threshold.
    ///
    /// - Parameter fmr: a fraction in `[0, 1]` (0.1 means 10 %).
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `fmr ∉ [0, 1]`.
    public func fnmr(atFMR fmr: Double) throws -> Double {
        guard fmr >= 0 && fmr <= 1 else { throw RetrievalError.invalidArgument("FMR must lie in [0, 1], got \(fmr)") }
        let sign: Double = kind == .similarity ? -1 : 1
        var negatives: [Double] = [], positives: [Double] = []
        for (s, same) in zip(scores, isSame) {
            if same { positives.append(sign * s) } else { negatives.append(sign * s) }
        }
        negatives.sort()
        let threshold = Bootstrap.quantile(negatives, fmr)
        return Double(positives.filter { $0 >= threshold }.count) / Double(positives.count)
    }
}
