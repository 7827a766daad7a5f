import KindredTensor

/// One batch from a ``DataLoader``: images stacked as an NCHW tensor with their labels.
public struct Batch: @unchecked Sendable {
    /// `[N, C, H, W]` float32 images.
    public var images: Tensor
    /// The label of each image.
    public var labels: [Int]
    /// The data-set index of each image (to find paths, query/gallery flags, …).
    public var indices: [Int]
    /// The position of this batch in its epoch (0-based).
    public var number: Int

    /// A batch from its parts.
    public init(images: Tensor, labels: [Int], indices: [Int], number: Int) {
        self.images = images
        self.labels = labels
        self.indices = indices
        self.number = number
    }

    /// Stacks same-sized images (HWC) into an `[N, C, H, W]` float32 tensor.
    ///
    /// - Throws: ``DataError/mismatchedBatch(reason:)`` if the images differ in size or channels.
    public static func stack(_ images: [Image]) throws -> Tensor {
        guard let first = images.first else { return Tensor.zeros([0, 0, 0, 0]) }
        let (h, w, c) = (first.height, first.width, first.channels)
        for (i, image) in images.enumerated() where image.height != h || image.width != w || image.channels != c {
            throw DataError.mismatchedBatch(reason: "image \(i) is \(image.width)×\(image.height)×\(image.channels), image 0 is \(w)×\(h)×\(c) (add a Resize/CenterCrop so all items have one size)")
        }
        let plane = h * w
        return Tensor(shape: [images.count, c, h, w], dtype: .float32) { raw in
            let out = raw.bindMemory(to: Float.self)
            for (n, image) in images.enumerated() {
                image.pixels.withUnsafeBufferPointer { src in
                    let base = n * c * plane
                    if c == 1 {
                        for p in 0..<plane { out[base + p] = src[p] }
                    } else {
                        for p in 0..<plane {
                            for ch in 0..<c { out[base + ch * plane + p] = src[p * c + ch] }
                        }
                    }
                }
            }
        }
    }
}

extension Image {
    /// The image as a `[1, C, H, W]` float32 tensor (what the loader stacks for a batch).
    public func tensor() -> Tensor {
        Tensor(shape: [1, channels, height, width], dtype: .float32) { raw in
            let out = raw.bindMemory(to: Float.self)
            let plane = height * width
            for p in 0..<plane {
                for c in 0..<channels { out[c * plane + p] = pixels[p * channels + c] }
            }
        }
    }
}
