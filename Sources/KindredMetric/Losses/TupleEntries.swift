/// Reading tuple entries out of a distance matrix, and the reductions over them, as single-pass
/// differentiable ops: a batch of 1024 gives millions of triplets, so these avoid index arrays,
/// intermediate tensors and `Double` round trips.
extension Tensor {
    /// Entries `self[rows[k], cols[k]]` of a matrix as a vector `[K]` (differentiable; the
    /// gradient is scattered back into a zero matrix).
    public func entries(rows: [Int], cols: [Int]) -> Tensor {
        precondition(rank == 2 && rows.count == cols.count, "entries needs a matrix and equal index counts")
        return pairDifferences(rows: rows, plus: cols, minus: nil)
    }

    /// `self[a[k], plus[k]] - self[a[k], minus[k]]` for every `k` (just the first entry when `minus`
    /// is nil), `[K]`, in one pass; the backward pass scatters `±g` into a zero matrix.
    func pairDifferences(rows a: [Int], plus: [Int], minus: [Int]?) -> Tensor {
        precondition(rank == 2, "pairDifferences needs a matrix, got \(shape)")
        let m = shape[0], n = shape[1]
        for i in a { precondition(i >= 0 && i < m, "row index \(i) is out of range 0..<\(m)") }
        for j in plus { precondition(j >= 0 && j < n, "column index \(j) is out of range 0..<\(n)") }
        for j in minus ?? [] { precondition(j >= 0 && j < n, "column index \(j) is out of range 0..<\(n)") }
        let source = contiguous()
        let value = Tensor.zeros([a.count], dtype: dtype)
        func forward<T: KFloat>(_: T.Type) {
            let x = source.storage.pointer(as: T.self) + source.layout.offset
            let out = value.storage.pointer(as: T.self)
            if let minus {
                for k in a.indices { out[k] = x[a[k] * n + plus[k]] - x[a[k] * n + minus[k]] }
            } else {
                for k in a.indices { out[k] = x[a[k] * n + plus[k]] }
            }
        }
        if dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
        return Tensor.custom(name: "pairDifferences", inputs: [self], value: value) { g in
            let gc = g.contiguous()
            let grad = Tensor.zeros([m, n], dtype: g.dtype)
            func backward<T: KFloat>(_: T.Type) {
                let gp = gc.storage.pointer(as: T.self) + gc.layout.offset
                let out = grad.storage.pointer(as: T.self)
                for k in a.indices { out[a[k] * n + plus[k]] += gp[k] }
                if let minus { for k in a.indices { out[a[k] * n + minus[k]] -= gp[k] } }
            }
            if g.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
            return [grad]
        }
    }

    /// The mean of the elements of a vector that lie strictly inside `(low, high)` (either bound
    /// optional), and how many did; nil when none did. Differentiable: each passing element gets
    /// `g / count`, the others 0.
    func meanOfPassing(low: Double?, high: Double?) -> (mean: Tensor, count: Int)? {
        let flat = reshaped([count]).contiguous()
        func passes<T: KFloat>(_ v: T) -> Bool {
            if let low, !(Double(v) > low) { return false }
            if let high, !(Double(v) < high) { return false }
            return true
        }
        func run<T: KFloat>(_: T.Type) -> (sum: Double, count: Int) {
            let x = flat.storage.pointer(as: T.self) + flat.layout.offset
            var sum = 0.0, kept = 0
            for k in 0..<flat.count where passes(x[k]) { sum += Double(x[k]); kept += 1 }
            return (sum, kept)
        }
        let (sum, kept) = dtype == .float32 ? run(Float.self) : run(Double.self)
        if kept == 0 { return nil }
        let n = flat.count
        let value = Tensor(doubles: [sum / Double(kept)], shape: [], dtype: dtype)
        let mean = Tensor.custom(name: "meanOfPassing", inputs: [flat], value: value) { g in
            let scale = g.item() / Double(kept)
            let grad = Tensor.zeros([n], dtype: g.dtype)
            func backward<T: KFloat>(_: T.Type) {
                let x = flat.storage.pointer(as: T.self) + flat.layout.offset
                let out = grad.storage.pointer(as: T.self)
                let s = T(scale)
                for k in 0..<n where passes(x[k]) { out[k] = s }
            }
            if g.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
            return [grad]
        }
        return (mean.reshaped([]), kept)
    }
}
