/// Cross-batch memory (PML's `CrossBatchMemory`, Wang et al. 2020): wraps a pair or triplet loss
/// with a queue of the last `memorySize` embeddings and labels, so each batch is compared with
/// many more examples than it holds.
///
/// Each call enqueues the batch (detached; the oldest entries are overwritten), then computes
/// `loss(queries, labels, tuples, reference: memory, refLabels: memoryLabels)`, where `tuples` are
/// the `miner`'s output against the memory (default: all pairs), minus each query's comparison
/// with its own just-enqueued copy, plus any given tuples. With an `enqueueMask` (MoCo-style),
/// only masked rows are enqueued (keys) and only the others are queries, and no self-comparison
/// can occur.
public final class CrossBatchMemory {
    /// The wrapped loss (any loss that accepts a reference batch).
    public let loss: MetricLoss
    /// Mines tuples between queries and memory (nil: all pairs).
    public let miner: (any Miner)?
    /// Embedding width.
    public let embeddingSize: Int
    /// Queue capacity.
    public let memorySize: Int
    /// The queue `[memorySize, embeddingSize]` (row-major values).
    public private(set) var embeddingMemory: [Double]
    /// Labels of the queue entries.
    public private(set) var labelMemory: [Int]
    /// Where the next entry goes.
    public private(set) var queueIndex = 0
    /// Whether the queue has wrapped around at least once.
    public private(set) var hasBeenFilled = false

    /// Creates the memory around `loss`.
    public init(loss: MetricLoss, embeddingSize: Int, memorySize: Int = 1024, miner: (any Miner)? = nil) {
        self.loss = loss
        self.miner = miner
        self.embeddingSize = embeddingSize
        self.memorySize = memorySize
        embeddingMemory = [Double](repeating: 0, count: memorySize * embeddingSize)
        labelMemory = [Int](repeating: 0, count: memorySize)
    }

    /// Empties the queue.
    public func reset() {
        embeddingMemory = [Double](repeating: 0, count: memorySize * embeddingSize)
        labelMemory = [Int](repeating: 0, count: memorySize)
        queueIndex = 0
        hasBeenFilled = false
    }

    /// Number of valid entries.
    public var count: Int { hasBeenFilled ? memorySize : queueIndex }

    /// Enqueues the batch and returns the wrapped loss against the memory.
    ///
    /// - Parameters:
    ///   - indices: extra tuples (query → memory indices) appended to the mined ones; not with `enqueueMask`.
    ///   - enqueueMask: rows to enqueue (keys); the other rows are the queries.
    public func callAsFunction(_ embeddings: Tensor, labels: [Int], indices: IndexTuples? = nil, enqueueMask: [Bool]? = nil) -> Tensor {
        precondition(indices == nil || enqueueMask == nil, "indices and enqueueMask are mutually exclusive")
        precondition(embeddings.rank == 2 && embeddings.shape[1] == embeddingSize && labels.count == embeddings.shape[0],
                     "embeddings must be [batch, \(embeddingSize)] with one label per row")
        var queries = embeddings, queryLabels = labels
        var keys = embeddings, keyLabels = labels
        if let mask = enqueueMask {
            precondition(mask.count == labels.count, "one enqueue flag per row needed")
            let k = mask.indices.filter { mask[$0] }, q = mask.indices.filter { !mask[$0] }
            keys = embeddings.rows(k); keyLabels = k.map { labels[$0] }
            queries = embeddings.rows(q); queryLabels = q.map { labels[$0] }
        } else {
            precondition(labels.count <= memorySize, "a batch larger than the memory")
        }
        let slots = enqueue(keys, keyLabels)
        let valid = count
        let memory = Tensor(doubles: Array(embeddingMemory[0..<(valid * embeddingSize)]), shape: [valid, embeddingSize],
                            dtype: embeddings.dtype)
        let memoryLabels = Array(labelMemory[0..<valid])
        var tuples = miner.map { $0(queries, labels: queryLabels, reference: memory, refLabels: memoryLabels) }
            ?? IndexTuples.allPairs(labels: queryLabels, refLabels: memoryLabels)
        if enqueueMask == nil { tuples = removingSelfComparisons(tuples, slots: slots) }
        if let extra = indices { tuples = concatenated(tuples, extra, labels: queryLabels) }
        return loss(queries, labels: queryLabels, indices: tuples, reference: memory, refLabels: memoryLabels)
    }

    /// Writes rows into the queue; returns the slot of each.
    private func enqueue(_ x: Tensor, _ labels: [Int]) -> [Int] {
        let values = x.detached().doubles
        let slots = (0..<labels.count).map { (queueIndex + $0) % memorySize }
        for (r, s) in slots.enumerated() {
            for k in 0..<embeddingSize { embeddingMemory[s * embeddingSize + k] = values[r * embeddingSize + k] }
            labelMemory[s] = labels[r]
        }
        let previous = queueIndex
        queueIndex = (queueIndex + labels.count) % memorySize
        if !hasBeenFilled && queueIndex <= previous && !labels.isEmpty { hasBeenFilled = true }
        return slots
    }

    /// Drops positive pairs (or triplets) whose positive is the anchor's own copy in the memory.
    private func removingSelfComparisons(_ t: IndexTuples, slots: [Int]) -> IndexTuples {
        switch t {
        case let .pairs(a1, p, a2, n):
            let keep = a1.indices.filter { p[$0] != slots[a1[$0]] }
            return .pairs(a1: keep.map { a1[$0] }, p: keep.map { p[$0] }, a2: a2, n: n)
        case let .triplets(a, p, n):
            let keep = a.indices.filter { p[$0] != slots[a[$0]] }
            return .triplets(a: keep.map { a[$0] }, p: keep.map { p[$0] }, n: keep.map { n[$0] })
        }
    }

    /// Mined tuples followed by given ones, converted to the mined kind.
    private func concatenated(_ t: IndexTuples, _ extra: IndexTuples, labels: [Int]) -> IndexTuples {
        switch t {
        case let .pairs(a1, p, a2, n):
            let e = extra.asPairs
            return .pairs(a1: a1 + e.a1, p: p + e.p, a2: a2 + e.a2, n: n + e.n)
        case let .triplets(a, p, n):
            let e = extra.asTriplets
            return .triplets(a: a + e.a, p: p + e.p, n: n + e.n)
        }
    }
}
