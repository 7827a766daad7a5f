import KindredTensor

extension Image {
    /// The luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B) of each pixel; the image itself when it
    /// has one channel. Alpha is ignored.
    public func luminance() -> [Float] {
        if channels < 3 { return stride(from: 0, to: pixels.count, by: channels).map { pixels[$0] } }
        return (0..<(width * height)).map { p in
            let i = p * channels
            return 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2]
        }
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
            case 0: image.blend(with: { _ in 0 }, factor: factor)
            case 1:
                let luma = image.luminance()
                let mean = luma.reduce(0, +) / Float(Swift.max(luma.count, 1))
                image.blend(with: { _ in mean }, factor: factor)
            default:
                guard image.channels >= 3 else { continue }
                let luma = image.luminance()
                image.blend(with: { luma[$0] }, factor: factor)
            }
        }
        return image
    }
}

extension Image {
    /// `factor · pixel + (1 − factor) · other(pixelIndex)` on the colour channels, clamped to `0...1`.
    mutating func blend(with other: (Int) -> Float, factor: Float) {
        let colour = channels == 4 ? 3 : (channels == 2 ? 1 : channels)
        let c = channels
        for p in 0..<(width * height) {
            let o = other(p)
            for ch in 0..<colour {
                let i = p * c + ch
                pixels[i] = Swift.min(1, Swift.max(0, factor * pixels[i] + (1 - factor) * o))
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
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let ch = mean.count == 1 ? 0 : i % c
                p[i] = (p[i] - mean[ch]) / std[ch]
            }
        }
        return out
    }
}
