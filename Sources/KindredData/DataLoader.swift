import Foundation
import KindredTensor

/// What the loader does when an item's image cannot be read or decoded.
public enum LoadFailurePolicy: Sendable, Equatable {
    /// Stop the epoch and throw the error (naming the file) from ``EpochIterator/next()``.
    case fail
    /// Leave the item out of its batch, count it, and print one warning at the end of the epoch.
    case skip
}

/// An item left out under ``LoadFailurePolicy/skip``.
public struct SkippedItem: Sendable, CustomStringConvertible {
    /// The data-set index of the item.
    public var index: Int
    /// Why it could not be loaded.
    public var reason: String
    /// `item 12: cannot decode image …`.
    public var description: String { "item \(index): \(reason)" }
}

/// Loads batches on background threads: each worker decodes and transforms a whole batch, up to
/// `prefetch` batches ahead of the consumer.
///
/// Batches come out in the sampler's order, and item `j` of batch `b` in epoch `e` is always
/// transformed with a generator seeded from `(seed, e, b, j)`, so a seed fixes every batch bit for
/// bit, whatever the number of workers or the thread timing.
///
/// ```swift
/// let sampler = try PKSampler(labels: data.labels, labelsPerBatch: 8, instancesPerLabel: 4, seed: 1)
/// let loader = DataLoader(dataset: data, sampler: sampler, transform: trainPipeline, workers: 2, seed: 1)
/// for epoch in 0..<10 {
///     let batches = loader.epoch(epoch)
///     while let batch = try batches.next() { … }
/// }
/// ```
public final class DataLoader: Sendable {
    /// The items.
    public let dataset: any ImageDataset
    /// Chooses each batch's items.
    public let sampler: any BatchSampler
    /// Applied to every image before stacking.
    public let transform: any ImageTransform
    /// Background threads (0 loads on the calling thread inside `next()`).
    public let workers: Int
    /// How many batches may be loaded or in flight ahead of the consumer (at least 1).
    public let prefetch: Int
    /// Seeds the per-item augmentation generators.
    public let seed: UInt64
    /// What to do with unreadable images.
    public let failurePolicy: LoadFailurePolicy

    /// A loader. The sampler's ``BatchSampler/warnings`` are printed once, here, to standard error.
    ///
    /// - Parameters:
    ///   - dataset: the items.
    ///   - sampler: the batches of each epoch.
    ///   - transform: the per-image pipeline (default: none; images must then share one size).
    ///   - workers: background threads (default 2; 0 = load synchronously).
    ///   - prefetch: batches ready or in flight ahead of the consumer (default `2 × workers`, at least 1).
    ///   - seed: fixes the augmentations.
    ///   - failurePolicy: ``LoadFailurePolicy/fail`` (default) or ``LoadFailurePolicy/skip``.
    public init(dataset: any ImageDataset, sampler: any BatchSampler, transform: any ImageTransform = IdentityTransform(),
                workers: Int = 2, prefetch: Int? = nil, seed: UInt64 = 0, failurePolicy: LoadFailurePolicy = .fail) {
        self.dataset = dataset
        self.sampler = sampler
        self.transform = transform
        self.workers = Swift.max(0, workers)
        self.prefetch = Swift.max(1, prefetch ?? 2 * Swift.max(1, workers))
        self.seed = seed
        self.failurePolicy = failurePolicy
        for warning in sampler.warnings { FileHandle.standardError.write(Data(("warning: " + warning + "\n").utf8)) }
    }

    /// The number of batches per epoch.
    public var batchCount: Int { sampler.batchCount }

    /// Starts loading epoch `epoch` and returns its batches. Stop early with ``EpochIterator/stop()``
    /// (or drop the iterator).
    public func epoch(_ epoch: Int) -> EpochIterator {
        EpochIterator(loader: self, epoch: epoch, batches: sampler.batches(epoch: epoch))
    }

    /// Loads, transforms and stacks one batch; skipped items are returned alongside.
    func load(epoch: Int, number: Int, indices: [Int]) throws -> (Batch, [SkippedItem]) {
        var images: [Image] = []
        var kept: [Int] = []
        var skipped: [SkippedItem] = []
        images.reserveCapacity(indices.count)
        let labels = dataset.labels
        for (position, index) in indices.enumerated() {
            var generator = RandomGenerator(seed: mixSeed(seed, UInt64(bitPattern: Int64(epoch)), UInt64(number), UInt64(position)))
            do {
                images.append(try transform.apply(try dataset.image(at: index), generator: &generator))
                kept.append(index)
            } catch {
                guard failurePolicy == .skip else { throw error }
                skipped.append(SkippedItem(index: index, reason: "\(error)"))
            }
        }
        let tensor = try Batch.stack(images)
        return (Batch(images: tensor, labels: kept.map { labels[$0] }, indices: kept, number: number), skipped)
    }
}

/// The batches of one epoch, in order. Call ``next()`` until it returns `nil`.
///
/// Worker threads stop when the epoch ends, when ``stop()`` is called, when a batch fails, or when
/// the iterator is released.
public final class EpochIterator: @unchecked Sendable {
    private let state: EpochState

    init(loader: DataLoader, epoch: Int, batches: [[Int]]) {
        state = EpochState(loader: loader, epoch: epoch, plan: batches)
        state.startWorkers()
    }

    deinit { state.stop() }

    /// The number of batches in this epoch.
    public var count: Int { state.plan.count }

    /// Items skipped so far under ``LoadFailurePolicy/skip``.
    public var skipped: [SkippedItem] { state.skipped }

    /// The next batch, or `nil` at the end of the epoch (or after ``stop()``).
    ///
    /// - Throws: the first error loading a batch (under ``LoadFailurePolicy/fail`` a ``DataError``
    ///   naming the file); the epoch is then stopped.
    public func next() throws -> Batch? { try state.next() }

    /// Stops the workers and waits for them to exit (a batch being loaded is finished, then dropped).
    /// Safe to call more than once.
    public func stop() { state.stop() }
}

/// The shared state of one epoch: the worker threads hold this, not the iterator, so releasing
/// the iterator stops them.
private final class EpochState: @unchecked Sendable {
    let loader: DataLoader
    let epoch: Int
    let plan: [[Int]]
    private let condition = NSCondition()
    private var nextToClaim = 0
    private var nextToYield = 0
    private var ready: [Int: Result<(Batch, [SkippedItem]), Error>] = [:]
    private var stopped = false
    private var runningWorkers = 0
    private var skippedItems: [SkippedItem] = []
    private var reported = false

    init(loader: DataLoader, epoch: Int, plan: [[Int]]) {
        self.loader = loader
        self.epoch = epoch
        self.plan = plan
    }

    func startWorkers() {
        let count = Swift.min(loader.workers, plan.count)
        condition.lock()
        runningWorkers = count
        condition.unlock()
        for _ in 0..<count {
            let thread = Thread { [self] in work() }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    var skipped: [SkippedItem] {
        condition.lock(); defer { condition.unlock() }
        return skippedItems
    }

    func next() throws -> Batch? {
        condition.lock()
        if stopped || nextToYield >= plan.count {
            finishLocked()
            condition.unlock()
            return nil
        }
        let number = nextToYield
        let result: Result<(Batch, [SkippedItem]), Error>
        if loader.workers == 0 {
            condition.unlock()
            result = Result { try loader.load(epoch: epoch, number: number, indices: plan[number]) }
            condition.lock()
        } else {
            while ready[number] == nil && !stopped { condition.wait() }
            guard let r = ready.removeValue(forKey: number) else { condition.unlock(); return nil }
            result = r
        }
        nextToYield += 1
        condition.broadcast()
        switch result {
        case let .success((batch, skipped)):
            skippedItems += skipped
            if nextToYield == plan.count { finishLocked() }
            condition.unlock()
            return batch
        case let .failure(error):
            condition.unlock()
            stop()
            throw error
        }
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while runningWorkers > 0 { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }

    /// Prints the end-of-epoch skip warning once. Called with the lock held.
    private func finishLocked() {
        guard !reported, !skippedItems.isEmpty else { return }
        reported = true
        let first = skippedItems.prefix(5).map { "  \($0)" }.joined(separator: "\n")
        let more = skippedItems.count > 5 ? "\n  …" : ""
        FileHandle.standardError.write(Data("warning: epoch \(epoch) skipped \(skippedItems.count) unreadable item\(skippedItems.count == 1 ? "" : "s"):\n\(first)\(more)\n".utf8))
    }

    /// A worker: claims the next batch within the prefetch window, loads it, publishes it.
    private func work() {
        condition.lock()
        while true {
            while !stopped && nextToClaim < plan.count && nextToClaim >= nextToYield + loader.prefetch { condition.wait() }
            if stopped || nextToClaim >= plan.count { break }
            let number = nextToClaim
            nextToClaim += 1
            condition.unlock()
            let result = Result { try loader.load(epoch: epoch, number: number, indices: plan[number]) }
            condition.lock()
            if stopped { break }
            ready[number] = result
            condition.broadcast()
            if case .failure = result { break }
        }
        runningWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }
}
