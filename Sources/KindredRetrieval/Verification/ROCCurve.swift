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

    /// The curve of pairs already ranked: `ranking.order` lists pair indices best first and
    /// `ranking.groupEnds` closes each run of equal scores (callers guarantee both classes occur).
    init(scores: [Double], isSame: [Bool], kind: PairScoreKind, ranking: PairRanking) {
        let sign: Double = kind == .similarity ? 1 : -1
        var thresholds = [sign * Double.infinity]
        thresholds.reserveCapacity(ranking.groupEnds.count + 1)
        for end in ranking.groupEnds { thresholds.append(scores[ranking.order[end - 1]]) }
        let (fps, tps) = ranking.cumulativeCounts(weights: nil)
        let negatives = Double(fps[fps.count - 1]), positives = Double(tps[tps.count - 1])
        self.thresholds = thresholds
        self.falseAccepts = fps
        self.trueAccepts = tps
        self.falseAcceptRates = fps.map { Double($0) / negatives }
        self.trueAcceptRates = tps.map { Double($0) / positives }
    }

    /// Area under the curve by the trapezoidal rule, as scikit-learn's `roc_auc_score`: a tied
    /// positive/negative pair counts one half, so this equals the probability that a random positive
    /// scores better than a random negative, ties counting ½ (the Mann–Whitney statistic).
    public var area: Double { Self.area(falseAcceptRates, trueAcceptRates) }

    /// Trapezoidal area under a polyline.
    static func area(_ far: [Double], _ tar: [Double]) -> Double {
        var a = 0.0
        for i in 1..<far.count { a += (far[i] - far[i - 1]) * (tar[i] + tar[i - 1]) / 2 }
        return a
    }

    /// Index of the first point at or past `FAR = 1 − TAR`, and the interpolated crossing rate.
    static func equalErrorCrossing(_ far: [Double], _ tar: [Double]) -> (index: Int, rate: Double) {
        var i = 1
        while i < far.count - 1 && far[i] + tar[i] - 1 < 0 { i += 1 }
        let g0 = far[i - 1] + tar[i - 1] - 1, g1 = far[i] + tar[i] - 1
        let t = g1 == g0 ? 0 : -g0 / (g1 - g0)
        return (i, far[i - 1] + t * (far[i] - far[i - 1]))
    }
}

/// Pair indices sorted from most to least alike, with the ends of runs of equal scores: sorted once,
/// reused by the ROC, cross-validation folds and bootstrap rounds.
struct PairRanking: Sendable {
    /// Pair indices, most alike first (equal scores: lower index first).
    let order: [Int]
    /// Exclusive end (in ``order``) of each run of equal scores.
    let groupEnds: [Int]
    /// Position in ``order`` of each pair.
    let position: [Int]
    /// Whether the pair at each sorted position is a positive.
    let sortedIsSame: [Bool]

    init(likeness: [Double], isSame: [Bool]) {
        var keyed = likeness.enumerated().map { (key: $0.element, index: $0.offset) }
        keyed.sort { $0.key != $1.key ? $0.key > $1.key : $0.index < $1.index }
        var ends: [Int] = []
        for i in 1..<Swift.max(keyed.count, 1) where keyed[i].key != keyed[i - 1].key { ends.append(i) }
        if !keyed.isEmpty { ends.append(keyed.count) }
        self.order = keyed.map(\.index)
        self.groupEnds = ends
        var position = [Int](repeating: 0, count: keyed.count)
        for (k, p) in order.enumerated() { position[p] = k }
        self.position = position
        self.sortedIsSame = order.map { isSame[$0] }
    }

    /// Accepted negatives and positives after each group (with a leading 0), the pair at sorted
    /// position `k` counted `weights[k]` times (once when `weights` is `nil`).
    func cumulativeCounts(weights: [Int]?) -> (falseAccepts: [Int], trueAccepts: [Int]) {
        var fps = [0], tps = [0]
        fps.reserveCapacity(groupEnds.count + 1)
        tps.reserveCapacity(groupEnds.count + 1)
        var fp = 0, tp = 0, start = 0
        for end in groupEnds {
            for k in start..<end {
                let w = weights?[k] ?? 1
                if sortedIsSame[k] { tp += w } else { fp += w }
            }
            fps.append(fp)
            tps.append(tp)
            start = end
        }
        return (fps, tps)
    }
}

extension VerificationPairs {
    /// The ROC curve (see ``ROCCurve``).
    public var rocCurve: ROCCurve { roc }

    /// Area under the ROC curve, as scikit-learn's `roc_auc_score` (ties count one half).
    public var auc: Double { roc.area }
}
