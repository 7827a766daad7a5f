import Foundation
import KindredData
import KindredNN
import KindredTensor

/// A trained embedding network reopened from a run directory: its config, its model with the
/// weights of a checkpoint, and (loaded on first use) the run's evaluation split.
public final class TrainedModel {
    /// The run's resolved config.
    public let config: RunConfig
    /// The network, in evaluation mode.
    public let model: any Layer
    private var cachedTest: SplitData?

    /// Opens `checkpoint` (default: the best one) of the run in `run`.
    ///
    /// - Throws: ``CheckpointError`` or ``ConfigError`` naming the file that is missing or does not fit.
    public init(run: RunFiles, checkpoint: URL? = nil) throws {
        guard FileManager.default.fileExists(atPath: run.config.path) else {
            throw CheckpointError(file: run.config, message: "not a Kindred run directory (no config.yaml)")
        }
        config = try RunConfig(contentsOf: run.config)
        let url = checkpoint ?? run.bestCheckpoint
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(file: url, message: "no such checkpoint (has the run finished an epoch?)")
        }
        let channels = config.data.channels, size = config.data.imageSize
        model = Components.model(config.model, channels: channels, imageSize: size)
        let file = try SafetensorsFile(contentsOf: url)
        var tensors: [String: Tensor] = [:]
        for name in file.names {
            if name.hasPrefix("model.") { tensors[String(name.dropFirst(6))] = try file.tensor(named: name) }
        }
        guard !tensors.isEmpty else {
            throw CheckpointError(file: url, message: "holds no model.* tensors (not a Kindred training checkpoint)")
        }
        do { try model.loadStateDict(tensors) } catch {
            throw CheckpointError(file: url, message: "does not fit the run's model (\(config.model.kind.rawValue)): \(error)")
        }
        model.eval()
    }

    /// The run's evaluation split.
    public var test: SplitData {
        get throws {
            if let cachedTest { return cachedTest }
            let split = try RunData.load(config.data).test
            cachedTest = split
            return split
        }
    }

    /// Embeddings `[N, D]` of normalised images `[N, C, H, W]`.
    public func embed(_ images: Tensor, batchSize: Int = 1000) -> Tensor {
        Evaluator.embed(model: model, images: images, batchSize: batchSize)
    }

    /// Embeddings of image files, resized and normalised as the run's data.
    public func embed(files: [URL]) throws -> Tensor {
        let size = config.data.imageSize, channels = config.data.channels
        let mean = Float(config.data.mean), std = Float(config.data.std)
        let images = try files.map { try Image(contentsOf: $0, channels: channels).resized(width: size, height: size) }
        var values = [Float](repeating: 0, count: files.count * channels * size * size)
        values.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            for (i, image) in images.enumerated() { image.writePlanar(into: base + i * channels * size * size, mean: mean, std: std) }
        }
        return embed(Tensor(values, shape: [files.count, channels, size, size]))
    }
}
