import Foundation

/// An n-dimensional array of `float32` (or `float64`) numbers that can record how it was made,
/// so that gradients flow back to it.
///
/// Tensors are reference objects: a view (``reshaped(_:)``, ``transposed(_:_:)``, ``sliced(axis:range:)``, …)
/// shares storage with its base. A tensor records the operation that produced it only when
/// gradient recording is on (see ``withoutGradients(_:)``) and one of its inputs needs a gradient,
/// so inference builds no graph.
///
/// ```swift
/// let w = Tensor.randomNormal([3, 2], generator: &rng).requiringGradient()
/// let loss = (x.matmul(w) - y).squared().mean()
/// loss.backward()
/// print(w.grad!)          // ∂loss/∂w
/// ```
public final class Tensor: @unchecked Sendable {
    /// Backing buffer (shared by views).
    public let storage: Storage
    /// Shape, strides and offset into ``storage``.
    public let layout: Layout
    /// How this tensor was computed, when recorded for backprop (only `deinit` clears it).
    private(set) var op: Op?
    /// Name of the non-differentiable op that made this tensor from inputs that needed gradients.
    let madeWithoutGradientBy: String?

    /// Whether this is a leaf that accumulates a gradient in ``grad`` during ``backward(_:)``.
    public var requiresGrad: Bool
    /// Accumulated gradient of a leaf (set by ``backward(_:)``; clear with ``zeroGrad()``).
    public var grad: Tensor?

    init(storage: Storage, layout: Layout, op: Op? = nil, requiresGrad: Bool = false, madeWithoutGradientBy: String? = nil) {
        self.storage = storage
        self.layout = layout
        self.op = op
        self.requiresGrad = requiresGrad
        self.madeWithoutGradientBy = madeWithoutGradientBy
    }

    deinit {
        // Each recorded op holds its inputs, so releasing the end of a long chain would release
        // the whole chain recursively, one deinit inside the next, and overflow the stack at some
        // tens of thousands of ops. Instead, unlink inputs that are about to die here, one after
        // the other, so every deinit stays shallow.
        guard op != nil else { return }
        var pending = op?.inputs ?? []
        op = nil
        while var t = pending.popLast() {
            if isKnownUniquelyReferenced(&t), t.op != nil {
                pending.append(contentsOf: t.op?.inputs ?? [])
                t.op = nil
            }
        }
    }

    /// Element type.
    public var dtype: DType { storage.dtype }
    /// Extent of each axis.
    public var shape: [Int] { layout.shape }
    /// Number of axes.
    public var rank: Int { layout.rank }
    /// Number of elements.
    public var count: Int { layout.count }
    /// Whether elements are stored row-major without gaps.
    public var isContiguous: Bool { layout.isContiguous }
    /// Whether gradients flow through this tensor (a leaf that requires them, or a recorded result).
    public var tracksGradient: Bool { requiresGrad || op != nil }

    /// Extent of `axis` (negative counts from the end).
    public func size(_ axis: Int) -> Int { shape[normalizeAxis(axis)] }

    /// Maps a possibly negative axis to `0..<rank`.
    public func normalizeAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "axis \(axis) is out of range for a tensor of shape \(shape)")
        return a
    }

    // MARK: Creation

    /// A tensor from `Float` values in row-major order.
    public convenience init(_ values: [Float], shape: [Int]? = nil, dtype: DType = .float32) {
        let shape = shape ?? [values.count]
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        let s = Storage(count: values.count, dtype: dtype)
        switch dtype {
        case .float32: values.withUnsafeBufferPointer { src in s.pointer(as: Float.self).update(from: src.baseAddress!, count: values.count) }
        case .float64: let p = s.pointer(as: Double.self); for i in 0..<values.count { p[i] = Double(values[i]) }
        }
        self.init(storage: s, layout: Layout(shape: shape))
    }

    /// A tensor from `Double` values in row-major order (float64 unless `dtype` says otherwise).
    public convenience init(doubles values: [Double], shape: [Int]? = nil, dtype: DType = .float64) {
        let shape = shape ?? [values.count]
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        let s = Storage(count: values.count, dtype: dtype)
        switch dtype {
        case .float32: let p = s.pointer(as: Float.self); for i in 0..<values.count { p[i] = Float(values[i]) }
        case .float64: values.withUnsafeBufferPointer { src in s.pointer(as: Double.self).update(from: src.baseAddress!, count: values.count) }
        }
        self.init(storage: s, layout: Layout(shape: shape))
    }

    /// A rank-0 tensor holding `value`.
    public convenience init(scalar value: Double, dtype: DType = .float32) {
        self.init(doubles: [value], shape: [], dtype: dtype)
    }

    /// A new contiguous tensor with uninitialised elements (internal: kernels fill it).
    static func empty(_ shape: [Int], dtype: DType) -> Tensor {
        Tensor(storage: Storage(count: shape.reduce(1, *), dtype: dtype), layout: Layout(shape: shape))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(storage: Storage(zeros: shape.reduce(1, *), dtype: dtype), layout: Layout(shape: shape))
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, value: 1, dtype: dtype) }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
        let t = empty(shape, dtype: dtype)
        t.fill(value)
        return t
    }

    /// `0, 1, …, n-1`.
    public static func arange(_ n: Int, dtype: DType = .float32) -> Tensor {
        Tensor(doubles: (0..<n).map(Double.init), shape: [n], dtype: dtype)
    }

    /// The `n`×`n` identity matrix.
    public static func eye(_ n: Int, dtype: DType = .float32) -> Tensor {
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        return Tensor(doubles: v, shape: [n, n], dtype: dtype)
    }

    /// A zero tensor with this tensor's shape and dtype.
    public func zerosLike() -> Tensor { Tensor.zeros(shape, dtype: dtype) }
    /// A one tensor with this tensor's shape and dtype.
    public func onesLike() -> Tensor { Tensor.ones(shape, dtype: dtype) }

    // MARK: Reading values

    /// The elements in row-major order, as `Float`.
    public var scalars: [Float] {
        let c = contiguous()
        switch dtype {
        case .float32: return Array(UnsafeBufferPointer(start: c.pointer(as: Float.self), count: count))
        case .float64: let p = c.pointer(as: Double.self); return (0..<count).map { Float(p[$0]) }
        }
    }

    /// The elements in row-major order, as `Double`.
    public var doubles: [Double] {
        let c = contiguous()
        switch dtype {
        case .float32: let p = c.pointer(as: Float.self); return (0..<count).map { Double(p[$0]) }
        case .float64: return Array(UnsafeBufferPointer(start: c.pointer(as: Double.self), count: count))
        }
    }

    /// The single element of a one-element tensor.
    public func item() -> Double {
        precondition(count == 1, "item() needs a tensor with one element, got shape \(shape)")
        return doubles[0]
    }

    /// Pointer to the first element of this view (for kernels; respects ``layout`` offset).
    @inline(__always)
    func pointer<T: KFloat>(as: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer(as: T.self) + layout.offset
    }

    // MARK: In-place (no gradient)

    /// Sets every element to `value` in place (not recorded).
    public func fill(_ value: Double) {
        precondition(isContiguous, "fill needs a contiguous tensor")
        switch dtype {
        case .float32: pointer(as: Float.self).update(repeating: Float(value), count: count)
        case .float64: pointer(as: Double.self).update(repeating: value, count: count)
        }
    }

    /// Copies `source`'s values into this tensor in place (same shape; converts dtype; not recorded).
    public func assign(_ source: Tensor) {
        precondition(source.shape == shape, "assign: shape \(source.shape) does not match \(shape)")
        precondition(isContiguous, "assign needs a contiguous destination")
        let src = source.contiguous().cast(to: dtype)
        memcpy(storage.base + layout.offset * dtype.byteSize, src.storage.base + src.layout.offset * dtype.byteSize, count * dtype.byteSize)
    }

    /// Sets ``grad`` to nil.
    public func zeroGrad() { grad = nil }

    /// Marks this tensor as a leaf that needs a gradient and returns it.
    @discardableResult
    public func requiringGradient(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// The same values, cut off from the graph: gradients do not flow through the result.
    public func detached() -> Tensor { Tensor(storage: storage, layout: layout) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let v = count <= 64 ? scalars.map { String(format: "%.5g", $0) }.joined(separator: ", ") : "\(count) elements"
        return "Tensor(shape: \(shape), dtype: \(dtype), [\(v)])"
    }
}
