/// Walking strided views run by run (a run = the innermost axis).
enum Strided {
    /// Calls `body(outerIndex, positions, innerCount)` for each run of the innermost axis of
    /// `shape`, for outer indices in `outer`; `positions[k]` is the storage index of the run's
    /// first element in layout `k`. All layouts must have `shape`.
    @inline(__always)
    static func forEachRun(shape: [Int], strides: [[Int]], offsets: [Int], outer: Range<Int>,
                           _ body: (Int, UnsafeMutablePointer<Int>, Int) -> Void) {
        let r = shape.count
        let k = strides.count
        let pos = UnsafeMutablePointer<Int>.allocate(capacity: k)
        defer { pos.deallocate() }
        if r == 0 {
            for j in 0..<k { pos[j] = offsets[j] }
            if outer.contains(0) { body(0, pos, 1) }
            return
        }
        let inner = shape[r - 1]
        guard inner > 0, !outer.isEmpty else { return }
        // Multi-index of the first outer run.
        var index = [Int](repeating: 0, count: max(r - 1, 0))
        var rem = outer.lowerBound
        for axis in stride(from: r - 2, through: 0, by: -1) {
            index[axis] = rem % shape[axis]
            rem /= shape[axis]
        }
        for j in 0..<k {
            var p = offsets[j]
            for axis in 0..<(r - 1) { p += index[axis] * strides[j][axis] }
            pos[j] = p
        }
        for o in outer {
            body(o, pos, inner)
            var axis = r - 2
            while axis >= 0 {
                index[axis] += 1
                for j in 0..<k { pos[j] += strides[j][axis] }
                if index[axis] < shape[axis] { break }
                for j in 0..<k { pos[j] -= strides[j][axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Storage index of the first element of outer position `index` (row-major over `shape`).
    @inline(__always)
    static func offset(ofIndex index: Int, shape: [Int], strides: [Int], base: Int) -> Int {
        var rem = index, off = base
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            off += (rem % shape[k]) * strides[k]
            rem /= shape[k]
        }
        return off
    }

    /// Number of innermost runs of `shape`.
    @inline(__always)
    static func runCount(_ shape: [Int]) -> Int {
        guard let last = shape.last else { return 1 }
        return last == 0 ? 0 : shape.reduce(1, *) / last
    }

    /// Merges adjacent axes that are contiguous with each other in every layout, so that loops
    /// run over fewer, longer runs.
    static func coalesce(shape: [Int], strides: [[Int]]) -> ([Int], [[Int]]) {
        guard shape.count > 1 else { return (shape, strides) }
        var outShape = [shape[0]]
        var outStrides = strides.map { [$0[0]] }
        for axis in 1..<shape.count {
            let d = shape[axis]
            let last = outShape.count - 1
            let mergeable = strides.indices.allSatisfy { j in outStrides[j][last] == strides[j][axis] * d }
            if mergeable {
                outShape[last] *= d
                for j in strides.indices { outStrides[j][last] = strides[j][axis] }
            } else {
                outShape.append(d)
                for j in strides.indices { outStrides[j].append(strides[j][axis]) }
            }
        }
        return (outShape, outStrides)
    }
}

extension Tensor {
    /// This tensor with contiguous row-major storage (itself if already contiguous, unless `copy`).
    public func contiguous(copy: Bool = false) -> Tensor {
        if isContiguous && !copy { return self }
        let out = Tensor.empty(shape, dtype: dtype)
        Kernels.copy(from: self, into: out.storage, layout: out.layout)
        // Same values and the same graph position: a contiguous copy is a reshape to the same shape.
        return Tensor.result(out, .reshape(self), inputs: [self])
    }
}

extension Kernels {
    /// Copies `src` into `dst`'s storage seen through `layout` (same shape as `src`).
    static func copy(from src: Tensor, into dst: Storage, layout: Layout) {
        precondition(src.shape == layout.shape && src.dtype == dst.dtype)
        func run<T: KFloat>(_: T.Type) {
            let s = src.storage.pointer(as: T.self), d = dst.pointer(as: T.self)
            let (shape, strides) = Strided.coalesce(shape: src.shape, strides: [src.layout.strides, layout.strides])
            let inner = shape.last ?? 1
            let ss = strides[0].last ?? 1, ds = strides[1].last ?? 1
            Parallel.forEachChunk(Strided.runCount(shape), costPerItem: inner) { range in
                Strided.forEachRun(shape: shape, strides: strides, offsets: [src.layout.offset, layout.offset], outer: range) { _, pos, n in
                    let sp = s + pos[0], dp = d + pos[1]
                    if ss == 1 && ds == 1 { dp.update(from: sp, count: n) } else if ss == 0 && ds == 1 { dp.update(repeating: sp[0], count: n) } else {
                        for i in 0..<n { dp[i * ds] = sp[i * ss] }
                    }
                }
            }
        }
        dispatch(src.dtype, { run(Float.self) }, { run(Double.self) })
    }
}
