/// What a loss value belongs to, which decides how reducers can group it (PML's `reduction_type`).
public enum ReductionKind: Sendable, Equatable {
    /// One loss per batch element (index = the element).
    case element
    /// One loss per positive pair (anchor, positive).
    case positivePair
    /// One loss per negative pair (anchor, negative).
    case negativePair
    /// One loss per triplet (anchor, positive, negative).
    case triplet
    /// A single number, already reduced; reducers pass it through.
    case alreadyReduced
}

/// Unreduced losses from one term of a loss function, with the tuples they came from: the input
/// of a ``Reducer`` (PML's loss dictionary entry `{"losses", "indices", "reduction_type"}`).
public struct LossTerm {
    /// Per-item losses `[K]` (or a scalar for ``ReductionKind/alreadyReduced``); nil means "no
    /// tuples, zero loss", which reducers turn into `Σ embeddings·0` (zero value, zero gradient).
    public var losses: Tensor?
    /// How the items are indexed.
    public var kind: ReductionKind
    /// The anchor (or element) index of each item.
    public var anchors: [Int]
    /// The other index of each pair item (positive or negative); empty otherwise.
    public var others: [Int]

    /// Creates a term.
    public init(losses: Tensor?, kind: ReductionKind, anchors: [Int] = [], others: [Int] = []) {
        self.losses = losses
        self.kind = kind
        self.anchors = anchors
        self.others = others
    }

    /// The "no tuples" term: zero loss with a zero gradient.
    public static var zero: LossTerm { LossTerm(losses: nil, kind: .alreadyReduced) }
}

/// Turns a ``LossTerm`` into one number (PML's reducers).
public protocol Reducer: Sendable {
    /// Reduces the term's losses; `embeddings` gives the zero loss its graph and the batch size.
    func reduce(_ term: LossTerm, embeddings: Tensor) -> Tensor
}

extension Reducer {
    /// `Σ embeddings · 0`: a zero connected to the embeddings, so backward yields zero gradients.
    public func zeroLoss(_ embeddings: Tensor) -> Tensor { (embeddings * 0.0).sum() }

    /// Handles the cases every reducer shares: no tuples, and already reduced values.
    /// Returns nil when `term` needs the reducer's own rule.
    func commonReduction(_ term: LossTerm, embeddings: Tensor) -> Tensor? {
        guard let losses = term.losses else { return zeroLoss(embeddings) }
        if term.kind == .alreadyReduced {
            precondition(losses.count == 1, "an already reduced loss must hold one value, got \(losses.shape)")
            return losses.reshaped([])
        }
        return nil
    }

    /// Reduces several terms (a loss with sub-losses such as contrastive's positive and negative
    /// parts) separately and sums them (PML's `MultipleReducers`).
    public func reduce(_ terms: [LossTerm], embeddings: Tensor) -> Tensor {
        precondition(!terms.isEmpty, "no loss terms to reduce")
        var total = reduce(terms[0], embeddings: embeddings)
        for t in terms.dropFirst() { total = total + reduce(t, embeddings: embeddings) }
        return total
    }
}
