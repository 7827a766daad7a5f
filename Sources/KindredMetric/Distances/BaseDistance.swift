@_exported import KindredNN

/// A way to compare embeddings: a matrix of distances (or similarities) between a query batch and
/// a reference batch. Mirrors pytorch-metric-learning's `BaseDistance`.
///
/// The matrix is `M[i, j] = f(q̂ᵢ, r̂ⱼ)ᵖᵒʷᵉʳ`, where `x̂ = x / max(‖x‖₂, 1e-12)` when
/// ``normalizeEmbeddings`` is true (the default, as in PML) and `x̂ = x` otherwise.
/// ``isInverted`` tells whether larger values mean closer (similarities) or farther (distances);
/// losses and miners use ``margin(_:_:)-(Tensor,Tensor)`` and ``smallest(_:_:)`` so one formula
/// serves both kinds.
open class BaseDistance: @unchecked Sendable {
    /// Whether rows are L2-normalised before comparing (PML's `normalize_embeddings`).
    public let normalizeEmbeddings: Bool
    /// Exponent applied to every entry of the matrix (PML's `power`).
    public let power: Double
    /// True for similarities (larger = closer), false for distances (smaller = closer).
    public let isInverted: Bool

    /// Creates a distance; subclasses fix ``isInverted``.
    public init(normalizeEmbeddings: Bool = true, power: Double = 1, isInverted: Bool) {
        self.normalizeEmbeddings = normalizeEmbeddings
        self.power = power
        self.isInverted = isInverted
    }

    /// The `[M, N]` matrix between `query` `[M, D]` and `reference` `[N, D]` (defaults to `query`).
    /// Differentiable in both inputs.
    public func callAsFunction(_ query: Tensor, _ reference: Tensor? = nil) -> Tensor {
        precondition(query.rank == 2 && (reference?.rank ?? 2) == 2,
                     "embeddings must be [batch, dimension], got \(query.shape) and \(reference?.shape ?? [])")
        let q = maybeNormalize(query)
        let r = reference.map(maybeNormalize) ?? q
        var mat = computeMatrix(q, r)
        if power != 1 { mat = mat.pow(power) }
        return mat
    }

    /// The rows L2-normalised if ``normalizeEmbeddings`` is set (`x / max(‖x‖₂, 1e-12)`).
    public func maybeNormalize(_ x: Tensor) -> Tensor {
        normalizeEmbeddings ? x.l2Normalized(axis: 1) : x
    }

    /// The raw matrix between (already normalised) rows; subclasses override it.
    open func computeMatrix(_ query: Tensor, _ reference: Tensor) -> Tensor {
        fatalError("\(type(of: self)) must override computeMatrix")
    }

    /// How far `x` is past `y` in the "farther" direction: `x - y` for distances, `y - x` for
    /// similarities. A triplet's margin is `margin(d(a,p), d(a,n))`.
    public func margin(_ x: Tensor, _ y: Tensor) -> Tensor { isInverted ? y - x : x - y }
    /// ``margin(_:_:)-(Tensor,Tensor)`` with a constant second argument.
    public func margin(_ x: Tensor, _ y: Double) -> Tensor { isInverted ? y - x : x - y }
    /// ``margin(_:_:)-(Tensor,Tensor)`` with a constant first argument.
    public func margin(_ x: Double, _ y: Tensor) -> Tensor { isInverted ? y - x : x - y }
    /// ``margin(_:_:)-(Tensor,Tensor)`` for plain numbers.
    public func margin(_ x: Double, _ y: Double) -> Double { isInverted ? y - x : x - y }

    /// Elementwise the closer of two values: `min` for distances, `max` for similarities.
    public func smallest(_ a: Tensor, _ b: Tensor) -> Tensor { isInverted ? a.maximum(b) : a.minimum(b) }

    /// Whether value `a` means closer than value `b`.
    public func isCloser(_ a: Double, than b: Double) -> Bool { isInverted ? a > b : a < b }
}
