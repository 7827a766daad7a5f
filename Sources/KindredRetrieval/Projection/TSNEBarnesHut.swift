import Foundation
import KindredTensor

extension TSNE {
    /// The Barnes–Hut approximation of the KL gradient of a 2-D embedding (and, when `withValue`,
    /// of KL(P ‖ Q)), as scikit-learn's `_kl_divergence_bh` but in float64.
    ///
    /// With `w_ij = 1 / (1 + ‖y_i − y_j‖²)` and `Z = Σ_{i≠j} w_ij`, the gradient is
    /// `4 (Σ_j e·P_ij w_ij (y_i − y_j) − Σ_j w_ij² (y_i − y_j) / Z)`: the attractive sum runs over the
    /// stored entries of `P` exactly, the repulsive sum and `Z` come from a ``QuadTree`` with the
    /// given `angle` (exact at 0). The KL value is `Σ P_ij log(P_ij / (w_ij / Z))` over the stored
    /// entries (both floored at machine epsilon). Each point's forces are computed by one thread, so
    /// the result does not depend on the thread count.
    ///
    /// - Parameters:
    ///   - embedding: `N × 2` coordinates, row-major.
    ///   - jointProbabilities: the sparse `P` (as ``sparseJointProbabilities(of:perplexity:)``).
    ///   - exaggeration: factor `e` on `P` (early exaggeration).
    ///   - angle: the Barnes–Hut θ.
    ///   - withValue: whether to compute the KL value (otherwise 0 is returned for it).
    public static func barnesHutGradient(embedding y: [Double], jointProbabilities p: SparseJointProbabilities,
                                         exaggeration: Double = 1, angle: Double = 0.5,
                                         withValue: Bool = false) -> (value: Double, gradient: [Double]) {
        let n = y.count / 2
        precondition(p.rowCount == n, "P has \(p.rowCount) rows for \(n) points")
        let tree = QuadTree(points: y)
        let (repulsive, z) = tree.repulsiveForces(angle: angle)
        let attractive = attractiveForces(embedding: y, jointProbabilities: p)
        var gradient = [Double](repeating: 0, count: 2 * n)
        let inverseZ = z > 0 ? 1 / z : 0
        for k in 0..<(2 * n) { gradient[k] = 4 * (exaggeration * attractive[k] - repulsive[k] * inverseZ) }
        guard withValue else { return (0, gradient) }
        var kl = 0.0
        let eps = Double.ulpOfOne
        for i in 0..<n {
            for s in p.rowStarts[i]..<p.rowStarts[i + 1] {
                let j = p.columns[s], pij = p.values[s]
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                let q = Swift.max(inverseZ / (1 + dx * dx + dy * dy), eps)
                kl += pij * Foundation.log(Swift.max(pij, eps) / q)
            }
        }
        return (kl, gradient)
    }

    /// `Σ_j P_ij w_ij (y_i − y_j)` for every point over the stored entries of `P`, `[x0, y0, x1, …]`.
    static func attractiveForces(embedding y: [Double], jointProbabilities p: SparseJointProbabilities) -> [Double] {
        let n = y.count / 2
        var forces = [Double](repeating: 0, count: 2 * n)
        y.withUnsafeBufferPointer { yp in
            p.rowStarts.withUnsafeBufferPointer { rp in
                p.columns.withUnsafeBufferPointer { cp in
                    p.values.withUnsafeBufferPointer { vp in
                        forces.withUnsafeMutableBufferPointer { fp in
                            Parallel.forEachChunk(n, costPerItem: 4 * Swift.max(1, p.values.count / Swift.max(n, 1))) { rows in
                                for i in rows {
                                    var fx = 0.0, fy = 0.0
                                    let xi = yp[2 * i], yi = yp[2 * i + 1]
                                    for s in rp[i]..<rp[i + 1] {
                                        let j = cp[s]
                                        let dx = xi - yp[2 * j], dy = yi - yp[2 * j + 1]
                                        let f = vp[s] / (1 + dx * dx + dy * dy)
                                        fx += f * dx
                                        fy += f * dy
                                    }
                                    fp[2 * i] = fx
                                    fp[2 * i + 1] = fy
                                }
                            }
                        }
                    }
                }
            }
        }
        return forces
    }
}
