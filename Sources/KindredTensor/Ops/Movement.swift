/// Shape and layout changes. Views share storage; their gradients are summed back correctly.
extension Tensor {
    /// The same elements with a new shape (one entry may be -1). A view when contiguous.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if s == shape { return self }
        let base = contiguous()
        let view = Tensor(storage: base.storage, layout: Layout(shape: s, offset: base.layout.offset))
        return Tensor.result(view, .reshape(self), inputs: [self])
    }

    /// Merges axes `startAxis...` into one (default: keeps the batch axis).
    public func flattened(startAxis: Int = 1) -> Tensor {
        let a = normalizeAxis(startAxis)
        return reshaped(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
    }

    /// Axes reordered: axis `i` of the result is axis `order[i]` of this tensor. A view.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permuted: \(order) is not a permutation of the \(rank) axes of \(shape)")
        if order == Array(0..<rank) { return self }
        let view = Tensor(storage: storage, layout: Layout(shape: order.map { shape[$0] }, strides: order.map { layout.strides[$0] }, offset: layout.offset))
        return Tensor.result(view, .permute(self, order), inputs: [self])
    }

    /// Two axes swapped. A view.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizeAxis(a), normalizeAxis(b))
        return permuted(order)
    }

    /// The transpose of a matrix.
    public var T: Tensor { transposed(0, 1) }

    /// Broadcast to `newShape` without copying (stride 0 on repeated axes).
    public func expanded(to newShape: [Int]) -> Tensor {
        if newShape == shape { return self }
        guard let l = layout.broadcast(to: newShape) else {
            preconditionFailure("cannot expand shape \(shape) to \(newShape)")
        }
        return Tensor.result(Tensor(storage: storage, layout: l), .expand(self), inputs: [self])
    }

    /// A new axis of size 1 at `axis`.
    public func unsqueezed(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes size-1 axes (all, or the given one).
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = normalizeAxis(axis)
            precondition(shape[a] == 1, "squeezed(axis: \(axis)): axis has size \(shape[a]), not 1")
            var s = shape
            s.remove(at: a)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// Elements `range` (with `step`) along `axis`. A view.
    public func sliced(axis: Int, range: Range<Int>, step: Int = 1) -> Tensor {
        let a = normalizeAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a] && step > 0,
                     "sliced: range \(range) is outside axis \(axis) of size \(shape[a])")
        var s = shape, st = layout.strides
        s[a] = (range.count + step - 1) / step
        st[a] *= step
        let view = Tensor(storage: storage, layout: Layout(shape: s, strides: st, offset: layout.offset + range.lowerBound * layout.strides[a]))
        return Tensor.result(view, .slice(self, axis: a, start: range.lowerBound, step: step), inputs: [self])
    }

    /// Tensors joined along an existing axis.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat needs at least one tensor")
        let first = tensors[0]
        let a = first.normalizeAxis(axis)
        var shape = first.shape
        shape[a] = 0
        for t in tensors {
            var s = t.shape
            s[a] = 0
            precondition(t.rank == first.rank && s == shape, "concat: shape \(t.shape) does not match \(first.shape) outside axis \(axis)")
            precondition(t.dtype == first.dtype, "concat: dtypes \(t.dtype) and \(first.dtype) differ")
        }
        shape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let out = Tensor.empty(shape, dtype: first.dtype)
        var start = 0
        for t in tensors {
            Kernels.copy(from: t, intoViewOf: out, axis: a, start: start)
            start += t.shape[a]
        }
        return Tensor.result(out, .concat(tensors, axis: a), inputs: tensors)
    }

    /// Tensors joined along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }

    /// Constant padding: `widths[i] = (before, after)` for each axis (missing trailing axes unpadded).
    public func padded(_ widths: [(Int, Int)], value: Double = 0) -> Tensor {
        precondition(widths.count <= rank, "padded: \(widths.count) pad widths for a tensor of rank \(rank)")
        let w = widths + Array(repeating: (0, 0), count: rank - widths.count)
        let newShape = zip(shape, w).map { $0 + $1.0 + $1.1 }
        let out = Tensor.full(newShape, value: value, dtype: dtype)
        var view = Layout(shape: newShape)
        var off = 0
        for (i, p) in w.enumerated() { off += p.0 * view.strides[i] }
        view = Layout(shape: shape, strides: view.strides, offset: off)
        Kernels.copy(from: self, into: out.storage, layout: view)
        return Tensor.result(out, .pad(self, w), inputs: [self])
    }

    /// Sums a broadcast gradient back to `target` (the inverse of broadcasting).
    func sumTo(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        let s = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        return s.reshaped(target)
    }
}

extension Kernels {
    /// Copies `src` into the contiguous `out` at offset `start` along `axis`.
    static func copy(from src: Tensor, intoViewOf out: Tensor, axis: Int, start: Int) {
        let st = out.layout.strides
        let view = Layout(shape: src.shape, strides: st, offset: out.layout.offset + start * st[axis])
        copy(from: src, into: out.storage, layout: view)
    }

    /// Gradient of a strided slice: `g` placed back into zeros of `shape`.
    static func unslice(_ g: Tensor, axis: Int, start: Int, step: Int, into shape: [Int]) -> Tensor {
        let out = Tensor.zeros(shape, dtype: g.dtype)
        var st = out.layout.strides
        let off = start * st[axis]
        st[axis] *= step
        copy(from: g, into: out.storage, layout: Layout(shape: g.shape, strides: st, offset: off))
        return out
    }
}
