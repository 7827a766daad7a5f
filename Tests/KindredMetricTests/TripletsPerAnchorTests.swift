import Foundation
import KindredMetric
import XCTest

/// Sampled triplets (PML's `triplets_per_anchor` as an integer): counts, validity, seeding,
/// uniform draws, and the loss on them against a plain loop.
final class TripletsPerAnchorTests: XCTestCase {
    let labels = [0, 0, 0, 1, 1, 2, 1, 0]

    func testCountsAndValidity() {
        var rng = RandomGenerator(seed: 1)
        let (a, p, n) = IndexTuples.randomTriplets(labels: labels, perAnchor: 3, generator: &rng).asTriplets
        // Label 2 has one member (no positive): its anchor gives nothing; the others 3 each, by label.
        XCTAssertEqual(a, [0, 0, 0, 1, 1, 1, 2, 2, 2, 7, 7, 7, 3, 3, 3, 4, 4, 4, 6, 6, 6])
        for k in a.indices {
            XCTAssertEqual(labels[p[k]], labels[a[k]])
            XCTAssertNotEqual(p[k], a[k])
            XCTAssertNotEqual(labels[n[k]], labels[a[k]])
        }
        XCTAssertTrue(IndexTuples.randomTriplets(labels: [0, 0, 0], perAnchor: 2, generator: &rng).isEmpty)
        XCTAssertTrue(IndexTuples.randomTriplets(labels: [0, 1, 2], perAnchor: 2, generator: &rng).isEmpty)
    }

    func testSeededAndUniform() {
        var r1 = RandomGenerator(seed: 5), r2 = RandomGenerator(seed: 5), r3 = RandomGenerator(seed: 6)
        let t1 = IndexTuples.randomTriplets(labels: labels, perAnchor: 4, generator: &r1)
        XCTAssertEqual(t1, IndexTuples.randomTriplets(labels: labels, perAnchor: 4, generator: &r2))
        XCTAssertNotEqual(t1, IndexTuples.randomTriplets(labels: labels, perAnchor: 4, generator: &r3))
        // Anchor 0's positives are 1, 2, 7 (1/3 each); its negatives 3, 4, 5, 6 (1/4 each).
        var rng = RandomGenerator(seed: 9)
        let (a, p, n) = IndexTuples.randomTriplets(labels: labels, perAnchor: 6000, generator: &rng).asTriplets
        var pc: [Int: Double] = [:], nc: [Int: Double] = [:]
        for k in a.indices where a[k] == 0 { pc[p[k], default: 0] += 1; nc[n[k], default: 0] += 1 }
        XCTAssertEqual(Set(pc.keys), [1, 2, 7])
        XCTAssertEqual(Set(nc.keys), [3, 4, 5, 6])
        for v in pc.values { XCTAssertEqual(v / 6000, 1.0 / 3, accuracy: 0.03) }
        for v in nc.values { XCTAssertEqual(v / 6000, 0.25, accuracy: 0.03) }
    }

    func testReferenceBatchAllowsTheAnchorsOwnIndex() {
        var rng = RandomGenerator(seed: 2)
        let (a, p, n) = IndexTuples.randomTriplets(labels: [0, 1], refLabels: [0, 1, 1], perAnchor: 50, generator: &rng).asTriplets
        XCTAssertEqual(a.count, 100)
        for k in a.indices where a[k] == 0 { XCTAssertEqual(p[k], 0); XCTAssertEqual(n[k] == 1 || n[k] == 2, true) }
        XCTAssertEqual(Set(zip(a, p).filter { $0.0 == 1 }.map(\.1)), [1, 2])
        XCTAssertTrue(zip(a, n).filter { $0.0 == 1 }.allSatisfy { $0.1 == 0 })
    }

    func testLossOnSampledTripletsEqualsPlainLoop() {
        let x = randomTensor([8, 4], seed: 31)
        let e = LossTests.rows(x).map(LossTests.normalized)
        let loss = TripletMarginLoss(margin: 0.3, tripletsPerAnchor: .sampled(5), seed: 7)
        var rng = RandomGenerator(seed: 7)
        let (a, p, n) = IndexTuples.randomTriplets(labels: labels, perAnchor: 5, generator: &rng).asTriplets
        let expected = LossTests.avgNonZero(a.indices.map {
            Swift.max(LossTests.euclid(e[a[$0]], e[p[$0]]) - LossTests.euclid(e[a[$0]], e[n[$0]]) + 0.3, 0)
        })
        XCTAssertEqual(loss(x, labels: labels).item(), expected, accuracy: 1e-12)
        XCTAssertEqual(loss.lastTupleCount, 35)
        // The next call draws new triplets from the same generator.
        let second = loss(x, labels: labels).item()
        let (a2, p2, n2) = IndexTuples.randomTriplets(labels: labels, perAnchor: 5, generator: &rng).asTriplets
        XCTAssertNotEqual(a2.indices.map { [a2[$0], p2[$0], n2[$0]] }, a.indices.map { [a[$0], p[$0], n[$0]] })
        let expected2 = LossTests.avgNonZero(a2.indices.map {
            Swift.max(LossTests.euclid(e[a2[$0]], e[p2[$0]]) - LossTests.euclid(e[a2[$0]], e[n2[$0]]) + 0.3, 0)
        })
        XCTAssertEqual(second, expected2, accuracy: 1e-12)
    }

    func testGivenTuplesAreUsedAsTheyAre() {
        let x = randomTensor([8, 4], seed: 32)
        let mined = IndexTuples.triplets(a: [0, 3], p: [1, 4], n: [5, 0])
        let sampled = TripletMarginLoss(margin: 0.2, tripletsPerAnchor: .sampled(3))(x, labels: labels, indices: mined)
        let plain = TripletMarginLoss(margin: 0.2)(x, labels: labels, indices: mined)
        XCTAssertEqual(sampled.item(), plain.item())
        // `.all` (the default) is every triplet.
        let all = TripletMarginLoss(margin: 0.2)
        _ = all(x, labels: labels)
        XCTAssertEqual(all.lastTupleCount, IndexTuples.allTriplets(labels: labels).count)
        XCTAssertEqual(TripletMarginLoss().tripletsPerAnchor, .all)
    }

    func testGradientCheck() {
        let x = randomTensor([8, 3], seed: 33)
        assertGradients([x]) { TripletMarginLoss(margin: 0.5, tripletsPerAnchor: .sampled(4), seed: 3)($0[0], labels: self.labels) }
    }
}
