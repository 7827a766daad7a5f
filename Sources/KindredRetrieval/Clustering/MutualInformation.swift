import Foundation

/// Agreement between two labelings of the same items, by mutual information (natural logarithms).
///
/// With `n` items, `a_i` items in class `i`, `b_j` in cluster `j` and `n_ij` in both,
/// `MI = Σ n_ij/n · log(n · n_ij / (a_i b_j))`, `H(U) = −Σ a_i/n · log(a_i/n)` and likewise `H(V)`.
/// The normaliser is the arithmetic mean `(H(U) + H(V)) / 2` (scikit-learn's default
/// `average_method="arithmetic"`). Label values only name groups: any integers work.
public enum MutualInformation {
    /// Normalised mutual information `MI / ((H(U) + H(V))/2)`, as scikit-learn's
    /// `normalized_mutual_info_score`: 1 when both labelings put everything in one group, 0 when
    /// `MI = 0`.
    ///
    /// - Throws: ``RetrievalError/lengthMismatch(name:expected:actual:)`` when the labelings differ in length.
    public static func normalized(_ labels: [Int], _ clusters: [Int]) throws -> Double {
        let t = try Table(labels, clusters)
        if t.rows.count == t.columns.count && t.rows.count <= 1 { return 1 }
        let mi = t.mutualInformation
        if mi == 0 { return 0 }
        return mi / ((t.entropy(t.rows) + t.entropy(t.columns)) / 2)
    }

    /// Adjusted mutual information `(MI − E[MI]) / ((H(U) + H(V))/2 − E[MI])`, as scikit-learn's
    /// `adjusted_mutual_info_score`: the expected MI is over random labelings with the same group
    /// sizes (hypergeometric model, log-factorials through `lgamma`). 1 when both labelings are
    /// single groups, 0 when exactly one of them is; numerator and denominator are kept at least
    /// machine epsilon away from zero with their signs, as scikit-learn does.
    ///
    /// - Throws: ``RetrievalError/lengthMismatch(name:expected:actual:)`` when the labelings differ in length.
    public static func adjusted(_ labels: [Int], _ clusters: [Int]) throws -> Double {
        let t = try Table(labels, clusters)
        if t.rows.count == t.columns.count && t.rows.count <= 1 { return 1 }
        if t.rows.count == 1 || t.columns.count == 1 { return 0 }
        let mi = t.mutualInformation, emi = t.expectedMutualInformation
        let eps = Double.ulpOfOne
        var denominator = (t.entropy(t.rows) + t.entropy(t.columns)) / 2 - emi
        denominator = denominator < 0 ? Swift.min(denominator, -eps) : Swift.max(denominator, eps)
        var numerator = mi - emi
        numerator = numerator < 0 ? Swift.min(numerator, -eps) : Swift.max(numerator, eps)
        return numerator / denominator
    }

    /// The contingency table of two labelings.
    struct Table {
        let n: Int
        /// Class sizes `a_i`.
        let rows: [Int]
        /// Cluster sizes `b_j`.
        let columns: [Int]
        /// Non-zero cells `(i, j, n_ij)`.
        let cells: [(i: Int, j: Int, count: Int)]

        init(_ u: [Int], _ v: [Int]) throws {
            guard u.count == v.count else { throw RetrievalError.lengthMismatch(name: "cluster assignments", expected: u.count, actual: v.count) }
            var rowIndex: [Int: Int] = [:], columnIndex: [Int: Int] = [:], cellCounts: [Int: Int] = [:]
            var rows: [Int] = [], columns: [Int] = []
            for label in Set(u).sorted() { rowIndex[label] = rowIndex.count }
            for label in Set(v).sorted() { columnIndex[label] = columnIndex.count }
            rows = Array(repeating: 0, count: rowIndex.count)
            columns = Array(repeating: 0, count: columnIndex.count)
            for (a, b) in zip(u, v) {
                let i = rowIndex[a] ?? 0, j = columnIndex[b] ?? 0
                rows[i] += 1
                columns[j] += 1
                cellCounts[i * columns.count + j, default: 0] += 1
            }
            self.n = u.count
            self.rows = rows
            self.columns = columns
            self.cells = cellCounts.keys.sorted().map { (i: $0 / columns.count, j: $0 % columns.count, count: cellCounts[$0] ?? 0) }
        }

        func entropy(_ sizes: [Int]) -> Double {
            var h = 0.0
            for s in sizes where s > 0 {
                let p = Double(s) / Double(n)
                h -= p * Foundation.log(p)
            }
            return h
        }

        var mutualInformation: Double {
            if rows.count == 1 || columns.count == 1 { return 0 }
            let total = Double(n)
            var mi = 0.0
            for c in cells {
                let nij = Double(c.count)
                mi += nij / total * (Foundation.log(nij) + Foundation.log(total) - Foundation.log(Double(rows[c.i])) - Foundation.log(Double(columns[c.j])))
            }
            return Swift.max(mi, 0)
        }

        /// `log Γ(x)`.
        @inline(__always) static func logGamma(_ x: Double) -> Double { Foundation.lgamma(x) }

        /// `E[MI]` under the hypergeometric model (Vinh, Epps & Bailey 2010).
        var expectedMutualInformation: Double {
            let total = Double(n)
            let logN: Double = Foundation.log(total)
            let lgN1: Double = Self.logGamma(total + 1)
            var emi = 0.0
            for a in rows {
                for b in columns {
                    let lo = Swift.max(1, a + b - n), hi = Swift.min(a, b)
                    if lo > hi { continue }
                    let fa = Double(a), fb = Double(b)
                    let logFa: Double = Foundation.log(fa), logFb: Double = Foundation.log(fb)
                    var constant: Double = Self.logGamma(fa + 1) + Self.logGamma(fb + 1)
                    constant += Self.logGamma(total - fa + 1) + Self.logGamma(total - fb + 1) - lgN1
                    for nij in lo...hi {
                        let x = Double(nij)
                        var logP: Double = constant - Self.logGamma(x + 1) - Self.logGamma(fa - x + 1)
                        logP -= Self.logGamma(fb - x + 1) + Self.logGamma(total - fa - fb + x + 1)
                        let term: Double = logN + Foundation.log(x) - logFa - logFb
                        emi += x / total * term * Foundation.exp(logP)
                    }
                }
            }
            return emi
        }
    }
}
