/// Reductions along axes. `keepDims` keeps reduced axes as size 1.
extension Tensor {
    func normalizedAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let a = axes.map { normalizeAxis($0) }
        precondition(Set(a).count == a.count, "axes \(axes) repeat an axis")
        return a.sorted()
    }

    func dropping(_ axes: [Int], from kept: [Int]) -> [Int] {
        kept.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxes(axes)
        if rank == 0 { return self }
        let out = Tensor.result(Kernels.sum(self, axes: a), .sum(self), inputs: [self])
        return keepDims ? out : out.reshaped(dropping(a, from: out.shape))
    }

    /// Sum along one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxes(axes)
        let n = a.reduce(1) { $0 * shape[$1] }
        return sum(axes: a, keepDims: keepDims) / Double(n)
    }

    /// Mean along one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    func extremum(axis: Int?, keepDims: Bool, largest: Bool) -> Tensor {
        guard let axis else {
            let flat = reshaped([count]).extremum(axis: 0, keepDims: false, largest: largest)
            return keepDims ? flat.reshaped([Int](repeating: 1, count: rank)) : flat.reshaped([])
        }
        let a = normalizeAxis(axis)
        let (v, idx) = Kernels.extremum(self, axis: a, largest: largest)
        let out = Tensor.result(v, .extremum(self, axis: a, indices: idx), inputs: [self])
        return keepDims ? out : out.squeezed(axis: a)
    }

    /// Maximum along `axis` (over everything when nil). The gradient goes to the first maximal element.
    public func max(axis: Int? = nil, keepDims: Bool = false) -> Tensor { extremum(axis: axis, keepDims: keepDims, largest: true) }

    /// Minimum along `axis` (over everything when nil). The gradient goes to the first minimal element.
    public func min(axis: Int? = nil, keepDims: Bool = false) -> Tensor { extremum(axis: axis, keepDims: keepDims, largest: false) }

    /// Position of the maximum along `axis` for every other index, row-major (first on ties).
    public func argmax(axis: Int) -> [Int] { Kernels.extremum(self, axis: normalizeAxis(axis), largest: true).1 }

    /// Position of the minimum along `axis` for every other index, row-major (first on ties).
    public func argmin(axis: Int) -> [Int] { Kernels.extremum(self, axis: normalizeAxis(axis), largest: false).1 }

    /// `log Σ exp(x)` over `axes`, computed stably.
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxes(axes)
        let m = withoutGradients { () -> Tensor in
            var m = self
            for ax in a { m = m.max(axis: ax, keepDims: true) }
            // All -inf (or inf) rows: shift by 0 so the result is -inf (inf), not NaN.
            return Tensor.where(m.abs() .== .infinity, Tensor.zeros([], dtype: dtype), m)
        }
        let out = (self - m).exp().sum(axes: a, keepDims: true).log() + m
        return keepDims ? out : out.reshaped(dropping(a, from: out.shape))
    }

    /// Log-sum-exp along one axis.
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor { logSumExp(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `correction` 1 is the unbiased estimate (PyTorch's default), 0 the population variance.
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxes(axes)
        let n = a.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: a, keepDims: true)
        return centered.squared().sum(axes: a, keepDims: keepDims) / Double(Swift.max(n - correction, 0))
    }

    /// Standard deviation (see ``variance(axes:correction:keepDims:)``).
    public func standardDeviation(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        variance(axes: axes, correction: correction, keepDims: keepDims).sqrt()
    }

    /// Euclidean (L2) norm over `axes`. Its gradient at a zero vector is 0 (as PyTorch).
    public func norm(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let s = squared().sum(axes: axes, keepDims: keepDims)
        // sqrt'(0) = ∞ and ∞·0 = NaN would reach every element of an all-zero vector (and, through
        // l2Normalized, a whole embedding). Take the root of 1 where the sum is 0 and mask it out, so
        // the backward pass sees a zero gradient there instead.
        let positive = s .> 0
        let zero = Tensor.zeros([], dtype: dtype)
        return Tensor.where(positive, Tensor.where(positive, s, Tensor.ones([], dtype: dtype)).sqrt(), zero)
    }
}
