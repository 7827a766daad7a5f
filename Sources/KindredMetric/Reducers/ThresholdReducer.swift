/// The mean of the losses inside `(low, high)` (either bound optional), PML's `ThresholdReducer`:
/// `Σₖ [low < ℓₖ < high] ℓₖ / Σₖ [low < ℓₖ < high]`, and zero (with zero gradient) when none pass.
public struct ThresholdReducer: Reducer {
    /// Losses must exceed this (strictly) to count; nil for no lower bound.
    public let low: Double?
    /// Losses must be below this (strictly) to count; nil for no upper bound.
    public let high: Double?

    /// Creates the reducer; at least one bound is required.
    public init(low: Double? = nil, high: Double? = nil) {
        precondition(low != nil || high != nil, "ThresholdReducer needs low or high")
        self.low = low
        self.high = high
    }

    /// The mean of the losses that pass the thresholds.
    public func reduce(_ term: LossTerm, embeddings: Tensor) -> Tensor {
        if let r = commonReduction(term, embeddings: embeddings) { return r }
        let l = term.losses!
        guard let (mean, kept) = l.meanOfPassing(low: low, high: high) else { return zeroLoss(embeddings) }
        return kept == l.count ? l.mean() : mean
    }

    /// How many losses pass the thresholds (for logging).
    public func passingCount(_ term: LossTerm) -> Int {
        guard let l = term.losses else { return 0 }
        return l.doubles.filter(passes).count
    }

    /// Whether one loss value lies strictly inside the bounds.
    func passes(_ x: Double) -> Bool {
        if let low, !(x > low) { return false }
        if let high, !(x < high) { return false }
        return true
    }
}

/// The mean of the positive losses, `Σₖ ℓₖ / #{ℓₖ > 0}` (PML's `AvgNonZeroReducer`, the default of
/// triplet and contrastive losses): easy tuples with zero loss do not dilute the average.
public struct AvgNonZeroReducer: Reducer {
    /// Creates the reducer.
    public init() {}

    /// `ThresholdReducer(low: 0)`.
    public func reduce(_ term: LossTerm, embeddings: Tensor) -> Tensor {
        ThresholdReducer(low: 0).reduce(term, embeddings: embeddings)
    }
}
