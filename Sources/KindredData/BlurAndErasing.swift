import Foundation
import KindredTensor

extension Image {
    /// The image blurred with a separable Gaussian of `sigma` pixels over `kernelSize` taps (odd),
    /// edges reflected.
    public func blurred(sigma: Double, kernelSize: Int) -> Image {
        precondition(kernelSize >= 1 && kernelSize % 2 == 1, "Gaussian kernel size must be odd, got \(kernelSize)")
        let half = kernelSize / 2
        var kernel = (0..<kernelSize).map { i -> Float in
            let d = Double(i - half)
            return Float(Foundation.exp(-d * d / (2 * sigma * sigma)))
        }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
            return i
        }
        let c = channels
        var temp = pixels, out = pixels
        for y in 0..<height {
            for x in 0..<width {
                for ch in 0..<c {
                    var sum: Float = 0
                    for k in 0..<kernelSize { sum += kernel[k] * pixels[(y * width + reflect(x + k - half, width)) * c + ch] }
                    temp[(y * width + x) * c + ch] = sum
                }
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                for ch in 0..<c {
                    var sum: Float = 0
                    for k in 0..<kernelSize { sum += kernel[k] * temp[(reflect(y + k - half, height) * width + x) * c + ch] }
                    out[(y * width + x) * c + ch] = sum
                }
            }
        }
        return Image(width: width, height: height, channels: c, pixels: out)
    }
}

/// Blurs with a Gaussian whose sigma is drawn uniformly from `sigma` (torchvision's `GaussianBlur`).
public struct GaussianBlur: ImageTransform {
    /// Taps of the kernel (odd).
    public var kernelSize: Int
    /// The range sigma is drawn from, in pixels.
    public var sigma: ClosedRange<Double>

    /// A Gaussian blur with `kernelSize` taps and sigma drawn from `sigma`.
    public init(kernelSize: Int, sigma: ClosedRange<Double> = 0.1...2) {
        precondition(kernelSize >= 1 && kernelSize % 2 == 1, "Gaussian kernel size must be odd, got \(kernelSize)")
        self.kernelSize = kernelSize
        self.sigma = sigma
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        let s = sigma.lowerBound + (sigma.upperBound - sigma.lowerBound) * generator.nextUniform()
        return image.blurred(sigma: s, kernelSize: kernelSize)
    }
}

/// With probability `probability`, sets a random rectangle to `value` (torchvision's
/// `RandomErasing`: area fraction from `scale`, aspect ratio log-uniform in `ratio`, up to 10 tries).
/// Usually applied after ``Normalize``.
public struct RandomErasing: ImageTransform {
    /// The chance of erasing.
    public var probability: Double
    /// The range of the rectangle's area as a fraction of the image.
    public var scale: ClosedRange<Double>
    /// The range of the rectangle's height / width.
    public var ratio: ClosedRange<Double>
    /// The value written into the rectangle.
    public var value: Float

    /// A random erasing step.
    public init(probability: Double = 0.5, scale: ClosedRange<Double> = 0.02...0.33,
                ratio: ClosedRange<Double> = 0.3...3.3, value: Float = 0) {
        self.probability = probability
        self.scale = scale
        self.ratio = ratio
        self.value = value
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        guard generator.nextUniform() < probability else { return image }
        let area = Double(image.width * image.height)
        let logLow = Foundation.log(ratio.lowerBound), logHigh = Foundation.log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * generator.nextUniform())
            let aspect = Foundation.exp(logLow + (logHigh - logLow) * generator.nextUniform())
            let h = Int((target * aspect).squareRoot().rounded()), w = Int((target / aspect).squareRoot().rounded())
            guard h > 0, w > 0, h < image.height, w < image.width else { continue }
            let y0 = generator.nextInt(below: image.height - h + 1), x0 = generator.nextInt(below: image.width - w + 1)
            var out = image
            for y in y0..<(y0 + h) {
                for x in x0..<(x0 + w) {
                    for ch in 0..<image.channels { out[x: x, y: y, channel: ch] = value }
                }
            }
            return out
        }
        return image
    }
}
