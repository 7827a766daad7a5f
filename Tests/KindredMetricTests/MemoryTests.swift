import KindredMetric
import XCTest

/// Cross-batch memory: three batches that fill and wrap the queue, against PML (loss and
/// gradient at every step), plus queue bookkeeping.
final class MemoryTests: XCTestCase {
    static func make(_ name: String, size: Int) -> CrossBatchMemory {
        switch name {
        case "xbm_triplet": return CrossBatchMemory(loss: TripletMarginLoss(margin: 0.2), embeddingSize: 5, memorySize: size)
        case "xbm_contrastive": return CrossBatchMemory(loss: ContrastiveLoss(posMargin: 0.1, negMargin: 0.9), embeddingSize: 5, memorySize: size)
        case "xbm_ntxent": return CrossBatchMemory(loss: NTXentLoss(temperature: 0.2), embeddingSize: 5, memorySize: size)
        case "xbm_multisimilarity_mined":
            return CrossBatchMemory(loss: MultiSimilarityLoss(), embeddingSize: 5, memorySize: size, miner: MultiSimilarityMiner(epsilon: 0.2))
        case "xbm_triplet_mined":
            return CrossBatchMemory(loss: TripletMarginLoss(margin: 0.1), embeddingSize: 5, memorySize: size, miner: TripletMarginMiner(margin: 0.3))
        case "xbm_contrastive_enqueue_mask": return CrossBatchMemory(loss: ContrastiveLoss(), embeddingSize: 5, memorySize: size)
        default: preconditionFailure("unknown memory configuration \(name)")
        }
    }

    func testCrossBatchMemoryMatchesPML() {
        let log = ErrorLog()
        let cases = pmlCases("memory")
        XCTAssertEqual(cases.count, 6)
        for c in cases {
            for dtype in DType.allCases {
                let tol = pmlTolerance(dtype)
                let memory = Self.make(c.config, size: c.indices["memorySize"]![0])
                let mask = c.indices["mask"]!.map { $0 == 1 }
                let expected = c.expected("losses")
                for t in 0..<3 {
                    let x = c.tensor("embeddings\(t)", dtype).requiringGradient()
                    let labels = Array(c.labels[(t * 8)..<(t * 8 + 8)])
                    let value = c.config.contains("enqueue_mask") ? memory(x, labels: labels, enqueueMask: mask) : memory(x, labels: labels)
                    log.record("value [\(dtype)]", assertClose([value.item()], [expected[t]], tol: tol, "\(c.name) step \(t) \(dtype)"))
                    value.backward()
                    log.record("gradient [\(dtype)]", assertClose(x.grad?.doubles ?? [Double](repeating: 0, count: 40), c.expected("grad\(t)"), tol: tol,
                                                                 "\(c.name) step \(t) grad \(dtype)"))
                }
            }
        }
        log.report("cross-batch memory")
    }

    func testQueueBookkeeping() {
        let memory = CrossBatchMemory(loss: ContrastiveLoss(), embeddingSize: 2, memorySize: 5)
        let x = Tensor(doubles: [1, 0, 0, 1, 1, 1], shape: [3, 2])
        _ = memory(x, labels: [0, 1, 0])
        XCTAssertEqual(memory.count, 3)
        XCTAssertFalse(memory.hasBeenFilled)
        _ = memory(x, labels: [2, 2, 2])
        XCTAssertEqual(memory.count, 5)
        XCTAssertTrue(memory.hasBeenFilled)
        XCTAssertEqual(memory.queueIndex, 1)
        // Slots 3, 4, 0 hold the second batch; 1, 2 the first.
        XCTAssertEqual(memory.labelMemory, [2, 1, 0, 2, 2])
        XCTAssertEqual(Array(memory.embeddingMemory[0..<2]), [1, 1])
        memory.reset()
        XCTAssertEqual(memory.count, 0)
    }

    func testMemoryHoldsNoGraph() {
        let memory = CrossBatchMemory(loss: TripletMarginLoss(), embeddingSize: 3, memorySize: 8)
        let x = randomTensor([4, 3], seed: 1).requiringGradient()
        let first = memory(x, labels: [0, 1, 0, 1])
        first.backward()
        let g = x.grad!.doubles
        x.zeroGrad()
        // The second call sees the first batch only as constants in the memory.
        let y = randomTensor([4, 3], seed: 2).requiringGradient()
        memory(y, labels: [0, 1, 0, 1]).backward()
        XCTAssertNil(x.grad)
        XCTAssertNotNil(y.grad)
        XCTAssertTrue(g.allSatisfy { $0.isFinite })
    }
}
