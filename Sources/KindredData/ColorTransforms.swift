import KindredTensor

extension Image {
    /// The luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B) of each pixel; the image itself when it
    /// has fewer than three channels. Alpha is ignored.
    public func luminance() -> [Float] {
        let n = width * height, c = channels
        var out = [Float](repeating: 0, count: n)
        pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                if c < 3 {
                    for i in 0..<n { o[i] = p[i * c] }
                } else {
                    for i in 0..<n { o[i] = 0.299 * p[i * c] + 0.587 * p[i * c + 1] + 0.114 * p[i * c + 2] }
                }
            }
        }
        return out
    }
}

/// Converts to grayscale (luma), with `outputChannels` copies of it (1, or 3 to keep an RGB model's
/// input shape), with probability `probability`.
public struct Grayscale: ImageTransform {
    /// 1 or 3.
    public var outputChannels: Int
    /// The chance of converting (1 = always).
    public var probability: Double

    /// A grayscale conversion.
    public init(outputChannels: Int = 1, probability: Double = 1) {
        precondition(outputChannels == 1 || outputChannels == 3, "Grayscale outputChannels must be 1 or 3")
        self.outputChannels = outputChannels
        self.probability = probability
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        if probability < 1 && generator.nextUniform() >= probability { return image }
        let luma = image.luminance()
        let pixels = outputChannels == 1 ? luma : luma.flatMap { [$0, $0, $0] }
        return Image(width: image.width, height: image.height, channels: outputChannels, pixels: pixels)
    }
}

/// Randomly changes brightness, contrast and saturation, in a random order (torchvision's
/// `ColorJitter`). Each factor is drawn uniformly from `max(0, 1 − s)...1 + s` for strength `s`;
/// 0 disables that part. Results are clamped to `0...1`; alpha is left alone.
public struct ColorJitter: ImageTransform {
    /// Brightness strength: pixels are scaled by the factor.
    public var brightness: Double
    /// Contrast strength: pixels are blended with the mean luma.
    public var contrast: Double
    /// Saturation strength: pixels are blended with their own luma (RGB only).
    public var saturation: Double

    /// A colour jitter with the given strengths.
    public init(brightness: Double = 0, contrast: Double = 0, saturation: Double = 0) {
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        var image = image
        for step in generator.permutation(3) {
            let strength = [brightness, contrast, saturation][step]
            guard strength > 0 else { continue }
            let low = Swift.max(0, 1 - strength)
            let factor = Float(low + (1 + strength - low) * generator.nextUniform())
            switch step {
            case 0: image.blend(factor: factor)
            case 1:
                let luma = image.luminance()
                let mean = luma.reduce(0, +) / Float(Swift.max(luma.count, 1))
                image.blend(constant: mean, factor: factor)
            default:
                guard image.channels >= 3 else { continue }
                let luma = image.luminance()
                image.blend(perPixel: luma, factor: factor)
            }
        }
        return image
    }
}

extension Image {
    /// `factor · pixel + (1 − factor) · other`, on the colour channels, clamped to `0...1`; `other` is
    /// one value per pixel (`perPixel`) or the constant `constant`.
    mutating func blend(perPixel: [Float]? = nil, constant: Float = 0, factor: Float) {
        let c = channels
        let colour = c == 4 ? 3 : (c == 2 ? 1 : c)
        let n = width * height
        let rest = 1 - factor
        pixels.withUnsafeMutableBufferPointer { p in
            if let perPixel {
                perPixel.withUnsafeBufferPointer { other in
                    if c == 3 {
                        for i in 0..<n {
                            let o = other[i] * rest
                            p[3 * i] = Swift.min(1, Swift.max(0, factor * p[3 * i] + o))
                            p[3 * i + 1] = Swift.min(1, Swift.max(0, factor * p[3 * i + 1] + o))
                            p[3 * i + 2] = Swift.min(1, Swift.max(0, factor * p[3 * i + 2] + o))
                        }
                    } else {
                        for i in 0..<n {
                            let o = other[i] * rest
                            for ch in 0..<colour { p[i * c + ch] = Swift.min(1, Swift.max(0, factor * p[i * c + ch] + o)) }
                        }
                    }
                }
            } else if colour == c {
                let o = constant * rest
                for j in 0..<p.count { p[j] = Swift.min(1, Swift.max(0, factor * p[j] + o)) }
            } else {
                let o = constant * rest
                for i in 0..<n {
                    for ch in 0..<colour { p[i * c + ch] = Swift.min(1, Swift.max(0, factor * p[i * c + ch] + o)) }
                }
            }
        }
    }
}

/// Normalises each channel: `(x − mean[c]) / std[c]`. Usually the last step of a pipeline.
public struct Normalize: ImageTransform {
    /// Per-channel means (one value applies to every channel).
    public var mean: [Float]
    /// Per-channel standard deviations.
    public var std: [Float]

    /// A normalisation with per-channel `mean` and `std`.
    public init(mean: [Float], std: [Float]) {
        precondition(!mean.isEmpty && mean.count == std.count, "Normalize needs as many means as standard deviations")
        self.mean = mean
        self.std = std
    }

    /// ImageNet statistics (RGB), for pretrained backbones.
    public static let imageNet = Normalize(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// Fashion-MNIST statistics (grayscale).
    public static let fashionMNIST = Normalize(mean: [FashionMNIST.mean], std: [FashionMNIST.std])

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        guard mean.count == 1 || mean.count == image.channels else {
            throw DataError.mismatchedBatch(reason: "Normalize has \(mean.count) channel statistics but the image has \(image.channels) channels")
        }
        var out = image
        let c = image.channels
        let scale = (0..<c).map { 1 / std[mean.count == 1 ? 0 : $0] }
        let shift = (0..<c).map { mean[mean.count == 1 ? 0 : $0] * scale[$0] }
        let n = image.width * image.height
        out.pixels.withUnsafeMutableBufferPointer { p in
            scale.withUnsafeBufferPointer { scale in
                shift.withUnsafeBufferPointer { shift in
                    for i in 0..<n {
                        for ch in 0..<c { p[i * c + ch] = p[i * c + ch] * scale[ch] - shift[ch] }
                    }
                }
            }
        }
        return out
    }
}
