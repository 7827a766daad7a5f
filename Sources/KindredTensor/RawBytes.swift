import Foundation

// Raw element bytes, for serialisation (safetensors, checkpoints): filling a new tensor straight
// from a file's bytes and reading a tensor's bytes out without going through `[Float]`.

extension Tensor {
    /// A new contiguous tensor whose element bytes are written by `initializer`.
    ///
    /// `initializer` gets `shape.reduce(1, *) × dtype.byteSize` bytes of uninitialised memory
    /// (aligned for `dtype`) and must write every byte, in row-major order and the host's byte order.
    /// If it throws, the tensor is not created and the error is passed on.
    ///
    /// ```swift
    /// let t = Tensor(shape: [2], dtype: .float32) { bytes in
    ///     let p = bytes.bindMemory(to: Float.self)
    ///     p[0] = 1; p[1] = 2
    /// }
    /// ```
    ///
    /// - Precondition: every dimension of `shape` is non-negative.
    public convenience init(
        shape: [Int], dtype: DType,
        initializingBytesWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        let count = shape.reduce(1, *)
        let storage = Storage(count: count, dtype: dtype)
        try initializer(UnsafeMutableRawBufferPointer(start: storage.base, count: count * dtype.byteSize))
        self.init(storage: storage, layout: Layout(shape: shape))
    }

    /// Calls `body` with the bytes of the elements in row-major order and the host's byte order
    /// (`count × dtype.byteSize` bytes). A non-contiguous view is copied to contiguous memory first.
    ///
    /// The pointer is valid only during `body`; do not write through it or keep it.
    public func withUnsafeElementBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let c = contiguous()
        let start = UnsafeRawPointer(c.storage.base + c.layout.offset * dtype.byteSize)
        return try withExtendedLifetime(c) {
            try body(UnsafeRawBufferPointer(start: start, count: c.count * dtype.byteSize))
        }
    }
}
