import KindredTensor

/// A P×K sampler whose labels come from only a few categories per batch (like open-metric-learning's
/// category-balanced sampler): `C` categories, `P` labels from each, `K` items per label, so
/// negatives are hard (same category, different label). Batch size `C·P·K`.
///
/// Only categories with at least `P` labels take part. Epoch length: `⌊L / (C·P)⌋` batches, where
/// `L` is the number of labels in those categories. Each category keeps a shuffled queue of its
/// labels; a batch picks `C` random categories among those with at least `P` labels left in their
/// queues (refilling exhausted queues with a fresh shuffle when fewer than `C` remain), so every
/// label is used about once per epoch. Items are drawn as in ``PKSampler``.
public struct CategoryBalancedSampler: BatchSampler {
    /// Categories per batch (C).
    public let categoriesPerBatch: Int
    /// Labels per category in a batch (P).
    public let labelsPerCategory: Int
    /// Items per label in a batch (K).
    public let instancesPerLabel: Int
    /// The seed; epoch `e` uses a generator derived from `(seed, e)`.
    public let seed: UInt64
    /// The categories taking part (those with at least P labels), ascending.
    public let eligibleCategories: [Int]
    /// `labelsByCategory[c]` holds indices into `itemsByLabel` for `eligibleCategories[c]`.
    let labelsByCategory: [[Int]]
    let itemsByLabel: [[Int]]
    /// Labels (of eligible categories) with fewer than K items, ascending.
    public let labelsSampledWithReplacement: [Int]

    /// A category-balanced sampler.
    ///
    /// - Parameters:
    ///   - labels: the label of every item.
    ///   - categories: the category of every item; all items of a label must share one category.
    ///   - categoriesPerBatch: C ≥ 1.
    ///   - labelsPerCategory: P ≥ 1.
    ///   - instancesPerLabel: K ≥ 1.
    ///   - seed: fixes every epoch's batches.
    /// - Throws: ``SamplerError`` if the sizes are out of range, the arrays differ in length, a label
    ///   spans two categories, or fewer than C categories have P labels.
    public init(labels: [Int], categories: [Int], categoriesPerBatch: Int, labelsPerCategory: Int,
                instancesPerLabel: Int, seed: UInt64 = 0) throws {
        guard labels.count == categories.count else {
            throw SamplerError("\(labels.count) labels but \(categories.count) categories (expected one per item)")
        }
        guard categoriesPerBatch >= 1, labelsPerCategory >= 1, instancesPerLabel >= 1 else {
            throw SamplerError("C, P and K must be at least 1, got C = \(categoriesPerBatch), P = \(labelsPerCategory), K = \(instancesPerLabel)")
        }
        var itemsOfLabel: [Int: [Int]] = [:]
        var categoryOfLabel: [Int: Int] = [:]
        for (i, label) in labels.enumerated() {
            if let known = categoryOfLabel[label], known != categories[i] {
                throw SamplerError("label \(label) appears in categories \(known) and \(categories[i]) (expected one category per label)")
            }
            categoryOfLabel[label] = categories[i]
            itemsOfLabel[label, default: []].append(i)
        }
        var labelsOfCategory: [Int: [Int]] = [:]
        for label in itemsOfLabel.keys.sorted() { labelsOfCategory[categoryOfLabel[label]!, default: []].append(label) }
        let eligible = labelsOfCategory.keys.sorted().filter { labelsOfCategory[$0]!.count >= labelsPerCategory }
        guard eligible.count >= categoriesPerBatch else {
            throw SamplerError("C = \(categoriesPerBatch) categories per batch, but only \(eligible.count) categories have at least P = \(labelsPerCategory) labels")
        }
        var items: [[Int]] = []
        var byCategory: [[Int]] = []
        var short: [Int] = []
        for category in eligible {
            var slots: [Int] = []
            for label in labelsOfCategory[category]! {
                slots.append(items.count)
                items.append(itemsOfLabel[label]!)
                if itemsOfLabel[label]!.count < instancesPerLabel { short.append(label) }
            }
            byCategory.append(slots)
        }
        self.categoriesPerBatch = categoriesPerBatch
        self.labelsPerCategory = labelsPerCategory
        self.instancesPerLabel = instancesPerLabel
        self.seed = seed
        self.eligibleCategories = eligible
        self.labelsByCategory = byCategory
        self.itemsByLabel = items
        self.labelsSampledWithReplacement = short.sorted()
    }

    /// Items per batch: C·P·K.
    public var batchSize: Int { categoriesPerBatch * labelsPerCategory * instancesPerLabel }

    public var batchCount: Int { itemsByLabel.count / (categoriesPerBatch * labelsPerCategory) }

    /// A note when some labels have fewer than K items.
    public var warnings: [String] {
        let short = labelsSampledWithReplacement
        guard !short.isEmpty else { return [] }
        return ["category-balanced sampler: \(short.count) label\(short.count == 1 ? " has" : "s have") fewer than K = \(instancesPerLabel) items and will be sampled with replacement"]
    }

    public func batches(epoch: Int) -> [[Int]] {
        var generator = RandomGenerator.forEpoch(seed: seed, epoch: epoch)
        var queues = labelsByCategory.map { slots in generator.permutation(slots.count).map { slots[$0] } }
        var result: [[Int]] = []
        for _ in 0..<batchCount {
            var ready = queues.indices.filter { queues[$0].count >= labelsPerCategory }
            if ready.count < categoriesPerBatch {
                for c in queues.indices where queues[c].count < labelsPerCategory {
                    let slots = labelsByCategory[c]
                    queues[c] += generator.permutation(slots.count).map { slots[$0] }.filter { !queues[c].contains($0) }
                }
                ready = queues.indices.filter { queues[$0].count >= labelsPerCategory }
            }
            let picked = generator.permutation(ready.count).prefix(categoriesPerBatch).map { ready[$0] }
            var batch: [Int] = []
            batch.reserveCapacity(batchSize)
            for c in picked {
                for slot in queues[c].prefix(labelsPerCategory) {
                    batch += drawInstances(from: itemsByLabel[slot], count: instancesPerLabel, generator: &generator)
                }
                queues[c].removeFirst(labelsPerCategory)
            }
            result.append(batch)
        }
        return result
    }
}
