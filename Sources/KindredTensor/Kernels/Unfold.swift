/// im2col and col2im through a zero-padded copy of the input.
///
/// Padding the planes once (`[C, paddedHeight, paddedWidth]` per image) removes every boundary test
/// from the unfolding itself: each row of the column matrix is then `outH` plain runs of `outW` values
/// (contiguous when the stride is 1), copied or accumulated with SIMD loads and stores. The fold adds
/// in the same order as a direct scatter (row by row of the column matrix), so results are
/// bit-identical to it.
extension ConvGeometry {
    /// Rows of the padded plane that the windows read: `(outH-1)·sh + (kh-1)·dh + 1` (at most `H + 2·padH`).
    var paddedHeight: Int { (outH - 1) * strideH + (kernelH - 1) * dilationH + 1 }
    /// Columns of the padded plane that the windows read.
    var paddedWidth: Int { (outW - 1) * strideW + (kernelW - 1) * dilationW + 1 }
    /// Values in one padded image `[C, paddedHeight, paddedWidth]`.
    var paddedImageCount: Int { channels * paddedHeight * paddedWidth }
    /// Whether the padded image is the input itself (no padding and every input value is read).
    var paddingIsIdentity: Bool { padH == 0 && padW == 0 && paddedHeight == height && paddedWidth == width }
}

extension Kernels {
    /// Copies `n` values, SIMD-wide (the last vector may overlap the previous one).
    @inline(__always)
    static func copyRun<T: KFloat>(_ s: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ n: Int) {
        if n >= 8 {
            var i = 0
            while i &+ 8 <= n {
                UnsafeMutableRawPointer(d + i).storeBytes(of: UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<T>.self), as: SIMD8<T>.self)
                i &+= 8
            }
            if i < n {
                let j = n &- 8
                UnsafeMutableRawPointer(d + j).storeBytes(of: UnsafeRawPointer(s + j).loadUnaligned(as: SIMD8<T>.self), as: SIMD8<T>.self)
            }
        } else if n >= 4 {
            let j = n &- 4
            let a = UnsafeRawPointer(s).loadUnaligned(as: SIMD4<T>.self), b = UnsafeRawPointer(s + j).loadUnaligned(as: SIMD4<T>.self)
            UnsafeMutableRawPointer(d).storeBytes(of: a, as: SIMD4<T>.self)
            UnsafeMutableRawPointer(d + j).storeBytes(of: b, as: SIMD4<T>.self)
        } else {
            var i = 0
            while i < n { d[i] = s[i]; i &+= 1 }
        }
    }

    /// `d[i] += s[i]` for `n` values, SIMD-wide (no overlap: every value is added once).
    @inline(__always)
    static func addRun<T: KFloat>(_ s: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ n: Int) {
        var i = 0
        while i &+ 8 <= n {
            let v = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD8<T>.self) + UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<T>.self)
            UnsafeMutableRawPointer(d + i).storeBytes(of: v, as: SIMD8<T>.self)
            i &+= 8
        }
        if i &+ 4 <= n {
            let v = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD4<T>.self) + UnsafeRawPointer(s + i).loadUnaligned(as: SIMD4<T>.self)
            UnsafeMutableRawPointer(d + i).storeBytes(of: v, as: SIMD4<T>.self)
            i &+= 4
        }
        while i < n { d[i] += s[i]; i &+= 1 }
    }

    /// Writes planes `planes` (indices `b·C + c`) of `x` `[N, C, H, W]` into the zero-padded
    /// `xp` `[N, C, paddedHeight, paddedWidth]`.
    static func padPlanes<T: KFloat>(_ x: UnsafePointer<T>, _ g: ConvGeometry, planes: Range<Int>, into xp: UnsafeMutablePointer<T>) {
        let hp = g.paddedHeight, wp = g.paddedWidth, h = g.height, w = g.width
        // Input columns that land inside the padded plane, and where.
        let c0 = Swift.max(0, -g.padW), c1 = Swift.min(w, wp - g.padW)
        let run = Swift.max(0, c1 - c0), dst0 = c0 + g.padW
        for p in planes {
            let src = x + p * h * w, dst = xp + p * hp * wp
            for r in 0..<hp {
                let row = dst + r * wp, ih = r - g.padH
                guard ih >= 0 && ih < h && run > 0 else { row.update(repeating: 0, count: wp); continue }
                if dst0 > 0 { row.update(repeating: 0, count: dst0) }
                copyRun(src + ih * w + c0, row + dst0, run)
                if dst0 + run < wp { (row + dst0 + run).update(repeating: 0, count: wp - dst0 - run) }
            }
        }
    }

    /// The adjoint of ``padPlanes``: writes the interior of padded planes back to `x` `[N, C, H, W]`
    /// (input positions no window reads get 0).
    static func cropPlanes<T: KFloat>(_ xp: UnsafePointer<T>, _ g: ConvGeometry, planes: Range<Int>, into x: UnsafeMutablePointer<T>) {
        let hp = g.paddedHeight, wp = g.paddedWidth, h = g.height, w = g.width
        let c0 = Swift.max(0, -g.padW), c1 = Swift.min(w, wp - g.padW)
        let run = Swift.max(0, c1 - c0), src0 = c0 + g.padW
        for p in planes {
            let src = xp + p * hp * wp, dst = x + p * h * w
            for ih in 0..<h {
                let row = dst + ih * w, r = ih + g.padH
                guard r >= 0 && r < hp && run > 0 else { row.update(repeating: 0, count: w); continue }
                if c0 > 0 { row.update(repeating: 0, count: c0) }
                copyRun(src + r * wp + src0, row + c0, run)
                if c1 < w { (row + c1).update(repeating: 0, count: w - c1) }
            }
        }
    }

    /// Rows `rows` of the column matrix `[C·kh·kw, N·outH·outW]` from padded images `xp`.
    static func unfoldPadded<T: KFloat>(_ xp: UnsafePointer<T>, _ g: ConvGeometry, batch n: Int, rows: Range<Int>,
                                        into col: UnsafeMutablePointer<T>) {
        let hp = g.paddedHeight, wp = g.paddedWidth, ohw = g.outH * g.outW, outW = g.outW
        let plane = hp * wp, image = g.channels * plane, ncols = n * ohw, kk = g.kernelH * g.kernelW
        let sh = g.strideH * wp, sw = g.strideW
        for r in rows {
            let c = r / kk, ki = (r % kk) / g.kernelW, kj = r % g.kernelW
            let base = xp + c * plane + ki * g.dilationH * wp + kj * g.dilationW
            let dstRow = col + r * ncols
            for b in 0..<n {
                var src = UnsafePointer(base + b * image), dst = dstRow + b * ohw
                for _ in 0..<g.outH {
                    if sw == 1 {
                        copyRun(src, dst, outW)
                    } else {
                        var i = 0
                        while i < outW { dst[i] = src[i &* sw]; i &+= 1 }
                    }
                    src += sh
                    dst += outW
                }
            }
        }
    }

    /// The adjoint of ``unfoldPadded``: adds the column rows of channels `channels` into padded
    /// images `xp` (which hold zeros or values to add to).
    static func foldPadded<T: KFloat>(_ col: UnsafePointer<T>, _ g: ConvGeometry, batch n: Int, channels: Range<Int>,
                                      into xp: UnsafeMutablePointer<T>) {
        let hp = g.paddedHeight, wp = g.paddedWidth, ohw = g.outH * g.outW, outW = g.outW
        let plane = hp * wp, image = g.channels * plane, ncols = n * ohw, kk = g.kernelH * g.kernelW
        let sh = g.strideH * wp, sw = g.strideW
        for c in channels {
            for kidx in 0..<kk {
                let ki = kidx / g.kernelW, kj = kidx % g.kernelW
                let base = xp + c * plane + ki * g.dilationH * wp + kj * g.dilationW
                let srcRow = col + (c * kk + kidx) * ncols
                for b in 0..<n {
                    var dst = base + b * image, src = srcRow + b * ohw
                    for _ in 0..<g.outH {
                        if sw == 1 {
                            addRun(src, dst, outW)
                        } else {
                            var i = 0
                            while i < outW { dst[i &* sw] += src[i]; i &+= 1 }
                        }
                        src += outW
                        dst += sh
                    }
                }
            }
        }
    }
}
