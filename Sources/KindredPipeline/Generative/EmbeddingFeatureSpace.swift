import Foundation
import KindredGenerative
import KindredTensor

/// A trained Kindred embedding model used as the feature space of generated-image metrics: the
/// Fréchet distance between real and generated images and k-NN precision/recall (both in
/// embedding space), with the real images' features computed once.
final class EmbeddingFeatureSpace {
    let model: TrainedModel
    let realFeatures: Tensor
    let realStatistics: FrechetDistance.Statistics
    let k: Int

    /// Opens the run in `directory` and embeds `realPixels` (`[N, C, H, W]` in `[0, 1]`).
    init(runDirectory directory: String, realPixels: Tensor, k: Int) throws {
        let url = URL(fileURLWithPath: directory)
        do { model = try TrainedModel(run: RunFiles(directory: url)) } catch {
            throw ConfigError(path: "metrics.embedding_run",
                              message: "cannot use \(directory) as the embedding model: \(error) (train one first, e.g. `kindred train Examples/fashion-mnist-triplet.yaml`, or leave metrics.embedding_run out)")
        }
        guard model.config.data.imageSize == realPixels.shape[2], model.config.data.channels == realPixels.shape[1] else {
            throw ConfigError(path: "metrics.embedding_run",
                              message: "the embedding run takes \(model.config.data.channels)×\(model.config.data.imageSize)×\(model.config.data.imageSize) images; this run makes \(realPixels.shape.dropFirst().map(String.init).joined(separator: "×"))")
        }
        self.k = k
        realFeatures = Self.embed(model, realPixels)
        realStatistics = try FrechetDistance.Statistics(features: realFeatures)
    }

    /// Embeddings of images in `[0, 1]`, normalised as the embedding run's data.
    static func embed(_ model: TrainedModel, _ pixels: Tensor) -> Tensor {
        let mean = model.config.data.mean, std = model.config.data.std
        return withoutGradients { model.embed((pixels - mean) / std) }
    }

    /// Fréchet distance, precision and recall of generated images (`[M, C, H, W]` in `[0, 1]`).
    func compare(generatedPixels: Tensor) throws -> (frechet: Double, precision: Double, recall: Double) {
        let features = Self.embed(model, generatedPixels)
        let fd = try FrechetDistance.distance(realStatistics, FrechetDistance.Statistics(features: features))
        let pr = try KNNPrecisionRecall(k: k).evaluate(real: realFeatures, generated: features)
        return (fd, pr.precision, pr.recall)
    }
}
