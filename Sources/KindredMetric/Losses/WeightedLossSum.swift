/// A weighted sum of losses, each optionally with its own miner (PML's `MultipleLosses`):
///
/// `L = Σₖ wₖ · lossₖ(embeddings, labels, minerₖ(embeddings, labels) or the given tuples)`
///
/// for example ArcFace + 0.1 · triplet. It is a ``Module`` whose parameters are those of its
/// losses (ArcFace's class weights, proxies), so one optimiser trains them all.
public final class WeightedLossSum: Module {
    /// The losses.
    public let losses: [MetricLoss]
    /// Their weights.
    public let weights: [Double]
    /// Per-loss miners (nil entries use the given tuples, or the labels).
    public let miners: [(any Miner)?]

    /// Creates the sum; `weights` default to 1 and `miners` to none.
    public init(_ losses: [MetricLoss], weights: [Double]? = nil, miners: [(any Miner)?]? = nil) {
        precondition(!losses.isEmpty, "WeightedLossSum needs at least one loss")
        self.losses = losses
        self.weights = weights ?? [Double](repeating: 1, count: losses.count)
        self.miners = miners ?? [(any Miner)?](repeating: nil, count: losses.count)
        precondition(self.weights.count == losses.count && self.miners.count == losses.count, "one weight and one miner slot per loss")
        super.init()
    }

    /// The losses as submodules (so their parameters are found).
    override public func namedChildren() -> [(String, Module)] {
        losses.enumerated().map { ("losses.\($0.offset)", $0.element as Module) }
    }

    /// `Σₖ wₖ · lossₖ`.
    public func callAsFunction(_ embeddings: Tensor, labels: [Int], indices: IndexTuples? = nil) -> Tensor {
        precondition(indices == nil || miners.allSatisfy { $0 == nil }, "give tuples or miners, not both")
        var total: Tensor? = nil
        for k in losses.indices {
            let tuples = miners[k].map { $0(embeddings, labels: labels) } ?? indices
            let term = losses[k](embeddings, labels: labels, indices: tuples) * weights[k]
            total = total.map { $0 + term } ?? term
        }
        return total!
    }
}
