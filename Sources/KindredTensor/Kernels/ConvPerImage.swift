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

    /// Unfolds one image `[C, H, W]` into `[C·kh·kw, outH·outW]` (single-threaded; `scratch` holds
    /// ``ConvGeometry/paddedImageCount`` values).
    static func im2colImage<T: KFloat>(_ x: UnsafePointer<T>, _ g: ConvGeometry, scratch: UnsafeMutablePointer<T>,
                                       into col: UnsafeMutablePointer<T>) {
        if g.paddingIsIdentity {
            unfoldPadded(x, g, batch: 1, rows: 0..<g.rows, into: col)
        } else {
            padPlanes(x, g, planes: 0..<g.channels, into: scratch)
            unfoldPadded(UnsafePointer(scratch), g, batch: 1, rows: 0..<g.rows, into: col)
        }
    }

    /// Folds columns `[C·kh·kw, outH·outW]` into one image `[C, H, W]`, overwriting it
    /// (single-threaded; `scratch` as for ``im2colImage(_:_:scratch:into:)``).
    static func col2imImage<T: KFloat>(_ col: UnsafePointer<T>, _ g: ConvGeometry, scratch: UnsafeMutablePointer<T>,
                                       into x: UnsafeMutablePointer<T>) {
        let target = g.paddingIsIdentity ? x : scratch
        target.update(repeating: 0, count: g.paddedImageCount)
        foldPadded(col, g, batch: 1, channels: 0..<g.channels, into: target)
        if !g.paddingIsIdentity { cropPlanes(UnsafePointer(scratch), g, planes: 0..<g.channels, into: x) }
    }

    static func conv2dPerImage<T: KFloat>(_: T.Type, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                          out: UnsafeMutablePointer<T>, batch n: Int, outChannels cout: Int, groups: Int, _ g: ConvGeometry,
                                          columns: UnsafeMutablePointer<T>? = nil) {
        let ohw = g.outH * g.outW, chw = g.channels * g.height * g.width
        let kg = g.rows / groups, cg = cout / groups
        let chunks = imageChunks(n)
        DispatchQueue.concurrentPerform(iterations: chunks.count) { t in
            let scratch = columns == nil ? UnsafeMutablePointer<T>.allocate(capacity: g.rows * ohw) : nil
            let padded = UnsafeMutablePointer<T>.allocate(capacity: g.paddedImageCount)
            defer { scratch?.deallocate(); padded.deallocate() }
            for b in chunks[t] {
                // With `columns`, each image's unfolded input is kept for the backward pass.
                let col = columns.map { $0 + b * g.rows * ohw } ?? scratch!
                im2colImage(x + b * chw, g, scratch: padded, into: col)
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
            let padded = UnsafeMutablePointer<T>.allocate(capacity: g.paddedImageCount)
            defer { col.deallocate(); padded.deallocate() }
            let dw: UnsafeMutablePointer<T>? = gw.map { t == 0 ? $0 : partials + (t - 1) * wCount }
            dw?.update(repeating: 0, count: wCount)
            for b in chunks[t] {
                let gyb = gy + b * cout * ohw
                if let dw {
                    let xcol: UnsafePointer<T>
                    if let columns { xcol = columns + b * g.rows * ohw } else {
                        im2colImage(x + b * chw, g, scratch: padded, into: col)
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
                    col2imImage(col, g, scratch: padded, into: gx + b * chw)
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
