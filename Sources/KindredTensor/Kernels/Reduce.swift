extension Kernels {
    /// Sum of a contiguous run, with eight partial sums (vectorises; better rounding than one sum).
    @inline(__always)
    static func runSum<T: KFloat>(_ p: UnsafePointer<T>, _ n: Int, _ stride: Int) -> T {
        if stride != 1 {
            var s: T = 0
            for i in 0..<n { s += p[i * stride] }
            return s
        }
        var acc = SIMD8<T>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Sum over `axes` of `x`; the result keeps reduced axes as size 1 and is contiguous.
    static func sum(_ x: Tensor, axes: [Int]) -> Tensor {
        let red = Set(axes)
        var outShape = x.shape
        for a in red { outShape[a] = 1 }
        let out = Tensor.empty(outShape, dtype: x.dtype)
        let kept = (0..<x.rank).filter { !red.contains($0) }
        let redAxes = (0..<x.rank).filter { red.contains($0) }
        let nOut = out.count
        func run<T: KFloat>(_: T.Type) {
            let src = x.storage.pointer(as: T.self)
            let d = out.pointer(as: T.self)
            // Leading axes reduced over a contiguous tensor: accumulate rows (vectorised).
            if x.isContiguous && redAxes == Array(0..<redAxes.count) && !kept.isEmpty {
                let rows = redAxes.reduce(1) { $0 * x.shape[$1] }
                let base = x.pointer(as: T.self)
                Parallel.forEachChunk(nOut, costPerItem: rows) { r in
                    for j in r { d[j] = 0 }
                    for i in 0..<rows {
                        let row = base + i * nOut
                        for j in r { d[j] += row[j] }
                    }
                }
                return
            }
            let (rShape, rStrides) = Strided.coalesce(shape: redAxes.map { x.shape[$0] }, strides: [redAxes.map { x.layout.strides[$0] }])
            let keptShape = kept.map { x.shape[$0] }
            let keptStrides = kept.map { x.layout.strides[$0] }
            let perOut = rShape.reduce(1, *)
            let innerStride = rStrides[0].last ?? 1
            Parallel.forEachChunk(nOut, costPerItem: perOut) { r in
                for o in r {
                    let off = Strided.offset(ofIndex: o, shape: keptShape, strides: keptStrides, base: x.layout.offset)
                    var acc: T = 0
                    Strided.forEachRun(shape: rShape, strides: rStrides, offsets: [off], outer: 0..<Strided.runCount(rShape)) { _, pos, n in
                        acc += runSum(src + pos[0], n, innerStride)
                    }
                    d[o] = acc
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    /// Max (or min) along `axis`, keeping it as size 1; also the winners' indices (first on ties).
    static func extremum(_ x: Tensor, axis: Int, largest: Bool) -> (Tensor, [Int]) {
        var outShape = x.shape
        outShape[axis] = 1
        let out = Tensor.empty(outShape, dtype: x.dtype)
        let n = x.shape[axis]
        precondition(n > 0, "max/min along an empty axis of shape \(x.shape)")
        let st = x.layout.strides[axis]
        var indices = [Int](repeating: 0, count: out.count)
        var keptShape = x.shape, keptStrides = x.layout.strides
        keptShape.remove(at: axis)
        keptStrides.remove(at: axis)
        func run<T: KFloat>(_: T.Type) {
            let src = x.storage.pointer(as: T.self), d = out.pointer(as: T.self)
            indices.withUnsafeMutableBufferPointer { ib in
                let ip = ib.baseAddress!
                Parallel.forEachChunk(out.count, costPerItem: n) { r in
                    for o in r {
                        let p = src + Strided.offset(ofIndex: o, shape: keptShape, strides: keptStrides, base: x.layout.offset)
                        var best = p[0], bi = 0
                        if largest {
                            for i in 1..<max(n, 1) where p[i * st] > best || (p[i * st].isNaN && !best.isNaN) { best = p[i * st]; bi = i }
                        } else {
                            for i in 1..<max(n, 1) where p[i * st] < best || (p[i * st].isNaN && !best.isNaN) { best = p[i * st]; bi = i }
                        }
                        d[o] = best
                        ip[o] = bi
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (out, indices)
    }

    /// Gradient of max/min along `axis`: `g` (axis kept as 1) placed at the winners' positions.
    static func scatterAlongAxis(_ g: Tensor, axis: Int, indices: [Int], into shape: [Int]) -> Tensor {
        let out = Tensor.zeros(shape, dtype: g.dtype)
        let gc = g.contiguous()
        let n = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        func run<T: KFloat>(_: T.Type) {
            let gp = gc.pointer(as: T.self), d = out.pointer(as: T.self)
            for o in 0..<outer {
                for i in 0..<inner {
                    let k = o * inner + i
                    d[(o * n + indices[k]) * inner + i] += gp[k]
                }
            }
        }
        dispatch(g.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }
}
