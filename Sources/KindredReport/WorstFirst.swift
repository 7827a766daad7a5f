/// Which way a per-query score points, for ordering queries worst first.
public enum ScoreDirection: Sendable, Equatable {
    /// Higher is better (AP, precision, CMC): the worst query has the lowest score.
    case higherIsBetter
    /// Lower is better (a distance, a rank): the worst query has the highest score.
    case lowerIsBetter
}

extension RetrievalGrid {
    /// The indices of `scores` from the worst query to the best, as open-metric-learning shows them.
    ///
    /// Ties keep their original order, and NaN scores (e.g. AP of a query without positives) come
    /// last, so the order is deterministic.
    ///
    /// ```swift
    /// RetrievalGrid.worstFirstOrder(scores: [0.9, 0.2, .nan, 0.5])   // [1, 3, 0, 2]
    /// ```
    public static func worstFirstOrder(scores: [Double], direction: ScoreDirection = .higherIsBetter) -> [Int] {
        scores.indices.sorted { a, b in
            let (x, y) = (scores[a], scores[b])
            switch (x.isNaN, y.isNaN) {
            case (true, true): return a < b
            case (true, false): return false
            case (false, true): return true
            case (false, false):
                if x == y { return a < b }
                return direction == .higherIsBetter ? x < y : x > y
            }
        }
    }

    /// `items` reordered worst first by their `scores`, keeping at most `limit` of them.
    ///
    /// ```swift
    /// let worst = try RetrievalGrid.worstFirst(rows, scores: averagePrecisions, limit: 8)
    /// let grid = try RetrievalGrid().render(worst)
    /// ```
    ///
    /// - Throws: ``ReportError/invalidParameter(name:value:expected:)`` if `scores` does not have one
    ///   score per item or `limit` is negative.
    public static func worstFirst<Item>(
        _ items: [Item], scores: [Double], direction: ScoreDirection = .higherIsBetter, limit: Int? = nil
    ) throws -> [Item] {
        guard scores.count == items.count else {
            throw ReportError.invalidParameter(name: "scores", value: "(\(scores.count) values)",
                                               expected: "one score per item (\(items.count))")
        }
        if let limit, limit < 0 {
            throw ReportError.invalidParameter(name: "limit", value: "\(limit)", expected: "0 or more")
        }
        let order = worstFirstOrder(scores: scores, direction: direction)
        return order.prefix(limit ?? order.count).map { items[$0] }
    }
}
