/// Averages pair losses per anchor first, then reduces the per-anchor values with another reducer
/// (PML's `PerAnchorReducer`): `ℓ̄ᵢ = (1/|Pᵢ|) Σ_{(i,j)∈Pᵢ} ℓᵢⱼ` (0 when anchor `i` has no pairs),
/// then `inner.reduce([ℓ̄₁ … ℓ̄_N])` as element losses. Element losses go straight to `inner`;
/// triplets are not supported (as in PML). A pair listed twice counts once in the value, and each
/// copy gets its gradient (as PML, which writes the losses into an anchor × other table).
public struct PerAnchorReducer: Reducer {
    /// The reducer applied to the per-anchor averages (default ``MeanReducer``).
    public let inner: any Reducer

    /// Creates the reducer.
    public init(inner: any Reducer = MeanReducer()) { self.inner = inner }

    /// Per-anchor averages, then `inner`.
    public func reduce(_ term: LossTerm, embeddings: Tensor) -> Tensor {
        if let r = commonReduction(term, embeddings: embeddings) { return r }
        let l = term.losses!
        switch term.kind {
        case .element, .alreadyReduced:
            return inner.reduce(term, embeddings: embeddings)
        case .triplet:
            preconditionFailure("PerAnchorReducer does not support triplet losses")
        case .positivePair, .negativePair:
            let n = embeddings.shape[0]
            precondition(term.anchors.count == l.count && term.others.count == l.count, "one anchor and one other index per loss needed")
            // Each (anchor, other) cell counts once with the value of its first loss; like PML's
            // table assignment, every duplicate still receives the cell's gradient.
            var seen = Set<[Int]>(), duplicates: [Int] = []
            var counts = [Double](repeating: 0, count: n)
            for k in 0..<l.count {
                if seen.insert([term.anchors[k], term.others[k]]).inserted { counts[term.anchors[k]] += 1 } else { duplicates.append(k) }
            }
            let flat = l.reshaped([l.count])
            var sums = Tensor.zeros([n], dtype: l.dtype).scatterAdd(axis: 0, index: term.anchors, source: flat)
            if !duplicates.isEmpty {
                let extra = Tensor.zeros([n], dtype: l.dtype).scatterAdd(axis: 0, index: duplicates.map { term.anchors[$0] },
                                                                          source: flat.detached().rows(duplicates))
                sums = sums - extra
            }
            let inverse = Tensor(doubles: counts.map { $0 > 0 ? 1 / $0 : 0 }, shape: [n], dtype: l.dtype)
            let perAnchor = sums * inverse
            return inner.reduce(LossTerm(losses: perAnchor, kind: .element, anchors: Array(0..<n)), embeddings: embeddings)
        }
    }
}
