import Foundation
import KindredMetric
import XCTest

/// Miners: PML fixtures compared as sets, and points on a circle or a line with known answers.
final class MinerTests: XCTestCase {
    func testMinersMatchPMLAsSets() {
        let cases = pmlCases("miner")
        XCTAssertEqual(cases.count, 95)
        var nonEmpty = 0
        for c in cases {
            let miner = makeMiner(c.config)
            let x = c.tensor("embeddings", .float64).requiringGradient()
            let got = miner(x, labels: c.labels)
            let expected = c.tuples!
            XCTAssertEqual(tupleSet(got), tupleSet(expected), c.name)
            XCTAssertEqual(got.count, expected.count, "\(c.name): duplicates differ")
            if !expected.isEmpty { nonEmpty += 1 }
            // float32 embeddings give the same tuples (no fixture sits on a threshold).
            XCTAssertEqual(tupleSet(miner(c.tensor("embeddings", .float32), labels: c.labels)), tupleSet(expected), "\(c.name) float32")
        }
        XCTAssertGreaterThanOrEqual(nonEmpty, 30)
    }

    /// Unit vectors at the given angles (degrees).
    func circle(_ degrees: [Double]) -> Tensor {
        Tensor(doubles: degrees.flatMap { [Foundation.cos($0 * .pi / 180), Foundation.sin($0 * .pi / 180)] }, shape: [degrees.count, 2])
    }

    let angles: [Double] = [0, 10, 30, 90, 100, 130, 200]
    let labels = [0, 0, 0, 1, 1, 1, 2]

    func testBatchHardOnACircle() {
        let expected = IndexTuples.triplets(a: [0, 1, 2, 3, 4, 5], p: [2, 2, 0, 5, 5, 3], n: [3, 3, 3, 2, 2, 6])
        XCTAssertEqual(BatchHardMiner()(circle(angles), labels: labels), expected)
        XCTAssertEqual(BatchHardMiner(distance: CosineSimilarity())(circle(angles), labels: labels), expected)
        XCTAssertEqual(BatchHardMiner(distance: LpDistance(power: 2))(circle(angles), labels: labels), expected)
    }

    func testTripletMarginMinerOnACircle() {
        // On the unit circle d = 2 sin(Δθ/2); the triplet margin is d(a,n) - d(a,p).
        // Class 1 starts 20° after class 0 ends, so some triplets are hard, some semi-hard, some easy.
        // No two angle gaps from one anchor are equal, so no margin is exactly 0.
        let angles: [Double] = [0, 10, 30, 55, 103, 130, 200]
        func chord(_ i: Int, _ j: Int) -> Double { 2 * Foundation.sin(Swift.abs(angles[i] - angles[j]) * .pi / 360) }
        let all = IndexTuples.allTriplets(labels: labels).asTriplets
        let margin = 0.6
        for kind in TripletMarginMiner.Kind.allCases {
            var expected: Set<[Int]> = []
            for k in all.a.indices {
                let (a, p, n) = (all.a[k], all.p[k], all.n[k])
                let mu = chord(a, n) - chord(a, p)
                let keep: Bool
                switch kind {
                case .all: keep = mu <= margin
                case .hard: keep = mu <= 0
                case .semihard: keep = mu > 0 && mu <= margin
                case .easy: keep = mu > margin
                }
                if keep { expected.insert([a, p, n]) }
            }
            XCTAssertFalse(expected.isEmpty, "\(kind)")
            XCTAssertEqual(tupleSet(TripletMarginMiner(margin: margin, kind: kind)(circle(angles), labels: labels)), expected, "\(kind)")
        }
        // hard ∪ semihard = all; all ∪ easy = every triplet.
        let m = { (k: TripletMarginMiner.Kind) in tupleSet(TripletMarginMiner(margin: margin, kind: k)(self.circle(angles), labels: self.labels)) }
        XCTAssertEqual(m(.hard).union(m(.semihard)), m(.all))
        XCTAssertEqual(m(.all).union(m(.easy)).count, all.a.count)
        // Anchor 2 (30°), positive 0 (0°, chord 0.518), negative 3 (55°, chord 0.433): hard.
        XCTAssertTrue(m(.hard).contains([2, 0, 3]))
        // Anchor 1 (10°), positive 2 (30°, chord 0.347), negative 3 (55°, chord 0.765): semi-hard.
        XCTAssertTrue(m(.semihard).contains([1, 2, 3]))
        // Anchor 0 (0°), positive 1 (10°, chord 0.174), negative 6 (200°, chord 1.970): easy.
        XCTAssertTrue(m(.easy).contains([0, 1, 6]))
    }

    func testPairMarginMinerOnALine() {
        // Raw points on a line: pair distance = |xᵢ - xⱼ|.
        let xs: [Double] = [0, 1, 3, 3.5, 6]
        let lab = [0, 0, 0, 1, 1]
        let x = Tensor(doubles: xs.flatMap { [$0, 0] }, shape: [5, 2])
        let got = PairMarginMiner(posMargin: 1.5, negMargin: 1, distance: LpDistance(normalizeEmbeddings: false))(x, labels: lab)
        // Positives farther than 1.5: (0,2),(1,2),(3,4) both ways; negatives closer than 1: (2,3) both ways.
        XCTAssertEqual(got, .pairs(a1: [0, 1, 2, 2, 3, 4], p: [2, 2, 0, 1, 4, 3], a2: [2, 3], n: [3, 2]))
    }

    func testMultiSimilarityMinerOnALine() {
        let xs: [Double] = [0, 1, 3, 3.5, 6]
        let lab = [0, 0, 0, 1, 1]
        let x = Tensor(doubles: xs.flatMap { [$0, 0] }, shape: [5, 2])
        let got = MultiSimilarityMiner(epsilon: 0.1, distance: LpDistance(normalizeEmbeddings: false))(x, labels: lab)
        // Anchors 0, 1 and 4 keep nothing (every positive is clearly closer than every negative).
        // Anchor 2 (x=3): closest negative 0.5 → both positives (d = 3, 2) pass d + 0.1 > 0.5;
        // farthest positive 3 → negatives at 0.5 and 3 pass d - 0.1 < 3.
        // Anchor 3 (x=3.5): positive 4 at 2.5 passes 2.6 > 0.5; negatives at 2.5 and 0.5 pass d - 0.1 < 2.5.
        XCTAssertEqual(tupleSet(got), tupleSet(.pairs(a1: [2, 2, 3], p: [0, 1, 4], a2: [2, 2, 3, 3], n: [3, 4, 1, 2])))
    }

    func testMinersRecordNoGraph() {
        let x = circle(angles).requiringGradient()
        let miners: [any Miner] = [BatchHardMiner(), TripletMarginMiner(), PairMarginMiner(), MultiSimilarityMiner()]
        for m in miners {
            let before = isRecordingGradients
            _ = m(x, labels: labels)
            XCTAssertEqual(isRecordingGradients, before)
        }
        XCTAssertNil(x.grad)
    }

    func testNoPositivesOrSingleClassMineNothing() {
        let x = circle(angles)
        let miners: [any Miner] = [BatchHardMiner(), TripletMarginMiner(kind: .easy), MultiSimilarityMiner()]
        for m in miners {
            XCTAssertTrue(m(x, labels: [0, 1, 2, 3, 4, 5, 6]).isEmpty)
            XCTAssertTrue(m(x, labels: [Int](repeating: 0, count: 7)).isEmpty)
        }
    }
}

/// Distance-weighted sampling: the weight formula (as PML computes it), the constraints on every drawn
/// triplet, and the empirical frequencies of the negatives.
final class DistanceWeightedMinerTests: XCTestCase {
    func testWeightsFollowTheFormula() {
        let x = randomTensor([8, 4], seed: 71)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1]
        let miner = DistanceWeightedMiner(cutoff: 0.5, nonzeroLossCutoff: 1.4)
        let w = miner.weights(x, labels: labels)
        let mat = LpDistance()(x).doubles
        for i in 0..<8 {
            var raw = [Double](repeating: 0, count: 8)
            for j in 0..<8 where labels[j] != labels[i] {
                let m = Swift.max(mat[i * 8 + j], 0.5)
                if m < 1.4 { raw[j] = Foundation.pow(m, -2) * Foundation.pow(1 - 0.25 * m * m, -0.5) }
            }
            let s = raw.reduce(0, +)
            XCTAssertEqual(w[i].count, 8)
            for j in 0..<8 { XCTAssertEqual(w[i][j], s > 0 ? raw[j] / s : 0, accuracy: 1e-12) }
        }
    }

    func testDrawsRespectLabelsCutoffAndFrequencies() {
        let x = randomTensor([8, 4], seed: 71)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1]
        let miner = DistanceWeightedMiner(seed: 5)
        let w = miner.weights(x, labels: labels)
        var counts = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 8)
        for _ in 0..<3000 {
            let (a, p, n) = miner(x, labels: labels).asTriplets
            for k in a.indices {
                XCTAssertEqual(labels[a[k]], labels[p[k]])
                XCTAssertNotEqual(a[k], p[k])
                XCTAssertNotEqual(labels[a[k]], labels[n[k]])
                XCTAssertGreaterThan(w[a[k]][n[k]], 0)
                counts[a[k]][n[k]] += 1
            }
        }
        for i in 0..<8 {
            let total = counts[i].reduce(0, +)
            guard total > 0 else { continue }
            for j in 0..<8 { XCTAssertEqual(counts[i][j] / total, w[i][j], accuracy: 0.03, "anchor \(i) negative \(j)") }
        }
        // Same seed, same draws.
        XCTAssertEqual(DistanceWeightedMiner(seed: 9)(x, labels: labels), DistanceWeightedMiner(seed: 9)(x, labels: labels))
    }
}
