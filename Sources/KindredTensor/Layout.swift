/// Shape, strides and offset of a tensor view into its ``Storage``.
///
/// Strides are in elements. A stride of 0 repeats an element (a broadcast made by ``Tensor/expanded(to:)``).
public struct Layout: Equatable, Sendable, CustomStringConvertible {
    /// Extent of each axis.
    public let shape: [Int]
    /// Element step of each axis.
    public let strides: [Int]
    /// Index of the first element in the storage.
    public let offset: Int

    /// A contiguous row-major layout.
    public init(shape: [Int], offset: Int = 0) {
        self.shape = shape
        self.strides = Layout.contiguousStrides(shape)
        self.offset = offset
    }

    /// A layout with explicit strides.
    public init(shape: [Int], strides: [Int], offset: Int) {
        precondition(shape.count == strides.count, "shape \(shape) and strides \(strides) differ in rank")
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// Row-major strides for `shape`.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Whether the elements are laid out row-major without gaps (offset may be non-zero).
    public var isContiguous: Bool {
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != acc { return false }
            acc *= shape[i]
        }
        return true
    }

    public var description: String { "Layout(shape: \(shape), strides: \(strides), offset: \(offset))" }

    /// The shape two shapes broadcast to (NumPy rules), or nil when they are incompatible.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// This layout viewed with `shape` by broadcasting (stride 0 on repeated axes).
    public func broadcast(to target: [Int]) -> Layout? {
        guard target.count >= shape.count else { return nil }
        let lead = target.count - shape.count
        var newStrides = [Int](repeating: 0, count: target.count)
        for i in 0..<target.count {
            if i < lead { newStrides[i] = 0; continue }
            let d = shape[i - lead]
            if d == target[i] { newStrides[i] = d == 1 ? 0 : strides[i - lead] } else if d == 1 { newStrides[i] = 0 } else { return nil }
        }
        return Layout(shape: target, strides: newStrides, offset: offset)
    }

    /// Storage index of every element in row-major order, by calling `body` per contiguous run
    /// along the innermost axis: `body(startIndex, innerStride, innerCount)`.
    @inline(__always)
    public func forEachRun(_ body: (Int, Int, Int) -> Void) {
        if shape.isEmpty { body(offset, 1, 1); return }
        let r = shape.count
        let inner = shape[r - 1]
        let innerStride = strides[r - 1]
        if inner == 0 { return }
        let outerCount = count / inner
        if outerCount == 0 { return }
        var index = [Int](repeating: 0, count: r - 1)
        var pos = offset
        for _ in 0..<outerCount {
            body(pos, innerStride, inner)
            var axis = r - 2
            while axis >= 0 {
                index[axis] += 1
                pos += strides[axis]
                if index[axis] < shape[axis] { break }
                pos -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
