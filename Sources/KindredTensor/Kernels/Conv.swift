/// 2-D convolution and transposed convolution as im2col + one BLAS GEMM per group over the
/// whole batch, so nearly all the time is spent inside sgemm.
extension Kernels {
    static func convGeometry(input x: [Int], weight w: [Int], config c: Conv2dConfig) -> ConvGeometry {
        let h = x[2], wd = x[3], kh = w[2], kw = w[3]
        let oh = (h + 2 * c.padding.0 - c.dilation.0 * (kh - 1) - 1) / c.stride.0 + 1
        let ow = (wd + 2 * c.padding.1 - c.dilation.1 * (kw - 1) - 1) / c.stride.1 + 1
        precondition(oh > 0 && ow > 0, "conv2d: input \(x) is too small for kernel \(kh)×\(kw) with padding \(c.padding), dilation \(c.dilation)")
        return ConvGeometry(channels: x[1], height: h, width: wd, kernelH: kh, kernelW: kw,
                            strideH: c.stride.0, strideW: c.stride.1, padH: c.padding.0, padW: c.padding.1,
                            dilationH: c.dilation.0, dilationW: c.dilation.1, outH: oh, outW: ow)
    }

    /// The geometry of the convolution whose data-gradient is this transposed convolution.
    static func transposedGeometry(input x: [Int], weight w: [Int], config c: Conv2dConfig) -> ConvGeometry {
        let kh = w[2], kw = w[3]
        let oh = (x[2] - 1) * c.stride.0 - 2 * c.padding.0 + c.dilation.0 * (kh - 1) + c.outputPadding.0 + 1
        let ow = (x[3] - 1) * c.stride.1 - 2 * c.padding.1 + c.dilation.1 * (kw - 1) + c.outputPadding.1 + 1
        precondition(oh > 0 && ow > 0, "convTranspose2d: output would be empty for input \(x)")
        let coutTotal = w[1] * c.groups
        return ConvGeometry(channels: coutTotal, height: oh, width: ow, kernelH: kh, kernelW: kw,
                            strideH: c.stride.0, strideW: c.stride.1, padH: c.padding.0, padW: c.padding.1,
                            dilationH: c.dilation.0, dilationW: c.dilation.1, outH: x[2], outW: x[3])
    }

    /// The convolution; with `keepColumns`, also the unfolded input (image-group or batched layout,
    /// as ``prefersImageGroups(_:batch:)`` decides) for ``conv2dBackward``.
    static func conv2d(_ x: Tensor, weight w: Tensor, bias: Tensor?, config c: Conv2dConfig, keepColumns: Bool = false) -> (Tensor, Storage?) {
        precondition(x.rank == 4 && w.rank == 4, "conv2d: input must be [N, C, H, W] and weight [Cout, Cin/groups, kh, kw], got \(x.shape) and \(w.shape)")
        let groups = c.groups
        precondition(x.shape[1] == w.shape[1] * groups, "conv2d: input has \(x.shape[1]) channels, weight \(w.shape) with groups=\(groups) expects \(w.shape[1] * groups)")
        precondition(w.shape[0] % groups == 0, "conv2d: \(w.shape[0]) output channels are not divisible by groups=\(groups)")
        let g = convGeometry(input: x.shape, weight: w.shape, config: c)
        let n = x.shape[0], cout = w.shape[0]
        let ohw = g.outH * g.outW, ncols = n * ohw
        let xc = x.contiguous(), wc = w.contiguous(), bc = bias?.contiguous()
        let out = Tensor.empty([n, cout, g.outH, g.outW], dtype: x.dtype)
        var kept: Storage?
        if x.dtype == .float32,
           DirectConvolution.forward(x: xc.pointer(as: Float.self), w: wc.pointer(as: Float.self), bias: bc?.pointer(as: Float.self),
                                     out: out.pointer(as: Float.self), batch: n, g, outChannels: cout, groups: groups) {
            return (out, nil)
        }
        func run<T: KFloat>(_: T.Type) {
            if prefersImageGroups(g, batch: n) {
                let columns = keepColumns ? Storage(count: n * g.rows * ohw, dtype: x.dtype) : nil
                conv2dImageGroups(T.self, x: xc.pointer(as: T.self), w: wc.pointer(as: T.self), bias: bc?.pointer(as: T.self),
                               out: out.pointer(as: T.self), batch: n, outChannels: cout, groups: groups, g,
                               columns: columns?.pointer(as: T.self))
                kept = columns
                return
            }
            let col = Storage(count: g.rows * ncols, dtype: x.dtype)
            if keepColumns { kept = col }
            let tmp = Storage(count: cout * ncols, dtype: x.dtype)
            let cp = col.pointer(as: T.self), tp = tmp.pointer(as: T.self)
            im2col(xc.pointer(as: T.self), batch: n, g, into: cp)
            let kg = g.rows / groups, cg = cout / groups
            for gi in 0..<groups {
                gemm(T.self, transA: false, transB: false, m: cg, n: ncols, k: kg,
                     a: wc.pointer(as: T.self) + gi * cg * kg, lda: kg, b: cp + gi * kg * ncols, ldb: ncols,
                     c: tp + gi * cg * ncols, ldc: ncols)
            }
            channelsFirstToBatchFirst(tp, channels: cout, batch: n, plane: ohw, bias: bc?.pointer(as: T.self), into: out.pointer(as: T.self))
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (out, kept)
    }

    /// The input and weight gradients; with `needBias`, also the bias gradient (`gy` summed over
    /// batch and positions; the direct kernels compute it in the weight-gradient pass).
    static func conv2dBackward(input x: Tensor, weight w: Tensor, gradient gy: Tensor, config c: Conv2dConfig, columns: Storage? = nil,
                               needInput: Bool, needWeight: Bool, needBias: Bool = false) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let g = convGeometry(input: x.shape, weight: w.shape, config: c)
        let n = x.shape[0], cout = w.shape[0], groups = c.groups
        let ohw = g.outH * g.outW, ncols = n * ohw
        let kg = g.rows / groups, cg = cout / groups
        // Contiguous copies are bound here, not made inline where a pointer is taken: a temporary
        // is released right after `.pointer(as:)` returns, leaving the pointer dangling.
        let gyc = gy.contiguous(), wc = w.contiguous(), xc = needWeight ? x.contiguous() : x
        var gx: Tensor?, gw: Tensor?
        func summedBias() -> Tensor? { needBias ? gy.sum(axes: [0, 2, 3]) : nil }
        if x.dtype == .float32 {
            // The direct path, when both requested gradients can take it.
            let gxT = needInput ? Tensor.empty(x.shape, dtype: x.dtype) : nil
            let gwT = needWeight ? Tensor.empty(w.shape, dtype: w.dtype) : nil
            let inputDone = gxT.map {
                DirectConvolution.backwardData(gy: gyc.pointer(as: Float.self), w: wc.pointer(as: Float.self), gx: $0.pointer(as: Float.self),
                                               batch: n, g, outChannels: cout, groups: groups)
            } ?? true
            let gbT = needBias && needWeight ? Tensor.empty([cout], dtype: x.dtype) : nil
            let weightDone = inputDone && (gwT.map {
                DirectConvolution.backwardWeights(x: xc.pointer(as: Float.self), gy: gyc.pointer(as: Float.self), gw: $0.pointer(as: Float.self),
                                                  gb: gbT?.pointer(as: Float.self), batch: n, g, outChannels: cout, groups: groups)
            } ?? true)
            if inputDone && weightDone { return (gxT, gwT, gbT ?? summedBias()) }
        }
        func run<T: KFloat>(_: T.Type) {
            if prefersImageGroups(g, batch: n) {
                let gxT = needInput ? Tensor.empty(x.shape, dtype: x.dtype) : nil
                let gwT = needWeight ? Tensor.empty(w.shape, dtype: w.dtype) : nil
                conv2dBackwardImageGroups(T.self, x: xc.pointer(as: T.self), w: wc.pointer(as: T.self), gy: gyc.pointer(as: T.self),
                                       gx: gxT?.pointer(as: T.self), gw: gwT?.pointer(as: T.self),
                                       batch: n, outChannels: cout, groups: groups, g, columns: columns?.pointer(as: T.self))
                gx = gxT
                gw = gwT
                return
            }
            let dy = Storage(count: cout * ncols, dtype: x.dtype)
            let dyp = dy.pointer(as: T.self)
            batchFirstToChannelsFirst(gyc.pointer(as: T.self), channels: cout, batch: n, plane: ohw, into: dyp)
            let col = Storage(count: g.rows * ncols, dtype: x.dtype)
            let cp = col.pointer(as: T.self)
            if needWeight {
                let xcol: UnsafeMutablePointer<T>
                if let columns { xcol = columns.pointer(as: T.self) } else {
                    im2col(xc.pointer(as: T.self), batch: n, g, into: cp)
                    xcol = cp
                }
                let out = Tensor.empty(w.shape, dtype: w.dtype)
                for gi in 0..<groups {
                    gemm(T.self, transA: false, transB: true, m: cg, n: kg, k: ncols,
                         a: dyp + gi * cg * ncols, lda: ncols, b: xcol + gi * kg * ncols, ldb: ncols,
                         c: out.pointer(as: T.self) + gi * cg * kg, ldc: kg)
                }
                gw = out
            }
            if needInput {
                for gi in 0..<groups {
                    gemm(T.self, transA: true, transB: false, m: kg, n: ncols, k: cg,
                         a: wc.pointer(as: T.self) + gi * cg * kg, lda: kg, b: dyp + gi * cg * ncols, ldb: ncols,
                         c: cp + gi * kg * ncols, ldc: ncols)
                }
                let out = Tensor.empty(x.shape, dtype: x.dtype)
                col2im(cp, batch: n, g, into: out.pointer(as: T.self))
                gx = out
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (gx, gw, summedBias())
    }

    static func convTranspose2d(_ x: Tensor, weight w: Tensor, bias: Tensor?, config c: Conv2dConfig) -> Tensor {
        precondition(x.rank == 4 && w.rank == 4, "convTranspose2d: input must be [N, C, H, W] and weight [Cin, Cout/groups, kh, kw], got \(x.shape) and \(w.shape)")
        let groups = c.groups
        precondition(x.shape[1] == w.shape[0] && w.shape[0] % groups == 0,
                     "convTranspose2d: input has \(x.shape[1]) channels, weight \(w.shape) expects \(w.shape[0]) (divisible by groups=\(groups))")
        let g = transposedGeometry(input: x.shape, weight: w.shape, config: c)
        let n = x.shape[0], cin = x.shape[1], cout = g.channels
        let inHW = x.shape[2] * x.shape[3], ncols = n * inHW
        let kg = g.rows / groups, cing = cin / groups
        let xc = x.contiguous(), wc = w.contiguous(), bc = bias?.contiguous()
        let out = Tensor.empty([n, cout, g.height, g.width], dtype: x.dtype)
        // The transposed convolution is the input gradient of the convolution `g` describes
        // (weight [Cin, Cout/groups·kh·kw] read as that convolution's [Cout', Cin'/groups·kh·kw]).
        let direct = x.dtype == .float32
            && DirectConvolution.backwardData(gy: xc.pointer(as: Float.self), w: wc.pointer(as: Float.self), gx: out.pointer(as: Float.self),
                                              batch: n, g, outChannels: cin, groups: groups)
        func run<T: KFloat>(_: T.Type) {
            if direct {
                // Done above; only the bias is left.
            } else if prefersImageGroups(g, batch: n) {
                conv2dBackwardImageGroups(T.self, x: xc.pointer(as: T.self), w: wc.pointer(as: T.self), gy: xc.pointer(as: T.self),
                                       gx: out.pointer(as: T.self), gw: nil, batch: n, outChannels: cin, groups: groups, g)
            } else {
                let xs = Storage(count: cin * ncols, dtype: x.dtype)
                let xsp = xs.pointer(as: T.self)
                batchFirstToChannelsFirst(xc.pointer(as: T.self), channels: cin, batch: n, plane: inHW, into: xsp)
                let col = Storage(count: g.rows * ncols, dtype: x.dtype)
                let cp = col.pointer(as: T.self)
                for gi in 0..<groups {
                    // cols_g [Cout/g·kk, N·HWin] = W_gᵀ · x_g
                    gemm(T.self, transA: true, transB: false, m: kg, n: ncols, k: cing,
                         a: wc.pointer(as: T.self) + gi * cing * kg, lda: kg, b: xsp + gi * cing * ncols, ldb: ncols,
                         c: cp + gi * kg * ncols, ldc: ncols)
                }
                col2im(cp, batch: n, g, into: out.pointer(as: T.self))
            }
            if let bc {
                let bp = bc.pointer(as: T.self), op = out.pointer(as: T.self)
                let hw = g.height * g.width
                Parallel.forEachChunk(n * cout, costPerItem: hw) { r in
                    for t in r { let bv = bp[t % cout]; let p = op + t * hw; for i in 0..<hw { p[i] += bv } }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    static func convTranspose2dBackward(input x: Tensor, weight w: Tensor, gradient gy: Tensor, config c: Conv2dConfig,
                                        needInput: Bool, needWeight: Bool) -> (input: Tensor?, weight: Tensor?) {
        let g = transposedGeometry(input: x.shape, weight: w.shape, config: c)
        let n = x.shape[0], cin = x.shape[1], groups = c.groups
        let inHW = x.shape[2] * x.shape[3], ncols = n * inHW
        let kg = g.rows / groups, cing = cin / groups
        // Bound here so the copies outlive the pointers taken from them (see conv2dBackward).
        let wc = w.contiguous(), gyc = gy.contiguous(), xc = needWeight ? x.contiguous() : x
        var gx: Tensor?, gw: Tensor?
        if x.dtype == .float32 {
            // Input gradient: the convolution of gy; weight gradient: the convolution's weight
            // gradient with gy as its input and x as its output gradient.
            let gxT = needInput ? Tensor.empty(x.shape, dtype: x.dtype) : nil
            let gwT = needWeight ? Tensor.empty(w.shape, dtype: w.dtype) : nil
            let inputDone = gxT.map {
                DirectConvolution.forward(x: gyc.pointer(as: Float.self), w: wc.pointer(as: Float.self), bias: nil, out: $0.pointer(as: Float.self),
                                          batch: n, g, outChannels: cin, groups: groups)
            } ?? true
            let weightDone = inputDone && (gwT.map {
                DirectConvolution.backwardWeights(x: gyc.pointer(as: Float.self), gy: xc.pointer(as: Float.self), gw: $0.pointer(as: Float.self),
                                                  batch: n, g, outChannels: cin, groups: groups)
            } ?? true)
            if inputDone && weightDone { return (gxT, gwT) }
        }
        func run<T: KFloat>(_: T.Type) {
            if prefersImageGroups(g, batch: n) {
                // Input gradient: the convolution of gy; weight gradient: the convolution's weight
                // gradient with gy as its input and x as its output gradient.
                if needInput {
                    let out = Tensor.empty(x.shape, dtype: x.dtype)
                    conv2dImageGroups(T.self, x: gyc.pointer(as: T.self), w: wc.pointer(as: T.self), bias: nil,
                                   out: out.pointer(as: T.self), batch: n, outChannels: cin, groups: groups, g)
                    gx = out
                }
                if needWeight {
                    let out = Tensor.empty(w.shape, dtype: w.dtype)
                    conv2dBackwardImageGroups(T.self, x: gyc.pointer(as: T.self), w: wc.pointer(as: T.self), gy: xc.pointer(as: T.self),
                                           gx: nil, gw: out.pointer(as: T.self), batch: n, outChannels: cin, groups: groups, g)
                    gw = out
                }
                return
            }
            let col = Storage(count: g.rows * ncols, dtype: x.dtype)
            let cp = col.pointer(as: T.self)
            im2col(gyc.pointer(as: T.self), batch: n, g, into: cp)
            if needInput {
                let tmp = Storage(count: cin * ncols, dtype: x.dtype)
                let tp = tmp.pointer(as: T.self)
                for gi in 0..<groups {
                    gemm(T.self, transA: false, transB: false, m: cing, n: ncols, k: kg,
                         a: wc.pointer(as: T.self) + gi * cing * kg, lda: kg, b: cp + gi * kg * ncols, ldb: ncols,
                         c: tp + gi * cing * ncols, ldc: ncols)
                }
                let out = Tensor.empty(x.shape, dtype: x.dtype)
                channelsFirstToBatchFirst(tp, channels: cin, batch: n, plane: inHW, bias: nil, into: out.pointer(as: T.self))
                gx = out
            }
            if needWeight {
                let xs = Storage(count: cin * ncols, dtype: x.dtype)
                let xsp = xs.pointer(as: T.self)
                batchFirstToChannelsFirst(xc.pointer(as: T.self), channels: cin, batch: n, plane: inHW, into: xsp)
                let out = Tensor.empty(w.shape, dtype: w.dtype)
                for gi in 0..<groups {
                    gemm(T.self, transA: false, transB: true, m: cing, n: kg, k: ncols,
                         a: xsp + gi * cing * ncols, lda: ncols, b: cp + gi * kg * ncols, ldb: ncols,
                         c: out.pointer(as: T.self) + gi * cing * kg, ldc: kg)
                }
                gw = out
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return (gx, gw)
    }
}
