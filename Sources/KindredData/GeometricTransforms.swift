import Foundation
import KindredTensor

extension Image {
    /// The image mirrored left–right.
    public func flippedHorizontally() -> Image {
        var out = self
        let c = channels
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let s = (y * width + x) * c, d = (y * width + width - 1 - x) * c
                        for ch in 0..<c { dst[d + ch] = src[s + ch] }
                    }
                }
            }
        }
        return out
    }

    /// The image rotated counter-clockwise by `degrees` about its centre, same size, bilinear
    /// sampling, uncovered corners set to `fill`.
    public func rotated(degrees: Double, fill: Float = 0) -> Image {
        let radians = degrees * .pi / 180
        let (cosA, sinA) = (Foundation.cos(radians), Foundation.sin(radians))
        let cx = Double(width) / 2, cy = Double(height) / 2
        var out = Image(width: width, height: height, channels: channels, filledWith: fill)
        let c = channels
        for y in 0..<height {
            for x in 0..<width {
                // Inverse mapping: the source point that lands on (x, y). Image rows grow downwards,
                // so a counter-clockwise turn on screen uses the transposed rotation.
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                let sx = cosA * dx - sinA * dy + cx - 0.5
                let sy = sinA * dx + cosA * dy + cy - 0.5
                guard sx > -1, sy > -1, sx < Double(width), sy < Double(height) else { continue }
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                let fx = Float(sx - Double(x0)), fy = Float(sy - Double(y0))
                for ch in 0..<c {
                    func at(_ px: Int, _ py: Int) -> Float {
                        px >= 0 && py >= 0 && px < width && py < height ? pixels[(py * width + px) * c + ch] : fill
                    }
                    let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
                    let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
                    out.pixels[(y * width + x) * c + ch] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return out
    }
}

/// Mirrors the image left–right with probability `probability`.
public struct HorizontalFlip: ImageTransform {
    /// The chance of flipping (default 0.5; 1 always flips).
    public var probability: Double

    /// A random horizontal flip.
    public init(probability: Double = 0.5) { self.probability = probability }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        generator.nextUniform() < probability ? image.flippedHorizontally() : image
    }
}

/// Rotates by an angle drawn uniformly from `-maxDegrees...maxDegrees` (small rotations for
/// augmentation), keeping the size and filling uncovered corners with `fill`.
public struct RandomRotation: ImageTransform {
    /// The largest rotation, in degrees, either way.
    public var maxDegrees: Double
    /// The value of uncovered pixels.
    public var fill: Float

    /// A random rotation of up to `maxDegrees` degrees either way.
    public init(maxDegrees: Double, fill: Float = 0) {
        self.maxDegrees = maxDegrees
        self.fill = fill
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        let angle = (2 * generator.nextUniform() - 1) * maxDegrees
        return image.rotated(degrees: angle, fill: fill)
    }
}
