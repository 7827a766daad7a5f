import Foundation
import KindredTensor

/// How to choose a verification threshold on validation pairs.
public enum ThresholdTarget: Sendable, Equatable, CustomStringConvertible {
    /// The threshold of ``VerificationPairs/tar(atFAR:)``: the most lenient one with FAR ≤ the target.
    case falseAcceptRate(Double)
    /// The threshold of highest accuracy (see ``VerificationPairs/bestAccuracyThreshold()``).
    case bestAccuracy

    public var description: String {
        switch self {
        case let .falseAcceptRate(far): return "FAR ≤ \(far)"
        case .bestAccuracy: return "best accuracy"
        }
    }
}

/// A threshold fitted on validation pairs, to be applied to test pairs.
///
/// ```swift
/// let calibrated = try validation.calibrateThreshold(for: .falseAcceptRate(1e-3))
/// let test = try calibrated.applied(to: testPairs)   // accuracy, TAR and FAR on unseen pairs
/// ```
public struct CalibratedThreshold: Sendable, Equatable, CustomStringConvertible {
    /// How the threshold was chosen.
    public let target: ThresholdTarget
    /// Whether the scores are similarities or distances.
    public let kind: PairScoreKind
    /// The operating point on the validation pairs (its `threshold` is the fitted one).
    public let validation: OperatingPoint

    /// The fitted threshold, in the scores' units.
    public var threshold: Double { validation.threshold }

    /// TAR, FAR and accuracy of the fitted threshold on other pairs.
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `pairs` has the other score kind.
    public func applied(to pairs: VerificationPairs) throws -> OperatingPoint {
        guard pairs.kind == kind else {
            throw RetrievalError.invalidArgument("the threshold was fitted on \(kind) scores but the pairs hold \(pairs.kind) scores")
        }
        return pairs.operatingPoint(atThreshold: threshold)
    }

    public var description: String { "threshold for \(target): \(validation)" }
}

/// Accuracy with the threshold chosen on the other folds (see ``VerificationPairs/crossValidatedAccuracy(folds:shuffleSeed:)``).
public struct CrossValidatedAccuracy: Sendable, Equatable, CustomStringConvertible {
    /// Accuracy on each held-out fold.
    public let foldAccuracies: [Double]
    /// Threshold fitted on the other folds, for each fold.
    public let foldThresholds: [Double]

    /// Mean of ``foldAccuracies``.
    public var mean: Double { foldAccuracies.reduce(0, +) / Double(foldAccuracies.count) }
    /// Population standard deviation (`ddof = 0`, as NumPy's `std` in the LFW scripts) of ``foldAccuracies``.
    public var standardDeviation: Double {
        let m = mean
        return (foldAccuracies.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(foldAccuracies.count)).squareRoot()
    }

    public var description: String { "accuracy \(fmt(mean)) ± \(fmt(standardDeviation)) over \(foldAccuracies.count) folds" }
}

extension VerificationPairs {
    /// The threshold of highest accuracy on these pairs.
    ///
    /// Candidates are the ROC points (accept nothing, then each distinct score). The strictest point
    /// of highest accuracy wins; the reported threshold is halfway between its score and the next
    /// more lenient distinct score, so that unseen scores between the two fall on the accepted side
    /// as they would for any threshold in that gap (`±∞` at the ends: accept nothing / everything).
    public func bestAccuracyThreshold() -> OperatingPoint {
        operatingPoint(atThreshold: likeness(bestAccuracyLikeness(include: nil)))
    }

    /// ``bestAccuracyThreshold()``'s rule on the pairs with `include[p]` (all when `nil`; any mix
    /// of classes), walking the sorted ranking; the threshold is in likeness units (larger = more alike).
    func bestAccuracyLikeness(include: [Bool]?) -> Double {
        var negatives = 0
        for p in scores.indices where (include?[p] ?? true) && !isSame[p] { negatives += 1 }
        var values: [Double] = [.infinity], correct = [negatives]
        var tp = 0, fp = 0, start = 0
        for end in ranking.groupEnds {
            var seen = false
            for k in start..<end {
                let p = ranking.order[k]
                guard include?[p] ?? true else { continue }
                seen = true
                if isSame[p] { tp += 1 } else { fp += 1 }
            }
            if seen {
                values.append(likeness(scores[ranking.order[end - 1]]))
                correct.append(tp + negatives - fp)
            }
            start = end
        }
        var best = 0
        for j in correct.indices where correct[j] > correct[best] { best = j }
        if best == 0 { return .infinity }
        if best == values.count - 1 { return -.infinity }
        return (values[best] + values[best + 1]) / 2
    }

    /// Fits a threshold on these (validation) pairs.
    ///
    /// - Throws: as ``tar(atFAR:)`` for a FAR target.
    public func calibrateThreshold(for target: ThresholdTarget) throws -> CalibratedThreshold {
        switch target {
        case let .falseAcceptRate(far):
            return CalibratedThreshold(target: target, kind: kind, validation: try tar(atFAR: far).point)
        case .bestAccuracy:
            return CalibratedThreshold(target: target, kind: kind, validation: bestAccuracyThreshold())
        }
    }

    /// Verification accuracy by k-fold threshold selection (the LFW protocol: 10 folds; choose the
    /// threshold on 9, measure on the held-out one).
    ///
    /// Folds are contiguous runs of pairs in their given order, the first `count % folds` one pair
    /// longer (scikit-learn's `KFold(n_splits: folds)`; LFW's pair lists are stored fold by fold), or,
    /// with `shuffleSeed`, runs of a seeded permutation. Each fold's threshold is
    /// ``bestAccuracyThreshold()`` of the other folds.
    ///
    /// A training split may hold only one kind of pair (then its best threshold accepts all or nothing).
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `folds < 2` or there are fewer pairs than folds.
    public func crossValidatedAccuracy(folds: Int = 10, shuffleSeed: UInt64? = nil) throws -> CrossValidatedAccuracy {
        guard folds >= 2 else { throw RetrievalError.invalidArgument("cross-validation needs at least 2 folds, got \(folds)") }
        let n = scores.count
        guard n >= folds else { throw RetrievalError.invalidArgument("\(folds) folds need at least \(folds) pairs, got \(n)") }
        var order = Array(0..<n)
        if let seed = shuffleSeed {
            var rng = RandomGenerator(seed: seed)
            order = rng.permutation(n)
        }
        var accuracies: [Double] = [], thresholds: [Double] = []
        var start = 0
        for f in 0..<folds {
            let size = n / folds + (f < n % folds ? 1 : 0)
            let test = Array(order[start ..< start + size])
            start += size
            var include = [Bool](repeating: true, count: n)
            for p in test { include[p] = false }
            let t = bestAccuracyLikeness(include: include)
            var correct = 0
            for p in test where (likeness(scores[p]) >= t) == isSame[p] { correct += 1 }
            accuracies.append(Double(correct) / Double(size))
            thresholds.append(likeness(t))
        }
        return CrossValidatedAccuracy(foldAccuracies: accuracies, foldThresholds: thresholds)
    }
}
