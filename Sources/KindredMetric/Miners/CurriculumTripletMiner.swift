/// A curriculum for triplet mining: semi-hard triplets first, hard ones later (a
/// ``TripletMarginMiner`` whose kind changes as training goes).
///
/// The switch to ``TripletMarginMiner/Kind/hard`` happens
/// - ``Schedule/epochs(_:)``: once ``epoch`` reaches the given epoch (set it with ``setEpoch(_:)``);
/// - ``Schedule/activeFraction(below:patience:)``: once the fraction of margin-violating triplets
///   among all triplets of a batch stays below the threshold for `patience` consecutive batches —
///   the model has learned the easy structure.
///
/// The switch is one-way; ``reset()`` starts over. ``lastActiveFraction`` can be logged.
public final class CurriculumTripletMiner: Miner {
    /// When to move from semi-hard to hard triplets.
    public enum Schedule: Sendable, Equatable {
        /// Hard from this epoch on (0-based).
        case epochs(Int)
        /// Hard once the active fraction stays below `below` for `patience` batches.
        case activeFraction(below: Double, patience: Int = 1)
    }

    /// The triplet margin used for mining.
    public let margin: Double
    /// How embeddings are compared.
    public let distance: BaseDistance
    /// When to switch.
    public let schedule: Schedule
    /// The current epoch (see ``setEpoch(_:)``).
    public private(set) var epoch = 0
    /// The kind mined now: `.semihard`, then `.hard`.
    public private(set) var kind: TripletMarginMiner.Kind = .semihard
    /// Fraction of all triplets in the last batch that violated the margin.
    public private(set) var lastActiveFraction = 1.0
    private var calmBatches = 0

    /// Creates the curriculum.
    public init(margin: Double = 0.2, schedule: Schedule = .epochs(10), distance: BaseDistance = LpDistance()) {
        self.margin = margin
        self.schedule = schedule
        self.distance = distance
    }

    /// Sets the epoch (for the ``Schedule/epochs(_:)`` schedule).
    public func setEpoch(_ e: Int) {
        epoch = e
        if case let .epochs(switchAt) = schedule, e >= switchAt { kind = .hard }
    }

    /// Back to semi-hard mining at epoch 0.
    public func reset() {
        epoch = 0
        kind = .semihard
        calmBatches = 0
        lastActiveFraction = 1
    }

    /// Mines with the current kind, then updates the schedule from this batch's active fraction.
    public func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples {
        let all = TripletMarginMiner(margin: margin, kind: .all, distance: distance)
        let total = IndexTuples.allTriplets(labels: labels, refLabels: refLabels).count
        let active = all.mine(embeddings, labels: labels, reference: reference, refLabels: refLabels).count
        lastActiveFraction = total == 0 ? 0 : Double(active) / Double(total)
        let tuples = TripletMarginMiner(margin: margin, kind: kind, distance: distance)
            .mine(embeddings, labels: labels, reference: reference, refLabels: refLabels)
        if case let .activeFraction(threshold, patience) = schedule, kind == .semihard, total > 0 {
            calmBatches = lastActiveFraction < threshold ? calmBatches + 1 : 0
            if calmBatches >= patience { kind = .hard }
        }
        return tuples
    }
}
