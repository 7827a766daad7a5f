import Foundation

/// Convolution one image at a time, in parallel over the batch.
///
/// For images with enough output positions this beats one GEMM over the whole batch: each image's
/// column matrix (`C·kh·kw × outH·outW`) stays in cache between im2col, the GEMM and col2im, the
/// output lands directly in NCHW order (no transposes), and each core runs its own single-threaded
/// GEMMs. Weight gradients are summed per thread and then across threads in a fixed order, so
/// results do not depend on timing.
extension Kernels {
    /// Whether ``conv2dPerImage`` is the better plan for this geometry and batch.
    static func prefersPerImage(_ g: ConvGeometry, batch n: Int) -> Bool {
        switch convPlanOverride {
        case "batched": return false
        case "image": return n >= Parallel.threadCount
        default: return n >= Parallel.threadCount && g.outH * g.outW >= 64
        }
    }

    /// `KINDRED_CONV=batched|image` forces one convolution plan (for benchmarking the choice).
    static let convPlanOverride = ProcessInfo.processInfo.environment["KINDRED_CONV"]

    /// Contiguous ranges of images, one per thread.
    static func imageChunks(_ n: Int) -> [Range<Int>] {
        let parts = Swift.min(Parallel.threadCount, n)
        return (0..<parts).map { t in (t * n / parts)..<((t + 1) * n / parts) }
    }

    /// Unfolds one image `[C, H, W]` into `[C·kh·kw, outH·outW]` (single-threaded).
    static func im2colImage<T: KFloat>(_ x: UnsafePointer<T>, _ g: ConvGeometry, into col: UnsafeMutablePointer<T>) {
        let hw = g.height * g.width, ohw = g.outH * g.outW, outW = g.outW
        var r = 0
        for c in 0..<g.channels {
            let src = x + c * hw
            for ki in 0..<g.kernelH {
                // Output rows whose input row lies inside the image; the others are all padding.
                let rowOff = ki * g.dilationH - g.padH
                let hr = g.validRange(offset: rowOff, stride: g.strideH, size: g.height, outSize: g.outH)
                for kj in 0..<g.kernelW {
                    let colOff = kj * g.dilationW - g.padW
                    let wr = g.validRange(offset: colOff, stride: g.strideW, size: g.width, outSize: outW)
                    let dstRow = col + r * ohw
                    r += 1
                    if hr.lowerBound > 0 { dstRow.update(repeating: 0, count: hr.lowerBound * outW) }
                    if hr.upperBound < g.outH { (dstRow + hr.upperBound * outW).update(repeating: 0, count: (g.outH - hr.upperBound) * outW) }
                    for oh in hr {
                        let dst = dstRow + oh * outW
                        let srow = src + (oh * g.strideH + rowOff) * g.width + colOff
                        for ow in 0..<wr.lowerBound { dst[ow] = 0 }
                        if g.strideW == 1 {
                            for ow in wr { dst[ow] = srow[ow] }
                        } else {
                            let sw = g.strideW
                            for ow in wr { dst[ow] = srow[ow * sw] }
                        }
                        for ow in wr.upperBound..<outW { dst[ow] = 0 }
                    }
                }
            }
        }
    }

    /// Adds columns `[C·kh·kw, outH·outW]` back into one image `[C, H, W]` (single-threaded).
    static func col2imImage<T: KFloat>(_ col: UnsafePointer<T>, _ g: ConvGeometry, into x: UnsafeMutablePointer<T>) {
        let hw = g.height * g.width, ohw = g.outH * g.outW, kk = g.kernelH * g.kernelW
        for r in 0..<g.rows {
            let c = r / kk, ki = (r % kk) / g.kernelW, kj = r % g.kernelW
            let colOff = kj * g.dilationW - g.padW
            let wr = g.validRange(offset: colOff, stride: g.strideW, size: g.width, outSize: g.outW)
            let dstImg = x + c * hw
            let srcRow = col + r * ohw
            for oh in 0..<g.outH {
                let ih = oh * g.strideH - g.padH + ki * g.dilationH
                if ih < 0 || ih >= g.height { continue }
                let src = srcRow + oh * g.outW
                let drow = dstImg + ih * g.width + colOff
                if g.strideW == 1 {
                    for ow in wr { drow[ow] += src[ow] }
                } else {
                    for ow in wr { drow[ow * g.strideW] += src[ow] }
                }
            }
        }
    }

    static func conv2dPerImage<T: KFloat>(_: T.Type, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                          out: UnsafeMutablePointer<T>, batch n: Int, outChannels cout: Int, groups: Int, _ g: ConvGeometry,
                                          columns: UnsafeMutablePointer<T>? = nil) {
        let ohw = g.outH * g.outW, chw = g.channels * g.height * g.width
        let kg = g.rows / groups, cg = cout / groups
        let chunks = imageChunks(n)
        DispatchQueue.concurrentPerform(iterations: chunks.count) { t in
            let scratch = columns == nil ? UnsafeMutablePointer<T>.allocate(capacity: g.rows * ohw) : nil
            defer { scratch?.deallocate() }
            for b in chunks[t] {
                // With `columns`, each image's unfolded input is kept for the backward pass.
                let col = columns.map { $0 + b * g.rows * ohw } ?? scratch!
                im2colImage(x + b * chw, g, into: col)
                let ob = out + b * cout * ohw
                for gi in 0..<groups {
                    gemmBLAS(T.self, transA: false, transB: false, m: cg, n: ohw, k: kg, alpha: 1,
                             a: w + gi * cg * kg, lda: kg, b: col + gi * kg * ohw, ldb: ohw, beta: 0, c: ob + gi * cg * ohw, ldc: ohw)
                }
                if let bias {
                    for ch in 0..<cout {
                        let bv = bias[ch], row = ob + ch * ohw
                        for i in 0..<ohw { row[i] += bv }
                    }
                }
            }
        }
    }

    static func conv2dBackwardPerImage<T: KFloat>(_: T.Type, x: UnsafePointer<T>, w: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                  gx: UnsafeMutablePointer<T>?, gw: UnsafeMutablePointer<T>?,
                                                  batch n: Int, outChannels cout: Int, groups: Int, _ g: ConvGeometry,
                                                  columns: UnsafePointer<T>? = nil) {
        let ohw = g.outH * g.outW, chw = g.channels * g.height * g.width
        let kg = g.rows / groups, cg = cout / groups
        let chunks = imageChunks(n)
        let wCount = cout * kg
        // One weight-gradient buffer per thread; thread 0 writes straight into gw.
        let partials = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(chunks.count - 1, 1) * wCount)
        defer { partials.deallocate() }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { t in
            let col = UnsafeMutablePointer<T>.allocate(capacity: g.rows * ohw)
            defer { col.deallocate() }
            let dw: UnsafeMutablePointer<T>? = gw.map { t == 0 ? $0 : partials + (t - 1) * wCount }
            dw?.update(repeating: 0, count: wCount)
            for b in chunks[t] {
                let gyb = gy + b * cout * ohw
                if let dw {
                    let xcol: UnsafePointer<T>
                    if let columns { xcol = columns + b * g.rows * ohw } else {
                        im2colImage(x + b * chw, g, into: col)
                        xcol = UnsafePointer(col)
                    }
                    for gi in 0..<groups {
                        gemmBLAS(T.self, transA: false, transB: true, m: cg, n: kg, k: ohw, alpha: 1,
                                 a: gyb + gi * cg * ohw, lda: ohw, b: xcol + gi * kg * ohw, ldb: ohw, beta: 1, c: dw + gi * cg * kg, ldc: kg)
                    }
                }
                if let gx {
                    for gi in 0..<groups {
                        gemmBLAS(T.self, transA: true, transB: false, m: kg, n: ohw, k: cg, alpha: 1,
                                 a: w + gi * cg * kg, lda: kg, b: gyb + gi * cg * ohw, ldb: ohw, beta: 0, c: col + gi * kg * ohw, ldc: ohw)
                    }
                    let xb = gx + b * chw
                    xb.update(repeating: 0, count: chw)
                    col2imImage(col, g, into: xb)
                }
            }
        }
        if let gw {
            for t in 1..<Swift.max(chunks.count, 1) {
                let src = partials + (t - 1) * wCount
                for i in 0..<wCount { gw[i] += src[i] }
            }
        }
    }
}
