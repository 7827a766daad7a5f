import Foundation
import KindredTensor

/// Fashion-MNIST: 28×28 grayscale images of 10 clothing classes (60,000 train, 10,000 test), Kindred's
/// default demo data.
///
/// Reads the four IDX files (gzipped or not) from Debian's `dataset-fashion-mnist` package
/// (``defaultDirectory``) or any directory holding files with the standard names
/// (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-…`).
///
/// ```swift
/// let train = try FashionMNIST(split: .train)
/// let x = train.tensor()          // [60000, 1, 28, 28], normalised
/// ```
public struct FashionMNIST: ImageDataset {
    /// Which half of the data set.
    public enum Split: String, Sendable, CaseIterable {
        /// The 60,000 training images (`train-*` files).
        case train
        /// The 10,000 test images (`t10k-*` files).
        case test

        /// The file-name prefix: `train` or `t10k`.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// Where Debian's `dataset-fashion-mnist` installs the files.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The class names, indexed by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The pixel mean and standard deviation of the training images (values in `0...1`), used by
    /// ``tensor(mean:std:)`` by default.
    public static let mean: Float = 0.286, std: Float = 0.353

    /// Image height in pixels (28).
    public let height: Int
    /// Image width in pixels (28).
    public let width: Int
    /// All pixels, image after image, row-major, 0–255.
    public let pixels: [UInt8]
    /// The label (0–9) of every image.
    public let labels: [Int]

    /// The number of images.
    public var count: Int { labels.count }

    /// Loads one split from `directory`.
    ///
    /// - Throws: ``DataError`` naming the file if a file is missing, malformed, or the image and label
    ///   files disagree on the number of items.
    public init(split: Split, directory: URL = FashionMNIST.defaultDirectory) throws {
        let images = try IDXArray(contentsOf: Self.file(directory, "\(split.filePrefix)-images-idx3-ubyte"))
        let labelURL = Self.file(directory, "\(split.filePrefix)-labels-idx1-ubyte")
        let labels = try IDXArray(contentsOf: labelURL)
        try self.init(images: images, labels: labels, labelSource: labelURL)
    }

    /// A data set from already-read IDX arrays: images `[N, H, W]` and labels `[N]`.
    ///
    /// - Throws: ``DataError/malformedFile(_:reason:)`` naming `labelSource` if the shapes disagree.
    public init(images: IDXArray, labels: IDXArray, labelSource: URL) throws {
        guard images.shape.count == 3 else {
            throw DataError.malformedFile(labelSource, reason: "image file has shape \(images.shape) (expected [count, height, width])")
        }
        guard labels.shape.count == 1, labels.shape[0] == images.shape[0] else {
            throw DataError.malformedFile(labelSource, reason: "label shape \(labels.shape) does not match \(images.shape[0]) images")
        }
        self.height = images.shape[1]
        self.width = images.shape[2]
        self.pixels = images.bytes
        self.labels = labels.bytes.map(Int.init)
    }

    /// The gzipped file if present, else the plain one (which then names the file in errors).
    private static func file(_ directory: URL, _ name: String) -> URL {
        let gz = directory.appendingPathComponent(name + ".gz")
        return FileManager.default.fileExists(atPath: gz.path) ? gz : directory.appendingPathComponent(name)
    }

    /// Image `index` as a one-channel ``Image`` with values in `0...1`.
    public func image(at index: Int) throws -> Image {
        let n = height * width
        return Image(width: width, height: height, channels: 1, bytes: Array(pixels[index * n ..< (index + 1) * n]))
    }

    /// All images as one `[N, 1, H, W]` float32 tensor, normalised as `(x/255 − mean) / std`
    /// (the same as the PyTorch reference recipe).
    public func tensor(mean: Float = FashionMNIST.mean, std: Float = FashionMNIST.std) -> Tensor {
        Tensor(shape: [count, 1, height, width], dtype: .float32) { raw in
            let out = raw.bindMemory(to: Float.self)
            pixels.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = (Float(src[i]) / 255 - mean) / std }
            }
        }
    }
}
