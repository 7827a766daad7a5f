import KindredMetric
import XCTest

/// Reducers: closed forms, empty input (zero loss, zero gradient) and per-anchor averaging.
final class ReducerTests: XCTestCase {
    let emb = Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [3, 2])
    let losses = Tensor(doubles: [0, 0.5, 0, 1.5, 2.0], shape: [5])

    func term(_ kind: ReductionKind = .triplet) -> LossTerm {
        LossTerm(losses: losses, kind: kind, anchors: [0, 0, 1, 2, 2], others: [1, 2, 0, 0, 1])
    }

    func testClosedForms() {
        XCTAssertEqual(MeanReducer().reduce(term(), embeddings: emb).item(), 0.8, accuracy: 1e-12)
        XCTAssertEqual(SumReducer().reduce(term(), embeddings: emb).item(), 4.0, accuracy: 1e-12)
        XCTAssertEqual(AvgNonZeroReducer().reduce(term(), embeddings: emb).item(), 4.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(ThresholdReducer(low: 0.4, high: 1.8).reduce(term(), embeddings: emb).item(), 1.0, accuracy: 1e-12)
        XCTAssertEqual(ThresholdReducer(high: 1).reduce(term(), embeddings: emb).item(), 0.5 / 3, accuracy: 1e-12)
        XCTAssertEqual(ThresholdReducer(low: 0).passingCount(term()), 3)
        // Per anchor: anchor 0 → (0 + 0.5)/2, anchor 1 → 0, anchor 2 → (1.5 + 2)/2; mean of the three.
        let perAnchor = PerAnchorReducer().reduce(term(.positivePair), embeddings: emb).item()
        XCTAssertEqual(perAnchor, (0.25 + 0 + 1.75) / 3, accuracy: 1e-12)
        let perAnchorSum = PerAnchorReducer(inner: SumReducer()).reduce(term(.negativePair), embeddings: emb).item()
        XCTAssertEqual(perAnchorSum, 2.0, accuracy: 1e-12)
    }

    func testGradientsFollowTheKeptItems() {
        let l = losses.detached().requiringGradient()
        AvgNonZeroReducer().reduce(LossTerm(losses: l, kind: .triplet), embeddings: emb).backward()
        let third = 1.0 / 3
        XCTAssertEqual(l.grad!.doubles, [0, third, 0, third, third])
    }

    func testEmptyAndZeroTermsGiveZeroLossWithZeroGradient() {
        let reducers: [any Reducer] = [MeanReducer(), SumReducer(), AvgNonZeroReducer(), ThresholdReducer(low: 0, high: 1), PerAnchorReducer()]
        for r in reducers {
            let e = emb.detached().requiringGradient()
            let zero = r.reduce(.zero, embeddings: e)
            XCTAssertEqual(zero.item(), 0)
            zero.backward()
            XCTAssertEqual(e.grad?.doubles ?? [0], e.grad == nil ? [0] : [Double](repeating: 0, count: 6))
            let allZero = LossTerm(losses: Tensor.zeros([4], dtype: .float64), kind: .positivePair, anchors: [0, 1, 2, 0], others: [1, 2, 0, 2])
            XCTAssertEqual(r.reduce(allZero, embeddings: e).item(), 0)
            let empty = LossTerm(losses: Tensor.zeros([0], dtype: .float64), kind: .element, anchors: [])
            XCTAssertEqual(r.reduce(empty, embeddings: e).item(), 0)
        }
    }

    func testAlreadyReducedPassesThrough() {
        let t = LossTerm(losses: Tensor(scalar: 2.5, dtype: .float64), kind: .alreadyReduced)
        XCTAssertEqual(AvgNonZeroReducer().reduce(t, embeddings: emb).item(), 2.5)
        XCTAssertEqual(MeanReducer().reduce([t, t], embeddings: emb).item(), 5)
    }
}
