/// How many triplets a triplet loss forms per anchor when it is given labels only (PML's
/// `triplets_per_anchor`).
public enum TripletsPerAnchor: Equatable, Sendable {
    /// Every triplet the labels define (PML's `"all"`, the default).
    case all
    /// This many triplets per anchor, each with a uniformly drawn positive (never the anchor
    /// itself) and a uniformly drawn negative (PML's integer `triplets_per_anchor`).
    case sampled(Int)
}

extension IndexTuples {
    /// Randomly drawn triplets, `perAnchor` of them for every anchor that has a positive and a
    /// negative (PML's `get_random_triplet_indices` with uniform negatives).
    ///
    /// Labels are visited in ascending order; for each, its anchors in batch order, and for each
    /// anchor `perAnchor` triplets `(a, p, n)` with `p` uniform among the reference elements of the
    /// anchor's label (other than the anchor when the batch is its own reference) and `n` uniform
    /// among the other labels' elements. A label whose class has no such positive, or a batch
    /// without negatives, gives no triplets. Draws come from `generator`, so a seed fixes them
    /// (they are not PyTorch's draws).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let t = IndexTuples.randomTriplets(labels: [0, 0, 1, 1], perAnchor: 2, generator: &rng)  // 8 triplets
    /// ```
    ///
    /// - Parameters:
    ///   - labels: class of each anchor.
    ///   - refLabels: class of each reference element (nil: the batch is its own reference).
    ///   - perAnchor: triplets per anchor, at least 1.
    ///   - generator: the source of the draws.
    public static func randomTriplets(labels: [Int], refLabels: [Int]? = nil, perAnchor: Int,
                                      generator: inout RandomGenerator) -> IndexTuples {
        precondition(perAnchor >= 1, "triplets per anchor must be at least 1, got \(perAnchor)")
        let ref = refLabels ?? labels
        let same = refLabels == nil
        var byLabel: [Int: [Int]] = [:]
        for (j, l) in ref.enumerated() { byLabel[l, default: []].append(j) }
        var a: [Int] = [], p: [Int] = [], n: [Int] = []
        for label in Set(labels).sorted() {
            let positives = byLabel[label] ?? []
            let negatives = ref.indices.filter { ref[$0] != label }
            guard positives.count >= (same ? 2 : 1), !negatives.isEmpty else { continue }
            for anchor in labels.indices where labels[anchor] == label {
                // Same batch: draw among the other positives (skip over the anchor's own slot).
                let choices = same ? positives.count - 1 : positives.count
                let own = same ? (positives.firstIndex(of: anchor) ?? positives.count) : positives.count
                for _ in 0..<perAnchor {
                    var k = generator.nextInt(below: choices)
                    if k >= own { k += 1 }
                    a.append(anchor)
                    p.append(positives[k])
                    n.append(negatives[generator.nextInt(below: negatives.count)])
                }
            }
        }
        return .triplets(a: a, p: p, n: n)
    }
}
