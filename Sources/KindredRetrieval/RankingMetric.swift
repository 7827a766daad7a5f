import Foundation

/// A per-query ranking metric, averaged over queries by ``RankedRelevance/summary(of:bootstrap:)``.
///
/// Notation for one query: `rel(i) ∈ {0, 1}` is the relevance of the item at rank `i` (1-based),
/// `R ≥ 1` the number of relevant gallery items, `hits(k) = Σ_{i ≤ k} rel(i)` and
/// `P(i) = hits(i) / i` the precision at rank `i`. Ranks the search did not return count as not
/// relevant; a metric that needs ranks deeper than the search returned throws, unless the search
/// ranked the whole gallery (then the missing ranks are known to be empty). MRR and MAP read the
/// returned ranking as far as it goes (as PML does with its `k`): search the whole gallery for the
/// exact whole-ranking values.
///
/// | metric | per-query value | as in |
/// |---|---|---|
/// | ``cmc(at:)`` CMC@k | `1` if `hits(k) > 0`, else `0` | OML `cmc@k`; PML `precision_at_1` for k = 1 |
/// | ``precision(at:)`` P@k | `hits(k) / min(k, R)` | OML `precision@k` |
/// | ``textbookPrecision(at:)`` | `hits(k) / k` | PML `precision_at_k` |
/// | ``averagePrecision(at:)`` MAP@k | `Σ_{i ≤ k} rel(i)·P(i) / hits(k)` (`0` if `hits(k) = 0`) | OML `map@k` |
/// | ``textbookAveragePrecision(at:)`` | `Σ_{i ≤ k} rel(i)·P(i) / min(k, R)` | recommender-systems AP@k |
/// | ``ndcg(at:)`` NDCG@k | `Σ_{i ≤ k} rel(i)/log₂(i+1)` ÷ `Σ_{i ≤ min(k,R)} 1/log₂(i+1)` | binary-gain NDCG |
/// | ``reciprocalRank`` MRR | `1 / (first i ≤ depth with rel(i) = 1)`, `0` if none | PML `mean_reciprocal_rank` |
/// | ``rPrecision`` | `hits(R) / R` | PML `r_precision` |
/// | ``averagePrecisionAtR`` MAP@R | `Σ_{i ≤ R} rel(i)·P(i) / R` | PML `mean_average_precision_at_r` |
/// | ``averagePrecisionOfRanking`` MAP | `Σ_{i ≤ depth} rel(i)·P(i) / R` (depth = returned ranks) | PML `mean_average_precision` |
/// | ``windowPrecision(ranks:)`` P@a-b | `(hits(b) − hits(a−1)) / (b − a + 1)` | Kindred |
/// | ``windowAveragePrecision(ranks:)`` MAP@a-b | OML MAP@(b−a+1) of the sub-ranking a…b (see below) | Kindred |
/// | ``weightedSum(_:)`` | `Σ_t w_t · m_t` | Kindred |
///
/// **Rank windows.** A window `a…b` treats the ranks `a, a+1, …, b` as a ranking of their own:
/// with `h(i) = Σ_{a ≤ j ≤ i} rel(j)`, MAP@a-b `= Σ_{a ≤ i ≤ b} rel(i) · h(i)/(i − a + 1) ÷ h(b)`
/// (`0` when `h(b) = 0`). For `a = 1` it is OML's MAP@b, and P@1-b is the textbook `hits(b)/b`.
/// They measure slots that are shown after the first `a − 1`, e.g. "3 recommendations, then a
/// list": `precision@3 + 0.5 × map@4-10` is
/// `.weightedSum([.init(weight: 1, metric: .precision(at: 3)), .init(weight: 0.5, metric: .windowAveragePrecision(ranks: 4...10))])`.
/// A weighted sum is computed per query and then averaged, so its mean is the weighted sum of the means.
public indirect enum RankingMetric: Sendable, Hashable, CustomStringConvertible {
    /// CMC@k (OML's "cmc", PML's precision_at_1 for k = 1).
    case cmc(at: Int)
    /// OML's precision@k: `hits(k) / min(k, R)`.
    case precision(at: Int)
    /// Textbook precision@k: `hits(k) / k`.
    case textbookPrecision(at: Int)
    /// OML's MAP@k: average of `P(i)` over the relevant items within the top k.
    case averagePrecision(at: Int)
    /// Textbook AP@k: `Σ_{i ≤ k} rel(i)·P(i) / min(k, R)`.
    case textbookAveragePrecision(at: Int)
    /// Normalised discounted cumulative gain at k with binary gains.
    case ndcg(at: Int)
    /// Reciprocal rank of the first relevant item (its mean is MRR).
    case reciprocalRank
    /// R-precision: `hits(R) / R`.
    case rPrecision
    /// MAP@R ("A Metric Learning Reality Check").
    case averagePrecisionAtR
    /// Average precision over the whole returned ranking, divided by `R`.
    case averagePrecisionOfRanking
    /// Fraction of relevant items among ranks `a…b`.
    case windowPrecision(ranks: ClosedRange<Int>)
    /// OML-style MAP of the sub-ranking `a…b`.
    case windowAveragePrecision(ranks: ClosedRange<Int>)
    /// `Σ weight × metric`, per query.
    case weightedSum([WeightedMetric])

    /// A short name: `cmc@5`, `precision@5`, `map@4-10`, `0.5*map@r + 1*mrr`, ….
    public var description: String {
        switch self {
        case let .cmc(k): return "cmc@\(k)"
        case let .precision(k): return "precision@\(k)"
        case let .textbookPrecision(k): return "textbook_precision@\(k)"
        case let .averagePrecision(k): return "map@\(k)"
        case let .textbookAveragePrecision(k): return "textbook_map@\(k)"
        case let .ndcg(k): return "ndcg@\(k)"
        case .reciprocalRank: return "mrr"
        case .rPrecision: return "r_precision"
        case .averagePrecisionAtR: return "map@r"
        case .averagePrecisionOfRanking: return "map"
        case let .windowPrecision(w): return "precision@\(w.lowerBound)-\(w.upperBound)"
        case let .windowAveragePrecision(w): return "map@\(w.lowerBound)-\(w.upperBound)"
        case let .weightedSum(terms): return terms.map { "\($0.weight)*\($0.metric)" }.joined(separator: " + ")
        }
    }

    /// Checks the metric's parameters (every k and rank ≥ 1, windows non-empty, sums non-empty).
    func validate() throws {
        switch self {
        case let .cmc(k), let .precision(k), let .textbookPrecision(k), let .averagePrecision(k),
             let .textbookAveragePrecision(k), let .ndcg(k):
            guard k >= 1 else { throw RetrievalError.nonPositiveK(name: "k of \(self)", value: k) }
        case let .windowPrecision(w), let .windowAveragePrecision(w):
            guard w.lowerBound >= 1 else { throw RetrievalError.nonPositiveK(name: "first rank of \(self)", value: w.lowerBound) }
        case let .weightedSum(terms):
            guard !terms.isEmpty else { throw RetrievalError.invalidArgument("a weighted sum needs at least one term") }
            for t in terms {
                guard t.weight.isFinite else { throw RetrievalError.invalidArgument("weight \(t.weight) of \(t.metric) is not finite") }
                try t.metric.validate()
            }
        case .reciprocalRank, .rPrecision, .averagePrecisionAtR, .averagePrecisionOfRanking:
            break
        }
    }

    /// Deepest rank the metric needs for a query with `R` relevant items.
    func requiredDepth(relevantCount r: Int) -> Int {
        switch self {
        case let .cmc(k), let .precision(k), let .textbookPrecision(k), let .averagePrecision(k),
             let .textbookAveragePrecision(k), let .ndcg(k):
            return k
        case let .windowPrecision(w), let .windowAveragePrecision(w): return w.upperBound
        case .rPrecision, .averagePrecisionAtR: return r
        case .reciprocalRank, .averagePrecisionOfRanking: return 0  // read the returned ranking as far as it goes
        case let .weightedSum(terms):
            var deepest = 0
            for t in terms {
                deepest = Swift.max(deepest, t.metric.requiredDepth(relevantCount: r))
            }
            return deepest
        }
    }

    /// The metric for one query: `row[i − 1] = rel(i)`, `r = R ≥ 1`.
    func value(row: ArraySlice<Bool>, relevantCount r: Int) -> Double {
        Array(row).withUnsafeBufferPointer { value(row: $0, relevantCount: r) }
    }

    /// The metric for one query: `rel[i − 1] = rel(i)`, `r = R ≥ 1` (no copy of the row).
    func value(row rel: UnsafeBufferPointer<Bool>, relevantCount r: Int) -> Double {
        func hits(_ k: Int) -> Int {
            var h = 0
            for i in 0..<Swift.min(k, rel.count) where rel[i] { h += 1 }
            return h
        }
        /// Σ_{first ≤ i ≤ last} rel(i)·h(i)/(i − first + 1), with h counted from `first` (1-based ranks).
        func precisionSum(from first: Int, through last: Int) -> (sum: Double, hits: Int) {
            // Branch-free (relevance flags are unpredictable): a miss adds an exact 0.
            var sum = 0.0, h = 0
            var i = first
            while i <= Swift.min(last, rel.count) {
                let hit = rel[i - 1]
                h += hit ? 1 : 0
                let term = Double(h) / Double(i - first + 1)
                sum += hit ? term : 0
                i += 1
            }
            return (sum, h)
        }
        switch self {
        case let .cmc(k):
            return hits(k) > 0 ? 1 : 0
        case let .precision(k):
            return Double(hits(k)) / Double(Swift.min(k, r))
        case let .textbookPrecision(k):
            return Double(hits(k)) / Double(k)
        case let .averagePrecision(k):
            let (s, h) = precisionSum(from: 1, through: k)
            return h == 0 ? 0 : s / Double(h)
        case let .textbookAveragePrecision(k):
            return precisionSum(from: 1, through: k).sum / Double(Swift.min(k, r))
        case let .ndcg(k):
            var dcg = 0.0, ideal = 0.0
            for i in 1...k {
                let discount: Double = 1 / Foundation.log2(Double(i + 1))
                if i <= rel.count && rel[i - 1] { dcg += discount }
                if i <= r { ideal += discount }
            }
            return dcg / ideal
        case .reciprocalRank:
            guard let first = rel.firstIndex(where: { $0 }) else { return 0 }
            return 1 / Double(first + 1)
        case .rPrecision:
            return Double(hits(r)) / Double(r)
        case .averagePrecisionAtR:
            return precisionSum(from: 1, through: r).sum / Double(r)
        case .averagePrecisionOfRanking:
            return precisionSum(from: 1, through: rel.count).sum / Double(r)
        case let .windowPrecision(w):
            return Double(hits(w.upperBound) - hits(w.lowerBound - 1)) / Double(w.count)
        case let .windowAveragePrecision(w):
            let (s, h) = precisionSum(from: w.lowerBound, through: w.upperBound)
            return h == 0 ? 0 : s / Double(h)
        case let .weightedSum(terms):
            var total = 0.0
            for t in terms { total += t.weight * t.metric.value(row: rel, relevantCount: r) }
            return total
        }
    }
}

/// One term `weight × metric` of a ``RankingMetric/weightedSum(_:)``.
public struct WeightedMetric: Sendable, Hashable {
    /// Multiplier of the metric.
    public var weight: Double
    /// The metric (any ``RankingMetric``, windows included).
    public var metric: RankingMetric

    /// Creates a term.
    public init(weight: Double, metric: RankingMetric) {
        self.weight = weight
        self.metric = metric
    }
}
