/// The receiver operating characteristic of scored pairs: FAR and TAR at every threshold.
///
/// As scikit-learn's `roc_curve(y_true, y_score, drop_intermediate=False)`: the thresholds are the
/// distinct scores from the strictest to the most lenient, preceded by one that accepts nothing
/// (`+∞` for similarities, `−∞` for distances, where scikit-learn writes `inf`). Point `i` accepts the
/// pairs whose score is at least as good as ``thresholds``[i] (see ``VerificationPairs``), so tied
/// pairs enter together; the curve starts at (0, 0) and ends at (1, 1).
public struct ROCCurve: Sendable, Equatable {
    /// Score threshold of each point, strictest first.
    public let thresholds: [Double]
    /// FAR (scikit-learn's `fpr`) of each point, non-decreasing.
    public let falseAcceptRates: [Double]
    /// TAR (scikit-learn's `tpr`) of each point, non-decreasing.
    public let trueAcceptRates: [Double]
    /// Accepted negatives at each point.
    let falseAccepts: [Int]
    /// Accepted positives at each point.
    let trueAccepts: [Int]

    /// Computes the curve (callers guarantee at least one positive and one negative).
    init(scores: [Double], isSame: [Bool], kind: PairScoreKind) {
        let sign: Double = kind == .similarity ? 1 : -1
        let order = scores.indices.sorted { sign * scores[$0] > sign * scores[$1] }
        var thresholds = [sign * Double.infinity], fps = [0], tps = [0]
        var fp = 0, tp = 0, i = 0
        while i < order.count {
            let value = scores[order[i]]
            while i < order.count && scores[order[i]] == value {
                if isSame[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            thresholds.append(value)
            fps.append(fp)
            tps.append(tp)
        }
        self.thresholds = thresholds
        self.falseAccepts = fps
        self.trueAccepts = tps
        self.falseAcceptRates = fps.map { Double($0) / Double(fp) }
        self.trueAcceptRates = tps.map { Double($0) / Double(tp) }
    }

    /// Area under the curve by the trapezoidal rule, as scikit-learn's `roc_auc_score`: a tied
    /// positive/negative pair counts one half, so this equals the probability that a random positive
    /// scores better than a random negative, ties counting ½ (the Mann–Whitney statistic).
    public var area: Double {
        var a = 0.0
        for i in 1..<falseAcceptRates.count {
            a += (falseAcceptRates[i] - falseAcceptRates[i - 1]) * (trueAcceptRates[i] + trueAcceptRates[i - 1]) / 2
        }
        return a
    }
}

extension VerificationPairs {
    /// The ROC curve (see ``ROCCurve``).
    public var rocCurve: ROCCurve { roc }

    /// Area under the ROC curve, as scikit-learn's `roc_auc_score` (ties count one half).
    public var auc: Double { roc.area }
}
