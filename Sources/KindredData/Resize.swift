import KindredTensor

extension Image {
    /// The image resampled to `width × height` with a bilinear (triangle) filter that widens when
    /// shrinking, so downscaling averages every source pixel (anti-aliased, like PIL's bilinear).
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resize target must be positive, got \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let c = channels
        // Horizontal pass: height × newWidth.
        let wx = ResampleWeights(source: width, target: newWidth)
        var horizontal = [Float](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                wx.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<height {
                        let srcRow = src.baseAddress! + y * width * c
                        let dstRow = dst.baseAddress! + y * newWidth * c
                        for x in 0..<newWidth {
                            let start = wx.starts[x], taps = wx.counts[x], w = weights.baseAddress! + x * wx.stride
                            let out = dstRow + x * c
                            if c == 3 {
                                var (r, g, b): (Float, Float, Float) = (0, 0, 0)
                                var s = srcRow + start * 3
                                for k in 0..<taps {
                                    r += w[k] * s[0]; g += w[k] * s[1]; b += w[k] * s[2]
                                    s += 3
                                }
                                out[0] = r; out[1] = g; out[2] = b
                            } else {
                                for ch in 0..<c {
                                    var sum: Float = 0
                                    for k in 0..<taps { sum += w[k] * srcRow[(start + k) * c + ch] }
                                    out[ch] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
        // Vertical pass: newHeight × newWidth.
        let wy = ResampleWeights(source: height, target: newHeight)
        var out = [Float](repeating: 0, count: newHeight * newWidth * c)
        let rowLength = newWidth * c
        horizontal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let d = dst.baseAddress! + y * rowLength
                    for k in 0..<wy.counts[y] {
                        let w = wy.weights[y * wy.stride + k]
                        let s = src.baseAddress! + (wy.starts[y] + k) * rowLength
                        for i in 0..<rowLength { d[i] += w * s[i] }
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: out)
    }
}

/// Per-output-pixel source ranges and normalised triangle-filter weights for one axis, stored flat:
/// output `i` reads `counts[i]` source pixels from `starts[i]` with weights
/// `weights[i * stride ..< i * stride + counts[i]]`.
struct ResampleWeights {
    var starts: [Int] = []
    var counts: [Int] = []
    var weights: [Float] = []
    let stride: Int

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        let support = Swift.max(scale, 1)
        stride = Int((2 * support).rounded(.up)) + 2
        for i in 0..<target {
            let center = (Double(i) + 0.5) * scale
            let lo = Swift.max(0, Int((center - support).rounded(.down)))
            let hi = Swift.min(source, Int((center + support).rounded(.up)))
            var w: [Double] = []
            for j in lo..<hi { w.append(Swift.max(0, 1 - Swift.abs((Double(j) + 0.5 - center) / support))) }
            var total = w.reduce(0, +)
            if total <= 0 { w = [1]; total = 1 }
            // Trim zero weights at the ends.
            var first = 0, last = w.count - 1
            while first < last && w[first] == 0 { first += 1 }
            while last > first && w[last] == 0 { last -= 1 }
            let kept = w[first...last].map { Float($0 / total) }
            starts.append(Swift.min(lo + first, source - 1))
            counts.append(kept.count)
            weights += kept + [Float](repeating: 0, count: stride - kept.count)
        }
    }
}

/// Resizes to an exact size, or so that the shorter side has a given length (keeping the aspect ratio).
public struct Resize: ImageTransform {
    /// The target.
    public enum Target: Sendable, Equatable {
        /// Exactly `width × height`.
        case exact(width: Int, height: Int)
        /// The shorter side becomes this many pixels; the other keeps the aspect ratio (rounded).
        case shorterSide(Int)
    }

    /// Where to resize to.
    public var target: Target

    /// Resizes to exactly `width × height`.
    public init(width: Int, height: Int) { target = .exact(width: width, height: height) }
    /// Resizes to `size × size`.
    public init(size: Int) { target = .exact(width: size, height: size) }
    /// Resizes so the shorter side is `shorterSide` pixels.
    public init(shorterSide: Int) { target = .shorterSide(shorterSide) }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        switch target {
        case let .exact(w, h): return image.resized(width: w, height: h)
        case let .shorterSide(s):
            if image.width <= image.height {
                return image.resized(width: s, height: Swift.max(1, Int((Double(image.height) * Double(s) / Double(image.width)).rounded())))
            }
            return image.resized(width: Swift.max(1, Int((Double(image.width) * Double(s) / Double(image.height)).rounded())), height: s)
        }
    }
}
