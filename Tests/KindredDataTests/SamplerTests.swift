import KindredData
import XCTest

final class SamplerTests: XCTestCase {
    /// 10 labels; label l has l + 1 items (so labels 0–2 have fewer than K = 4).
    let labels: [Int] = (0..<10).flatMap { l in Array(repeating: l, count: l + 1) }

    func testPKPropertyOnEveryBatchAndCoverage() throws {
        let sampler = try PKSampler(labels: labels, labelsPerBatch: 3, instancesPerLabel: 4, seed: 7)
        XCTAssertEqual(sampler.batchCount, 3)
        XCTAssertEqual(sampler.labelsSampledWithReplacement, [0, 1, 2])
        XCTAssertEqual(sampler.warnings.count, 1)
        for epoch in 0..<20 {
            let batches = sampler.batches(epoch: epoch)
            XCTAssertEqual(batches.count, 3)
            var seen = Set<Int>()
            for batch in batches {
                XCTAssertEqual(batch.count, 12)
                var counts: [Int: Int] = [:]
                for i in batch { counts[labels[i], default: 0] += 1 }
                XCTAssertEqual(counts.count, 3, "P distinct labels")
                XCTAssertTrue(counts.values.allSatisfy { $0 == 4 }, "K items per label")
                for (label, _) in counts {
                    XCTAssertFalse(seen.contains(label), "a label appears in one batch per epoch")
                    seen.insert(label)
                    let items = batch.filter { labels[$0] == label }
                    if label >= 3 { XCTAssertEqual(Set(items).count, 4, "without replacement when enough items") }
                }
            }
            XCTAssertEqual(seen.count, 9)
        }
        // Over a few epochs every label is used.
        let used = Set((0..<10).flatMap { sampler.batches(epoch: $0).joined().map { labels[$0] } })
        XCTAssertEqual(used, Set(0..<10))
        XCTAssertEqual(sampler.batches(epoch: 3), sampler.batches(epoch: 3))
        XCTAssertNotEqual(sampler.batches(epoch: 3), sampler.batches(epoch: 4))
        XCTAssertThrowsError(try PKSampler(labels: labels, labelsPerBatch: 11, instancesPerLabel: 2))
        XCTAssertThrowsError(try PKSampler(labels: labels, labelsPerBatch: 2, instancesPerLabel: 0))
    }

    func testCategoryBalanced() throws {
        // 4 categories × 3 labels × 5 items; category = label / 3.
        let labels = (0..<12).flatMap { Array(repeating: $0, count: 5) }
        let categories = labels.map { $0 / 3 }
        let sampler = try CategoryBalancedSampler(labels: labels, categories: categories, categoriesPerBatch: 2,
                                                  labelsPerCategory: 2, instancesPerLabel: 3, seed: 1)
        XCTAssertEqual(sampler.batchCount, 3)
        XCTAssertEqual(sampler.batchSize, 12)
        for epoch in 0..<10 {
            for batch in sampler.batches(epoch: epoch) {
                XCTAssertEqual(batch.count, 12)
                var byCategory: [Int: Set<Int>] = [:]
                var counts: [Int: Int] = [:]
                for i in batch {
                    byCategory[categories[i], default: []].insert(labels[i])
                    counts[labels[i], default: 0] += 1
                }
                XCTAssertEqual(byCategory.count, 2)
                XCTAssertTrue(byCategory.values.allSatisfy { $0.count == 2 })
                XCTAssertTrue(counts.values.allSatisfy { $0 == 3 })
            }
        }
        XCTAssertThrowsError(try CategoryBalancedSampler(labels: [0, 0], categories: [0, 1], categoriesPerBatch: 1,
                                                         labelsPerCategory: 1, instancesPerLabel: 1))
        XCTAssertThrowsError(try CategoryBalancedSampler(labels: labels, categories: categories, categoriesPerBatch: 5,
                                                         labelsPerCategory: 2, instancesPerLabel: 1))
    }

    func testShuffledAndSequential() throws {
        let sequential = try SequentialSampler(count: 10, batchSize: 4)
        XCTAssertEqual(sequential.batches(epoch: 0), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        XCTAssertEqual(try SequentialSampler(count: 10, batchSize: 4, dropLast: true).batchCount, 2)
        let shuffled = try ShuffledSampler(count: 10, batchSize: 4, seed: 3)
        let epoch0 = shuffled.batches(epoch: 0)
        XCTAssertEqual(epoch0.map(\.count), [4, 4, 2])
        XCTAssertEqual(epoch0.joined().sorted(), Array(0..<10))
        XCTAssertNotEqual(Array(epoch0.joined()), Array(shuffled.batches(epoch: 1).joined()))
        XCTAssertEqual(try ShuffledSampler(count: 10, batchSize: 4, dropLast: true, seed: 3).batches(epoch: 0).map(\.count), [4, 4])
        XCTAssertThrowsError(try ShuffledSampler(count: 10, batchSize: 0))
    }
}
