import Foundation
import KindredTensor

/// Full-reference image quality: peak signal-to-noise ratio (PSNR) and structural similarity (SSIM).
///
/// Both compare a batch of images with a batch of references, image by image. Images are
/// `[N, C, H, W]` tensors (float32 or float64) whose values lie in `[0, dataRange]` (`[0, 1]` by
/// default); the two batches must have the same shape.
///
/// **PSNR** of one image is `10·log10(dataRange² / MSE)`, the mean squared error taken over all its
/// channels and pixels. An image equal to its reference has MSE 0 and PSNR `+∞`.
///
/// **SSIM** follows Wang, Bovik, Sheikh & Simoncelli (2004), "Image quality assessment: from error
/// visibility to structural similarity": local means, variances and the covariance are weighted by
/// an 11×11 Gaussian window (σ = 1.5, weights normalised to sum to 1), and at each window position
///
///     SSIM = ((2·μx·μy + C1)(2·σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)),
///     C1 = (K1·L)², C2 = (K2·L)², K1 = 0.01, K2 = 0.03, L = dataRange,
///
/// with population (not sample) variances. **Boundary handling**: the window is evaluated only at
/// positions where it lies entirely inside the image (the paper's MATLAB code filters with
/// `'valid'`), so a 28×28 image gives an 18×18 SSIM map and no padded pixel ever enters a statistic.
/// This equals scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False, data_range=1)`, which pads by reflection and then crops the same
/// border away. An image's SSIM is the mean of its map over positions and channels; images
/// smaller than the window (height or width < 11) are rejected.
///
/// ```swift
/// let scores = try ImageQuality.compare(upsampled, reference: highRes)   // both [N, 1, 28, 28] in [0, 1]
/// print(scores.meanPSNR, scores.meanSSIM)
/// ```
public enum ImageQuality {
    /// Side of the SSIM Gaussian window.
    public static let ssimWindowSize = 11
    /// Standard deviation of the SSIM Gaussian window, in pixels.
    public static let ssimSigma = 1.5
    /// SSIM's luminance stabiliser constant K1.
    public static let ssimK1 = 0.01
    /// SSIM's contrast stabiliser constant K2.
    public static let ssimK2 = 0.03

    /// PSNR and SSIM per image, and their means over the batch.
    public struct Scores: Sendable, Equatable {
        /// PSNR of each image in decibels (`+∞` where the image equals its reference).
        public var psnr: [Double]
        /// SSIM of each image (1 where the image equals its reference).
        public var ssim: [Double]

        /// Mean of ``psnr`` over the images (`+∞` if any image is exact).
        public var meanPSNR: Double { psnr.isEmpty ? .nan : psnr.reduce(0, +) / Double(psnr.count) }
        /// Mean of ``ssim`` over the images.
        public var meanSSIM: Double { ssim.isEmpty ? .nan : ssim.reduce(0, +) / Double(ssim.count) }
    }

    /// Errors from mismatched or malformed image batches.
    public enum InputError: Error, Equatable, CustomStringConvertible {
        /// A tensor that is not `[N, C, H, W]`.
        case notImageBatch(name: String, shape: [Int])
        /// Image and reference batches of different shapes.
        case shapeMismatch(image: [Int], reference: [Int])
        /// Images smaller than the SSIM window.
        case tooSmallForSSIM(height: Int, width: Int, window: Int)

        /// A message naming the tensor and what was expected.
        public var description: String {
            switch self {
            case let .notImageBatch(name, shape):
                return "\(name) has shape \(shape); expected an image batch [N, C, H, W]"
            case let .shapeMismatch(image, reference):
                return "images have shape \(image) but references have shape \(reference); expected the same shape"
            case let .tooSmallForSSIM(height, width, window):
                return "images of \(height)×\(width) pixels are smaller than the \(window)×\(window) SSIM window"
            }
        }
    }

    /// PSNR and SSIM of every image against its reference.
    ///
    /// - Parameters:
    ///   - images: `[N, C, H, W]` images to score.
    ///   - reference: `[N, C, H, W]` ground truth, same shape.
    ///   - dataRange: the range of pixel values (1 for images in `[0, 1]`).
    /// - Throws: ``InputError`` when the shapes are not image batches, differ, or are smaller than the SSIM window.
    public static func compare(_ images: Tensor, reference: Tensor, dataRange: Double = 1) throws -> Scores {
        Scores(psnr: try psnr(images, reference: reference, dataRange: dataRange),
               ssim: try ssim(images, reference: reference, dataRange: dataRange))
    }

    /// PSNR of each image against its reference, in decibels.
    ///
    /// - Parameters:
    ///   - images: `[N, C, H, W]` images to score.
    ///   - reference: `[N, C, H, W]` ground truth, same shape.
    ///   - dataRange: the range of pixel values (1 for images in `[0, 1]`).
    /// - Returns: `N` values; `+∞` where an image equals its reference.
    public static func psnr(_ images: Tensor, reference: Tensor, dataRange: Double = 1) throws -> [Double] {
        let (n, c, h, w) = try checkedShape(images, reference)
        let x = images.doubles, y = reference.doubles
        let size = c * h * w
        return (0..<n).map { i in
            var sum = 0.0
            for j in i * size..<(i + 1) * size {
                let d = x[j] - y[j]
                sum += d * d
            }
            let mse = sum / Double(size)
            return mse == 0 ? .infinity : 10 * log10(dataRange * dataRange / mse)
        }
    }

    /// SSIM of each image against its reference (mean over the valid window positions and channels).
    ///
    /// - Parameters:
    ///   - images: `[N, C, H, W]` images to score, at least 11×11.
    ///   - reference: `[N, C, H, W]` ground truth, same shape.
    ///   - dataRange: the range of pixel values (1 for images in `[0, 1]`).
    /// - Returns: `N` values in `[-1, 1]`.
    public static func ssim(_ images: Tensor, reference: Tensor, dataRange: Double = 1) throws -> [Double] {
        let (n, c, h, w) = try checkedShape(images, reference)
        let k = ssimWindowSize
        guard h >= k, w >= k else { throw InputError.tooSmallForSSIM(height: h, width: w, window: k) }
        let x = images.doubles, y = reference.doubles
        let c1 = (ssimK1 * dataRange) * (ssimK1 * dataRange)
        let c2 = (ssimK2 * dataRange) * (ssimK2 * dataRange)
        let g = gaussianWindow(size: k, sigma: ssimSigma)
        let outH = h - k + 1, outW = w - k + 1
        let plane = h * w
        var result = [Double](repeating: 0, count: n)
        // Five filtered planes (μx, μy, E[x²], E[y²], E[xy]), each separable: rows, then columns.
        var rows = [Double](repeating: 0, count: 5 * h * outW)
        for i in 0..<n {
            var total = 0.0
            for ch in 0..<c {
                let base = (i * c + ch) * plane
                for r in 0..<h {
                    for oc in 0..<outW {
                        var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
                        for t in 0..<k {
                            let a = x[base + r * w + oc + t], b = y[base + r * w + oc + t], wt = g[t]
                            sx += wt * a; sy += wt * b
                            sxx += wt * a * a; syy += wt * b * b; sxy += wt * a * b
                        }
                        let o = r * outW + oc, s = h * outW
                        rows[o] = sx; rows[s + o] = sy; rows[2 * s + o] = sxx; rows[3 * s + o] = syy; rows[4 * s + o] = sxy
                    }
                }
                let s = h * outW
                for orow in 0..<outH {
                    for oc in 0..<outW {
                        var m = (0.0, 0.0, 0.0, 0.0, 0.0)
                        for t in 0..<k {
                            let o = (orow + t) * outW + oc, wt = g[t]
                            m.0 += wt * rows[o]; m.1 += wt * rows[s + o]; m.2 += wt * rows[2 * s + o]
                            m.3 += wt * rows[3 * s + o]; m.4 += wt * rows[4 * s + o]
                        }
                        let vx = m.2 - m.0 * m.0, vy = m.3 - m.1 * m.1, cxy = m.4 - m.0 * m.1
                        total += ((2 * m.0 * m.1 + c1) * (2 * cxy + c2)) / ((m.0 * m.0 + m.1 * m.1 + c1) * (vx + vy + c2))
                    }
                }
            }
            result[i] = total / Double(c * outH * outW)
        }
        return result
    }

    /// The normalised 1-D Gaussian window (weights sum to 1); the 2-D window is its outer product.
    public static func gaussianWindow(size: Int, sigma: Double) -> [Double] {
        let centre = Double(size - 1) / 2
        let raw = (0..<size).map { exp(-(Double($0) - centre) * (Double($0) - centre) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        return raw.map { $0 / total }
    }

    private static func checkedShape(_ images: Tensor, _ reference: Tensor) throws -> (Int, Int, Int, Int) {
        guard images.rank == 4 else { throw InputError.notImageBatch(name: "images", shape: images.shape) }
        guard reference.rank == 4 else { throw InputError.notImageBatch(name: "reference", shape: reference.shape) }
        guard images.shape == reference.shape else {
            throw InputError.shapeMismatch(image: images.shape, reference: reference.shape)
        }
        let s = images.shape
        return (s[0], s[1], s[2], s[3])
    }
}
