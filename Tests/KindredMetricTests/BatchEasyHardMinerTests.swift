import Foundation
import KindredMetric
import XCTest

/// BatchEasyHardMiner: points on a line whose answers are worked out by hand, agreement with
/// BatchHardMiner, the refused configurations (PML fixtures run with the other miners in MinerTests).
final class BatchEasyHardMinerTests: XCTestCase {
    // Raw points on a line, so d(i, j) = |xᵢ - xⱼ|:
    //   anchor 0 (x=0):   positives 1 (1), 2 (3);         negatives 3 (3.5), 4 (6)
    //   anchor 1 (x=1):   positives 0 (1), 2 (2);         negatives 3 (2.5), 4 (5)
    //   anchor 2 (x=3):   positives 0 (3), 1 (2);         negatives 3 (0.5), 4 (3)
    //   anchor 3 (x=3.5): positive 4 (2.5);               negatives 0 (3.5), 1 (2.5), 2 (0.5)
    //   anchor 4 (x=6):   positive 3 (2.5);               negatives 0 (6), 1 (5), 2 (3)
    let x = Tensor(doubles: [0, 1, 3, 3.5, 6].flatMap { [$0, 0] }, shape: [5, 2])
    let labels = [0, 0, 0, 1, 1]
    let line = LpDistance(normalizeEmbeddings: false)

    func mine(_ p: BatchEasyHardMiner.Strategy, _ n: BatchEasyHardMiner.Strategy,
              positiveRange: ClosedRange<Double>? = nil, negativeRange: ClosedRange<Double>? = nil) throws -> IndexTuples {
        try BatchEasyHardMiner(positiveStrategy: p, negativeStrategy: n, allowedPositiveRange: positiveRange,
                               allowedNegativeRange: negativeRange, distance: line)(x, labels: labels)
    }

    /// Pairs with one positive and one negative per listed anchor.
    func perAnchor(_ a: [Int], _ p: [Int], _ n: [Int]) -> IndexTuples { .pairs(a1: a, p: p, a2: a, n: n) }

    func testEasyPositiveSemihardNegative() throws {
        // Closest positive; then the closest negative farther than it. Anchor 2: positive 1 at 2, so
        // negative 3 (0.5) is too close and 4 (3) is chosen; anchor 3: positive at 2.5, negative 1 at
        // exactly 2.5 is not farther, so 0 (3.5).
        XCTAssertEqual(try mine(.easy, .semihard), perAnchor([0, 1, 2, 3, 4], [1, 0, 1, 4, 3], [3, 3, 4, 0, 2]))
    }

    func testHardAndEasyOnBothSides() throws {
        XCTAssertEqual(try mine(.hard, .hard), perAnchor([0, 1, 2, 3, 4], [2, 2, 0, 4, 3], [3, 3, 3, 2, 2]))
        XCTAssertEqual(try mine(.easy, .easy), perAnchor([0, 1, 2, 3, 4], [1, 0, 1, 4, 3], [4, 4, 4, 0, 0]))
        XCTAssertEqual(try mine(.easy, .hard), perAnchor([0, 1, 2, 3, 4], [1, 0, 1, 4, 3], [3, 3, 3, 2, 2]))
    }

    func testSemihardPositiveHardNegative() throws {
        // Hardest negative first, then the farthest positive closer than it: anchors 2 and 3 have a
        // negative at 0.5 and no positive that close, so they are dropped.
        XCTAssertEqual(try mine(.semihard, .hard), perAnchor([0, 1, 4], [2, 2, 3], [3, 3, 2]))
    }

    func testAllowedRanges() throws {
        // Positives beyond 2.5 and negatives beyond 4 are out of range.
        XCTAssertEqual(try mine(.hard, .easy, positiveRange: 0...2.5, negativeRange: 0...4),
                       perAnchor([0, 1, 2, 3, 4], [1, 2, 1, 4, 3], [3, 3, 4, 0, 2]))
        // No negative within 0.1: nothing is kept.
        XCTAssertTrue(try mine(.hard, .hard, negativeRange: 0...0.1).isEmpty)
    }

    func testAllKeepsEveryPairOfThatSide() throws {
        let all = IndexTuples.allPairs(labels: labels).asPairs
        let got = try mine(.all, .hard).asPairs
        XCTAssertEqual(got.a1, all.a1)
        XCTAssertEqual(got.p, all.p)
        XCTAssertEqual(got.a2, [0, 1, 2, 3, 4])
        XCTAssertEqual(got.n, [3, 3, 3, 2, 2])
        let both = try mine(.all, .all)
        XCTAssertEqual(both, IndexTuples.allPairs(labels: labels))
    }

    func testHardHardEqualsBatchHard() throws {
        // On random batches (L2-normalised) and for a similarity: the same triplets as BatchHardMiner.
        for seed in [1, 2, 3] as [UInt64] {
            let e = randomTensor([14, 5], seed: seed)
            let lab = (0..<14).map { ($0 * 7 + Int(seed)) % 4 }
            for d in [LpDistance(), CosineSimilarity()] as [BaseDistance] {
                let easyHard = try BatchEasyHardMiner(positiveStrategy: .hard, negativeStrategy: .hard, distance: d)(e, labels: lab)
                let hard = BatchHardMiner(distance: d)(e, labels: lab).asTriplets
                let t = easyHard.asTriplets
                XCTAssertEqual(t.a, hard.a)
                XCTAssertEqual(t.p, hard.p)
                XCTAssertEqual(t.n, hard.n)
            }
        }
    }

    func testRefusedConfigurations() {
        XCTAssertThrowsError(try BatchEasyHardMiner(positiveStrategy: .semihard, negativeStrategy: .semihard)) {
            XCTAssertEqual($0 as? BatchEasyHardMiner.ConfigurationError, .bothSemihard)
        }
        XCTAssertThrowsError(try BatchEasyHardMiner(positiveStrategy: .semihard, negativeStrategy: .all)) {
            XCTAssertEqual($0 as? BatchEasyHardMiner.ConfigurationError, .semihardWithAll)
            XCTAssertTrue("\($0)".contains(".all"))
        }
        XCTAssertThrowsError(try BatchEasyHardMiner(positiveStrategy: .all, negativeStrategy: .semihard))
    }

    func testEdgeCasesMineNothing() throws {
        let miner = try BatchEasyHardMiner()
        XCTAssertTrue(miner(x, labels: [0, 1, 2, 3, 4]).isEmpty)
        XCTAssertTrue(miner(x, labels: [0, 0, 0, 0, 0]).isEmpty)
    }

    func testReferenceBatch() throws {
        // Queries against a separate reference batch: the query itself may be its own positive.
        let q = Tensor(doubles: [0, 0, 3, 0], shape: [2, 2])
        let got = try BatchEasyHardMiner(positiveStrategy: .easy, negativeStrategy: .hard, distance: line)(q, labels: [0, 1], reference: x, refLabels: labels)
        // Query 0 (x=0): closest positive 0 (0), closest negative 3 (3.5); query 1 (x=3, label 1):
        // positives 3 (0.5), 4 (3) → 3; negatives 0 (3), 1 (2), 2 (0) → 2.
        XCTAssertEqual(got, perAnchor([0, 1], [0, 3], [3, 2]))
    }
}
