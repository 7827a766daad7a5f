/// The ranked neighbours of every query: gallery indices and their scores, best first.
///
/// Stored row-major: the neighbours of query `q` are `indices[q * depth ..< (q + 1) * depth]`.
/// When fewer than ``depth`` gallery items remain for a query (after exclusions), its row ends
/// with index `-1` and score `NaN` padding.
///
/// Order within a row: best score first (largest similarity, smallest distance); **equal scores
/// put the lower gallery index first**, so results are deterministic and independent of blocking
/// and thread count.
public struct SearchResult: Sendable, Equatable {
    /// How scores were computed.
    public let distance: SearchDistance
    /// Number of queries.
    public let queryCount: Int
    /// Neighbours kept per query (the requested `k`, capped at the gallery size).
    public let depth: Int
    /// Gallery index of each neighbour, `queryCount × depth`, row-major; `-1` pads short rows.
    public let indices: [Int]
    /// Score of each neighbour (similarity or distance, see ``distance``); `NaN` pads short rows.
    public let scores: [Double]

    /// Creates a result from precomputed rankings (for example another library's search).
    ///
    /// - Throws: ``RetrievalError/lengthMismatch(name:expected:actual:)`` when `indices` or `scores`
    ///   do not hold `queryCount × depth` entries.
    public init(distance: SearchDistance, queryCount: Int, depth: Int, indices: [Int], scores: [Double]? = nil) throws {
        guard queryCount >= 0, depth >= 0 else {
            throw RetrievalError.invalidArgument("queryCount and depth must be non-negative, got \(queryCount) and \(depth)")
        }
        guard indices.count == queryCount * depth else {
            throw RetrievalError.lengthMismatch(name: "indices", expected: queryCount * depth, actual: indices.count)
        }
        let s = scores ?? indices.map { $0 < 0 ? Double.nan : 0 }
        guard s.count == indices.count else {
            throw RetrievalError.lengthMismatch(name: "scores", expected: indices.count, actual: s.count)
        }
        self.distance = distance
        self.queryCount = queryCount
        self.depth = depth
        self.indices = indices
        self.scores = s
    }

    init(unchecked distance: SearchDistance, queryCount: Int, depth: Int, indices: [Int], scores: [Double]) {
        self.distance = distance
        self.queryCount = queryCount
        self.depth = depth
        self.indices = indices
        self.scores = scores
    }

    /// Gallery indices retrieved for `query`, best first (padding `-1` removed).
    public func neighbors(ofQuery query: Int) -> ArraySlice<Int> {
        let row = indices[query * depth ..< (query + 1) * depth]
        if let end = row.firstIndex(of: -1) { return row[row.startIndex ..< end] }
        return row
    }

    /// Scores of ``neighbors(ofQuery:)``, in the same order.
    public func scores(ofQuery query: Int) -> ArraySlice<Double> {
        let count = neighbors(ofQuery: query).count
        return scores[query * depth ..< query * depth + count]
    }

    public static func == (a: SearchResult, b: SearchResult) -> Bool {
        a.distance == b.distance && a.queryCount == b.queryCount && a.depth == b.depth && a.indices == b.indices
            && zip(a.scores, b.scores).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
}
