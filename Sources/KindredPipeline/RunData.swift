import Foundation
import KindredData
import KindredTensor

/// One split of a run's data, held in memory as a normalised `[N, C, H, W]` tensor.
///
/// Fashion-MNIST (70k 28×28 images) takes 220 MB this way; CSV and folder datasets are decoded
/// and resized once when the run starts.
public struct SplitData: @unchecked Sendable {
    /// Normalised images `[N, C, H, W]`.
    public let images: Tensor
    /// Class of each item (the dataset's labels).
    public let labels: [Int]
    /// Queries and gallery items for evaluation (nil: every item is both, leave-one-out).
    public let isQuery: [Bool]?, isGallery: [Bool]?
    /// Name of each class label (for legends), indexed by label when labels are dense.
    public let classNames: [String]
    /// Where the data came from (for logs and the report).
    public let source: String
    /// The category of each item (OML's `category` column; ``noCategory`` for items without one),
    /// or nil when the data has no categories (Fashion-MNIST, folders, CSVs without the column).
    public let categories: [String]?
    /// The original image of item `i` (for retrieval grids).
    public let originalImage: @Sendable (Int) throws -> Image

    /// The category name given to items without a category when others have one.
    public static let noCategory = "(none)"

    /// A split of `images` with their `labels`; `categories`, when given, has one entry per item.
    public init(images: Tensor, labels: [Int], isQuery: [Bool]?, isGallery: [Bool]?, classNames: [String], source: String,
                categories: [String]? = nil, originalImage: @escaping @Sendable (Int) throws -> Image) {
        self.images = images
        self.labels = labels
        self.isQuery = isQuery
        self.isGallery = isGallery
        self.classNames = classNames
        self.source = source
        self.categories = categories
        self.originalImage = originalImage
    }

    /// The number of items.
    public var count: Int { labels.count }

    /// Name of class `label`.
    public func className(_ label: Int) -> String {
        label >= 0 && label < classNames.count ? classNames[label] : String(label)
    }
}

/// Loads the training and evaluation splits a ``DataConfig`` describes.
public enum RunData {
    /// The training split and the evaluation split.
    ///
    /// - Throws: `DataError` naming the file that is missing or corrupt, or ``ConfigError`` when a
    ///   class filter leaves nothing.
    public static func load(_ config: DataConfig) throws -> (train: SplitData, test: SplitData) {
        switch config.kind {
        case .fashionMNIST:
            let dir = URL(fileURLWithPath: config.path ?? FashionMNIST.defaultDirectory.path)
            let train = try FashionMNIST(split: .train, directory: dir)
            let test = try FashionMNIST(split: .test, directory: dir)
            return (try fashion(train, classes: config.trainClasses, limit: config.trainLimit, config: config, key: "train_classes"),
                    try fashion(test, classes: config.testClasses, limit: config.testLimit, config: config, key: "test_classes"))
        case .csv:
            let url = URL(fileURLWithPath: config.path ?? "")
            let table = try RetrievalTable(contentsOf: url)
            return (try decoded(RetrievalDataset(table: table, split: .train, channels: config.channels), config: config, training: true, source: url.path),
                    try decoded(RetrievalDataset(table: table, split: .validation, channels: config.channels), config: config, training: false, source: url.path))
        case .folder:
            let root = URL(fileURLWithPath: config.path ?? "")
            let train = try RetrievalTable(imageFolder: root.appendingPathComponent("train"), split: .train)
            let test = try RetrievalTable(imageFolder: root.appendingPathComponent("test"), split: .validation)
            return (try decoded(RetrievalDataset(table: train, channels: config.channels), config: config, training: true, source: root.path + "/train"),
                    try decoded(RetrievalDataset(table: test, channels: config.channels), config: config, training: false, source: root.path + "/test"))
        }
    }

    /// Indices of `labels` in `classes` (all when nil), at most `limit` (0: all).
    static func selection(_ labels: [Int], classes: [Int]?, limit: Int, key: String) throws -> [Int] {
        var chosen = Array(labels.indices)
        if let classes {
            let wanted = Set(classes)
            chosen = chosen.filter { wanted.contains(labels[$0]) }
            guard !chosen.isEmpty else {
                throw ConfigError(path: "data.\(key)", message: "no items have the classes \(classes); the data's classes are \(Set(labels).sorted())")
            }
        }
        if limit > 0, chosen.count > limit {
            // An evenly spread subset keeps every class represented.
            let step = Double(chosen.count) / Double(limit)
            chosen = (0..<limit).map { chosen[Int(Double($0) * step)] }
        }
        return chosen
    }

    static func fashion(_ data: FashionMNIST, classes: [Int]?, limit: Int, config: DataConfig, key: String) throws -> SplitData {
        let chosen = try selection(data.labels, classes: classes, limit: limit, key: key)
        let all = data.tensor(mean: Float(config.mean), std: Float(config.std))
        let images = chosen.count == data.count ? all : withoutGradients { all.rows(chosen).contiguous() }
        return SplitData(images: images, labels: chosen.map { data.labels[$0] }, isQuery: nil, isGallery: nil,
                         classNames: FashionMNIST.classNames, source: "Fashion-MNIST \(key == "train_classes" ? "train" : "test") split",
                         originalImage: { try data.image(at: chosen[$0]) })
    }

    /// Decodes, resizes and normalises every image of `dataset`, on `config.workers` threads (default:
    /// every core), with a progress bar from 2,000 images up.
    public static func decoded(_ dataset: RetrievalDataset, config: DataConfig, training: Bool, source: String) throws -> SplitData {
        guard dataset.count > 0 else {
            throw ConfigError(path: "data.path", message: "\(source) has no \(training ? "training" : "evaluation") items")
        }
        let key = training ? "train_classes" : "test_classes"
        let chosen = try selection(dataset.labels, classes: training ? config.trainClasses : config.testClasses,
                                   limit: training ? config.trainLimit : config.testLimit, key: key)
        let size = config.imageSize, channels = config.channels
        let plane = size * size
        var values = [Float](repeating: 0, count: chosen.count * channels * plane)
        var failures = [String?](repeating: nil, count: chosen.count)
        let mean = Float(config.mean), std = Float(config.std)
        // `data.workers` threads decode interleaved items; a progress bar for large sets (thousands of
        // files take a while to decode and resize).
        let workers = Swift.max(1, Swift.min(config.workers ?? ProcessInfo.processInfo.activeProcessorCount, chosen.count))
        let progress = chosen.count >= 2000 ? DecodeProgress(label: "decoding \(training ? "training" : "evaluation") images", total: chosen.count) : nil
        values.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { fail in
                let outBase = out.baseAddress, failBase = fail.baseAddress
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for n in stride(from: worker, to: chosen.count, by: workers) {
                        do {
                            let image = try dataset.image(at: chosen[n]).resized(width: size, height: size)
                            if image.channels != channels {
                                failBase?[n] = "\(dataset.items[chosen[n]].path.path): has \(image.channels) channels, data.channels is \(channels)"
                            } else if let outBase {
                                image.writePlanar(into: outBase + n * channels * plane, mean: mean, std: std)
                            }
                        } catch {
                            failBase?[n] = "\(error)"
                        }
                        progress?.advance()
                    }
                }
            }
        }
        progress?.finish()
        if let first = failures.compactMap({ $0 }).first {
            throw DataPipelineError(message: "cannot read an image: \(first)")
        }
        let names = dataset.labelNames
        // Items without a category get a placeholder when others of the split have one.
        let categories = dataset.categoryNames.isEmpty ? nil : chosen.map { i -> String in
            let c = dataset.categories[i]
            return c >= 0 && c < dataset.categoryNames.count ? dataset.categoryNames[c] : SplitData.noCategory
        }
        return SplitData(images: Tensor(values, shape: [chosen.count, channels, size, size]),
                         labels: chosen.map { dataset.labels[$0] },
                         isQuery: training ? nil : chosen.map { dataset.isQuery[$0] },
                         isGallery: training ? nil : chosen.map { dataset.isGallery[$0] },
                         classNames: names, source: source, categories: categories,
                         originalImage: { try dataset.image(at: chosen[$0]) })
    }
}

/// A ``ProgressBar`` that several decoding threads advance.
final class DecodeProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let bar: ProgressBar
    private var done = 0

    init(label: String, total: Int) { bar = ProgressBar(label: label, total: total) }

    /// One more item decoded.
    func advance() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        bar.update(done)
    }

    /// The final line.
    func finish() { bar.finish() }
}

/// An error while preparing a run's data that names the file.
public struct DataPipelineError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String
    public var description: String { message }
}

extension Image {
    /// Writes the pixels channel-planar (`C × H × W`, the model's layout) normalised as
    /// `(x − mean) / std` — the one conversion both training data and queries go through.
    func writePlanar(into out: UnsafeMutablePointer<Float>, mean: Float, std: Float) {
        let plane = width * height
        for p in 0..<plane {
            for c in 0..<channels { out[c * plane + p] = (pixels[p * channels + c] - mean) / std }
        }
    }
}
