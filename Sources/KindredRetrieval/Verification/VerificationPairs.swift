import KindredTensor

/// Whether a pair score grows or shrinks with likeness.
public enum PairScoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Larger means more alike (cosine similarity, a classifier's logit). A pair is accepted as
    /// "same" when `score ≥ threshold`.
    case similarity
    /// Smaller means more alike (Euclidean distance). A pair is accepted as "same" when
    /// `score ≤ threshold`.
    case distance

    public var description: String { rawValue }
}

/// Two items compared in a verification pair: their rows in the embeddings.
public struct ItemPair: Sendable, Hashable {
    /// Row of the first item.
    public var first: Int
    /// Row of the second item (`first < second` for pairs made by
    /// ``VerificationPairs/init(embeddings:labels:distance:maximumPairs:seed:)``).
    public var second: Int

    /// Creates a pair.
    public init(first: Int, second: Int) {
        self.first = first
        self.second = second
    }
}

/// Scored pairs for face-style verification ("same identity or not?"): one score and one
/// same/different flag per pair.
///
/// Positives are the "same" pairs, negatives the "different" ones. At a threshold `t` a pair is
/// *accepted* when `score ≥ t` (``PairScoreKind/similarity``) or `score ≤ t` (``PairScoreKind/distance``);
/// then TAR (true accept rate) = accepted positives / positives, FAR (false accept rate) = accepted
/// negatives / negatives, and accuracy = (accepted positives + rejected negatives) / pairs.
/// Every threshold this type reports is in the scores' own units and follows this rule.
///
/// The metrics (``rocCurve``, ``auc``, ``tar(atFAR:)``, ``equalErrorRate``, ``fnmr(atFMR:)``,
/// ``crossValidatedAccuracy(folds:shuffleSeed:)``, ``calibrateThreshold(for:)``) need at least one
/// positive and one negative, which the initialisers check.
///
/// ```swift
/// let pairs = try VerificationPairs(embeddings: e, labels: ids, distance: .cosine, maximumPairs: 1_000_000)
/// print(pairs.auc, try pairs.tar(atFAR: 1e-3))
/// ```
public struct VerificationPairs: Sendable {
    /// Score of each pair.
    public let scores: [Double]
    /// Whether each pair shows the same identity (a positive).
    public let isSame: [Bool]
    /// Whether scores are similarities or distances.
    public let kind: PairScoreKind
    /// The items of each pair, when the pairs were made from embeddings.
    public let items: [ItemPair]?
    /// Number of positive ("same") pairs.
    public let positiveCount: Int
    /// Number of negative ("different") pairs.
    public let negativeCount: Int
    /// The pairs sorted by score, computed once.
    let ranking: PairRanking
    /// The ROC curve, computed once (see ``rocCurve``).
    let roc: ROCCurve

    /// Pairs from scores and flags.
    ///
    /// - Parameters:
    ///   - scores: one finite score per pair.
    ///   - isSame: `true` for a positive pair.
    ///   - kind: whether `scores` are similarities or distances.
    /// - Throws: ``RetrievalError`` when the lengths differ, a score is not finite, or there is no
    ///   positive or no negative pair.
    public init(scores: [Double], isSame: [Bool], kind: PairScoreKind) throws {
        try self.init(scores: scores, isSame: isSame, kind: kind, items: nil)
    }

    init(scores: [Double], isSame: [Bool], kind: PairScoreKind, items: [ItemPair]?) throws {
        guard isSame.count == scores.count else {
            throw RetrievalError.lengthMismatch(name: "isSame", expected: scores.count, actual: isSame.count)
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw RetrievalError.invalidArgument("scores[\(bad)] is \(scores[bad]); pair scores must be finite")
        }
        let positives = isSame.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard positives > 0 else {
            throw RetrievalError.invalidArgument("no positive (same) pair among \(scores.count) pairs: verification metrics need at least one of each kind")
        }
        guard positives < scores.count else {
            throw RetrievalError.invalidArgument("no negative (different) pair among \(scores.count) pairs: verification metrics need at least one of each kind")
        }
        self.scores = scores
        self.isSame = isSame
        self.kind = kind
        self.items = items
        self.positiveCount = positives
        self.negativeCount = scores.count - positives
        let ranking = PairRanking(likeness: kind == .similarity ? scores : scores.map { -$0 }, isSame: isSame)
        self.ranking = ranking
        self.roc = ROCCurve(scores: scores, isSame: isSame, kind: kind, ranking: ranking)
    }

    /// Pairs made from embeddings: every pair `i < j` (or, when there are more than `maximumPairs`,
    /// a seeded uniform sample of them without replacement, kept in `(i, j)` order), scored with
    /// ``SearchDistance/score(_:_:)`` and labelled "same" when `labels[i] == labels[j]`.
    ///
    /// - Parameters:
    ///   - embeddings: `[N, D]` embeddings, `N ≥ 2`.
    ///   - labels: one identity per row.
    ///   - distance: the comparison; similarities (dot product, cosine) give ``PairScoreKind/similarity``
    ///     scores, distances give ``PairScoreKind/distance`` scores.
    ///   - maximumPairs: the most pairs to keep (`nil`: all `N(N−1)/2`).
    ///   - seed: seed of the sample when pairs are capped.
    ///
    /// Scores equal ``SearchDistance/score(_:_:)`` of the two rows (in `Double`), computed in parallel;
    /// memory is two `Double`s and an ``ItemPair`` per kept pair.
    /// - Throws: ``RetrievalError`` on a bad shape, mismatched labels, `maximumPairs < 1`, or when the
    ///   pairs hold no positive or no negative.
    public init(embeddings: Tensor, labels: [Int], distance: SearchDistance, maximumPairs: Int? = nil, seed: UInt64 = 0) throws {
        guard embeddings.rank == 2 else { throw RetrievalError.badShape(name: "embeddings", expected: "[N, D]", actual: embeddings.shape) }
        let n = embeddings.shape[0], d = embeddings.shape[1]
        guard labels.count == n else { throw RetrievalError.lengthMismatch(name: "labels", expected: n, actual: labels.count) }
        guard n >= 2 else { throw RetrievalError.invalidArgument("pairs need at least 2 embeddings, got \(n)") }
        if let m = maximumPairs, m < 1 { throw RetrievalError.invalidArgument("maximumPairs must be at least 1, got \(m)") }
        let flat = embeddings.doubles
        let rows = (0..<n).map { Array(flat[$0 * d ..< ($0 + 1) * d]) }
        let total = n * (n - 1) / 2
        let linear = Self.pairSample(total: total, keep: maximumPairs ?? total, seed: seed)
        var items: [ItemPair] = []
        items.reserveCapacity(linear.count)
        // Walk rows: row i holds pairs (i, i+1 … n−1), linear indices start(i) ..< start(i) + n−1−i.
        var i = 0, start = 0
        for l in linear {
            while l >= start + (n - 1 - i) { start += n - 1 - i; i += 1 }
            items.append(ItemPair(first: i, second: i + 1 + (l - start)))
        }
        // The arithmetic of SearchDistance.score (same sums in the same order), with the squared norms
        // computed once per row and the pairs shared out over the cores.
        let norms = rows.map { r in r.reduce(0.0) { $0 + $1 * $1 } }
        var scores = [Double](repeating: 0, count: items.count)
        scores.withUnsafeMutableBufferPointer { out in
            Parallel.forEachChunk(items.count, costPerItem: d) { range in
                for p in range {
                    let a = rows[items[p].first], b = rows[items[p].second]
                    var dot = 0.0
                    for c in 0..<d { dot += a[c] * b[c] }
                    let qq = norms[items[p].first], gg = norms[items[p].second]
                    switch distance {
                    case .dotProduct: out[p] = dot
                    case .cosine: out[p] = dot / (Swift.max(qq.squareRoot(), 1e-12) * Swift.max(gg.squareRoot(), 1e-12))
                    case .euclidean: out[p] = Swift.max(0, qq + gg - 2 * dot).squareRoot()
                    case .squaredEuclidean: out[p] = Swift.max(0, qq + gg - 2 * dot)
                    }
                }
            }
        }
        try self.init(scores: scores, isSame: items.map { labels[$0.first] == labels[$0.second] },
                      kind: distance.isSimilarity ? .similarity : .distance, items: items)
    }

    /// `keep` distinct indices of `0..<total` in ascending order (all of them when `keep ≥ total`),
    /// drawn with Floyd's algorithm from a generator seeded with `seed`.
    static func pairSample(total: Int, keep: Int, seed: UInt64) -> [Int] {
        if keep >= total { return Array(0..<total) }
        var rng = RandomGenerator(seed: seed)
        var chosen = Set<Int>(minimumCapacity: keep)
        for j in (total - keep)..<total {
            let t = rng.nextInt(below: j + 1)
            if !chosen.insert(t).inserted { chosen.insert(j) }
        }
        return chosen.sorted()
    }

    /// The pairs at the given positions (repeats allowed), e.g. a fold or a bootstrap sample.
    ///
    /// - Throws: ``RetrievalError`` when an index is out of range or the selection lacks positives or negatives.
    public func selecting(_ indices: [Int]) throws -> VerificationPairs {
        for i in indices where i < 0 || i >= scores.count {
            throw RetrievalError.indexOutOfRange(name: "pair indices", index: i, count: scores.count)
        }
        return try VerificationPairs(scores: indices.map { scores[$0] }, isSame: indices.map { isSame[$0] }, kind: kind,
                                     items: items.map { list in indices.map { list[$0] } })
    }

    /// The orientation-free score: larger means more alike.
    @inline(__always) func likeness(_ score: Double) -> Double { kind == .similarity ? score : -score }
}
