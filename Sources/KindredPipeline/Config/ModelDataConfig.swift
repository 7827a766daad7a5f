import Foundation
import Yams

/// `model:` — the embedding network.
public struct ModelConfig: Sendable, Equatable {
    /// Architectures the pipeline can build.
    public enum Kind: String, Sendable, CaseIterable {
        /// The reference CNN: three Conv+BN+ReLU blocks (32, 64, 128 channels), global average
        /// pooling, a linear layer to the embedding.
        case referenceCNN = "reference_cnn"
        /// A multilayer perceptron on the flattened image.
        case mlp
    }
    /// The architecture.
    public var kind = Kind.referenceCNN
    /// Embedding width.
    public var embeddingSize = 64
    /// L2-normalise embeddings (then cosine similarity and Euclidean distance rank alike).
    public var normalize = true
    /// Hidden layer widths of the MLP.
    public var hiddenSizes = [256]

    /// Defaults.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.choice("kind", as: Kind.self) { kind = v }
        if let v = try r.int("embedding_size", atLeast: 1) { embeddingSize = v }
        if let v = try r.bool("normalize") { normalize = v }
        if kind == .mlp, let v = try r.list("hidden_sizes", expected: "positive integers", { Int($0).flatMap { $0 > 0 ? $0 : nil } }) {
            hiddenSizes = v
        }
        try r.finish()
    }

    var node: Node {
        var pairs: [(String, Node)] = [("kind", Node(kind.rawValue)), ("embedding_size", ConfigNodes.int(embeddingSize)),
                                       ("normalize", ConfigNodes.bool(normalize))]
        if kind == .mlp { pairs.append(("hidden_sizes", Node(hiddenSizes.map { ConfigNodes.int($0) }))) }
        return ConfigNodes.map(pairs)
    }
}

/// `data:` — where training and evaluation images come from.
public struct DataConfig: Sendable, Equatable {
    /// Dataset kinds.
    public enum Kind: String, Sendable, CaseIterable {
        /// Fashion-MNIST IDX files (Debian's `dataset-fashion-mnist`); train split for training,
        /// test split for evaluation.
        case fashionMNIST = "fashion_mnist"
        /// An open-metric-learning style CSV (`label,path,split,is_query,is_gallery`, …).
        case csv
        /// Folders of images, one sub-folder per class (`root/train/<class>/…`, `root/test/<class>/…`).
        case folder
    }
    /// The dataset kind.
    public var kind = Kind.fashionMNIST
    /// Folder of the IDX files or images, or the CSV file; nil means the dataset's default.
    public var path: String? = nil
    /// Only these classes are used for training (nil: all).
    public var trainClasses: [Int]? = nil
    /// Only these classes are used for evaluation (nil: all).
    public var testClasses: [Int]? = nil
    /// Use at most this many training items (0: all) — for quick trials.
    public var trainLimit = 0
    /// Use at most this many evaluation items (0: all).
    public var testLimit = 0
    /// Normalisation mean and standard deviation of pixel values in [0, 1].
    public var mean = 0.286, std = 0.353
    /// Side of the square images fed to the model (CSV and folder data are resized to it).
    public var imageSize = 28
    /// Image channels (1 gray, 3 RGB).
    public var channels = 1
    /// Training-time augmentation (`data.transforms`); none by default.
    public var transforms = AugmentationConfig()
    /// Threads that decode and resize CSV/folder images when the run starts (nil: every core).
    /// Training batches are then gathered from memory, so no loader threads run during training.
    public var workers: Int? = nil

    /// Defaults.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.choice("dataset", as: Kind.self) { kind = v }
        path = try r.string("path")
        trainClasses = try r.list("train_classes", expected: "integer class labels") { Int($0) }
        testClasses = try r.list("test_classes", expected: "integer class labels") { Int($0) }
        if let v = try r.int("train_limit", atLeast: 0) { trainLimit = v }
        if let v = try r.int("test_limit", atLeast: 0) { testLimit = v }
        if let v = try r.double("mean") { mean = v }
        if let v = try r.double("std", positive: true) { std = v }
        if let v = try r.int("image_size", atLeast: 8) { imageSize = v }
        if let v = try r.int("channels", atLeast: 1) {
            guard v == 1 || v == 3 else { throw ConfigError(path: "data.channels", message: "must be 1 (gray) or 3 (RGB), found \(v)") }
            channels = v
        }
        workers = try r.int("workers", atLeast: 1)
        transforms = try AugmentationConfig(try r.child("transforms"))
        if kind == .fashionMNIST, imageSize != 28 || channels != 1 {
            throw ConfigError(path: "data", message: "Fashion-MNIST images are 28×28 gray: leave image_size and channels out or set 28 and 1")
        }
        if kind != .fashionMNIST, path == nil {
            throw ConfigError(path: "data.path", message: "a \(kind.rawValue) dataset needs 'path' (the \(kind == .csv ? "CSV file" : "image folder"))")
        }
        try r.finish()
    }

    var node: Node {
        var pairs: [(String, Node)] = [("dataset", Node(kind.rawValue))]
        if let path { pairs.append(("path", Node(path))) }
        if let trainClasses { pairs.append(("train_classes", Node(trainClasses.map { ConfigNodes.int($0) }))) }
        if let testClasses { pairs.append(("test_classes", Node(testClasses.map { ConfigNodes.int($0) }))) }
        if trainLimit > 0 { pairs.append(("train_limit", ConfigNodes.int(trainLimit))) }
        if testLimit > 0 { pairs.append(("test_limit", ConfigNodes.int(testLimit))) }
        pairs += [("mean", ConfigNodes.double(mean)), ("std", ConfigNodes.double(std)),
                  ("image_size", ConfigNodes.int(imageSize)), ("channels", ConfigNodes.int(channels))]
        if let workers { pairs.append(("workers", ConfigNodes.int(workers))) }
        if transforms.isActive { pairs.append(("transforms", transforms.node)) }
        return ConfigNodes.map(pairs)
    }
}

/// `sampler:` — how training batches are drawn.
public struct SamplerConfig: Sendable, Equatable {
    /// Sampler kinds.
    public enum Kind: String, Sendable, CaseIterable {
        /// P×K batches: P classes with K images each.
        case pk
        /// Shuffled batches of `batch_size` (for classification-style losses such as ArcFace).
        case shuffle
    }
    /// The sampler kind.
    public var kind = Kind.pk
    /// P: classes per batch.
    public var classesPerBatch = 10
    /// K: images per class in a batch.
    public var samplesPerClass = 16
    /// Batch size of the shuffled sampler.
    public var batchSize = 160
    /// Batches per epoch (nil: training images ÷ batch size, as the PyTorch recipes do).
    public var stepsPerEpoch: Int? = nil

    /// Defaults.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.choice("kind", as: Kind.self) { kind = v }
        if kind == .pk {
            if let v = try r.int("classes_per_batch", atLeast: 2) { classesPerBatch = v }
            if let v = try r.int("samples_per_class", atLeast: 2) { samplesPerClass = v }
        } else {
            if let v = try r.int("batch_size", atLeast: 2) { batchSize = v }
        }
        stepsPerEpoch = try r.int("steps_per_epoch", atLeast: 1)
        try r.finish()
    }

    /// Images per batch.
    public var imagesPerBatch: Int { kind == .pk ? classesPerBatch * samplesPerClass : batchSize }

    var node: Node {
        var pairs: [(String, Node)] = [("kind", Node(kind.rawValue))]
        if kind == .pk {
            pairs += [("classes_per_batch", ConfigNodes.int(classesPerBatch)), ("samples_per_class", ConfigNodes.int(samplesPerClass))]
        } else {
            pairs.append(("batch_size", ConfigNodes.int(batchSize)))
        }
        if let stepsPerEpoch { pairs.append(("steps_per_epoch", ConfigNodes.int(stepsPerEpoch))) }
        return ConfigNodes.map(pairs)
    }
}

/// `data.transforms:` — random augmentation of training batches (evaluation images are never
/// augmented). Draws come from the run's seeded generator, which checkpoints save, so resumed
/// runs see the same augmentations.
public struct AugmentationConfig: Sendable, Equatable {
    /// Probability of mirroring an image left–right.
    public var horizontalFlip = 0.0
    /// Zero padding (pixels) before cropping back to the original size at a random offset.
    public var randomCropPadding = 0
    /// Standard deviation of Gaussian noise added to the normalised pixels.
    public var gaussianNoise = 0.0

    /// No augmentation.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.double("horizontal_flip") {
            guard (0...1).contains(v) else { throw ConfigError(path: r.path + ".horizontal_flip", message: "a probability in [0, 1], found \(v)") }
            horizontalFlip = v
        }
        if let v = try r.int("random_crop_padding", atLeast: 0) { randomCropPadding = v }
        if let v = try r.double("gaussian_noise") {
            guard v >= 0 else { throw ConfigError(path: r.path + ".gaussian_noise", message: "a standard deviation ≥ 0, found \(v)") }
            gaussianNoise = v
        }
        try r.finish()
    }

    /// Whether any augmentation is on.
    public var isActive: Bool { horizontalFlip > 0 || randomCropPadding > 0 || gaussianNoise > 0 }

    var node: Node {
        ConfigNodes.map([("horizontal_flip", ConfigNodes.double(horizontalFlip)),
                         ("random_crop_padding", ConfigNodes.int(randomCropPadding)),
                         ("gaussian_noise", ConfigNodes.double(gaussianNoise))])
    }
}
