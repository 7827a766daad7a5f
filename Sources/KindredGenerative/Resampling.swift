import Foundation
import KindredTensor

/// Image resizing for super-resolution: the bicubic baseline and the downsampling that makes the
/// low-resolution inputs.
///
/// - ``bicubic(_:height:width:)`` is PyTorch's `F.interpolate(x, size, mode='bicubic',
///   align_corners=False)`: Keys' cubic convolution with `A = −0.75`, the source coordinate of
///   output pixel `d` is `(d + 0.5)·(in/out) − 0.5` (not clamped), and the four taps
///   `⌊s⌋−1 … ⌊s⌋+2` are read with their indices clamped to the image (border pixels repeat).
///   Values are not clamped, so bicubic can overshoot `[0, 1]` slightly at edges.
/// - ``areaDownsample(_:factor:)`` averages each `factor × factor` block (PyTorch's
///   `F.interpolate(mode='area')` and `avg_pool2d(kernel=factor)` for an exact factor): 28×28
///   Fashion-MNIST images become the 14×14 inputs of the super-resolution task.
///
/// Both return new tensors and are not recorded for gradients (they prepare inputs and baselines).
///
/// ```swift
/// let low = try Resampling.areaDownsample(images, factor: 2)     // [N, 1, 14, 14]
/// let baseline = try Resampling.bicubic(low, height: 28, width: 28)
/// ```
public enum Resampling {
    /// Keys' cubic-convolution parameter used by PyTorch (OpenCV uses the same).
    public static let cubicA = -0.75

    /// Errors from resizing requests that cannot be met.
    public enum InputError: Error, Equatable, CustomStringConvertible {
        /// A tensor that is not `[N, C, H, W]`.
        case notImageBatch(shape: [Int])
        /// A size or factor that is not positive, or that does not divide the image.
        case badSize(String)

        /// A message naming the problem and what was expected.
        public var description: String {
            switch self {
            case let .notImageBatch(shape): return "images have shape \(shape); expected [N, C, H, W]"
            case let .badSize(message): return message
            }
        }
    }

    /// Bicubic resize of `[N, C, H, W]` images to `height × width` (PyTorch's `align_corners=False`).
    ///
    /// - Throws: ``InputError`` for a tensor that is not rank 4 or a non-positive size.
    public static func bicubic(_ images: Tensor, height: Int, width: Int) throws -> Tensor {
        guard images.rank == 4 else { throw InputError.notImageBatch(shape: images.shape) }
        guard height > 0, width > 0 else { throw InputError.badSize("bicubic output size \(height)×\(width) must be positive") }
        let s = images.shape
        let (n, c, h, w) = (s[0], s[1], s[2], s[3])
        guard h > 0, w > 0 else { throw InputError.badSize("cannot resize empty images of \(h)×\(w) pixels") }
        let rowTaps = taps(inSize: h, outSize: height)
        let colTaps = taps(inSize: w, outSize: width)
        let x = images.doubles
        var out = [Double](repeating: 0, count: n * c * height * width)
        var rows = [Double](repeating: 0, count: h * width)
        for plane in 0..<(n * c) {
            let src = plane * h * w
            // Columns first (each input row → output width), then rows.
            for r in 0..<h {
                for oc in 0..<width {
                    let t = colTaps[oc]
                    var v = 0.0
                    for j in 0..<4 { v += t.weights[j] * x[src + r * w + t.indices[j]] }
                    rows[r * width + oc] = v
                }
            }
            let dst = plane * height * width
            for orow in 0..<height {
                let t = rowTaps[orow]
                for oc in 0..<width {
                    var v = 0.0
                    for j in 0..<4 { v += t.weights[j] * rows[t.indices[j] * width + oc] }
                    out[dst + orow * width + oc] = v
                }
            }
        }
        return Tensor(doubles: out, shape: [n, c, height, width], dtype: images.dtype)
    }

    /// Bicubic upsampling by an integer factor (`2` turns 14×14 into 28×28).
    public static func bicubic(_ images: Tensor, scale: Int) throws -> Tensor {
        guard images.rank == 4 else { throw InputError.notImageBatch(shape: images.shape) }
        guard scale >= 1 else { throw InputError.badSize("bicubic scale \(scale) must be at least 1") }
        return try bicubic(images, height: images.shape[2] * scale, width: images.shape[3] * scale)
    }

    /// Averages each `factor × factor` block of `[N, C, H, W]` images (area downsampling).
    ///
    /// - Throws: ``InputError`` when the tensor is not rank 4, `factor < 1`, or `factor` does not
    ///   divide the height and width.
    public static func areaDownsample(_ images: Tensor, factor: Int) throws -> Tensor {
        guard images.rank == 4 else { throw InputError.notImageBatch(shape: images.shape) }
        guard factor >= 1, images.shape[2] % factor == 0, images.shape[3] % factor == 0 else {
            throw InputError.badSize("area downsampling by \(factor) needs a height and width divisible by it; images are \(images.shape[2])×\(images.shape[3])")
        }
        return withoutGradients { images.avgPool2d(kernel: (factor, factor)) }
    }

    /// The four source indices (clamped) and cubic weights of each output position along one axis.
    static func taps(inSize: Int, outSize: Int) -> [(indices: [Int], weights: [Double])] {
        let scale = Double(inSize) / Double(outSize)
        return (0..<outSize).map { d in
            let source = (Double(d) + 0.5) * scale - 0.5
            let floorSource = source.rounded(.down)
            let t = source - floorSource
            let base = Int(floorSource)
            let indices = (-1...2).map { Swift.min(Swift.max(base + $0, 0), inSize - 1) }
            let weights = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)]
            return (indices, weights)
        }
    }

    /// Keys' kernel for `|x| ≤ 1`: `(A+2)|x|³ − (A+3)|x|² + 1`.
    static func cubicNear(_ x: Double) -> Double { ((cubicA + 2) * x - (cubicA + 3)) * x * x + 1 }

    /// Keys' kernel for `1 < |x| < 2`: `A|x|³ − 5A|x|² + 8A|x| − 4A`.
    static func cubicFar(_ x: Double) -> Double { ((cubicA * x - 5 * cubicA) * x + 8 * cubicA) * x - 4 * cubicA }
}
