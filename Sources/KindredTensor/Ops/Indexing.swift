/// Indexing by integer positions: the building blocks of miners' (anchor, positive, negative) tuples.
extension Tensor {
    /// Slices `indices` along `axis` (like `torch.index_select`); indices may repeat.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let a = normalizeAxis(axis)
        let out = Kernels.indexSelect(self, axis: a, indices: indices)
        return Tensor.result(out, .indexSelect(self, axis: a, indices: indices), inputs: [self])
    }

    /// Rows `indices` of the first axis (shorthand for `indexSelect(axis: 0, indices:)`).
    public func rows(_ indices: [Int]) -> Tensor { indexSelect(axis: 0, indices: indices) }

    /// `out[..., i, ...] = self[..., index[..., i, ...], ...]` along `axis` (like `torch.gather`).
    ///
    /// - Parameters:
    ///   - index: row-major positions along `axis`, one per output element.
    ///   - shape: the output's shape; equals this tensor's shape except along `axis`
    ///     (default: inferred from `index.count`).
    public func gather(axis: Int, index: [Int], shape outShape: [Int]? = nil) -> Tensor {
        let a = normalizeAxis(axis)
        var s = shape
        if let outShape { s = outShape } else {
            let others = shape.enumerated().filter { $0.offset != a }.map(\.element).reduce(1, *)
            precondition(others > 0 && index.count % others == 0, "gather: \(index.count) indices do not fit shape \(shape) along axis \(axis)")
            s[a] = index.count / others
        }
        let out = Kernels.gather(self, axis: a, index: index, shape: s)
        return Tensor.result(out, .gather(self, axis: a, index: index), inputs: [self])
    }

    /// A copy of this tensor with `source` added at positions `index` along `axis` (like `torch.scatter_add`).
    /// `index` has one entry per element of `source`, whose shape equals this tensor's except along `axis`.
    public func scatterAdd(axis: Int, index: [Int], source: Tensor) -> Tensor {
        let a = normalizeAxis(axis)
        let out = Kernels.scatterAdd(self, axis: a, index: index, source: source)
        return Tensor.result(out, .scatterAdd(self, axis: a, index: index, source: source), inputs: [self, source])
    }
}

extension Kernels {
    static func checkIndex(_ i: Int, _ n: Int, _ what: String) {
        precondition(i >= 0 && i < n, "\(what): index \(i) is out of range 0..<\(n)")
    }

    static func indexSelect(_ x: Tensor, axis: Int, indices: [Int]) -> Tensor {
        var s = x.shape
        let n = s[axis]
        s[axis] = indices.count
        for i in indices { checkIndex(i, n, "indexSelect") }
        let xc = x.contiguous()
        let out = Tensor.empty(s, dtype: x.dtype)
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let outer = x.shape[..<axis].reduce(1, *)
        func run<T: KFloat>(_: T.Type) {
            let src = xc.pointer(as: T.self), d = out.pointer(as: T.self)
            let m = indices.count
            Parallel.forEachChunk(outer * m, costPerItem: inner) { r in
                for t in r {
                    let o = t / m, j = t % m
                    (d + t * inner).update(from: src + (o * n + indices[j]) * inner, count: inner)
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    /// `g` summed into zeros of `shape` at `indices` along `axis`.
    static func indexAdd(_ g: Tensor, axis: Int, indices: [Int], into shape: [Int]) -> Tensor {
        let out = Tensor.zeros(shape, dtype: g.dtype)
        let gc = g.contiguous()
        let n = shape[axis], m = indices.count
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        func run<T: KFloat>(_: T.Type) {
            let src = gc.pointer(as: T.self), d = out.pointer(as: T.self)
            for o in 0..<outer {
                for j in 0..<m {
                    let dp = d + (o * n + indices[j]) * inner, sp = src + (o * m + j) * inner
                    for i in 0..<inner { dp[i] += sp[i] }
                }
            }
        }
        dispatch(g.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    static func gather(_ x: Tensor, axis: Int, index: [Int], shape s: [Int]) -> Tensor {
        var check = s
        check[axis] = x.shape[axis]
        precondition(check == x.shape, "gather: output shape \(s) must equal input shape \(x.shape) except along axis \(axis)")
        precondition(index.count == s.reduce(1, *), "gather: \(index.count) indices for output shape \(s)")
        let n = x.shape[axis], m = s[axis]
        for i in index { checkIndex(i, n, "gather") }
        let xc = x.contiguous()
        let out = Tensor.empty(s, dtype: x.dtype)
        let inner = s[(axis + 1)...].reduce(1, *)
        let outer = s[..<axis].reduce(1, *)
        func run<T: KFloat>(_: T.Type) {
            let src = xc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(outer, costPerItem: m * inner) { r in
                for o in r {
                    for j in 0..<m {
                        for i in 0..<inner {
                            let t = (o * m + j) * inner + i
                            d[t] = src[(o * n + index[t]) * inner + i]
                        }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    static func scatterAdd(_ x: Tensor, axis: Int, index: [Int], source: Tensor) -> Tensor {
        var check = source.shape
        check[axis] = x.shape[axis]
        precondition(check == x.shape, "scatterAdd: source shape \(source.shape) must equal \(x.shape) except along axis \(axis)")
        precondition(index.count == source.count, "scatterAdd: \(index.count) indices for \(source.count) source elements")
        precondition(x.dtype == source.dtype, "scatterAdd: dtypes differ")
        let n = x.shape[axis], m = source.shape[axis]
        for i in index { checkIndex(i, n, "scatterAdd") }
        let out = x.contiguous(copy: true).detached()
        let sc = source.contiguous()
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let outer = x.shape[..<axis].reduce(1, *)
        func run<T: KFloat>(_: T.Type) {
            let src = sc.pointer(as: T.self), d = out.pointer(as: T.self)
            for o in 0..<outer {
                for j in 0..<m {
                    for i in 0..<inner {
                        let t = (o * m + j) * inner + i
                        d[(o * n + index[t]) * inner + i] += src[t]
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }
}
