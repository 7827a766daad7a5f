import Foundation
import KindredTensor

/// Cuts the central `width × height` region (padding with zeros if the image is smaller).
public struct CenterCrop: ImageTransform {
    /// Output width.
    public var width: Int
    /// Output height.
    public var height: Int

    /// A `size × size` center crop.
    public init(size: Int) { self.init(width: size, height: size) }
    /// A `width × height` center crop.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        let x = Int((Double(image.width - width) / 2).rounded())
        let y = Int((Double(image.height - height) / 2).rounded())
        return image.cropped(x: x, y: y, width: width, height: height)
    }
}

/// Pads each side by `padding` pixels of `fill`, then cuts a uniformly random `width × height` window
/// (the classic CIFAR/MNIST augmentation).
public struct RandomCrop: ImageTransform {
    /// Output width.
    public var width: Int
    /// Output height.
    public var height: Int
    /// Pixels of padding added on every side before cropping.
    public var padding: Int
    /// The padding value.
    public var fill: Float

    /// A random `size × size` crop after `padding` pixels of padding.
    public init(size: Int, padding: Int = 0, fill: Float = 0) { self.init(width: size, height: size, padding: padding, fill: fill) }
    /// A random `width × height` crop after `padding` pixels of padding.
    public init(width: Int, height: Int, padding: Int = 0, fill: Float = 0) {
        self.width = width
        self.height = height
        self.padding = padding
        self.fill = fill
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        let rangeX = image.width + 2 * padding - width, rangeY = image.height + 2 * padding - height
        let x = rangeX > 0 ? generator.nextInt(below: rangeX + 1) : rangeX / 2
        let y = rangeY > 0 ? generator.nextInt(below: rangeY + 1) : rangeY / 2
        return image.cropped(x: x - padding, y: y - padding, width: width, height: height, fill: fill)
    }
}

/// Crops a random region of random area and aspect ratio, then resizes it to `width × height`
/// (torchvision's `RandomResizedCrop`: up to 10 tries to find a region with area fraction in
/// `scale` and width/height ratio in `ratio` (log-uniform), else a center crop of the clamped ratio).
public struct RandomResizedCrop: ImageTransform {
    /// Output width.
    public var width: Int
    /// Output height.
    public var height: Int
    /// The range of the region's area as a fraction of the image's.
    public var scale: ClosedRange<Double>
    /// The range of the region's width / height.
    public var ratio: ClosedRange<Double>

    /// A random resized crop to `size × size`.
    public init(size: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
        self.init(width: size, height: size, scale: scale, ratio: ratio)
    }

    /// A random resized crop to `width × height`.
    public init(width: Int, height: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
        self.width = width
        self.height = height
        self.scale = scale
        self.ratio = ratio
    }

    /// The region (x, y, width, height) to crop from a `w × h` image.
    func region(width w: Int, height h: Int, generator: inout RandomGenerator) -> (Int, Int, Int, Int) {
        let area = Double(w * h)
        let logLow = Foundation.log(ratio.lowerBound), logHigh = Foundation.log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * generator.nextUniform())
            let aspect = Foundation.exp(logLow + (logHigh - logLow) * generator.nextUniform())
            let cw = Int((target * aspect).squareRoot().rounded()), ch = Int((target / aspect).squareRoot().rounded())
            if cw > 0 && ch > 0 && cw <= w && ch <= h {
                return (generator.nextInt(below: w - cw + 1), generator.nextInt(below: h - ch + 1), cw, ch)
            }
        }
        let inRatio = Double(w) / Double(h)
        var cw = w, ch = h
        if inRatio < ratio.lowerBound {
            ch = Int((Double(w) / ratio.lowerBound).rounded())
        } else if inRatio > ratio.upperBound {
            cw = Int((Double(h) * ratio.upperBound).rounded())
        }
        return ((w - cw) / 2, (h - ch) / 2, cw, ch)
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        let (x, y, cw, ch) = region(width: image.width, height: image.height, generator: &generator)
        return image.cropped(x: x, y: y, width: cw, height: ch).resized(width: width, height: height)
    }
}
