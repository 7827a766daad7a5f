import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// A trained autoencoder, denoising autoencoder or VAE reopened from its run directory — what
/// `kindred generate` works with: the run's config, the model with a checkpoint's weights, the
/// run's evaluation split (loaded on first use) and image files checked against the model's size.
public final class TrainedAutoencoder {
    /// The tasks whose runs this opens.
    public static let tasks: [GenerativeTask] = [.autoencoder, .denoisingAutoencoder, .vae]

    /// The run's resolved config.
    public let config: GenerativeRunConfig
    /// The model, in evaluation mode.
    public let model: any LatentImageModel
    /// The corruption a denoising autoencoder was trained with (nil otherwise).
    public let corruption: Corruption?
    var cachedTest: SplitData?

    /// Opens `checkpoint` (default: the best one) of the run in `run`.
    ///
    /// - Throws: ``CheckpointError`` when the directory is not a run of an autoencoder-family task
    ///   (naming the task it is), or the checkpoint is missing or does not fit; ``ConfigError``.
    public init(run: RunFiles, checkpoint: URL? = nil) throws {
        let task: GenerativeTask
        (config, task) = try GenerativeRunConfig.opening(run, tasks: Self.tasks)
        guard let settings = config.settings as? AutoencoderSettings else {
            throw CheckpointError(file: run.config, message: "internal: no autoencoder settings")
        }
        let architecture = settings.architecture(config.data)
        try architecture.validate()
        GlobalRandom.seed(config.seed)
        model = task == .vae ? VariationalAutoencoder(architecture) : ConvAutoencoder(architecture)
        corruption = settings.corruption
        let url = checkpoint ?? run.bestCheckpoint
        let file = try GenerativeCheckpoint.open(url, expecting: [task])
        try GenerativeCheckpoint.load(file, url: url, into: [("model", model)])
        model.eval()
    }

    /// The task of the run.
    public var task: GenerativeTask { config.task }
    /// Whether the model is a VAE (can sample from its prior).
    public var isVariational: Bool { model is VariationalAutoencoder }

    /// The run's evaluation split.
    public var test: SplitData {
        get throws {
            if let cachedTest { return cachedTest }
            let split = try RunData.load(config.data).test
            cachedTest = split
            return split
        }
    }

    /// Evaluation-split images `indices` as pixels in `[0, 1]`.
    ///
    /// - Throws: an error naming the first index outside the split.
    public func testImages(_ indices: [Int]) throws -> Tensor {
        try test.pixelImages(indices, data: config.data)
    }

    /// Indices of the first `limit` evaluation images of class `label`.
    public func testIndices(ofClass label: Int, limit: Int) throws -> [Int] {
        let test = try self.test
        let found = test.labels.indices.filter { test.labels[$0] == label }.prefix(limit)
        guard !found.isEmpty else {
            throw GenerativeModelError("the evaluation split has no images of class \(label); its classes are \(Set(test.labels).sorted().map(String.init).joined(separator: ", "))")
        }
        return Array(found)
    }

    /// Name of class `label` in the run's data.
    public func className(_ label: Int) throws -> String { try test.className(label) }

    /// Image files as pixels in `[0, 1]` `[N, C, S, S]` (converted to the model's channels).
    ///
    /// - Parameter resize: scale images of another size to the model's; without it such a file is an error.
    /// - Throws: an error naming the file and both sizes when it does not fit the model.
    public func images(files: [URL], resize: Bool = false) throws -> Tensor {
        let a = model.architecture
        guard !files.isEmpty else { throw GenerativeModelError("no image files given") }
        var values: [Float] = []
        for url in files {
            var image = try Image(contentsOf: url, channels: a.channels)
            if image.width != a.imageSize || image.height != a.imageSize {
                guard resize else {
                    throw GenerativeModelError("\(url.path): the image is \(image.width)×\(image.height), but the model of this run takes \(a.imageSize)×\(a.imageSize) images (pass --resize to scale it)")
                }
                image = image.resized(width: a.imageSize, height: a.imageSize)
            }
            let plane = a.imageSize * a.imageSize
            var planar = [Float](repeating: 0, count: a.channels * plane)
            for p in 0..<plane { for c in 0..<a.channels { planar[c * plane + p] = image.pixels[p * a.channels + c] } }
            values += planar
        }
        return Tensor(values, shape: [files.count, a.channels, a.imageSize, a.imageSize])
    }

    /// Normalised images (as the run's data holds them) → pixels in `[0, 1]`.
    func toPixels(_ images: Tensor) -> Tensor {
        config.data.pixels(images)
    }
}
