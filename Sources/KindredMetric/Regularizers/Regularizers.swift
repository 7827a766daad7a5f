/// A penalty on embeddings or class weights `[N, D]` (PML's regularizers), reduced to one number.
/// Losses add it through ``MetricLoss/embeddingRegularizer`` or, for losses with class weights,
/// ``MetricLoss/weightRegularizer``.
public protocol Regularizer {
    /// The penalty of the rows of `x`.
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// `‖xᵢ‖₂ᵖᵒʷᵉʳ` per row, reduced (default mean): PML's `LpRegularizer` with `p = 2`.
public struct LpRegularizer: Regularizer {
    /// Exponent of the norm.
    public let power: Double
    /// How the per-row penalties are combined.
    public let reducer: any Reducer

    /// Creates the regulariser.
    public init(power: Double = 1, reducer: any Reducer = MeanReducer()) {
        self.power = power
        self.reducer = reducer
    }

    /// `reduce(‖xᵢ‖ᵖᵒʷᵉʳ)`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var r = x.norm(axes: [1])
        if power != 1 { r = r.pow(power) }
        return reducer.reduce(LossTerm(losses: r, kind: .element, anchors: Array(0..<x.shape[0])), embeddings: x)
    }
}

/// `|Σⱼ xᵢⱼ|` per row, reduced (default mean): PML's `ZeroMeanRegularizer`, pushing each
/// embedding's components to average zero.
public struct ZeroMeanRegularizer: Regularizer {
    /// How the per-row penalties are combined.
    public let reducer: any Reducer

    /// Creates the regulariser.
    public init(reducer: any Reducer = MeanReducer()) { self.reducer = reducer }

    /// `reduce(|Σⱼ xᵢⱼ|)`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        reducer.reduce(LossTerm(losses: x.sum(axis: 1).abs(), kind: .element, anchors: Array(0..<x.shape[0])), embeddings: x)
    }
}

/// RegularFace's exclusive regularisation (PML's `RegularFaceRegularizer`, Zhao et al. 2019) of
/// class weights `W` `[C, D]` (one row per class): each class is pushed away from its nearest
/// other class, `rᵢ = max_{j≠i} cos(wᵢ, wⱼ)` (the argmax chosen without gradient), reduced
/// (default mean).
public struct RegularFaceRegularizer: Regularizer {
    /// How rows are compared (a similarity; default ``CosineSimilarity``).
    public let distance: BaseDistance
    /// How the per-class penalties are combined.
    public let reducer: any Reducer

    /// Creates the regulariser.
    public init(distance: BaseDistance = CosineSimilarity(), reducer: any Reducer = MeanReducer()) {
        precondition(distance.isInverted, "RegularFaceRegularizer needs a similarity")
        self.distance = distance
        self.reducer = reducer
    }

    /// `reduce(cos(wᵢ, w_{nearest(i)}))`.
    public func callAsFunction(_ w: Tensor) -> Tensor {
        let c = w.shape[0]
        let cos = distance(w)
        let values = cos.doubles
        let nearest: [Int] = (0..<c).map { i in
            var best = -1
            for j in 0..<c where j != i && (best < 0 || values[i * c + j] > values[i * c + best]) { best = j }
            return best < 0 ? i : best
        }
        // A single class is its own nearest (as PML): penalty cos(w, w) = 1 with zero gradient.
        let r = cos.entries(rows: Array(0..<c), cols: nearest)
        return reducer.reduce(LossTerm(losses: r, kind: .element, anchors: Array(0..<c)), embeddings: w)
    }
}
