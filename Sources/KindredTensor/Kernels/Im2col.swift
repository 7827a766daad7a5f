/// Geometry of a 2-D convolution window sliding over an `H×W` image to give `outH×outW` positions.
struct ConvGeometry: Hashable {
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
        let ncols = n * g.outH * g.outW
        if g.paddingIsIdentity {
            Parallel.forEachChunk(g.rows, costPerItem: ncols) { rows in unfoldPadded(x, g, batch: n, rows: rows, into: col) }
            return
        }
        let xp = UnsafeMutablePointer<T>.allocate(capacity: n * g.paddedImageCount)
        defer { xp.deallocate() }
        Parallel.forEachChunk(n * g.channels, costPerItem: g.paddedHeight * g.paddedWidth) { planes in padPlanes(x, g, planes: planes, into: xp) }
        Parallel.forEachChunk(g.rows, costPerItem: ncols) { rows in unfoldPadded(UnsafePointer(xp), g, batch: n, rows: rows, into: col) }
    }

    /// The adjoint of ``im2col``: folds columns `[C·kh·kw, N·outH·outW]` back into `x` `[N, C, H, W]`
    /// (overwriting it; input positions no window reads get 0).
    static func col2im<T: KFloat>(_ col: UnsafePointer<T>, batch n: Int, _ g: ConvGeometry, into x: UnsafeMutablePointer<T>) {
        let ncols = n * g.outH * g.outW, kk = g.kernelH * g.kernelW
        let plane = g.paddedHeight * g.paddedWidth
        let identity = g.paddingIsIdentity
        let xp = identity ? x : UnsafeMutablePointer<T>.allocate(capacity: n * g.paddedImageCount)
        defer { if !identity { xp.deallocate() } }
        // Channels are independent: parallel over channels keeps writes disjoint.
        Parallel.forEachChunk(g.channels, costPerItem: kk * ncols) { channels in
            for b in 0..<n { (xp + (b * g.channels + channels.lowerBound) * plane).update(repeating: 0, count: channels.count * plane) }
            foldPadded(col, g, batch: n, channels: channels, into: xp)
            if !identity {
                for b in 0..<n {
                    let first = b * g.channels + channels.lowerBound
                    cropPlanes(UnsafePointer(xp), g, planes: first..<(first + channels.count), into: x)
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
