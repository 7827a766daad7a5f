import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

// Shared helpers for the retrieval tests: the reference fixtures, deterministic integer embeddings
// and a brute-force search to compare the blocked one with.

/// The parsed `Fixtures/retrieval_metrics.json` (written by `Fixtures/make_fixtures.py`).
func loadFixture() throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/retrieval_metrics.json")
    let data = try Data(contentsOf: url)
    guard let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw RetrievalError.invalidArgument("fixture is not a JSON object")
    }
    return doc
}

/// A `[rows, cols]` tensor from nested arrays.
func matrix(_ rows: [[Double]], dtype: DType = .float32) -> Tensor {
    Tensor(doubles: rows.flatMap { $0 }, shape: [rows.count, rows.first?.count ?? 0], dtype: dtype)
}

/// Small integer embeddings (exact scores, many ties), deterministic in `seed`.
func integerEmbeddings(_ count: Int, dimension: Int, seed: UInt64, range: Int = 2) -> [[Double]] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in (0..<dimension).map { _ in Double(rng.nextInt(below: 2 * range + 1) - range) } }
}

/// The metric named as in the fixture file.
func fixtureMetric(_ name: String) -> RankingMetric? {
    let table: [String: RankingMetric] = [
        "cmc@1": .cmc(at: 1), "cmc@5": .cmc(at: 5), "cmc@10": .cmc(at: 10),
        "precision@1": .precision(at: 1), "precision@5": .precision(at: 5), "precision@10": .precision(at: 10),
        "map@1": .averagePrecision(at: 1), "map@5": .averagePrecision(at: 5), "map@10": .averagePrecision(at: 10),
        "textbook_precision@5": .textbookPrecision(at: 5), "textbook_map@5": .textbookAveragePrecision(at: 5),
        "ndcg@5": .ndcg(at: 5), "ndcg@10": .ndcg(at: 10), "mrr": .reciprocalRank, "r_precision": .rPrecision,
        "map@r": .averagePrecisionAtR, "map": .averagePrecisionOfRanking,
        "precision@4-10": .windowPrecision(ranks: 4...10), "map@4-10": .windowAveragePrecision(ranks: 4...10),
        "composite": .weightedSum([WeightedMetric(weight: 1, metric: .precision(at: 3)),
                                   WeightedMetric(weight: 0.5, metric: .windowAveragePrecision(ranks: 4...10))]),
    ]
    return table[name]
}

/// Brute-force top-k: every score computed as the search does, a full stable sort, exclusions by
/// plain membership tests. Keys are "smaller is better".
func bruteForce(queries: [[Double]], gallery: [[Double]], distance: SearchDistance, k: Int,
                excluded: (Int, Int) -> Bool = { _, _ in false }) -> (indices: [[Int]], scores: [[Double]]) {
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    var indices: [[Int]] = [], scores: [[Double]] = []
    for q in queries.indices {
        var keyed: [(key: Double, g: Int)] = []
        for g in gallery.indices where !excluded(q, g) {
            let s = dot(queries[q], gallery[g])
            let qq = dot(queries[q], queries[q]), gg = dot(gallery[g], gallery[g])
            let key: Double
            switch distance {
            case .dotProduct: key = -s
            case .cosine: key = -(s * (1 / Swift.max(qq.squareRoot(), 1e-12)) * (1 / Swift.max(gg.squareRoot(), 1e-12)))
            case .euclidean, .squaredEuclidean: key = Swift.max(0, qq + gg - (s + s))
            }
            keyed.append((key, g))
        }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.g < $1.g }
        let top = keyed.prefix(k)
        indices.append(top.map(\.g))
        scores.append(top.map { e -> Double in
            switch distance {
            case .dotProduct, .cosine: return -e.key
            case .squaredEuclidean: return e.key
            case .euclidean: return e.key.squareRoot()
            }
        })
    }
    return (indices, scores)
}
