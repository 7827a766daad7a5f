/// Batch easy/hard mining (PML's `BatchEasyHardMiner`): for every anchor, one positive and one
/// negative chosen by a ``Strategy`` each, or all of them.
///
/// With "closest" meaning the smallest distance (the largest similarity):
///
/// | strategy | positive | negative |
/// |---|---|---|
/// | ``Strategy/easy`` | the closest | the farthest |
/// | ``Strategy/hard`` | the farthest | the closest |
/// | ``Strategy/semihard`` | the farthest that is still closer than the chosen negative | the closest that is still farther than the chosen positive |
/// | ``Strategy/all`` | every positive pair | every negative pair |
///
/// Optional allowed ranges drop candidate pairs whose distance (similarity) lies outside them
/// before choosing. An anchor keeps its choice only when both sides found one (when neither
/// strategy is ``Strategy/all``); ties go to the lowest index. The result is in PML's pair form:
/// `(a, p)` positive pairs and `(a, n)` negative pairs, with `a1 == a2` when neither side is
/// ``Strategy/all``, so triplet losses read it as one triplet per anchor.
///
/// ```swift
/// let miner = try BatchEasyHardMiner(positiveStrategy: .easy, negativeStrategy: .semihard)
/// let tuples = miner(embeddings, labels: labels)
/// ```
public struct BatchEasyHardMiner: Miner {
    /// How one side (positives or negatives) is chosen.
    public enum Strategy: String, Sendable, CaseIterable {
        /// The easiest pair: closest positive, farthest negative.
        case easy
        /// Hard, but not harder than the other side's choice (see the table above).
        case semihard
        /// The hardest pair: farthest positive, closest negative.
        case hard
        /// Every pair.
        case all
    }

    /// A combination of strategies PML refuses.
    public enum ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
        /// Both sides semi-hard: each would need the other's choice first.
        case bothSemihard
        /// Semi-hard on one side needs a single choice on the other side, not ``Strategy/all``.
        case semihardWithAll

        /// A readable explanation.
        public var description: String {
            switch self {
            case .bothSemihard:
                return "BatchEasyHardMiner: positiveStrategy and negativeStrategy cannot both be .semihard"
            case .semihardWithAll:
                return "BatchEasyHardMiner: .semihard on one side needs .easy or .hard on the other side, not .all"
            }
        }
    }

    /// How the positive of each anchor is chosen (default ``Strategy/easy``).
    public let positiveStrategy: Strategy
    /// How the negative of each anchor is chosen (default ``Strategy/semihard``).
    public let negativeStrategy: Strategy
    /// Positive pairs outside this range of distances (similarities) are never chosen.
    public let allowedPositiveRange: ClosedRange<Double>?
    /// Negative pairs outside this range of distances (similarities) are never chosen.
    public let allowedNegativeRange: ClosedRange<Double>?
    /// How embeddings are compared (default ``LpDistance`` on normalised embeddings).
    public let distance: BaseDistance

    /// Creates the miner; throws ``ConfigurationError`` for the combinations PML refuses (both
    /// semi-hard, or semi-hard with all).
    public init(positiveStrategy: Strategy = .easy, negativeStrategy: Strategy = .semihard,
                allowedPositiveRange: ClosedRange<Double>? = nil, allowedNegativeRange: ClosedRange<Double>? = nil,
                distance: BaseDistance = LpDistance()) throws {
        if positiveStrategy == .semihard && negativeStrategy == .semihard { throw ConfigurationError.bothSemihard }
        if (positiveStrategy == .semihard && negativeStrategy == .all) || (negativeStrategy == .semihard && positiveStrategy == .all) {
            throw ConfigurationError.semihardWithAll
        }
        self.positiveStrategy = positiveStrategy
        self.negativeStrategy = negativeStrategy
        self.allowedPositiveRange = allowedPositiveRange
        self.allowedNegativeRange = allowedNegativeRange
        self.distance = distance
    }

    /// The chosen pairs (see the type's documentation).
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let table = DistanceTable(distance, embeddings, reference)
        let ref = refLabels ?? labels
        let same = refLabels == nil
        let rows = labels.count
        var positives = [[Int]](repeating: [], count: rows), negatives = positives
        for i in 0..<rows {
            for j in ref.indices {
                if ref[j] != labels[i] { negatives[i].append(j) } else if !(same && i == j) { positives[i].append(j) }
            }
        }
        // Positives: easy → closest; hard and semi-hard → farthest. Negatives: easy → farthest;
        // hard and semi-hard → closest. Semi-hard picks under a bound set by the other side's choice.
        func choose(_ candidates: [Int], row i: Int, closest: Bool, range: ClosedRange<Double>?, beyond bound: Double?) -> Int? {
            // "Closest" is the smallest value for distances and the largest for similarities.
            let smallest = closest != distance.isInverted
            var best: Int? = nil, bestValue = 0.0
            for j in candidates {
                let v = table[i, j]
                if let range, !range.contains(v) { continue }
                if let bound, smallest ? v <= bound : v >= bound { continue }
                if best == nil || (smallest ? v < bestValue : v > bestValue) { best = j; bestValue = v }
            }
            return best
        }
        var chosenP = [Int?](repeating: nil, count: rows), chosenN = chosenP
        let posClosest = positiveStrategy == .easy, negClosest = negativeStrategy != .easy
        for i in 0..<rows {
            if positiveStrategy == .semihard {
                chosenN[i] = choose(negatives[i], row: i, closest: negClosest, range: allowedNegativeRange, beyond: nil)
                // Without a negative the row is dropped anyway.
                guard let n = chosenN[i] else { continue }
                chosenP[i] = choose(positives[i], row: i, closest: posClosest, range: allowedPositiveRange, beyond: table[i, n])
            } else {
                if positiveStrategy != .all {
                    chosenP[i] = choose(positives[i], row: i, closest: posClosest, range: allowedPositiveRange, beyond: nil)
                }
                if negativeStrategy != .all {
                    let bound = negativeStrategy == .semihard ? chosenP[i].map { table[i, $0] } : nil
                    if negativeStrategy == .semihard && bound == nil { continue }
                    chosenN[i] = choose(negatives[i], row: i, closest: negClosest, range: allowedNegativeRange, beyond: bound)
                }
            }
        }
        var a1: [Int] = [], p: [Int] = [], a2: [Int] = [], n: [Int] = []
        for i in 0..<rows {
            switch (positiveStrategy == .all, negativeStrategy == .all) {
            case (false, false):
                if let cp = chosenP[i], let cn = chosenN[i] { a1.append(i); p.append(cp); a2.append(i); n.append(cn) }
            case (true, _):
                for j in positives[i] { a1.append(i); p.append(j) }
                if negativeStrategy != .all, let cn = chosenN[i] { a2.append(i); n.append(cn) }
            case (false, true):
                if let cp = chosenP[i] { a1.append(i); p.append(cp) }
            }
            if negativeStrategy == .all { for j in negatives[i] { a2.append(i); n.append(j) } }
        }
        return .pairs(a1: a1, p: p, a2: a2, n: n)
    }
}
