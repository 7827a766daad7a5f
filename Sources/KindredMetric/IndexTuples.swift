/// Which batch elements a pair or triplet loss compares: PML's `indices_tuple`.
///
/// Indices of anchors refer to the query batch, the others to the reference batch (the same batch
/// unless a loss is given `reference` embeddings). Miners produce these, and every pair/triplet
/// loss accepts them in place of labels (weak supervision).
public enum IndexTuples: Equatable, Sendable {
    /// Positive pairs `(a1[k], p[k])` and negative pairs `(a2[k], n[k])`.
    case pairs(a1: [Int], p: [Int], a2: [Int], n: [Int])
    /// Triplets `(a[k], p[k], n[k])`: anchor, positive, negative.
    case triplets(a: [Int], p: [Int], n: [Int])

    /// Every positive pair `(i, j)` with `labels[i] == refLabels[j]` and every negative pair with
    /// different labels, row-major. Without `refLabels` the batch is its own reference and
    /// `i == j` is no pair (PML's `get_all_pairs_indices`).
    public static func allPairs(labels: [Int], refLabels: [Int]? = nil) -> IndexTuples {
        let ref = refLabels ?? labels
        let same = refLabels == nil
        var a1: [Int] = [], p: [Int] = [], a2: [Int] = [], n: [Int] = []
        for i in labels.indices {
            for j in ref.indices {
                if labels[i] == ref[j] {
                    if !(same && i == j) { a1.append(i); p.append(j) }
                } else {
                    a2.append(i); n.append(j)
                }
            }
        }
        return .pairs(a1: a1, p: p, a2: a2, n: n)
    }

    /// Every triplet `(a, p, n)` with `labels[a] == refLabels[p]`, `labels[a] != refLabels[n]`
    /// (and `a ≠ p` without `refLabels`), ordered by `a`, then `p`, then `n`
    /// (PML's `get_all_triplets_indices`).
    public static func allTriplets(labels: [Int], refLabels: [Int]? = nil) -> IndexTuples {
        let ref = refLabels ?? labels
        let same = refLabels == nil
        var a: [Int] = [], p: [Int] = [], n: [Int] = []
        for i in labels.indices {
            let positives = ref.indices.filter { ref[$0] == labels[i] && !(same && $0 == i) }
            let negatives = ref.indices.filter { ref[$0] != labels[i] }
            for j in positives {
                for k in negatives { a.append(i); p.append(j); n.append(k) }
            }
        }
        return .triplets(a: a, p: p, n: n)
    }

    /// As pairs: triplets `(a, p, n)` become positive pairs `(a, p)` and negative pairs `(a, n)`
    /// (PML's `convert_to_pairs`).
    public var asPairs: (a1: [Int], p: [Int], a2: [Int], n: [Int]) {
        switch self {
        case let .pairs(a1, p, a2, n): return (a1, p, a2, n)
        case let .triplets(a, p, n): return (a, p, a, n)
        }
    }

    /// As triplets: pairs are joined wherever a positive pair and a negative pair share their
    /// anchor, positive pairs outer and negative pairs inner (PML's `convert_to_triplets`).
    public var asTriplets: (a: [Int], p: [Int], n: [Int]) {
        switch self {
        case let .triplets(a, p, n): return (a, p, n)
        case let .pairs(a1, p, a2, n):
            var byAnchor: [Int: [Int]] = [:]
            for (k, anchor) in a2.enumerated() { byAnchor[anchor, default: []].append(k) }
            var ra: [Int] = [], rp: [Int] = [], rn: [Int] = []
            for (k, anchor) in a1.enumerated() {
                for m in byAnchor[anchor] ?? [] { ra.append(anchor); rp.append(p[k]); rn.append(n[m]) }
            }
            return (ra, rp, rn)
        }
    }

    /// Number of tuples: triplets, or positive plus negative pairs.
    public var count: Int {
        switch self {
        case let .pairs(a1, _, a2, _): return a1.count + a2.count
        case let .triplets(a, _, _): return a.count
        }
    }

    /// Whether there are no tuples at all.
    public var isEmpty: Bool { count == 0 }
}
