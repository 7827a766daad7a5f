extension TSNE {
    /// How t-SNE computes its input affinities and gradient.
    ///
    /// | method | input affinities `P` | repulsive forces | time, memory per iteration |
    /// |---|---|---|---|
    /// | ``exact`` | every pair | every pair | `O(N²)`, `O(N²)` |
    /// | ``barnesHut(angle:)`` | `⌊3·perplexity + 1⌋` nearest neighbours | quadtree | `O(N log N)`, `O(N)` |
    /// | ``automatic`` | ``exact`` below ``automaticThreshold`` rows (or when not 2-D), else Barnes–Hut with angle 0.5 | | |
    ///
    /// ``exact`` follows scikit-learn's `TSNE(method="exact")`, ``barnesHut(angle:)`` its default
    /// `method="barnes_hut"` (van der Maaten 2014). Barnes–Hut is 2-D only here.
    public enum Method: Sendable, Equatable {
        /// Dense `P` and the exact gradient (a few thousand points at most).
        case exact
        /// Sparse `P` over nearest neighbours and quadtree repulsion: a cell of width `w` whose centre
        /// of mass lies at distance `d` stands for its points when `w / d < angle` (scikit-learn's
        /// `angle`, θ; 0 gives exact repulsion, larger is faster and rougher). 2-D only.
        case barnesHut(angle: Double = 0.5)
        /// ``exact`` for fewer than ``TSNE/automaticThreshold`` rows or outputs other than 2-D,
        /// otherwise `barnesHut(angle: 0.5)`.
        case automatic

        /// The method actually run for `rowCount` rows embedded in `componentCount` dimensions.
        public func resolved(rowCount: Int, componentCount: Int) -> Method {
            guard case .automatic = self else { return self }
            return rowCount >= TSNE.automaticThreshold && componentCount == 2 ? .barnesHut(angle: 0.5) : .exact
        }
    }

    /// Rows from which ``Method/automatic`` switches to Barnes–Hut (2,000).
    public static let automaticThreshold = 2000
}
