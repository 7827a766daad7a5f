import CKindredDNNL
import Foundation

/// Float32 convolutions through oneDNN's direct kernels (Debian's libdnnl-dev), the library
/// PyTorch runs its CPU convolutions on.
///
/// oneDNN JIT-compiles each convolution for the CPU and works on channel-blocked layouts, so no
/// column matrix is ever built; on AVX-512 machines it runs 3×3 convolutions at two to three times
/// the rate of im2col + OpenBLAS. Kindred keeps PyTorch's plain NCHW/OIHW layouts: each call
/// reorders in and out of the blocked layout inside the shim.
///
/// The batch is split into one contiguous slice per thread and every slice runs single-threaded
/// on its own precompiled pass (oneDNN never starts OpenMP threads, so nothing spins against
/// Kindred's other kernels). Weight gradients are summed over the slices in a fixed order, so
/// results are deterministic for a given thread count. Passes are cached by geometry; a geometry
/// oneDNN rejects (and every float64 convolution) takes the im2col path instead.
enum DirectConvolution {
    /// Whether convolutions go to oneDNN: built with it, and not turned off with
    /// `KINDRED_CONV=im2col` (or one of the im2col plans, `batched` or `image`).
    static let enabled: Bool = kd_dnnl_available() != 0 && (Kernels.convPlanOverride ?? "direct") == "direct"

    enum Pass: Int32 { case forward = 0, backwardData = 1, backwardWeights = 2 }

    /// The convolution `[n, c, h, w]` → `[n, o, oh, ow]` that a pass runs, for one slice of the batch.
    struct Key: Hashable {
        let pass: Pass
        let slice: Int, n: Int
        let g: ConvGeometry
        let o: Int, groups: Int, bias: Bool

        var shape: kd_conv_shape {
            kd_conv_shape(n: Int32(n), c: Int32(g.channels), h: Int32(g.height), w: Int32(g.width), o: Int32(o),
                          kh: Int32(g.kernelH), kw: Int32(g.kernelW), oh: Int32(g.outH), ow: Int32(g.outW),
                          stride_h: Int32(g.strideH), stride_w: Int32(g.strideW), pad_h: Int32(g.padH), pad_w: Int32(g.padW),
                          dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW), groups: Int32(groups), has_bias: bias ? 1 : 0)
        }
    }

    /// Owns one compiled pass.
    final class Handle {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { kd_conv_destroy(pointer) }
        var implementation: String { String(cString: kd_conv_implementation(pointer)) }
    }

    private static let lock = NSLock()
    /// Idle passes by key, and their keys from least to most recently returned.
    nonisolated(unsafe) private static var idle: [Key: Handle] = [:]
    nonisolated(unsafe) private static var recent: [Key] = []
    nonisolated(unsafe) private static var rejected: Set<Key> = []
    /// Idle passes kept (each holds its blocked-layout buffers); the least recently used goes first.
    static let cacheLimit = 64

    /// The batch split into one contiguous slice per thread.
    static func slices(_ n: Int) -> [Range<Int>] {
        let parts = Swift.min(Parallel.threadCount, n)
        return (0..<parts).map { t in (t * n / parts)..<((t + 1) * n / parts) }
    }

    /// Runs `body` with one compiled pass per slice, taken out of the cache for the duration (a
    /// pass is never used by two threads at once: a second caller of the same geometry compiles
    /// its own). False when oneDNN rejects this geometry or `body` fails.
    static func withHandles(_ pass: Pass, _ slices: [Range<Int>], _ g: ConvGeometry, outChannels o: Int, groups: Int, bias: Bool,
                            _ body: ([Handle]) -> Bool) -> Bool {
        // Blocked layouts hold 16 channels per block: with fewer channels per group (an RGB or
        // grey input, a one-channel output) oneDNN's kernels are slower than im2col (its
        // backward-data pass for one input channel took 5× as long).
        guard enabled, g.channels / groups >= 16, o / groups >= 16 else { return false }
        let keys = slices.enumerated().map { t, r in Key(pass: pass, slice: t, n: r.count, g: g, o: o, groups: groups, bias: bias) }
        var taken: [Handle] = []
        lock.lock()
        for key in keys {
            if let h = idle.removeValue(forKey: key) {
                if let i = recent.firstIndex(of: key) { recent.remove(at: i) }
                taken.append(h)
                continue
            }
            var shape = key.shape
            guard !rejected.contains(key), let p = kd_conv_create(pass.rawValue, &shape) else {
                rejected.insert(key)
                for (k, h) in zip(keys, taken) { putBack(k, h) }
                lock.unlock()
                return false
            }
            taken.append(Handle(p))
        }
        lock.unlock()
        let ok = body(taken)
        lock.lock()
        for (k, h) in zip(keys, taken) { putBack(k, h) }
        lock.unlock()
        return ok
    }

    /// Returns a pass to the cache (the lock is held).
    private static func putBack(_ key: Key, _ h: Handle) {
        guard idle[key] == nil else { return }
        idle[key] = h
        recent.append(key)
        if recent.count > cacheLimit { idle[recent.removeFirst()] = nil }
    }

    /// Runs `body` once per slice in parallel; true when every call returned 0.
    private static func each(_ slices: [Range<Int>], _ body: (Int, Range<Int>) -> Int32) -> Bool {
        let codes = UnsafeMutableBufferPointer<Int32>.allocate(capacity: slices.count)
        defer { codes.deallocate() }
        DispatchQueue.concurrentPerform(iterations: slices.count) { t in codes[t] = body(t, slices[t]) }
        return codes.allSatisfy { $0 == 0 }
    }

    /// `out = conv(x, w) + bias` for `x` `[n, g.channels, g.height, g.width]`; false when the direct
    /// path is off or rejects the geometry (nothing useful was written).
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>,
                        batch n: Int, _ g: ConvGeometry, outChannels o: Int, groups: Int) -> Bool {
        let parts = slices(n)
        let inImage = g.channels * g.height * g.width, outImage = o * g.outH * g.outW
        return withHandles(.forward, parts, g, outChannels: o, groups: groups, bias: bias != nil) { hs in
            each(parts) { t, r in kd_conv_forward(hs[t].pointer, x + r.lowerBound * inImage, w, bias, out + r.lowerBound * outImage) }
        }
    }

    /// The input gradient `gx` `[n, g.channels, g.height, g.width]` of the convolution, given `gy`.
    static func backwardData(gy: UnsafePointer<Float>, w: UnsafePointer<Float>, gx: UnsafeMutablePointer<Float>,
                             batch n: Int, _ g: ConvGeometry, outChannels o: Int, groups: Int) -> Bool {
        let parts = slices(n)
        let inImage = g.channels * g.height * g.width, outImage = o * g.outH * g.outW
        return withHandles(.backwardData, parts, g, outChannels: o, groups: groups, bias: false) { hs in
            each(parts) { t, r in kd_conv_backward_data(hs[t].pointer, gy + r.lowerBound * outImage, w, gx + r.lowerBound * inImage) }
        }
    }

    /// The weight gradient `gw` (`[o, c/groups, kh, kw]`, overwritten) given the input `x` and `gy`,
    /// and with `gb` the bias gradient `[o]` (the sum of `gy` over batch and positions) in the same pass.
    static func backwardWeights(x: UnsafePointer<Float>, gy: UnsafePointer<Float>, gw: UnsafeMutablePointer<Float>,
                                gb: UnsafeMutablePointer<Float>? = nil,
                                batch n: Int, _ g: ConvGeometry, outChannels o: Int, groups: Int) -> Bool {
        let parts = slices(n)
        let inImage = g.channels * g.height * g.width, outImage = o * g.outH * g.outW
        let count = o * (g.channels / groups) * g.kernelH * g.kernelW, stride = count + o
        // Slice 0 writes into gw and gb; the others into their own buffers, added in slice order.
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(parts.count - 1, 1) * stride)
        defer { partial.deallocate() }
        let ok = withHandles(.backwardWeights, parts, g, outChannels: o, groups: groups, bias: gb != nil) { hs in
            each(parts) { t, r in
                let p = partial + (t - 1) * stride
                return kd_conv_backward_weights(hs[t].pointer, x + r.lowerBound * inImage, gy + r.lowerBound * outImage,
                                                t == 0 ? gw : p, gb.map { t == 0 ? $0 : p + count })
            }
        }
        guard ok else { return false }
        for t in 1..<Swift.max(parts.count, 1) {
            let p = UnsafePointer(partial + (t - 1) * stride)
            Kernels.addRun(p, gw, count)
            if let gb { Kernels.addRun(p + count, gb, o) }
        }
        return true
    }

    /// The implementation oneDNN picked for a forward pass of this geometry ("im2col" when the
    /// direct path is off or rejects it), for benchmarks and tests.
    static func implementation(batch n: Int, _ g: ConvGeometry, outChannels o: Int, groups: Int) -> String {
        var name = "im2col"
        _ = withHandles(.forward, slices(n), g, outChannels: o, groups: groups, bias: false) { hs in
            name = hs.first?.implementation ?? name
            return true
        }
        return name
    }
}

/// Which kernels run Kindred's convolutions.
///
/// Float32 convolutions run on oneDNN's direct kernels when Kindred was built with it (Debian's
/// libdnnl-dev; `scripts/setup` installs it) and the geometry suits them (at least 16 channels per
/// group on both sides); everything else, and every float64 convolution, unfolds the input (im2col)
/// and multiplies through BLAS. `KINDRED_CONV=im2col` turns the direct kernels off.
public enum ConvolutionBackend {
    /// Whether float32 convolutions can take oneDNN's direct kernels in this process.
    public static var isDirect: Bool { DirectConvolution.enabled }

    /// One line for logs and reports: which kernels convolutions run on, for example
    /// `oneDNN jit:avx512_core (float32, ≥ 16 channels per group), else im2col + BLAS`.
    public static var summary: String {
        if kd_dnnl_available() == 0 { return "im2col + BLAS (built without oneDNN)" }
        if !DirectConvolution.enabled { return "im2col + BLAS (oneDNN turned off by KINDRED_CONV)" }
        let probe = implementation(input: [1, 16, 8, 8], weight: [16, 16, 3, 3], padding: (1, 1))
        return "oneDNN \(probe) (float32, ≥ 16 channels per group), else im2col + BLAS"
    }

    /// The kernel a float32 ``Tensor/conv2d(weight:bias:stride:padding:dilation:groups:)`` of an
    /// input of shape `input` `[N, C, H, W]` with a weight of shape `weight` runs its forward pass
    /// on: oneDNN's implementation name (for example `jit:avx512_core`), or `im2col`.
    public static func implementation(input: [Int], weight: [Int], stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                                      dilation: (Int, Int) = (1, 1), groups: Int = 1) -> String {
        guard input.count == 4, weight.count == 4, groups > 0, input[1] == weight[1] * groups, weight[0] % groups == 0,
              input[2] + 2 * padding.0 >= dilation.0 * (weight[2] - 1) + 1,
              input[3] + 2 * padding.1 >= dilation.1 * (weight[3] - 1) + 1 else { return "im2col" }
        let config = Conv2dConfig(stride: stride, padding: padding, dilation: dilation, groups: groups)
        let g = Kernels.convGeometry(input: input, weight: weight, config: config)
        return DirectConvolution.implementation(batch: input[0], g, outChannels: weight[0], groups: groups)
    }
}
