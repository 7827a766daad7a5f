import Foundation
import KindredTensor

extension TSNE {
    /// Symmetric joint probabilities over nearest-neighbour pairs, in compressed sparse row (CSR)
    /// form, for Barnes–Hut t-SNE.
    ///
    /// Row `i` holds the columns `columns[rowStarts[i] ..< rowStarts[i + 1]]` (ascending, never `i`)
    /// with the probabilities `values` at the same positions. The matrix is symmetric and sums to 1.
    public struct SparseJointProbabilities: Sendable, Equatable {
        /// Number of rows (points).
        public let rowCount: Int
        /// `rowCount + 1` offsets into ``columns`` and ``values``.
        public let rowStarts: [Int]
        /// Column (neighbour) of each stored probability, ascending within a row.
        public let columns: [Int]
        /// The stored probabilities.
        public let values: [Double]

        /// The stored `(column, probability)` pairs of row `i`.
        public func row(_ i: Int) -> [(column: Int, probability: Double)] {
            (rowStarts[i]..<rowStarts[i + 1]).map { (columns[$0], values[$0]) }
        }

        /// `P_ij`, 0 where nothing is stored.
        public func value(row i: Int, column j: Int) -> Double {
            let range = rowStarts[i]..<rowStarts[i + 1]
            guard let k = columns[range].firstIndex(of: j) else { return 0 }
            return values[k]
        }
    }

    /// Per-point conditional probabilities over the nearest neighbours, before symmetrisation.
    public struct NeighbourConditionals: Sendable, Equatable {
        /// Neighbours per point, `min(N − 1, ⌊3·perplexity + 1⌋)`.
        public let neighbourCount: Int
        /// `N × neighbourCount` neighbour indices, row-major, nearest first.
        public let neighbours: [Int]
        /// `N × neighbourCount` conditional probabilities `p_{j|i}` at the same positions (each row sums to 1).
        public let probabilities: [Double]
    }

    /// Each point's conditional distribution `p_{j|i}` over its `k = min(N − 1, ⌊3·perplexity + 1⌋)`
    /// nearest neighbours by squared Euclidean distance (Kindred's ``ExactSearch`` in float64,
    /// leave-one-out, distances rounded to float32 as scikit-learn), with the bandwidth found by the
    /// same bisection as exact t-SNE (entropy `log(perplexity)` within 1e-5 nats).
    ///
    /// - Throws: ``RetrievalError`` on a bad shape, a non-finite value (naming the row) or
    ///   `perplexity ∉ (0, N)`.
    public static func neighbourConditionals(of x: Tensor, perplexity: Double) throws -> NeighbourConditionals {
        let (v, n, d) = try validated(x, perplexity: perplexity)
        let k = Swift.max(1, Swift.min(n - 1, Int(3 * perplexity + 1)))
        let points = Tensor(doubles: v, shape: [n, d], dtype: .float64)
        let found = try ExactSearch(distance: .squaredEuclidean)
            .search(queries: points, gallery: points, k: k, exclusion: .leaveOneOut(count: n))
        let distances = found.scores.map { Double(Float($0)) }
        var probabilities = [Double](repeating: 0, count: n * k)
        let target = Foundation.log(perplexity)
        distances.withUnsafeBufferPointer { dp in
            probabilities.withUnsafeMutableBufferPointer { pp in
                let base = pp.baseAddress!
                Parallel.forEachChunk(n, costPerItem: 64 * k) { rows in
                    for i in rows {
                        PerplexityBisection.conditionalRow(distances: UnsafeBufferPointer(rebasing: dp[(i * k)..<((i + 1) * k)]), skipping: nil,
                                                           target: target, into: UnsafeMutableBufferPointer(start: base + i * k, count: k))
                    }
                }
            }
        }
        return NeighbourConditionals(neighbourCount: k, neighbours: found.indices, probabilities: probabilities)
    }

    /// scikit-learn's `_joint_probabilities_nn`: the conditionals of
    /// ``neighbourConditionals(of:perplexity:)`` symmetrised, `P = C + Cᵀ`, and divided by their sum.
    ///
    /// - Throws: as ``neighbourConditionals(of:perplexity:)``.
    public static func sparseJointProbabilities(of x: Tensor, perplexity: Double) throws -> SparseJointProbabilities {
        let c = try neighbourConditionals(of: x, perplexity: perplexity)
        let n = x.shape[0], k = c.neighbourCount
        // Gather C and Cᵀ entries per row, then sort each row by column and add duplicates.
        var counts = [Int](repeating: k, count: n)
        for j in c.neighbours { counts[j] += 1 }
        var starts = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { starts[i + 1] = starts[i] + counts[i] }
        var fill = Array(starts[0..<n])
        var entries = [(column: Int, value: Double)](repeating: (0, 0), count: starts[n])
        for i in 0..<n {
            for s in 0..<k {
                let j = c.neighbours[i * k + s], value = c.probabilities[i * k + s]
                entries[fill[i]] = (j, value)
                fill[i] += 1
                entries[fill[j]] = (i, value)
                fill[j] += 1
            }
        }
        var rowStarts = [0], columns: [Int] = [], values: [Double] = []
        columns.reserveCapacity(entries.count)
        values.reserveCapacity(entries.count)
        for i in 0..<n {
            let row = entries[starts[i]..<starts[i + 1]].sorted { $0.column < $1.column }
            for e in row {
                if let last = columns.last, columns.count > rowStarts[i], last == e.column {
                    values[values.count - 1] += e.value
                } else {
                    columns.append(e.column)
                    values.append(e.value)
                }
            }
            rowStarts.append(columns.count)
        }
        var total = 0.0
        for v in values { total += v }
        total = Swift.max(total, Double.ulpOfOne)
        return SparseJointProbabilities(rowCount: n, rowStarts: rowStarts, columns: columns, values: values.map { $0 / total })
    }
}
