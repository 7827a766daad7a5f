/// Batch normalisation in training mode over `[N, C, …]`, one pass of statistics per channel.
extension Kernels {
    /// Returns `(y, batchMean [C], invStd [C], biasedVariance [C])`.
    /// With `relu`, the output is `max(0, ·)` as ``Fn/Relu`` computes it (NaN passes through).
    static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double, relu: Bool = false) -> (Tensor, Tensor, Tensor, Tensor) {
        precondition(x.rank >= 2, "batchNorm: input must be [N, C, …], got \(x.shape)")
        let n = x.shape[0], c = x.shape[1]
        let plane = x.shape[2...].reduce(1, *)
        let m = n * plane
        precondition(m > 1, "batchNorm in training mode needs more than one value per channel, got input \(x.shape)")
        // Bound here, not inline: a temporary copy is released as soon as `.pointer(as:)` returns.
        let xc = x.contiguous(), wc = weight?.contiguous(), bc = bias?.contiguous()
        let y = Tensor.empty(x.shape, dtype: x.dtype)
        let mean = Tensor.empty([c], dtype: x.dtype), invStd = Tensor.empty([c], dtype: x.dtype), varT = Tensor.empty([c], dtype: x.dtype)
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), d = y.pointer(as: T.self)
            let mp = mean.pointer(as: T.self), ip = invStd.pointer(as: T.self), vp = varT.pointer(as: T.self)
            let wp = wc?.pointer(as: T.self), bp = bc?.pointer(as: T.self)
            Parallel.forEachChunk(c, costPerItem: 3 * m) { r in
                for ch in r {
                    var sum: T = 0
                    for b in 0..<n { sum += runSum(s + (b * c + ch) * plane, plane, 1) }
                    let mu = sum / T(m)
                    var sq: T = 0
                    for b in 0..<n { sq += centeredSquareSum(s + (b * c + ch) * plane, plane, mu) }
                    let variance = sq / T(m)
                    let inv = 1 / (variance + T(epsilon)).squareRoot()
                    mp[ch] = mu; ip[ch] = inv; vp[ch] = variance
                    let scale = inv * (wp?[ch] ?? 1), shift = (bp?[ch] ?? 0) - mu * scale
                    for b in 0..<n {
                        let p = s + (b * c + ch) * plane, q = d + (b * c + ch) * plane
                        if relu {
                            let relu = Fn.Relu<T>()
                            for i in 0..<plane { q[i] = relu(p[i] * scale + shift) }
                        } else {
                            for i in 0..<plane { q[i] = p[i] * scale + shift }
                        }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (y, mean, invStd, varT)
    }

    /// With `reluOutput` (the output of a fused batch norm + ReLU), the gradient is first masked
    /// where that output is not positive, as ReLU's backward does.
    static func batchNormBackward(input x: Tensor, weight: Tensor?, mean: Tensor, invStd: Tensor, gradient g: Tensor,
                                  reluOutput: Tensor? = nil) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let n = x.shape[0], c = x.shape[1]
        let plane = x.shape[2...].reduce(1, *)
        let m = n * plane
        let xc = x.contiguous(), gc = g.contiguous(), wc = weight?.contiguous(), yc = reluOutput?.contiguous()
        let gx = Tensor.empty(x.shape, dtype: x.dtype)
        let gw = Tensor.empty([c], dtype: x.dtype), gb = Tensor.empty([c], dtype: x.dtype)
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), gp = gc.pointer(as: T.self), d = gx.pointer(as: T.self)
            let mp = mean.pointer(as: T.self), ip = invStd.pointer(as: T.self)
            let wp = wc?.pointer(as: T.self), yp = yc?.pointer(as: T.self)
            let gwp = gw.pointer(as: T.self), gbp = gb.pointer(as: T.self)
            Parallel.forEachChunk(c, costPerItem: 3 * m) { r in
                for ch in r {
                    let mu = mp[ch], inv = ip[ch]
                    // Behind a ReLU, the gradient is zero where the output is not positive; the masked
                    // gradient is staged in this channel's slice of the result (cache-resident) and
                    // overwritten in place below.
                    let q0: UnsafePointer<T>
                    if let yp {
                        for b in 0..<n {
                            let off = (b * c + ch) * plane
                            maskByPositive(gp + off, where: yp + off, into: d + off, count: plane)
                        }
                        q0 = UnsafePointer(d)
                    } else {
                        q0 = UnsafePointer(gp)
                    }
                    var sumG: T = 0, sumGX: T = 0
                    for b in 0..<n {
                        let p = s + (b * c + ch) * plane, q = q0 + (b * c + ch) * plane
                        sumG += runSum(q, plane, 1)
                        sumGX += centeredDot(q, p, plane, mu)
                    }
                    sumGX *= inv  // Σ g·x̂
                    gbp[ch] = sumG
                    gwp[ch] = sumGX
                    // dx = k·(m·g - Σg - x̂·Σgx̂) = a·g + b·x + c0, with x̂ = (x - μ)·inv.
                    let k = (wp?[ch] ?? 1) * inv / T(m)
                    let ca = k * T(m), cb = -k * sumGX * inv, cc = -k * sumG + k * sumGX * inv * mu
                    for b in 0..<n {
                        let p = s + (b * c + ch) * plane, q = q0 + (b * c + ch) * plane, o = d + (b * c + ch) * plane
                        for i in 0..<plane { o[i] = ca * q[i] + cb * p[i] + cc }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (gx, gw, gb)
    }
}

extension Kernels {
    /// `y[n, c, …] = x[n, c, …]·scale[c] + shift[c]` in one pass (batch norm at inference).
    /// With `relu`, the output is `max(0, ·)` as ``Fn/Relu`` computes it.
    static func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor, relu: Bool = false) -> Tensor {
        precondition(x.rank >= 2 && scale.count == x.shape[1] && shift.count == x.shape[1],
                     "batchNorm: statistics of \(scale.count) channels for input \(x.shape)")
        let n = x.shape[0], c = x.shape[1]
        let plane = x.shape[2...].reduce(1, *)
        let xc = x.contiguous(), sc = scale.cast(to: x.dtype).contiguous(), hc = shift.cast(to: x.dtype).contiguous()
        let y = Tensor.empty(x.shape, dtype: x.dtype)
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), d = y.pointer(as: T.self)
            let sp = sc.pointer(as: T.self), hp = hc.pointer(as: T.self)
            Parallel.forEachChunk(n * c, costPerItem: plane) { r in
                for t in r {
                    let a = sp[t % c], b = hp[t % c]
                    let p = s + t * plane, q = d + t * plane
                    if relu {
                        let relu = Fn.Relu<T>()
                        for i in 0..<plane { q[i] = relu(p[i] * a + b) }
                    } else {
                        for i in 0..<plane { q[i] = p[i] * a + b }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return y
    }
}

extension Kernels {
    /// `Σ (p[i] - mu)²` with SIMD partial sums (a scalar float reduction cannot vectorise).
    @inline(__always)
    static func centeredSquareSum<T: KFloat>(_ p: UnsafePointer<T>, _ n: Int, _ mu: T) -> T {
        var acc = SIMD8<T>(repeating: 0)
        let m = SIMD8<T>(repeating: mu)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self) - m
            acc += v * v
            i += 8
        }
        var s = acc.sum()
        while i < n { let v = p[i] - mu; s += v * v; i += 1 }
        return s
    }

    /// `Σ q[i]·(p[i] - mu)` with SIMD partial sums.
    @inline(__always)
    static func centeredDot<T: KFloat>(_ q: UnsafePointer<T>, _ p: UnsafePointer<T>, _ n: Int, _ mu: T) -> T {
        var acc = SIMD8<T>(repeating: 0)
        let m = SIMD8<T>(repeating: mu)
        var i = 0
        while i + 8 <= n {
            let a = UnsafeRawPointer(q + i).loadUnaligned(as: SIMD8<T>.self)
            let b = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self) - m
            acc += a * b
            i += 8
        }
        var s = acc.sum()
        while i < n { s += q[i] * (p[i] - mu); i += 1 }
        return s
    }
}
