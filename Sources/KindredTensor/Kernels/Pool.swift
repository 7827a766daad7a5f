/// Max, average and adaptive-average pooling over `[N, C, H, W]`, parallel over planes.
extension Kernels {
    static func poolOutput(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    static func maxPool2d(_ x: Tensor, _ c: Pool2dConfig) -> (Tensor, [Int32]) {
        precondition(x.rank == 4, "maxPool2d: input must be [N, C, H, W], got \(x.shape)")
        precondition(c.padding.0 * 2 <= c.kernel.0 && c.padding.1 * 2 <= c.kernel.1, "maxPool2d: padding must be at most half the kernel")
        let h = x.shape[2], w = x.shape[3]
        let oh = poolOutput(h, kernel: c.kernel.0, stride: c.stride.0, padding: c.padding.0)
        let ow = poolOutput(w, kernel: c.kernel.1, stride: c.stride.1, padding: c.padding.1)
        precondition(oh > 0 && ow > 0, "maxPool2d: input \(x.shape) is smaller than the kernel \(c.kernel)")
        let planes = x.shape[0] * x.shape[1]
        let out = Tensor.empty([x.shape[0], x.shape[1], oh, ow], dtype: x.dtype)
        // Every entry is written below; skip zero-filling a buffer the size of the output.
        var argmax = [Int32](unsafeUninitializedCapacity: out.count) { _, count in count = out.count }
        let xc = x.contiguous()
        let isHalving = c.kernel == (2, 2) && c.stride == (2, 2) && c.padding == (0, 0)
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), d = out.pointer(as: T.self)
            argmax.withUnsafeMutableBufferPointer { ab in
                guard let ap = ab.baseAddress else { return }
                Parallel.forEachChunk(planes, costPerItem: oh * ow * c.kernel.0 * c.kernel.1) { r in
                    // The common 2×2, stride-2 case: branch-light, no window bookkeeping.
                    if isHalving {
                        for p in r {
                            let sp = s + p * h * w
                            for i in 0..<oh {
                                let r0 = sp + 2 * i * w, r1 = r0 + w
                                let o = (p * oh + i) * ow
                                // Eight outputs at a time for float32 (the same comparisons, lane-wise).
                                let vectorised = T.self == Float.self
                                    ? maxPoolHalvingRow(UnsafeRawPointer(r0).assumingMemoryBound(to: Float.self), width: w, row: i,
                                                        outputs: ow, into: UnsafeMutableRawPointer(d + o).assumingMemoryBound(to: Float.self),
                                                        argmax: ap + o)
                                    : 0
                                for j in vectorised..<ow {
                                    // Branch-free (random data defeats branch prediction); a NaN wins, as in PyTorch.
                                    let base = 2 &* i &* w &+ 2 &* j
                                    var best = r0[2 &* j], bi = base
                                    let b = r0[2 &* j &+ 1], cc = r1[2 &* j], dd = r1[2 &* j &+ 1]
                                    var take = b > best || b.isNaN
                                    best = take ? b : best; bi = take ? base &+ 1 : bi
                                    take = cc > best || cc.isNaN
                                    best = take ? cc : best; bi = take ? base &+ w : bi
                                    take = dd > best || dd.isNaN
                                    best = take ? dd : best; bi = take ? base &+ w &+ 1 : bi
                                    d[o &+ j] = best
                                    ap[o &+ j] = Int32(truncatingIfNeeded: bi)
                                }
                            }
                        }
                        return
                    }
                    for p in r {
                        let sp = s + p * h * w
                        for i in 0..<oh {
                            let h0 = i * c.stride.0 - c.padding.0
                            let hLo = Swift.max(h0, 0), hHi = Swift.min(h0 + c.kernel.0, h)
                            for j in 0..<ow {
                                let w0 = j * c.stride.1 - c.padding.1
                                let wLo = Swift.max(w0, 0), wHi = Swift.min(w0 + c.kernel.1, w)
                                var best = -T.infinity, bi = hLo * w + wLo
                                for hh in hLo..<hHi {
                                    for ww in wLo..<wHi {
                                        let v = sp[hh * w + ww]
                                        if v > best || v.isNaN { best = v; bi = hh * w + ww; if v.isNaN { break } }
                                    }
                                }
                                let o = (p * oh + i) * ow + j
                                d[o] = best
                                ap[o] = Int32(bi)
                            }
                        }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (out, argmax)
    }

    /// The first `8·⌊outputs/8⌋` outputs of one output row of a 2×2, stride-2 max pool (input rows
    /// `r0` and `r0 + width`, output row `row`), eight at a time; returns how many it wrote. Each lane
    /// makes the scalar loop's comparisons in the same order, so values and argmax are identical.
    @inline(__always)
    static func maxPoolHalvingRow(_ r0: UnsafePointer<Float>, width w: Int, row i: Int, outputs ow: Int,
                                  into d: UnsafeMutablePointer<Float>, argmax ap: UnsafeMutablePointer<Int32>) -> Int {
        let r1 = r0 + w
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        var j = 0
        while j &+ 8 <= ow {
            let top = UnsafeRawPointer(r0 + 2 &* j).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(r1 + 2 &* j).loadUnaligned(as: SIMD16<Float>.self)
            let base = lanes &+ Int32(truncatingIfNeeded: 2 &* i &* w &+ 2 &* j)
            var best = top.evenHalf, index = base
            let b = top.oddHalf, c = bottom.evenHalf, e = bottom.oddHalf
            var take = (b .> best) .| (b .!= b)
            best.replace(with: b, where: take)
            index.replace(with: base &+ 1, where: take)
            take = (c .> best) .| (c .!= c)
            best.replace(with: c, where: take)
            index.replace(with: base &+ Int32(truncatingIfNeeded: w), where: take)
            take = (e .> best) .| (e .!= e)
            best.replace(with: e, where: take)
            index.replace(with: base &+ Int32(truncatingIfNeeded: w &+ 1), where: take)
            UnsafeMutableRawPointer(d + j).storeBytes(of: best, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(ap + j).storeBytes(of: index, as: SIMD8<Int32>.self)
            j &+= 8
        }
        return j
    }

    static func maxPool2dBackward(gradient g: Tensor, argmax: [Int32], inputShape: [Int]) -> Tensor {
        // Each plane is zeroed by the thread that scatters into it (one serial memset of the whole
        // input gradient would leave the other cores idle).
        let out = Tensor.empty(inputShape, dtype: g.dtype)
        let gc = g.contiguous()
        let planes = inputShape[0] * inputShape[1]
        let hw = inputShape[2] * inputShape[3]
        let ohw = g.shape[2] * g.shape[3]
        func run<T: KFloat>(_: T.Type) {
            let gp = gc.pointer(as: T.self), d = out.pointer(as: T.self)
            argmax.withUnsafeBufferPointer { ab in
                Parallel.forEachChunk(planes, costPerItem: ohw) { r in
                    for p in r {
                        let dp = d + p * hw
                        dp.update(repeating: 0, count: hw)
                        for k in 0..<ohw { dp[Int(ab[p * ohw + k])] += gp[p * ohw + k] }
                    }
                }
            }
        }
        dispatch(g.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    /// Calls `body(o, hLo, hHi, wLo, wHi, divisor)` for each output position of an average pool.
    @inline(__always)
    static func avgWindows(h: Int, w: Int, oh: Int, ow: Int, _ c: Pool2dConfig, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        for i in 0..<oh {
            let h0 = i * c.stride.0 - c.padding.0
            let hEnd = Swift.min(h0 + c.kernel.0, h + c.padding.0)
            let hLo = Swift.max(h0, 0), hHi = Swift.min(h0 + c.kernel.0, h)
            for j in 0..<ow {
                let w0 = j * c.stride.1 - c.padding.1
                let wEnd = Swift.min(w0 + c.kernel.1, w + c.padding.1)
                let wLo = Swift.max(w0, 0), wHi = Swift.min(w0 + c.kernel.1, w)
                let div = c.countIncludePad ? (hEnd - h0) * (wEnd - w0) : (hHi - hLo) * (wHi - wLo)
                body(i * ow + j, hLo, hHi, wLo, wHi, Swift.max(div, 1))
            }
        }
    }

    static func avgPool2d(_ x: Tensor, _ c: Pool2dConfig) -> Tensor {
        precondition(x.rank == 4, "avgPool2d: input must be [N, C, H, W], got \(x.shape)")
        let h = x.shape[2], w = x.shape[3]
        let oh = poolOutput(h, kernel: c.kernel.0, stride: c.stride.0, padding: c.padding.0)
        let ow = poolOutput(w, kernel: c.kernel.1, stride: c.stride.1, padding: c.padding.1)
        precondition(oh > 0 && ow > 0, "avgPool2d: input \(x.shape) is smaller than the kernel \(c.kernel)")
        let planes = x.shape[0] * x.shape[1]
        let out = Tensor.empty([x.shape[0], x.shape[1], oh, ow], dtype: x.dtype)
        let xc = x.contiguous()
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(planes, costPerItem: oh * ow * c.kernel.0 * c.kernel.1) { r in
                for p in r {
                    let sp = s + p * h * w, dp = d + p * oh * ow
                    avgWindows(h: h, w: w, oh: oh, ow: ow, c) { o, hLo, hHi, wLo, wHi, div in
                        var acc: T = 0
                        for hh in hLo..<hHi { for ww in wLo..<wHi { acc += sp[hh * w + ww] } }
                        dp[o] = acc / T(div)
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    static func avgPool2dBackward(gradient g: Tensor, inputShape: [Int], config c: Pool2dConfig) -> Tensor {
        let out = Tensor.empty(inputShape, dtype: g.dtype)  // planes are zeroed in parallel below
        let gc = g.contiguous()
        let h = inputShape[2], w = inputShape[3], oh = g.shape[2], ow = g.shape[3]
        let planes = inputShape[0] * inputShape[1]
        func run<T: KFloat>(_: T.Type) {
            let gp = gc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(planes, costPerItem: oh * ow * c.kernel.0 * c.kernel.1) { r in
                for p in r {
                    let dp = d + p * h * w, sp = gp + p * oh * ow
                    dp.update(repeating: 0, count: h * w)
                    avgWindows(h: h, w: w, oh: oh, ow: ow, c) { o, hLo, hHi, wLo, wHi, div in
                        let v = sp[o] / T(div)
                        for hh in hLo..<hHi { for ww in wLo..<wHi { dp[hh * w + ww] += v } }
                    }
                }
            }
        }
        dispatch(g.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    /// PyTorch's adaptive pooling window for output index `i`: `[⌊i·n/o⌋, ⌈(i+1)·n/o⌉)`.
    @inline(__always)
    static func adaptiveRange(_ i: Int, _ n: Int, _ o: Int) -> Range<Int> {
        (i * n / o)..<(((i + 1) * n + o - 1) / o)
    }

    static func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) -> Tensor {
        precondition(x.rank == 4, "adaptiveAvgPool2d: input must be [N, C, H, W], got \(x.shape)")
        let h = x.shape[2], w = x.shape[3], (oh, ow) = outputSize
        let planes = x.shape[0] * x.shape[1]
        let out = Tensor.empty([x.shape[0], x.shape[1], oh, ow], dtype: x.dtype)
        let xc = x.contiguous()
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(planes, costPerItem: h * w) { r in
                if oh == 1 && ow == 1 {
                    // Global average pooling: each plane is one contiguous run.
                    let divisor = T(h * w)
                    for p in r { d[p] = runSum(s + p * h * w, h * w, 1) / divisor }
                    return
                }
                for p in r {
                    let sp = s + p * h * w
                    for i in 0..<oh {
                        let hr = adaptiveRange(i, h, oh)
                        for j in 0..<ow {
                            let wr = adaptiveRange(j, w, ow)
                            var acc: T = 0
                            for hh in hr { acc += runSum(sp + hh * w + wr.lowerBound, wr.count, 1) }
                            d[(p * oh + i) * ow + j] = acc / T(hr.count * wr.count)
                        }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    static func adaptiveAvgPool2dBackward(gradient g: Tensor, inputShape: [Int]) -> Tensor {
        let gc = g.contiguous()
        let h = inputShape[2], w = inputShape[3], oh = g.shape[2], ow = g.shape[3]
        let isGlobal = oh == 1 && ow == 1
        // Global pooling writes every input position once; other sizes add into planes zeroed in parallel.
        let out = Tensor.empty(inputShape, dtype: g.dtype)
        let planes = inputShape[0] * inputShape[1]
        func run<T: KFloat>(_: T.Type) {
            let gp = gc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(planes, costPerItem: h * w) { r in
                if isGlobal {
                    let divisor = T(h * w)
                    for p in r { (d + p * h * w).update(repeating: gp[p] / divisor, count: h * w) }
                    return
                }
                for p in r {
                    let dp = d + p * h * w
                    dp.update(repeating: 0, count: h * w)
                    for i in 0..<oh {
                        let hr = adaptiveRange(i, h, oh)
                        for j in 0..<ow {
                            let wr = adaptiveRange(j, w, ow)
                            let v = gp[(p * oh + i) * ow + j] / T(hr.count * wr.count)
                            for hh in hr { for ww in wr { dp[hh * w + ww] += v } }
                        }
                    }
                }
            }
        }
        dispatch(g.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }
}
