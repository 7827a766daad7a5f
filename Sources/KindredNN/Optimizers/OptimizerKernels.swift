import Foundation

/// Fused in-place update loops over raw buffers: one pass per parameter, no temporaries.
///
/// Every loop is elementwise, so splitting it across threads cannot change any result bit.
/// Scalars are computed in `Double` by the caller and rounded to the element type once, as
/// PyTorch passes Python floats to its kernels.
enum OptimizerKernels {
    /// Rough cost per element, relative to a copy, for ``Parallel/forEachChunk(_:costPerItem:_:)``:
    /// loops go parallel from about 64 Ki elements (SGD) or 32 Ki (Adam), below which a thread
    /// hand-off costs more than it saves.
    static let cost = 1

    // MARK: SGD

    /// `g' = s·g + wd·p`; `p ← p − lr·g'` (no momentum).
    static func sgdPlain<T: KFloat>(p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, n: Int, lr: Double, weightDecay: Double, sign: T) {
        let lr = T(lr), wd = T(weightDecay)
        Parallel.forEachChunk(n, costPerItem: cost) { r in
            if wd == 0 {
                for i in r { p[i] = p[i] - lr * (sign * g[i]) }
            } else {
                for i in r { p[i] = p[i] - lr * (sign * g[i] + wd * p[i]) }
            }
        }
    }

    /// Momentum SGD. With `first` the buffer is initialised to `g'`, otherwise
    /// `b ← μ·b + (1−τ)·g'`; then `d = g' + μ·b` (Nesterov) or `d = b`, and `p ← p − lr·d`.
    static func sgdMomentum<T: KFloat>(p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, b: UnsafeMutablePointer<T>, n: Int,
                                       lr: Double, weightDecay: Double, momentum: Double, dampening: Double,
                                       nesterov: Bool, first: Bool, sign: T) {
        let lr = T(lr), wd = T(weightDecay), mu = T(momentum), keep = T(1 - dampening)
        Parallel.forEachChunk(n, costPerItem: cost) { r in
            switch (first, nesterov) {
            case (true, false):
                for i in r {
                    let gi = sign * g[i] + wd * p[i]
                    b[i] = gi
                    p[i] = p[i] - lr * gi
                }
            case (true, true):
                for i in r {
                    let gi = sign * g[i] + wd * p[i]
                    b[i] = gi
                    p[i] = p[i] - lr * (gi + mu * gi)
                }
            case (false, false):
                for i in r {
                    let gi = sign * g[i] + wd * p[i]
                    let bi = b[i] * mu + keep * gi
                    b[i] = bi
                    p[i] = p[i] - lr * bi
                }
            case (false, true):
                for i in r {
                    let gi = sign * g[i] + wd * p[i]
                    let bi = b[i] * mu + keep * gi
                    b[i] = bi
                    p[i] = p[i] - lr * (gi + mu * bi)
                }
            }
        }
    }

    // MARK: Adam

    /// One Adam/AdamW step (see ``Adam`` for the formulas). `shrink` is AdamW's `1 − lr·wd`
    /// (1 for Adam), `l2` Adam's coupled weight decay (0 for AdamW), `vmax` the AMSGrad buffer.
    ///
    /// `v ≥ 0` always, so `√|v|` equals `√v` bit for bit; the `abs` tells the compiler that the
    /// square root cannot fail, which lets it vectorise the loop (a bare `squareRoot()` keeps a
    /// scalar `errno` fallback on Linux that blocks vectorisation).
    static func adam<T: KFloat>(p: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>,
                                vmax: UnsafeMutablePointer<T>?, n: Int,
                                stepSize: Double, biasCorrection2Sqrt: Double, eps: Double,
                                beta1: Double, beta2: Double, l2: Double, shrink: Double, sign: T) {
        let a = T(stepSize), c2 = T(biasCorrection2Sqrt), e = T(eps)
        let w1 = T(1 - beta1), b2 = T(beta2), w2 = T(1 - beta2), wd = T(l2), s = T(shrink)
        Parallel.forEachChunk(n, costPerItem: 2 * cost) { r in
            if let vmax {
                for i in r {
                    let pi = p[i] * s
                    let gi = sign * g[i] + wd * pi
                    let mi = m[i] + w1 * (gi - m[i])
                    let vi = v[i] * b2 + w2 * gi * gi
                    let ui = Swift.max(vmax[i], vi)
                    m[i] = mi
                    v[i] = vi
                    vmax[i] = ui
                    p[i] = pi - a * mi / (Swift.abs(ui).squareRoot() / c2 + e)
                }
            } else {
                for i in r {
                    let pi = p[i] * s
                    let gi = sign * g[i] + wd * pi
                    let mi = m[i] + w1 * (gi - m[i])
                    let vi = v[i] * b2 + w2 * gi * gi
                    m[i] = mi
                    v[i] = vi
                    p[i] = pi - a * mi / (Swift.abs(vi).squareRoot() / c2 + e)
                }
            }
        }
    }

    // MARK: Gradient utilities

    /// `Σ x[i]²` accumulated in `Double`, in a fixed order (deterministic for a given thread count).
    static func sumOfSquares<T: KFloat>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        let chunks = Swift.max(1, Swift.min(Parallel.threadCount, n / (1 << 16)))
        if chunks == 1 { return sumOfSquares(x, 0..<n) }
        let size = (n + chunks - 1) / chunks
        var partial = [Double](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * size, hi = Swift.min(n, lo + size)
                o[c] = lo < hi ? sumOfSquares(x, lo..<hi) : 0
            }
        }
        return partial.reduce(0, +)
    }

    /// `Σ x[i]²` over `r`, with eight independent `Double` accumulators.
    static func sumOfSquares<T: KFloat>(_ x: UnsafePointer<T>, _ r: Range<Int>) -> Double {
        var acc = SIMD8<Double>(repeating: 0)
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
            var d = SIMD8<Double>()
            for k in 0..<8 { d[k] = Double(x[i + k]) }
            acc += d * d
            i += 8
        }
        var tail = 0.0
        while i < r.upperBound { let d = Double(x[i]); tail += d * d; i += 1 }
        return acc.sum() + tail
    }

    /// `dst[i] = src[i] · c`.
    static func scale<T: KFloat>(_ src: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>, _ n: Int, by c: Double) {
        let c = T(c)
        Parallel.forEachChunk(n) { r in for i in r { dst[i] = src[i] * c } }
    }

    /// `dst[i] = min(max(src[i], lo), hi)`; NaN stays NaN.
    static func clamp<T: KFloat>(_ src: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>, _ n: Int, _ lo: Double, _ hi: Double) {
        let lo = T(lo), hi = T(hi)
        Parallel.forEachChunk(n) { r in
            for i in r {
                let v = src[i]
                dst[i] = v < lo ? lo : (v > hi ? hi : v)
            }
        }
    }

    /// Writes the contiguous `src` into the (possibly strided) `dst` of the same shape and dtype.
    static func copyBack(from src: Tensor, into dst: Tensor) {
        precondition(src.shape == dst.shape && src.dtype == dst.dtype && src.isContiguous)
        func run<T: KFloat>(_: T.Type) {
            let s = src.elements(T.self)
            let d = dst.storage.pointer(as: T.self)
            var k = 0
            dst.layout.forEachRun { start, stride, count in
                for j in 0..<count { d[start + j * stride] = s[k + j] }
                k += count
            }
        }
        switch src.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        }
    }
}
