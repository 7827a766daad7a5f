/// Helpers shared by the matrix-based pair losses (multi-similarity, SupCon, circle).
extension MetricLoss {
    /// 0/1 masks `[M, N]` of the positive pairs `(a1, p)` and negative pairs `(a2, n)`.
    public static func pairMasks(a1: [Int], p: [Int], a2: [Int], n: [Int], rows: Int, columns: Int, dtype: DType)
        -> (positive: Tensor, negative: Tensor) {
        var pos = [Double](repeating: 0, count: rows * columns), neg = pos
        for k in a1.indices { pos[a1[k] * columns + p[k]] = 1 }
        for k in a2.indices { neg[a2[k] * columns + n[k]] = 1 }
        precondition(!zip(pos, neg).contains { $0 == 1 && $1 == 1 }, "each pair must be either positive or negative")
        return (Tensor(doubles: pos, shape: [rows, columns], dtype: dtype), Tensor(doubles: neg, shape: [rows, columns], dtype: dtype))
    }
}

extension Tensor {
    /// Row-wise `log(Σ_{j: mask} exp xᵢⱼ)` of a matrix, with an extra `exp 0 = 1` term when
    /// `addOne`, and 0 for rows whose mask is empty (PML's `logsumexp(x, keep_mask, add_one)`).
    /// Masked-out entries get no gradient. Returns `[M, 1]`.
    public func maskedLogSumExp(mask: Tensor, addOne: Bool) -> Tensor {
        precondition(rank == 2 && mask.shape == shape, "maskedLogSumExp needs a matrix and a mask of its shape")
        let lowest = dtype == .float32 ? -Double(Float.greatestFiniteMagnitude) : -Double.greatestFiniteMagnitude
        var x = Tensor.where(mask, self, Tensor(scalar: lowest, dtype: dtype))
        if addOne { x = Tensor.concat([x, Tensor.zeros([shape[0], 1], dtype: dtype)], axis: 1) }
        let out = x.logSumExp(axis: 1, keepDims: true)
        let anyKept = withoutGradients { mask.sum(axis: 1, keepDims: true) .> 0 }
        return Tensor.where(anyKept, out, Tensor.zeros([], dtype: dtype))
    }
}
