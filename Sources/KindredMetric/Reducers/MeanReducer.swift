/// The mean of all losses, `(1/K) Σₖ ℓₖ` (PML's `MeanReducer`). An empty term gives zero loss.
public struct MeanReducer: Reducer {
    /// Creates the reducer.
    public init() {}

    /// `mean(losses)`; zero with zero gradient when there are no losses.
    public func reduce(_ term: LossTerm, embeddings: Tensor) -> Tensor {
        if let r = commonReduction(term, embeddings: embeddings) { return r }
        let l = term.losses!
        return l.count == 0 ? zeroLoss(embeddings) : l.mean()
    }
}

/// The sum of all losses, `Σₖ ℓₖ` (PML's `SumReducer`).
public struct SumReducer: Reducer {
    /// Creates the reducer.
    public init() {}

    /// `sum(losses)`; zero with zero gradient when there are no losses.
    public func reduce(_ term: LossTerm, embeddings: Tensor) -> Tensor {
        if let r = commonReduction(term, embeddings: embeddings) { return r }
        let l = term.losses!
        return l.count == 0 ? zeroLoss(embeddings) : l.sum()
    }
}
