/// Base class of the embedding losses (PML's `BaseMetricLossFunction`): a ``BaseDistance`` to
/// compare embeddings, a ``Reducer`` to turn per-tuple losses into one number, and the choice of
/// supervision — labels, explicit ``IndexTuples`` (for example a miner's output), or both.
///
/// Losses are ``Module``s, so losses with learnable weights (proxies, class centres) expose them
/// as parameters to optimisers.
/// Such weights may have another dtype than the embeddings (say float32 weights and float64
/// embeddings for a gradient check): they are cast to the embeddings' dtype on every call, through
/// a differentiable cast, so the loss is computed in the embeddings' dtype and the weights'
/// gradient arrives in the weights' own dtype.
///
/// When a batch yields no tuples (no positives, a single class) the result is `Σ embeddings · 0`:
/// zero with a zero gradient, never NaN; ``lastTupleCount`` is then 0 and ``emptyBatchCount``
/// grows, so a trainer can log it.
open class MetricLoss: Module {
    /// How embeddings are compared.
    public let distance: BaseDistance
    /// How per-tuple losses are combined.
    public let reducer: any Reducer
    /// Tuples (triplets, or positive plus negative pairs) used by the latest call.
    public internal(set) var lastTupleCount = 0
    /// Calls so far that found no tuples and returned the zero loss.
    public internal(set) var emptyBatchCount = 0
    /// An optional penalty on the embeddings, added as `embeddingRegularizerWeight · r(embeddings)`
    /// (PML's `embedding_regularizer`).
    public var embeddingRegularizer: (any Regularizer)? = nil
    /// Weight of ``embeddingRegularizer``.
    public var embeddingRegularizerWeight: Double = 1
    /// An optional penalty on the loss's class weights or proxies (one row per class), added as
    /// `weightRegularizerWeight · r(W)` (PML's `weight_regularizer`); ignored by losses without weights.
    public var weightRegularizer: (any Regularizer)? = nil
    /// Weight of ``weightRegularizer``.
    public var weightRegularizerWeight: Double = 1

    /// Creates a loss with a distance and a reducer.
    public init(distance: BaseDistance, reducer: any Reducer) {
        self.distance = distance
        self.reducer = reducer
        super.init()
    }

    /// The loss of `embeddings` `[N, D]`.
    ///
    /// - Parameters:
    ///   - labels: class of each row; needed unless `indices` is given.
    ///   - indices: explicit tuples (miner output or weak supervision); nil means all tuples the
    ///     labels define.
    ///   - reference: embeddings the anchors are compared against (default: `embeddings`);
    ///     positives and negatives index into it.
    ///   - refLabels: labels of `reference` (default: `labels`).
    public func callAsFunction(_ embeddings: Tensor, labels: [Int]? = nil, indices: IndexTuples? = nil,
                               reference: Tensor? = nil, refLabels: [Int]? = nil) -> Tensor {
        precondition(embeddings.rank == 2, "embeddings must be [batch, dimension], got \(embeddings.shape)")
        precondition(labels != nil || indices != nil, "a metric loss needs labels or index tuples")
        if let labels { precondition(labels.count == embeddings.shape[0], "\(labels.count) labels for \(embeddings.shape[0]) embeddings") }
        let terms = computeLoss(embeddings, labels: labels, indices: indices,
                                reference: reference, refLabels: reference == nil ? nil : (refLabels ?? labels))
        if terms.allSatisfy({ $0.losses == nil }) { emptyBatchCount += 1; lastTupleCount = 0 }
        var all = terms
        if let r = embeddingRegularizer {
            all.append(LossTerm(losses: r(embeddings) * embeddingRegularizerWeight, kind: .alreadyReduced))
        }
        if let r = weightRegularizer, let w = classWeightRows {
            all.append(LossTerm(losses: r(w.cast(to: embeddings.dtype)) * weightRegularizerWeight, kind: .alreadyReduced))
        }
        return reducer.reduce(all, embeddings: embeddings)
    }

    /// The loss's own class weights or proxies, one row per class (nil for losses without them).
    open var classWeightRows: Tensor? { nil }

    /// The unreduced loss terms; subclasses override it.
    ///
    /// `reference` and `refLabels` are nil when the batch is its own reference (then an element
    /// is never paired with itself).
    open func computeLoss(_ embeddings: Tensor, labels: [Int]?, indices: IndexTuples?,
                          reference: Tensor?, refLabels: [Int]?) -> [LossTerm] {
        fatalError("\(type(of: self)) must override computeLoss")
    }

    /// The tuples to use as pairs: given ones, or all pairs the labels define.
    public func pairs(labels: [Int]?, indices: IndexTuples?, refLabels: [Int]?) -> (a1: [Int], p: [Int], a2: [Int], n: [Int]) {
        if let indices { return indices.asPairs }
        return IndexTuples.allPairs(labels: labels!, refLabels: refLabels).asPairs
    }

    /// The tuples to use as triplets: given ones, or all triplets the labels define.
    public func triplets(labels: [Int]?, indices: IndexTuples?, refLabels: [Int]?) -> (a: [Int], p: [Int], n: [Int]) {
        if let indices { return indices.asTriplets }
        return IndexTuples.allTriplets(labels: labels!, refLabels: refLabels).asTriplets
    }
}
