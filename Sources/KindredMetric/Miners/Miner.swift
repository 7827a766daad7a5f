/// Chooses informative tuples from a labelled batch (PML's `BaseMiner`). Miners read values only:
/// they run inside ``withoutGradients(_:)`` and never record a graph. Their output feeds any
/// pair or triplet loss through its `indices` argument.
public protocol Miner {
    /// The tuples for `embeddings` `[N, D]` with `labels`, against `reference` (default: the batch
    /// itself, without self-pairs) with `refLabels`. Called without gradient recording.
    func mine(_ embeddings: Tensor, labels: [Int], reference: Tensor?, refLabels: [Int]?) -> IndexTuples
}

extension Miner {
    /// Mines tuples without recording a graph.
    public func callAsFunction(_ embeddings: Tensor, labels: [Int], reference: Tensor? = nil, refLabels: [Int]? = nil) -> IndexTuples {
        precondition(embeddings.rank == 2 && labels.count == embeddings.shape[0],
                     "\(labels.count) labels for embeddings of shape \(embeddings.shape)")
        return withoutGradients {
            mine(embeddings.detached(), labels: labels, reference: reference?.detached(),
                 refLabels: reference == nil ? nil : (refLabels ?? labels))
        }
    }
}

/// A distance matrix read into plain numbers, for miners.
struct DistanceTable {
    let values: [Double]
    let columns: Int

    init(_ distance: BaseDistance, _ embeddings: Tensor, _ reference: Tensor?) {
        let m = distance(embeddings, reference)
        values = m.doubles
        columns = m.shape[1]
    }

    subscript(i: Int, j: Int) -> Double { values[i * columns + j] }
}

extension Miner {
    /// Mines tuples within one batch (`embeddings` are both anchors and references).
    public func mine(_ embeddings: Tensor, labels: [Int]) -> IndexTuples {
        mine(embeddings, labels: labels, reference: nil, refLabels: nil)
    }
}
