/// The usual verification numbers of one set of pairs, in one value (see ``VerificationPairs/report(farTargets:fmrTargets:folds:bootstrap:)``).
public struct VerificationReport: Sendable, CustomStringConvertible {
    /// Number of positive pairs.
    public let positiveCount: Int
    /// Number of negative pairs.
    public let negativeCount: Int
    /// Area under the ROC curve.
    public let auc: Double
    /// Equal error rate.
    public let equalErrorRate: EqualErrorRate
    /// TAR at each requested FAR.
    public let tarAtFAR: [TARAtFAR]
    /// OML's FNMR at each requested FMR, as `(fmr, fnmr)`.
    public let fnmrAtFMR: [FNMRAtFMR]
    /// k-fold threshold-selection accuracy (`nil` when not requested or there are fewer pairs than folds).
    public let accuracy: CrossValidatedAccuracy?
    /// Bootstrap intervals of AUC and EER, when requested.
    public let intervals: VerificationIntervals?

    public var description: String {
        var lines = ["verification on \(positiveCount) positive and \(negativeCount) negative pairs:"]
        lines.append("  AUC = \(fmt(auc))" + (intervals.map { ", \($0.auc)" } ?? ""))
        lines.append("  EER = \(fmt(equalErrorRate.rate)) (threshold \(equalErrorRate.threshold))"
            + (intervals.map { ", \($0.equalErrorRate)" } ?? ""))
        for t in tarAtFAR { lines.append("  \(t)") }
        for f in fnmrAtFMR { lines.append("  FNMR@FMR=\(f.fmr) = \(fmt(f.fnmr))") }
        if let accuracy { lines.append("  \(accuracy)") }
        return lines.joined(separator: "\n")
    }
}

/// One FNMR@FMR value of a ``VerificationReport``.
public struct FNMRAtFMR: Sendable, Equatable {
    /// The false match rate asked for.
    public let fmr: Double
    /// The false non-match rate there (see ``VerificationPairs/fnmr(atFMR:)``).
    public let fnmr: Double
}

extension VerificationPairs {
    /// AUC, EER, TAR@FAR, FNMR@FMR, k-fold accuracy and (optionally) bootstrap intervals at once.
    ///
    /// - Parameters:
    ///   - farTargets: FARs for ``tar(atFAR:)`` (default 1e-1 … 1e-4).
    ///   - fmrTargets: FMRs for ``fnmr(atFMR:)`` (default 0.1).
    ///   - folds: folds of ``crossValidatedAccuracy(folds:shuffleSeed:)`` (default 10, the LFW
    ///     protocol; `nil` skips it, and so do fewer pairs than folds).
    ///   - bootstrap: settings for ``bootstrapIntervals(_:)``, or `nil` for none.
    /// - Throws: as the individual metrics for out-of-range targets or settings.
    public func report(farTargets: [Double] = [1e-1, 1e-2, 1e-3, 1e-4], fmrTargets: [Double] = [0.1],
                       folds: Int? = 10, bootstrap: Bootstrap? = nil) throws -> VerificationReport {
        var accuracy: CrossValidatedAccuracy?
        if let folds, scores.count >= folds { accuracy = try crossValidatedAccuracy(folds: folds) }
        return VerificationReport(positiveCount: positiveCount, negativeCount: negativeCount, auc: auc,
                                  equalErrorRate: equalErrorRate, tarAtFAR: try farTargets.map { try tar(atFAR: $0) },
                                  fnmrAtFMR: try fmrTargets.map { FNMRAtFMR(fmr: $0, fnmr: try fnmr(atFMR: $0)) },
                                  accuracy: accuracy, intervals: try bootstrap.map { try bootstrapIntervals($0) })
    }
}
