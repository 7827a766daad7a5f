import Foundation
import KindredData
import KindredTensor
import XCTest

/// Adds seeded noise, so the test can see that augmentation randomness is deterministic.
private struct Noise: ImageTransform {
    func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        var image = image
        for i in image.pixels.indices { image.pixels[i] += Float(generator.nextUniform()) }
        return image
    }
}

final class LoaderTests: XCTestCase {
    let labels = (0..<40).map { $0 % 8 }

    private func collect(_ loader: DataLoader, epoch: Int) throws -> [[Float]] {
        let iterator = loader.epoch(epoch)
        var out: [[Float]] = []
        while let batch = try iterator.next() {
            XCTAssertEqual(batch.number, out.count)
            out.append(batch.images.scalars)
        }
        return out
    }

    func testOrderAndContentsFollowTheSampler() throws {
        let data = SyntheticDataset(labels: labels)
        let sampler = try ShuffledSampler(count: 40, batchSize: 6, seed: 5)
        let loader = DataLoader(dataset: data, sampler: sampler, workers: 2, prefetch: 3)
        let iterator = loader.epoch(1)
        var number = 0
        while let batch = try iterator.next() {
            let expected = sampler.batches(epoch: 1)[number]
            XCTAssertEqual(batch.indices, expected)
            XCTAssertEqual(batch.labels, expected.map { labels[$0] })
            XCTAssertEqual(batch.images.shape, [expected.count, 1, 4, 4])
            let firstPixels = (0..<expected.count).map { batch.images.scalars[$0 * 16] }
            XCTAssertEqual(firstPixels, expected.map { Float($0) / 255 })
            number += 1
        }
        XCTAssertEqual(number, 7)
        XCTAssertNil(try iterator.next())
    }

    func testDeterministicRegardlessOfWorkers() throws {
        let data = SyntheticDataset(labels: labels)
        let sampler = try PKSampler(labels: labels, labelsPerBatch: 2, instancesPerLabel: 3, seed: 9)
        let reference = try collect(DataLoader(dataset: data, sampler: sampler, transform: Noise(), workers: 0, seed: 4), epoch: 2)
        XCTAssertEqual(reference.count, 4)
        for workers in [1, 2, 4] {
            for _ in 0..<3 {
                let loader = DataLoader(dataset: data, sampler: sampler, transform: Noise(), workers: workers, prefetch: 2, seed: 4)
                XCTAssertEqual(try collect(loader, epoch: 2), reference, "workers \(workers)")
            }
        }
        let otherSeed = try collect(DataLoader(dataset: data, sampler: sampler, transform: Noise(), workers: 2, seed: 5), epoch: 2)
        XCTAssertNotEqual(otherSeed, reference)
    }

    func testFailurePolicies() throws {
        let data = SyntheticDataset(labels: labels, failing: [3, 17])
        let sampler = try SequentialSampler(count: 40, batchSize: 10)
        let failing = DataLoader(dataset: data, sampler: sampler, workers: 2)
        let iterator = failing.epoch(0)
        XCTAssertThrowsError(try iterator.next()) { XCTAssertTrue("\($0)".contains("item3.png"), "\($0)") }
        XCTAssertNil(try iterator.next())

        let skipping = DataLoader(dataset: data, sampler: sampler, workers: 2, failurePolicy: .skip)
        let epoch = skipping.epoch(0)
        var sizes: [Int] = []
        while let batch = try epoch.next() {
            sizes.append(batch.labels.count)
            XCTAssertFalse(batch.indices.contains(3) || batch.indices.contains(17))
        }
        XCTAssertEqual(sizes, [9, 9, 10, 10])
        XCTAssertEqual(epoch.skipped.map(\.index), [3, 17])
    }

    func testStopEarlyAndRelease() throws {
        let data = SyntheticDataset(labels: labels)
        let loader = DataLoader(dataset: data, sampler: try SequentialSampler(count: 40, batchSize: 2), workers: 3, prefetch: 2)
        for _ in 0..<20 {
            let iterator = loader.epoch(0)
            XCTAssertNotNil(try iterator.next())
            iterator.stop()
            XCTAssertNil(try iterator.next())
            iterator.stop()
        }
        for _ in 0..<20 {
            var iterator: EpochIterator? = loader.epoch(0)
            XCTAssertNotNil(try iterator?.next())
            iterator = nil
        }
    }

    func testImageFolderThroughLoaderWithACorruptFile() throws {
        let root = try makeTemporaryFolder(self)
        for label in ["a", "b"] {
            let folder = root.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<3 {
                try gradientImage(width: 10 + i, height: 8).write(to: folder.appendingPathComponent("\(i).jpg"), format: .jpeg(quality: 90))
            }
        }
        try DataFile.writeAtomically(Data("not a jpeg".utf8), to: root.appendingPathComponent("b/1.jpg"))
        let data = RetrievalDataset(table: try RetrievalTable(imageFolder: root))
        XCTAssertEqual(data.labels, [0, 0, 0, 1, 1, 1])
        let sampler = try PKSampler(labels: data.labels, labelsPerBatch: 2, instancesPerLabel: 3, seed: 2)
        let pipeline = TransformPipeline.evaluation(size: 6)

        let failing = DataLoader(dataset: data, sampler: sampler, transform: pipeline, workers: 2)
        XCTAssertThrowsError(try failing.epoch(0).next()) { XCTAssertTrue("\($0)".contains("b/1.jpg"), "\($0)") }

        let skipping = DataLoader(dataset: data, sampler: sampler, transform: pipeline, workers: 2, failurePolicy: .skip)
        let epoch = skipping.epoch(0)
        let batch = try XCTUnwrap(try epoch.next())
        XCTAssertEqual(batch.images.shape, [5, 3, 6, 6])
        XCTAssertEqual(batch.labels.sorted(), [0, 0, 0, 1, 1])
        XCTAssertNil(try epoch.next())
        XCTAssertEqual(epoch.skipped.count, 1)
    }
}
