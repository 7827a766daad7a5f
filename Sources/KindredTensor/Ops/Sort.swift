/// Sorting and top-k along an axis. Values are differentiable (gathered), indices are plain integers.
extension Tensor {
    /// Positions along `axis` that sort each line, row-major over the other axes. Stable: equal
    /// values keep their original order.
    public func argsort(axis: Int = -1, descending: Bool = false) -> [Int] {
        let a = normalizeAxis(axis)
        let moved = withoutGradients { a == rank - 1 ? self : transposed(a, rank - 1) }.contiguous().doubles
        let n = shape[a]
        guard n > 0 else { return [] }
        var result = [Int](repeating: 0, count: moved.count)
        for row in 0..<(moved.count / n) {
            let base = row * n
            let order = (0..<n).sorted { i, j in
                let x = moved[base + i], y = moved[base + j]
                if x != y { return descending ? x > y : x < y }
                return i < j
            }
            for i in 0..<n { result[base + i] = order[i] }
        }
        if a == rank - 1 { return result }
        // Back to the original axis order.
        let t = Tensor(doubles: result.map(Double.init), shape: transposedShape(a), dtype: .float64)
        return t.transposed(a, rank - 1).contiguous().doubles.map { Int($0) }
    }

    func transposedShape(_ a: Int) -> [Int] {
        var s = shape
        s.swapAt(a, rank - 1)
        return s
    }

    /// Values sorted along `axis` and their original positions.
    public func sorted(axis: Int = -1, descending: Bool = false) -> (values: Tensor, indices: [Int]) {
        let idx = argsort(axis: axis, descending: descending)
        return (gather(axis: axis, index: idx, shape: shape), idx)
    }

    /// The `k` largest (or smallest) values along `axis`, in order, and their positions.
    /// Ties are broken by position (lower first).
    public func topK(_ k: Int, axis: Int = -1, largest: Bool = true) -> (values: Tensor, indices: [Int]) {
        let a = normalizeAxis(axis)
        precondition(k >= 0 && k <= shape[a], "topK: k = \(k) is outside 0...\(shape[a]) for axis \(axis) of \(shape)")
        let all = argsort(axis: a, descending: largest)
        let n = shape[a]
        let inner = shape[(a + 1)...].reduce(1, *)
        let outer = shape[..<a].reduce(1, *)
        var idx = [Int](repeating: 0, count: outer * k * inner)
        for o in 0..<outer { for j in 0..<k { for i in 0..<inner { idx[(o * k + j) * inner + i] = all[(o * n + j) * inner + i] } } }
        var s = shape
        s[a] = k
        return (gather(axis: a, index: idx, shape: s), idx)
    }
}
