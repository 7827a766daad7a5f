import Foundation
import KindredRetrieval
import KindredTensor

/// Precision and recall of generated samples against real ones by k-nearest-neighbour manifolds
/// (Kynkäänniemi, Karras, Laine, Lehtinen & Aila 2019, "Improved precision and recall metric for
/// assessing generative models").
///
/// Each set's manifold is the union of balls around its vectors, the radius of a vector's ball
/// being the Euclidean distance to its `k`-th nearest neighbour in the same set (itself excluded).
///
/// - **precision** = fraction of generated vectors inside the real manifold (some real `r` with
///   `‖g − r‖ ≤ radius_k(r)`): how many samples look real.
/// - **recall** = fraction of real vectors inside the generated manifold: how much of the real
///   variety the generator covers.
///
/// Radii come from ``ExactSearch`` (Euclidean, leave-one-out); membership is checked against every
/// ball, a block of query rows at a time (distances through one matrix product per block).
/// Features are compared as given (use the embedding model's output).
///
/// ```swift
/// let pr = try KNNPrecisionRecall(k: 3).evaluate(real: realEmbeddings, generated: fakeEmbeddings)
/// print(pr.precision, pr.recall)
/// ```
public struct KNNPrecisionRecall: Sendable {
    /// The neighbour rank that sets each ball's radius (3 in the paper).
    public var k: Int
    /// Query rows per distance block (memory: `blockSize × set size` scalars).
    public var blockSize: Int

    /// Precision and recall of one comparison.
    public struct Result: Sendable, Equatable {
        /// Fraction of generated vectors inside the real manifold.
        public var precision: Double
        /// Fraction of real vectors inside the generated manifold.
        public var recall: Double
    }

    /// Errors from feature sets that cannot be compared.
    public enum InputError: Error, Equatable, CustomStringConvertible {
        /// A set that is not `[N, D]` with more than `k` vectors.
        case badFeatures(name: String, shape: [Int], k: Int)
        /// Two sets of different dimension.
        case dimensionMismatch(real: Int, generated: Int)

        /// A message naming the set and what was expected.
        public var description: String {
            switch self {
            case let .badFeatures(name, shape, k):
                return "\(name) features have shape \(shape); expected [N, D] with N > k = \(k)"
            case let .dimensionMismatch(real, generated):
                return "real features have dimension \(real) but generated features \(generated); expected the same"
            }
        }
    }

    /// - Parameters:
    ///   - k: neighbour rank of the radii (≥ 1).
    ///   - blockSize: query rows per distance block.
    public init(k: Int = 3, blockSize: Int = 1024) {
        self.k = k
        self.blockSize = blockSize
    }

    /// Precision and recall of `generated` `[M, D]` against `real` `[N, D]` features.
    public func evaluate(real: Tensor, generated: Tensor) throws -> Result {
        for (name, t) in [("real", real), ("generated", generated)] {
            guard k >= 1, t.rank == 2, t.shape[0] > k else { throw InputError.badFeatures(name: name, shape: t.shape, k: k) }
        }
        guard real.shape[1] == generated.shape[1] else {
            throw InputError.dimensionMismatch(real: real.shape[1], generated: generated.shape[1])
        }
        let r = real.cast(to: .float64), g = generated.cast(to: .float64)
        let realRadii = try radii(r), generatedRadii = try radii(g)
        return Result(precision: fractionInside(queries: g, centres: r, radii: realRadii),
                      recall: fractionInside(queries: r, centres: g, radii: generatedRadii))
    }

    /// Distance from each row to its `k`-th nearest other row.
    func radii(_ x: Tensor) throws -> [Double] {
        let n = x.shape[0]
        let result = try ExactSearch(distance: .euclidean).search(queries: x, gallery: x, k: k,
                                                                  exclusion: .leaveOneOut(count: n))
        return (0..<n).map { result.scores(ofQuery: $0).last ?? .infinity }
    }

    /// Fraction of query rows within `radii[j]` of some centre row `j`.
    func fractionInside(queries: Tensor, centres: Tensor, radii: [Double]) -> Double {
        let q = queries.shape[0], c = centres.shape[0]
        let squaredRadii = radii.map { $0 * $0 }
        var inside = 0
        var start = 0
        while start < q {
            let end = Swift.min(start + blockSize, q)
            let d = withoutGradients { queries.sliced(axis: 0, range: start..<end).squaredPairwiseDistance(centres) }.doubles
            for i in 0..<(end - start) {
                let row = i * c
                for j in 0..<c where d[row + j] <= squaredRadii[j] {
                    inside += 1
                    break
                }
            }
            start = end
        }
        return Double(inside) / Double(q)
    }
}
