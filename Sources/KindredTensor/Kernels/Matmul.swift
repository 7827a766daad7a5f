import CKindredBLAS
import Foundation

extension Kernels {
    /// How a matrix view is handed to BLAS without copying: row-major, maybe transposed.
    struct MatrixOperand {
        let tensor: Tensor
        let transposed: Bool
        let leadingDimension: Int
    }

    /// Describes the last two axes of `t` (rows × cols) for BLAS, copying only if neither
    /// row-major nor column-major.
    static func operand(_ t: Tensor) -> MatrixOperand {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let sr = t.layout.strides[r - 2], sc = t.layout.strides[r - 1]
        if (sc == 1 || cols == 1) && sr >= Swift.max(cols, 1) { return MatrixOperand(tensor: t, transposed: false, leadingDimension: Swift.max(sr, 1)) }
        if (sr == 1 || rows == 1) && sc >= Swift.max(rows, 1) { return MatrixOperand(tensor: t, transposed: true, leadingDimension: Swift.max(sc, 1)) }
        let c = t.contiguous()
        return MatrixOperand(tensor: c, transposed: false, leadingDimension: Swift.max(cols, 1))
    }

    /// BLAS runs single-threaded: Kindred splits large products across cores itself, so BLAS's
    /// own worker threads never spin (sched_yield) against Kindred's elementwise kernels on a
    /// small machine, and the split is fixed (deterministic results).
    static let blasSingleThreaded: Void = { kd_blas_set_threads(1) }()

    /// `C = alpha·op(A)·op(B) + beta·C` (row-major) via BLAS, split across ``Parallel/threadCount``
    /// column (or row) blocks when the product is large.
    static func gemm<T: KFloat>(_: T.Type, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T = 1,
                                a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int) {
        _ = blasSingleThreaded
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let threads = Parallel.threadCount
        let flops = 2 * m * n * k
        if threads <= 1 || flops < 1 << 22 || (n < 64 && m < 64) {
            gemmBLAS(T.self, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if k >= 8 * Swift.max(m, n) {
            // A long reduction with a small output (convolution weight gradients): each thread
            // multiplies one slice of K into its own buffer; the partial products are then added in
            // a fixed order (deterministic). Splitting M or N instead would make every thread pack
            // the whole long operand.
            let parts = threads
            let slice = (k + parts - 1) / parts
            let partial = UnsafeMutablePointer<T>.allocate(capacity: (parts - 1) * m * n)
            defer { partial.deallocate() }
            DispatchQueue.concurrentPerform(iterations: parts) { t in
                let k0 = t * slice, k1 = Swift.min(k, k0 + slice)
                let ak = transA ? a + k0 * lda : a + k0
                let bk = transB ? b + k0 : b + k0 * ldb
                if t == 0 {
                    gemmBLAS(T.self, transA: transA, transB: transB, m: m, n: n, k: k1 - k0, alpha: alpha, a: ak, lda: lda,
                             b: bk, ldb: ldb, beta: beta, c: c, ldc: ldc)
                } else {
                    let dst = partial + (t - 1) * m * n
                    if k1 > k0 {
                        gemmBLAS(T.self, transA: transA, transB: transB, m: m, n: n, k: k1 - k0, alpha: alpha, a: ak, lda: lda,
                                 b: bk, ldb: ldb, beta: 0, c: dst, ldc: n)
                    } else {
                        dst.update(repeating: 0, count: m * n)
                    }
                }
            }
            for t in 1..<parts {
                let src = partial + (t - 1) * m * n
                for i in 0..<m {
                    let crow = c + i * ldc, srow = src + i * n
                    for j in 0..<n { crow[j] += srow[j] }
                }
            }
            return
        }
        if n >= m {
            // Column blocks (multiples of 16 wide): C[:, j0..<j1] = op(A) · op(B)[:, j0..<j1].
            let block = ((n + threads - 1) / threads + 15) / 16 * 16
            let chunks = (n + block - 1) / block
            DispatchQueue.concurrentPerform(iterations: chunks) { t in
                let j0 = t * block, j1 = Swift.min(n, j0 + block)
                let bj = transB ? b + j0 * ldb : b + j0
                gemmBLAS(T.self, transA: transA, transB: transB, m: m, n: j1 - j0, k: k, alpha: alpha, a: a, lda: lda,
                         b: bj, ldb: ldb, beta: beta, c: c + j0, ldc: ldc)
            }
        } else {
            let block = (m + threads - 1) / threads
            let chunks = (m + block - 1) / block
            DispatchQueue.concurrentPerform(iterations: chunks) { t in
                let i0 = t * block, i1 = Swift.min(m, i0 + block)
                let ai = transA ? a + i0 : a + i0 * lda
                gemmBLAS(T.self, transA: transA, transB: transB, m: i1 - i0, n: n, k: k, alpha: alpha, a: ai, lda: lda,
                         b: b, ldb: ldb, beta: beta, c: c + i0 * ldc, ldc: ldc)
            }
        }
    }

    @inline(__always)
    static func gemmBLAS<T: KFloat>(_: T.Type, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                    beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
        _ = blasSingleThreaded
        if T.self == Float.self {
            kd_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), Float(alpha),
                     UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                     UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                     UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            kd_dgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), Double(alpha),
                     UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                     UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                     UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }

    /// Matrix product of the last two axes, batch axes broadcast.
    static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices (rank ≥ 2), got \(a.shape) and \(b.shape)")
        precondition(a.dtype == b.dtype, "matmul: dtypes \(a.dtype) and \(b.dtype) differ")
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul: inner sizes differ: \(a.shape) · \(b.shape)")
        guard let batch = Layout.broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            preconditionFailure("matmul: batch shapes of \(a.shape) and \(b.shape) cannot be broadcast")
        }
        let out = Tensor.empty(batch + [m, n], dtype: a.dtype)
        let ae = a.expanded(to: batch + [m, k]).detached(), be = b.expanded(to: batch + [k, n]).detached()
        let oa = operand(ae), ob = operand(be)
        let batchCount = batch.reduce(1, *)
        func run<T: KFloat>(_: T.Type) {
            let pa = oa.tensor.storage.pointer(as: T.self), pb = ob.tensor.storage.pointer(as: T.self)
            let pc = out.pointer(as: T.self)
            for i in 0..<batchCount {
                var rem = i, offA = oa.tensor.layout.offset, offB = ob.tensor.layout.offset
                for ax in stride(from: batch.count - 1, through: 0, by: -1) {
                    let idx = rem % batch[ax]
                    rem /= batch[ax]
                    offA += idx * oa.tensor.layout.strides[ax]
                    offB += idx * ob.tensor.layout.strides[ax]
                }
                gemm(T.self, transA: oa.transposed, transB: ob.transposed, m: m, n: n, k: k,
                     a: pa + offA, lda: oa.leadingDimension, b: pb + offB, ldb: ob.leadingDimension,
                     c: pc + i * m * n, ldc: n)
            }
        }
        dispatch(a.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }
}

extension Tensor {
    /// Matrix product over the last two axes (batch axes broadcast), through BLAS.
    public func matmul(_ other: Tensor) -> Tensor {
        Tensor.result(Kernels.matmul(self, other), .matmul(self, other), inputs: [self, other])
    }
}
