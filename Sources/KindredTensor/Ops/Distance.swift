/// Normalisation and pairwise distance matrices for embeddings.
extension Tensor {
    /// Each vector along `axis` divided by its L2 norm (norm clamped to `epsilon`, as PyTorch's `F.normalize`).
    public func l2Normalized(axis: Int = -1, epsilon: Double = 1e-12) -> Tensor {
        self / norm(axes: [axis], keepDims: true).clamped(min: epsilon)
    }

    /// Euclidean distances between the rows of `self` `[M, D]` and of `other` `[N, D]`: `[M, N]`.
    ///
    /// Computed through a matrix product (`|a|² + |b|² - 2a·b`, clamped at 0). Where a distance is
    /// exactly 0 its gradient is 0 (as `torch.cdist`), so identical embeddings give no NaN.
    public func pairwiseDistance(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[1],
                     "pairwiseDistance needs [M, D] and [N, D], got \(shape) and \(other.shape)")
        let value = withoutGradients { () -> Tensor in
            let sq = squaredPairwiseDistance(other)
            return sq.sqrt()
        }
        return Tensor.result(value, .pairwiseDistance(self, other), inputs: [self, other])
    }

    /// Squared Euclidean distances between rows: `[M, N]`, clamped at 0. Differentiable.
    public func squaredPairwiseDistance(_ other: Tensor) -> Tensor {
        let a2 = squared().sum(axis: 1, keepDims: true)
        let b2 = other.squared().sum(axis: 1, keepDims: true).transposed(0, 1)
        return (a2 + b2 - 2 * matmul(other.transposed(0, 1))).clamped(min: 0)
    }

    /// Cosine similarity between rows: `[M, N]`.
    public func cosineSimilarity(_ other: Tensor, epsilon: Double = 1e-12) -> Tensor {
        l2Normalized(axis: 1, epsilon: epsilon).matmul(other.l2Normalized(axis: 1, epsilon: epsilon).transposed(0, 1))
    }
}
