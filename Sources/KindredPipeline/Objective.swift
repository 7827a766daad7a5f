import Foundation
import KindredMetric
import KindredNN
import KindredTensor

/// What a run minimises: one loss with its miner (optionally inside a cross-batch memory), or a
/// weighted sum of losses with a miner each. It is a ``Module`` so that the losses' own weights
/// (class weights, proxies) are found as parameters (`losses.0.W`, …) and checkpointed.
final class Objective: Module {
    let losses: [MetricLoss]
    let weights: [Double]
    let miners: [(any Miner)?]
    let memory: CrossBatchMemory?

    init(config: RunConfig, classes: Int) {
        let e = config.model.embeddingSize
        losses = config.losses.map { Components.loss($0, classes: classes, embeddingSize: e) }
        weights = config.losses.map(\.weight)
        if config.losses.count == 1 {
            miners = [Components.miner(config.miner, seed: config.seed)]
        } else {
            miners = config.losses.map { Components.miner($0.miner, seed: config.seed) }
        }
        if config.memoryBankSize > 0 {
            memory = CrossBatchMemory(loss: losses[0], embeddingSize: e, memorySize: config.memoryBankSize, miner: miners[0])
        } else {
            memory = nil
        }
        super.init()
    }

    override func namedChildren() -> [(String, Module)] {
        losses.enumerated().map { ("losses.\($0.offset)", $0.element as Module) }
    }

    /// The curriculum miner, if the run uses one.
    var curriculum: CurriculumTripletMiner? { miners.lazy.compactMap { $0 as? CurriculumTripletMiner }.first }

    /// The loss of a batch and the number of tuples (pairs or triplets) the losses used.
    func callAsFunction(_ embeddings: Tensor, labels: [Int]) -> (loss: Tensor, tuples: Int) {
        if let memory {
            let loss = memory(embeddings, labels: labels)
            return (loss, losses[0].lastTupleCount)
        }
        var total: Tensor? = nil
        var tuples = 0
        for k in losses.indices {
            let mined = miners[k].map { $0(embeddings, labels: labels) }
            let term = losses[k](embeddings, labels: labels, indices: mined)
            tuples += losses[k].lastTupleCount
            let weighted = weights[k] == 1 ? term : term * weights[k]
            total = total.map { $0 + weighted } ?? weighted
        }
        return (total ?? embeddings.sum() * 0, tuples)
    }
}
