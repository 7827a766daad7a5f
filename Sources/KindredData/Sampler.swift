import KindredTensor

/// Decides which items form each batch of an epoch.
///
/// A sampler is a pure function of its configuration, its seed and the epoch number: the same
/// epoch always gives the same batches, which is what makes the ``DataLoader`` deterministic.
public protocol BatchSampler: Sendable {
    /// The number of batches in every epoch.
    var batchCount: Int { get }
    /// The item indices of every batch of epoch `epoch` (0-based), in the order they are yielded.
    func batches(epoch: Int) -> [[Int]]
    /// Notes about the configuration worth telling the user once (the loader prints them).
    var warnings: [String] { get }
}

extension BatchSampler {
    /// No notes.
    public var warnings: [String] { [] }
}

/// A sampler configuration that cannot produce batches (too few labels, a zero batch size, …).
public struct SamplerError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and what is needed.
    public var message: String
    /// Creates an error with `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

extension RandomGenerator {
    /// The generator for one epoch of a sampler seeded with `seed`: independent streams per epoch.
    static func forEpoch(seed: UInt64, epoch: Int) -> RandomGenerator {
        RandomGenerator(seed: mixSeed(seed, UInt64(bitPattern: Int64(epoch)), 0x5A3D_1E0B))
    }
}

/// Combines seeds into one well-mixed seed (SplitMix64 finaliser over each part).
func mixSeed(_ parts: UInt64...) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for part in parts {
        var x = h ^ (part &+ 0x9E37_79B9_7F4A_7C15)
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        h = x ^ (x >> 31)
    }
    return h
}

/// The items in order, `batchSize` at a time (for evaluation: embeddings come out in item order).
///
/// Epoch length: `⌈count / batchSize⌉` batches, the last one shorter, or `⌊count / batchSize⌋` with
/// `dropLast`.
public struct SequentialSampler: BatchSampler {
    /// The number of items.
    public let count: Int
    /// Items per batch.
    public let batchSize: Int
    /// Whether a final short batch is left out.
    public let dropLast: Bool

    /// A sampler over items `0..<count`.
    ///
    /// - Throws: ``SamplerError`` if `batchSize` is not positive.
    public init(count: Int, batchSize: Int, dropLast: Bool = false) throws {
        guard batchSize > 0 else { throw SamplerError("batch size must be positive, got \(batchSize)") }
        self.count = count
        self.batchSize = batchSize
        self.dropLast = dropLast
    }

    public var batchCount: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    public func batches(epoch: Int) -> [[Int]] {
        (0..<batchCount).map { b in Array(b * batchSize ..< Swift.min((b + 1) * batchSize, count)) }
    }
}

/// A fresh random permutation of the items every epoch, cut into batches.
///
/// Epoch length: as ``SequentialSampler``; every item appears exactly once per epoch (except the
/// dropped remainder with `dropLast`).
public struct ShuffledSampler: BatchSampler {
    /// The number of items.
    public let count: Int
    /// Items per batch.
    public let batchSize: Int
    /// Whether a final short batch is left out.
    public let dropLast: Bool
    /// The seed; epoch `e` uses a generator derived from `(seed, e)`.
    public let seed: UInt64

    /// A shuffling sampler over items `0..<count`.
    ///
    /// - Throws: ``SamplerError`` if `batchSize` is not positive.
    public init(count: Int, batchSize: Int, dropLast: Bool = false, seed: UInt64 = 0) throws {
        guard batchSize > 0 else { throw SamplerError("batch size must be positive, got \(batchSize)") }
        self.count = count
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.seed = seed
    }

    public var batchCount: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    public func batches(epoch: Int) -> [[Int]] {
        var generator = RandomGenerator.forEpoch(seed: seed, epoch: epoch)
        let order = generator.permutation(count)
        return (0..<batchCount).map { b in Array(order[b * batchSize ..< Swift.min((b + 1) * batchSize, count)]) }
    }
}
