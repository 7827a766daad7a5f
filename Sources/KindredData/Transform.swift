import KindredTensor

/// A step of an image pipeline (resize, crop, flip, jitter, normalise, …).
///
/// Random transforms draw only from the generator they are given; the ``DataLoader`` hands each item
/// its own generator derived from (seed, epoch, batch, position), so augmentations are reproducible
/// whichever worker thread runs them.
public protocol ImageTransform: Sendable {
    /// The transformed image.
    func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image
}

/// Transforms applied in order. Build separate pipelines for training (random augmentations) and
/// evaluation (deterministic resize/crop/normalise).
///
/// ```swift
/// let train = TransformPipeline([RandomResizedCrop(size: 224), HorizontalFlip(), Normalize.imageNet])
/// let eval = TransformPipeline([Resize(shorterSide: 256), CenterCrop(size: 224), Normalize.imageNet])
/// ```
public struct TransformPipeline: ImageTransform {
    /// The steps, applied first to last.
    public var steps: [any ImageTransform]

    /// A pipeline of `steps`.
    public init(_ steps: [any ImageTransform]) { self.steps = steps }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        var image = image
        for step in steps { image = try step.apply(image, generator: &generator) }
        return image
    }
}

/// Leaves the image unchanged.
public struct IdentityTransform: ImageTransform {
    /// The identity transform.
    public init() {}
    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image { image }
}

extension TransformPipeline {
    /// A common training pipeline for RGB retrieval models: random resized crop to `size`, random
    /// horizontal flip, colour jitter (0.2 each), ImageNet normalisation.
    public static func training(size: Int, normalize: Normalize = .imageNet) -> TransformPipeline {
        TransformPipeline([
            RandomResizedCrop(size: size),
            HorizontalFlip(),
            ColorJitter(brightness: 0.2, contrast: 0.2, saturation: 0.2),
            normalize,
        ])
    }

    /// The matching deterministic evaluation pipeline: resize the shorter side to `size × 8/7`,
    /// center crop to `size`, normalise.
    public static func evaluation(size: Int, normalize: Normalize = .imageNet) -> TransformPipeline {
        TransformPipeline([Resize(shorterSide: (size * 8 + 6) / 7), CenterCrop(size: size), normalize])
    }
}
