import XCTest
import KindredNN

/// Plain SGD written out here, so these tests depend only on autodiff and layers.
private func sgdStep(_ params: [Tensor], lr: Double) {
    withoutGradients {
        for p in params {
            guard let g = p.grad else { continue }
            p.assign(p - g * lr)
            p.grad = nil
        }
    }
}

final class TrainingSanityTests: XCTestCase {
    /// The reference CNN overfits one small batch: the classification loss falls to near zero.
    func testReferenceCNNOverfitsSmallBatch() {
        GlobalRandom.seed(1)
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.normal([16, 1, 12, 12], generator: &rng)
        let labels = (0..<16).map { $0 % 4 }
        let net = EmbeddingCNN(embeddingSize: 16, normalize: false)
        let classifier = Linear(16, 4)
        let params = net.parameters() + classifier.parameters()
        var first = 0.0, last = 0.0
        for step in 0..<150 {
            let loss = crossEntropy(logits: classifier(net(x)), targets: labels)
            if step == 0 { first = loss.item() }
            last = loss.item()
            loss.backward()
            sgdStep(params, lr: 0.1)
        }
        XCTAssertGreaterThan(first, 1.0)
        XCTAssertLessThan(last, 0.05, "loss fell from \(first) to \(last)")
    }

    /// Live tensor storage after a training step returns to the same baseline: no graph, gradient
    /// or buffer survives a step (500 steps).
    func testTrainingStepDoesNotGrowMemory() {
        GlobalRandom.seed(4)
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.normal([8, 1, 8, 8], generator: &rng)
        let labels = (0..<8).map { $0 % 2 }
        let net = EmbeddingCNN(embeddingSize: 8)
        let classifier = Linear(8, 2)
        let params = net.parameters() + classifier.parameters()
        var baseline = 0
        for step in 0..<500 {
            do {
                let loss = crossEntropy(logits: classifier(net(x)) * 4, targets: labels)
                loss.backward()
                sgdStep(params, lr: 0.01)
            }
            if step == 9 { baseline = Storage.liveBytes }
        }
        XCTAssertEqual(Storage.liveBytes, baseline, "live tensor storage grew from \(baseline) to \(Storage.liveBytes) bytes")
    }
}
