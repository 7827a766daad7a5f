import KindredTensor

/// How a denoising autoencoder's inputs are corrupted (pixels in `[0, 1]`); the clean image is the
/// target. Every draw comes from the generator passed in, so a seed fixes the corruption.
///
/// - `gaussian(sigma:)`: x + σ·ε, ε ~ N(0, 1) per pixel (not clipped unless `clip`).
/// - `saltAndPepper(probability:)`: each pixel, with probability p, becomes 0 or 1 (even odds).
/// - `masking(probability:)`: each pixel, with probability p, becomes 0.
///
/// ```swift
/// var rng = RandomGenerator(seed: 1)
/// let noisy = Corruption(kind: .gaussian(sigma: 0.3)).apply(to: clean, generator: &rng)
/// ```
public struct Corruption: Sendable, Equatable {
    /// The kinds of corruption.
    public enum Kind: Sendable, Equatable {
        /// Additive Gaussian noise of standard deviation σ.
        case gaussian(sigma: Double)
        /// Salt-and-pepper noise hitting a fraction p of the pixels.
        case saltAndPepper(probability: Double)
        /// Random masking (set to 0) of a fraction p of the pixels.
        case masking(probability: Double)
    }

    /// The corruption.
    public var kind: Kind
    /// Clamp the corrupted pixels to `[0, 1]` (matters only for Gaussian noise).
    public var clip: Bool

    /// A corruption of `kind`.
    public init(kind: Kind, clip: Bool = false) {
        self.kind = kind
        self.clip = clip
    }

    /// A corrupted copy of `images` (float32, any shape); no gradient flows through the noise.
    public func apply(to images: Tensor, generator: inout RandomGenerator) -> Tensor {
        var values = withoutGradients { images.scalars }
        switch kind {
        case .gaussian(let sigma):
            for i in values.indices { values[i] += Float(sigma * generator.nextNormal()) }
        case .saltAndPepper(let p):
            for i in values.indices where generator.nextUniform() < p {
                values[i] = generator.nextUniform() < 0.5 ? 0 : 1
            }
        case .masking(let p):
            for i in values.indices where generator.nextUniform() < p { values[i] = 0 }
        }
        if clip { for i in values.indices { values[i] = Swift.min(Swift.max(values[i], 0), 1) } }
        return Tensor(values, shape: images.shape)
    }

    /// A short description (`gaussian σ=0.3`).
    public var summary: String {
        switch kind {
        case .gaussian(let s): return "gaussian σ=\(s)\(clip ? ", clipped" : "")"
        case .saltAndPepper(let p): return "salt-and-pepper p=\(p)"
        case .masking(let p): return "masking p=\(p)"
        }
    }
}
