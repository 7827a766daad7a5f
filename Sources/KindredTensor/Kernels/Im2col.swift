/// Geometry of a 2-D convolution window sliding over an `H×W` image to give `outH×outW` positions.
struct ConvGeometry {
    let channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int
    let strideH: Int, strideW: Int
    let padH: Int, padW: Int
    let dilationH: Int, dilationW: Int
    let outH: Int, outW: Int

    /// Rows of the column matrix: `channels · kernelH · kernelW`.
    var rows: Int { channels * kernelH * kernelW }

    /// Range of output columns `ow` whose input column `ow·s - p + kj·d` lies inside the image.
    @inline(__always)
    func validRange(offset: Int, stride s: Int, size: Int, outSize: Int) -> Range<Int> {
        // ow*s + offset in [0, size)
        var lo = offset >= 0 ? 0 : (-offset + s - 1) / s
        var hi = size - offset <= 0 ? 0 : (size - offset + s - 1) / s
        lo = Swift.min(lo, outSize)
        hi = Swift.max(Swift.min(hi, outSize), lo)
        return lo..<hi
    }
}

extension Kernels {
    /// Unfolds a batch `x` `[N, C, H, W]` (contiguous) into columns `[C·kh·kw, N·outH·outW]`.
    static func im2col<T: KFloat>(_ x: UnsafePointer<T>, batch n: Int, _ g: ConvGeometry, into col: UnsafeMutablePointer<T>) {
        let hw = g.height * g.width
        let ohw = g.outH * g.outW
        let ncols = n * ohw
        let kk = g.kernelH * g.kernelW
        Parallel.forEachChunk(g.rows, costPerItem: ncols) { rows in
            for r in rows {
                let c = r / kk, ki = (r % kk) / g.kernelW, kj = r % g.kernelW
                let colOff = kj * g.dilationW - g.padW
                let wr = g.validRange(offset: colOff, stride: g.strideW, size: g.width, outSize: g.outW)
                let dstRow = col + r * ncols
                for b in 0..<n {
                    let src = x + (b * g.channels + c) * hw
                    for oh in 0..<g.outH {
                        let ih = oh * g.strideH - g.padH + ki * g.dilationH
                        let dst = dstRow + b * ohw + oh * g.outW
                        if ih < 0 || ih >= g.height {
                            dst.update(repeating: 0, count: g.outW)
                            continue
                        }
                        if wr.lowerBound > 0 { dst.update(repeating: 0, count: wr.lowerBound) }
                        let srow = src + ih * g.width + colOff
                        if g.strideW == 1 {
                            (dst + wr.lowerBound).update(from: srow + wr.lowerBound, count: wr.count)
                        } else {
                            for ow in wr { dst[ow] = srow[ow * g.strideW] }
                        }
                        if wr.upperBound < g.outW { (dst + wr.upperBound).update(repeating: 0, count: g.outW - wr.upperBound) }
                    }
                }
            }
        }
    }

    /// The adjoint of ``im2col``: adds columns `[C·kh·kw, N·outH·outW]` back into `x` `[N, C, H, W]`
    /// (which must be zeroed or hold values to add to).
    static func col2im<T: KFloat>(_ col: UnsafePointer<T>, batch n: Int, _ g: ConvGeometry, into x: UnsafeMutablePointer<T>) {
        let hw = g.height * g.width
        let ohw = g.outH * g.outW
        let ncols = n * ohw
        let kk = g.kernelH * g.kernelW
        // Channels are independent: parallel over channels keeps writes disjoint.
        Parallel.forEachChunk(g.channels, costPerItem: kk * ncols) { channels in
            for c in channels {
                for kidx in 0..<kk {
                    let r = c * kk + kidx
                    let ki = kidx / g.kernelW, kj = kidx % g.kernelW
                    let colOff = kj * g.dilationW - g.padW
                    let wr = g.validRange(offset: colOff, stride: g.strideW, size: g.width, outSize: g.outW)
                    let srcRow = col + r * ncols
                    for b in 0..<n {
                        let dstImg = x + (b * g.channels + c) * hw
                        for oh in 0..<g.outH {
                            let ih = oh * g.strideH - g.padH + ki * g.dilationH
                            if ih < 0 || ih >= g.height { continue }
                            let src = srcRow + b * ohw + oh * g.outW
                            let drow = dstImg + ih * g.width + colOff
                            if g.strideW == 1 {
                                for ow in wr { drow[ow] += src[ow] }
                            } else {
                                for ow in wr { drow[ow * g.strideW] += src[ow] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `[C, N·HW]` (contiguous, `src`) → `[N, C, HW]` (`dst`), adding `bias[c]` when given.
    static func channelsFirstToBatchFirst<T: KFloat>(_ src: UnsafePointer<T>, channels c: Int, batch n: Int, plane hw: Int,
                                                     bias: UnsafePointer<T>?, into dst: UnsafeMutablePointer<T>) {
        Parallel.forEachChunk(n * c, costPerItem: hw) { r in
            for t in r {
                let b = t / c, ch = t % c
                let s = src + (ch * n + b) * hw, d = dst + t * hw
                if let bias {
                    let bv = bias[ch]
                    for i in 0..<hw { d[i] = s[i] + bv }
                } else {
                    d.update(from: s, count: hw)
                }
            }
        }
    }

    /// `[N, C, HW]` → `[C, N·HW]`.
    static func batchFirstToChannelsFirst<T: KFloat>(_ src: UnsafePointer<T>, channels c: Int, batch n: Int, plane hw: Int,
                                                     into dst: UnsafeMutablePointer<T>) {
        Parallel.forEachChunk(n * c, costPerItem: hw) { r in
            for t in r {
                let b = t / c, ch = t % c
                (dst + (ch * n + b) * hw).update(from: src + t * hw, count: hw)
            }
        }
    }
}
