import KindredTensor

/// Latent-space operations of a trained ``LatentImageModel``: interpolation between two images
/// and attribute arithmetic (the difference of two groups' mean latents added to other images'
/// latents — the "smile vector" of White 2016 and Larsen et al. 2016). A VAE uses its posterior
/// means. All run without gradients and check image shapes.
///
/// ```swift
/// let row = try LatentOperations.interpolate(model, from: a, to: b, steps: 10)        // [10, C, H, W]
/// let v = try LatentOperations.attributeVector(model, group: coats, minus: shirts)    // [1, latent]
/// let moved = try LatentOperations.apply(model, vector: v, to: shirts, strength: 1)   // decoded images
/// ```
public enum LatentOperations {
    /// Latent codes of `images` `[N, C, H, W]`, encoded in batches of `batchSize`.
    public static func encode(_ model: any LatentImageModel, _ images: Tensor, batchSize: Int = 500, what: String = "input images") throws -> Tensor {
        let n = images.shape.first ?? 0
        if n <= batchSize { return try withoutGradients { try model.checkedEncode(images, what: what) } }
        let parts = try stride(from: 0, to: n, by: batchSize).map { start in
            try withoutGradients { try model.checkedEncode(images.sliced(axis: 0, range: start..<min(start + batchSize, n)), what: what) }
        }
        return Tensor.concat(parts)
    }

    /// Images decoded from `steps` latents evenly spaced on the segment from the code of `a` to
    /// the code of `b` (both `[1, C, H, W]`); the first and last are the two reconstructions.
    public static func interpolate(_ model: any LatentImageModel, from a: Tensor, to b: Tensor, steps: Int) throws -> Tensor {
        guard steps >= 2 else { throw GenerativeModelError("interpolation needs at least 2 steps, found \(steps)") }
        let za = try encode(model, a, what: "the first image"), zb = try encode(model, b, what: "the second image")
        guard za.shape[0] == 1, zb.shape[0] == 1 else {
            throw GenerativeModelError("interpolation takes one image at each end, found \(za.shape[0]) and \(zb.shape[0])")
        }
        let t = Tensor((0..<steps).map { Float($0) / Float(steps - 1) }, shape: [steps, 1])
        return withoutGradients { model.decode(za + t * (zb - za)) }
    }

    /// Mean latent of `group` minus mean latent of `minus` (`[1, latentSize]`).
    public static func attributeVector(_ model: any LatentImageModel, group: Tensor, minus: Tensor) throws -> Tensor {
        let a = try encode(model, group, what: "group A images"), b = try encode(model, minus, what: "group B images")
        return withoutGradients { a.mean(axis: 0, keepDims: true) - b.mean(axis: 0, keepDims: true) }
    }

    /// Images decoded from the codes of `images` plus `strength` × `vector`.
    public static func apply(_ model: any LatentImageModel, vector: Tensor, to images: Tensor, strength: Double = 1) throws -> Tensor {
        try GenerativeModelError.checkLatents(vector, size: model.architecture.latentSize)
        let z = try encode(model, images)
        return withoutGradients { model.decode(z + vector * strength) }
    }
}
