/// Helpers shared by the classification-style losses (proxies and class weights).
extension MetricLoss {
    /// Per-element weights from explicit tuples (PML's `convert_to_weights`): how often each batch
    /// element appears in the tuples, divided by the largest count; all 1 without tuples.
    public static func minerWeights(_ indices: IndexTuples?, count: Int, dtype: DType) -> Tensor {
        guard let indices, !indices.isEmpty else { return Tensor.ones([count], dtype: dtype) }
        var all: [Int]
        switch indices {
        case let .pairs(a1, p, a2, n): all = a1 + p + a2 + n
        case let .triplets(a, p, n): all = a + p + n
        }
        var counts = [Double](repeating: 0, count: count)
        for i in all { counts[i] += 1 }
        let top = counts.max() ?? 1
        return Tensor(doubles: counts.map { $0 / top }, shape: [count], dtype: dtype)
    }

    /// A one-hot `[N, C]` matrix of `labels`.
    public static func oneHot(_ labels: [Int], classes: Int, dtype: DType) -> Tensor {
        var v = [Double](repeating: 0, count: labels.count * classes)
        for (i, l) in labels.enumerated() {
            precondition(l >= 0 && l < classes, "label \(l) is not a class in 0..<\(classes)")
            v[i * classes + l] = 1
        }
        return Tensor(doubles: v, shape: [labels.count, classes], dtype: dtype)
    }
}
