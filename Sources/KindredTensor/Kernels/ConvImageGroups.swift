import Foundation

/// Convolution over small groups of images, in parallel over the batch.
///
/// Each thread takes a contiguous range of the batch and works through it a few images at a time:
/// the group's column matrix (`C·kh·kw × k·outH·outW`) is sized to stay in cache between im2col,
/// the GEMM and col2im, and wide enough (a few hundred columns) for BLAS to run near its peak —
/// one image of a 7×7 feature map gives a GEMM only 49 columns wide. A group of one image writes
/// its output straight in NCHW order; larger groups go through a cache-resident channels-first
/// buffer. Each core runs its own single-threaded GEMMs. Weight gradients are summed per thread
/// and then across threads in a fixed order, so results do not depend on timing.
extension Kernels {
    /// Whether ``conv2dImageGroups`` is the plan for this batch (otherwise one GEMM over the whole
    /// batch, split across threads).
    static func prefersImageGroups(_ g: ConvGeometry, batch n: Int) -> Bool {
        convPlanOverride != "batched" && n >= Parallel.threadCount
    }

    /// `KINDRED_CONV=batched|image` forces one convolution plan (`image`: one image per GEMM), for
    /// benchmarking the choice.
    static let convPlanOverride = ProcessInfo.processInfo.environment["KINDRED_CONV"]

    /// Columns a grouped GEMM aims for (`KINDRED_CONV_COLUMNS` overrides, for tuning).
    static let convTargetColumns = ProcessInfo.processInfo.environment["KINDRED_CONV_COLUMNS"].flatMap { Int($0) } ?? 384

    /// Bytes one group's column matrix may take (half of a typical 2 MB L2 cache).
    static let convColumnBudget = 1 << 20

    /// The batch split into contiguous ranges, one list per thread, each range one group of images
    /// sharing a GEMM. A function of the geometry, batch, element size and thread count only, so
    /// the forward pass and its backward pass (which reads the kept columns) agree.
    static func imageGroups(_ g: ConvGeometry, batch n: Int, elementSize: Int) -> [[Range<Int>]] {
        let parts = Swift.min(Parallel.threadCount, n)
        let ohw = g.outH * g.outW
        var perGroup = 1
        if convPlanOverride != "image" {
            let wanted = (convTargetColumns + ohw - 1) / Swift.max(ohw, 1)
            let fits = convColumnBudget / Swift.max(g.rows * ohw * elementSize, 1)
            perGroup = Swift.max(1, Swift.min(wanted, fits, (n + parts - 1) / Swift.max(parts, 1)))
        }
        return (0..<parts).map { t in
            let lo = t * n / parts, hi = (t + 1) * n / parts
            return stride(from: lo, to: hi, by: perGroup).map { $0..<Swift.min(hi, $0 + perGroup) }
        }
    }

    /// Unfolds images `[k, C, H, W]` into `[C·kh·kw, k·outH·outW]` (single-threaded; `scratch` holds
    /// `k·`\``ConvGeometry/paddedImageCount`` values).
    static func im2colImages<T: KFloat>(_ x: UnsafePointer<T>, count k: Int, _ g: ConvGeometry, scratch: UnsafeMutablePointer<T>,
                                        into col: UnsafeMutablePointer<T>) {
        if g.paddingIsIdentity {
            unfoldPadded(x, g, batch: k, rows: 0..<g.rows, into: col)
        } else {
            padPlanes(x, g, planes: 0..<(k * g.channels), into: scratch)
            unfoldPadded(UnsafePointer(scratch), g, batch: k, rows: 0..<g.rows, into: col)
        }
    }

    /// Folds columns `[C·kh·kw, k·outH·outW]` into images `[k, C, H, W]`, overwriting them
    /// (single-threaded; `scratch` as for ``im2colImages(_:count:_:scratch:into:)``).
    static func col2imImages<T: KFloat>(_ col: UnsafePointer<T>, count k: Int, _ g: ConvGeometry, scratch: UnsafeMutablePointer<T>,
                                        into x: UnsafeMutablePointer<T>) {
        let target = g.paddingIsIdentity ? x : scratch
        target.update(repeating: 0, count: k * g.paddedImageCount)
        foldPadded(col, g, batch: k, channels: 0..<g.channels, into: target)
        if !g.paddingIsIdentity { cropPlanes(UnsafePointer(scratch), g, planes: 0..<(k * g.channels), into: x) }
    }

    static func conv2dImageGroups<T: KFloat>(_: T.Type, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                             out: UnsafeMutablePointer<T>, batch n: Int, outChannels cout: Int, groups: Int, _ g: ConvGeometry,
                                             columns: UnsafeMutablePointer<T>? = nil) {
        let ohw = g.outH * g.outW, chw = g.channels * g.height * g.width
        let kg = g.rows / groups, cg = cout / groups
        let plan = imageGroups(g, batch: n, elementSize: MemoryLayout<T>.stride)
        let most = plan.joined().map(\.count).max() ?? 1
        DispatchQueue.concurrentPerform(iterations: plan.count) { t in
            let scratch = columns == nil ? UnsafeMutablePointer<T>.allocate(capacity: g.rows * most * ohw) : nil
            let padded = UnsafeMutablePointer<T>.allocate(capacity: most * g.paddedImageCount)
            let staged = most > 1 ? UnsafeMutablePointer<T>.allocate(capacity: cout * most * ohw) : nil
            defer { scratch?.deallocate(); padded.deallocate(); staged?.deallocate() }
            for images in plan[t] {
                let k = images.count, cols = k * ohw, b0 = images.lowerBound
                // With `columns`, each group's unfolded input is kept for the backward pass.
                let col = columns.map { $0 + b0 * g.rows * ohw } ?? scratch!
                im2colImages(x + b0 * chw, count: k, g, scratch: padded, into: col)
                // One image: the product is already NCHW. More: channels-first, then transposed.
                let dst = k == 1 ? out + b0 * cout * ohw : staged!
                for gi in 0..<groups {
                    gemmBLAS(T.self, transA: false, transB: false, m: cg, n: cols, k: kg, alpha: 1,
                             a: w + gi * cg * kg, lda: kg, b: col + gi * kg * cols, ldb: cols, beta: 0, c: dst + gi * cg * cols, ldc: cols)
                }
                if k == 1 {
                    if let bias {
                        for ch in 0..<cout { let row = dst + ch * ohw, bv = bias[ch]; for i in 0..<ohw { row[i] += bv } }
                    }
                    continue
                }
                for j in 0..<k {
                    for ch in 0..<cout {
                        let row = out + ((b0 + j) * cout + ch) * ohw, src = UnsafePointer(dst + ch * cols + j * ohw)
                        if let bias { let bv = bias[ch]; for i in 0..<ohw { row[i] = src[i] + bv } } else { copyRun(src, row, ohw) }
                    }
                }
            }
        }
    }

    static func conv2dBackwardImageGroups<T: KFloat>(_: T.Type, x: UnsafePointer<T>, w: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                     gx: UnsafeMutablePointer<T>?, gw: UnsafeMutablePointer<T>?,
                                                     batch n: Int, outChannels cout: Int, groups: Int, _ g: ConvGeometry,
                                                     columns: UnsafePointer<T>? = nil) {
        let ohw = g.outH * g.outW, chw = g.channels * g.height * g.width
        let kg = g.rows / groups, cg = cout / groups
        let plan = imageGroups(g, batch: n, elementSize: MemoryLayout<T>.stride)
        let most = plan.joined().map(\.count).max() ?? 1
        let wCount = cout * kg
        // One weight-gradient buffer per thread; thread 0 writes straight into gw.
        let partials = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(plan.count - 1, 1) * wCount)
        defer { partials.deallocate() }
        DispatchQueue.concurrentPerform(iterations: plan.count) { t in
            let col = UnsafeMutablePointer<T>.allocate(capacity: g.rows * most * ohw)
            let padded = UnsafeMutablePointer<T>.allocate(capacity: most * g.paddedImageCount)
            let staged = most > 1 ? UnsafeMutablePointer<T>.allocate(capacity: cout * most * ohw) : nil
            defer { col.deallocate(); padded.deallocate(); staged?.deallocate() }
            let dw: UnsafeMutablePointer<T>? = gw.map { t == 0 ? $0 : partials + (t - 1) * wCount }
            dw?.update(repeating: 0, count: wCount)
            for images in plan[t] {
                let k = images.count, cols = k * ohw, b0 = images.lowerBound
                // The group's output gradient channels-first `[Cout, k·outH·outW]`.
                let dy: UnsafePointer<T>
                if k == 1 { dy = gy + b0 * cout * ohw } else {
                    let s = staged!
                    for j in 0..<k {
                        for ch in 0..<cout { copyRun(gy + ((b0 + j) * cout + ch) * ohw, s + ch * cols + j * ohw, ohw) }
                    }
                    dy = UnsafePointer(s)
                }
                if let dw {
                    let xcol: UnsafePointer<T>
                    if let columns { xcol = columns + b0 * g.rows * ohw } else {
                        im2colImages(x + b0 * chw, count: k, g, scratch: padded, into: col)
                        xcol = UnsafePointer(col)
                    }
                    for gi in 0..<groups {
                        gemmBLAS(T.self, transA: false, transB: true, m: cg, n: kg, k: cols, alpha: 1,
                                 a: dy + gi * cg * cols, lda: cols, b: xcol + gi * kg * cols, ldb: cols, beta: 1, c: dw + gi * cg * kg, ldc: kg)
                    }
                }
                if let gx {
                    for gi in 0..<groups {
                        gemmBLAS(T.self, transA: true, transB: false, m: kg, n: cols, k: cg, alpha: 1,
                                 a: w + gi * cg * kg, lda: kg, b: dy + gi * cg * cols, ldb: cols, beta: 0, c: col + gi * kg * cols, ldc: cols)
                    }
                    col2imImages(col, count: k, g, scratch: padded, into: gx + b0 * chw)
                }
            }
        }
        if let gw {
            for t in 1..<Swift.max(plan.count, 1) {
                let src = partials + (t - 1) * wCount
                for i in 0..<wCount { gw[i] += src[i] }
            }
        }
    }
}
