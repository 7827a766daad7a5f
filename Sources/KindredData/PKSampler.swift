import KindredTensor

/// The P×K balanced sampler of metric learning: every batch holds `P` distinct labels with `K`
/// items each (batch size `P·K`), so each anchor has positives and negatives in its batch.
///
/// Epoch length: the labels are shuffled and cut into groups of `P`, so an epoch has
/// `⌊labelCount / P⌋` batches and every label appears in at most one batch per epoch (the
/// remainder of fewer than `P` labels waits for a later epoch's shuffle). Within a label the `K`
/// items are drawn without replacement; labels with fewer than `K` items are drawn with
/// replacement and listed in ``labelsSampledWithReplacement`` and ``warnings`` (reported once by
/// the loader).
public struct PKSampler: BatchSampler {
    /// Distinct labels per batch (P).
    public let labelsPerBatch: Int
    /// Items per label in a batch (K).
    public let instancesPerLabel: Int
    /// The seed; epoch `e` uses a generator derived from `(seed, e)`.
    public let seed: UInt64
    /// The distinct labels, ascending.
    public let distinctLabels: [Int]
    /// The labels with fewer than K items (drawn with replacement), ascending.
    public let labelsSampledWithReplacement: [Int]
    /// `itemsByLabel[i]` holds the item indices of `distinctLabels[i]`.
    let itemsByLabel: [[Int]]

    /// A P×K sampler over items with the given labels.
    ///
    /// - Parameters:
    ///   - labels: the label of every item.
    ///   - labelsPerBatch: P, at least 1 and at most the number of distinct labels.
    ///   - instancesPerLabel: K, at least 1.
    ///   - seed: fixes every epoch's batches.
    /// - Throws: ``SamplerError`` if P or K is out of range.
    public init(labels: [Int], labelsPerBatch: Int, instancesPerLabel: Int, seed: UInt64 = 0) throws {
        guard labelsPerBatch >= 1 else { throw SamplerError("P (labels per batch) must be at least 1, got \(labelsPerBatch)") }
        guard instancesPerLabel >= 1 else { throw SamplerError("K (instances per label) must be at least 1, got \(instancesPerLabel)") }
        var groups: [Int: [Int]] = [:]
        for (i, label) in labels.enumerated() { groups[label, default: []].append(i) }
        let distinct = groups.keys.sorted()
        guard distinct.count >= labelsPerBatch else {
            throw SamplerError("P = \(labelsPerBatch) labels per batch, but the data has only \(distinct.count) distinct labels")
        }
        self.labelsPerBatch = labelsPerBatch
        self.instancesPerLabel = instancesPerLabel
        self.seed = seed
        self.distinctLabels = distinct
        self.itemsByLabel = distinct.map { groups[$0]! }
        self.labelsSampledWithReplacement = distinct.filter { groups[$0]!.count < instancesPerLabel }
    }

    /// Items per batch: P·K.
    public var batchSize: Int { labelsPerBatch * instancesPerLabel }

    public var batchCount: Int { distinctLabels.count / labelsPerBatch }

    /// A note when some labels have fewer than K items.
    public var warnings: [String] {
        let short = labelsSampledWithReplacement
        guard !short.isEmpty else { return [] }
        let shown = short.prefix(10).map(String.init).joined(separator: ", ") + (short.count > 10 ? ", …" : "")
        return ["P×K sampler: \(short.count) label\(short.count == 1 ? " has" : "s have") fewer than K = \(instancesPerLabel) items and will be sampled with replacement (\(shown))"]
    }

    public func batches(epoch: Int) -> [[Int]] {
        var generator = RandomGenerator.forEpoch(seed: seed, epoch: epoch)
        let order = generator.permutation(distinctLabels.count)
        return (0..<batchCount).map { b in
            var batch: [Int] = []
            batch.reserveCapacity(batchSize)
            for slot in order[b * labelsPerBatch ..< (b + 1) * labelsPerBatch] {
                batch += drawInstances(from: itemsByLabel[slot], count: instancesPerLabel, generator: &generator)
            }
            return batch
        }
    }
}

/// `count` items of `items`: without replacement when there are enough, else with replacement.
func drawInstances(from items: [Int], count: Int, generator: inout RandomGenerator) -> [Int] {
    if items.count >= count {
        var pool = items
        for i in 0..<count { pool.swapAt(i, i + generator.nextInt(below: pool.count - i)) }
        return Array(pool[0..<count])
    }
    return (0..<count).map { _ in items[generator.nextInt(below: items.count)] }
}
