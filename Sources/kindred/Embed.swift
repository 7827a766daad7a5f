import ArgumentParser
import Foundation
import KindredData
import KindredPipeline
import KindredTensor

/// `kindred embed`: images → embeddings file.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed images with a trained run's model: its evaluation split, a folder, an OML-style CSV or Fashion-MNIST.",
        discussion: """
        Writes OUTPUT.safetensors (embeddings, labels), OUTPUT.npy and OUTPUT-labels.npy for NumPy, and \
        OUTPUT-items.csv (index, label, source of every row).

        Examples:
          kindred embed --run runs/fashion-mnist-triplet --output test-embeddings.safetensors
          kindred embed --run runs/x --folder photos/ --output photos.safetensors     # photos/<class>/<file>
          kindred embed --run runs/x --csv dataset.csv --split validation --output val.safetensors
        """)

    @Option(name: .customLong("run"), help: "The trained run directory.") var runDirectory: String
    @Option(help: "Which checkpoint: best or last.") var checkpoint = "best"
    @Option(help: "A folder of images, one sub-folder per class.") var folder: String?
    @Option(help: "An OML-style CSV (label,path,split,is_query,is_gallery).") var csv: String?
    @Option(help: "With --csv: train or validation (default: all rows).") var split: String?
    @Option(help: "Fashion-MNIST split: train or test.") var fashionMnist: String?
    @Option(help: "The embeddings file to write (.safetensors).") var output: String

    func validate() throws {
        guard [folder, csv, fashionMnist].compactMap({ $0 }).count <= 1 else { throw ValidationError("give at most one of --folder, --csv, --fashion-mnist") }
        guard output.hasSuffix(".safetensors") else { throw ValidationError("--output must end in .safetensors (the .npy copies are written beside it)") }
        guard ["best", "last"].contains(checkpoint) else { throw ValidationError("--checkpoint must be best or last") }
        if let split, DatasetSplit(rawValue: split) == nil { throw ValidationError("--split must be train or validation") }
        if let f = fashionMnist, !["train", "test"].contains(f) { throw ValidationError("--fashion-mnist must be train or test") }
    }

    func run() throws {
        let files = RunFiles(directory: URL(fileURLWithPath: runDirectory))
        let trained = try TrainedModel(run: files, checkpoint: checkpoint == "best" ? files.bestCheckpoint : files.lastCheckpoint)
        var data = trained.config.data
        let images: Tensor, labels: [Int], sources: [String], names: [String]
        var isQuery: [Bool]? = nil, isGallery: [Bool]? = nil, categories: [String]? = nil
        if let f = fashionMnist {
            let set = try FashionMNIST(split: f == "train" ? .train : .test, directory: URL(fileURLWithPath: data.kind == .fashionMNIST ? (data.path ?? FashionMNIST.defaultDirectory.path) : FashionMNIST.defaultDirectory.path))
            images = set.tensor(mean: Float(data.mean), std: Float(data.std))
            labels = set.labels
            sources = (0..<set.count).map { "fashion-mnist/\(f)/\($0)" }
            names = FashionMNIST.classNames
        } else if folder != nil || csv != nil {
            let table = try folder.map { try RetrievalTable(imageFolder: URL(fileURLWithPath: $0), split: .validation) }
                ?? RetrievalTable(contentsOf: URL(fileURLWithPath: csv ?? ""))
            let dataset = RetrievalDataset(table: table, split: split.flatMap(DatasetSplit.init(rawValue:)), channels: data.channels)
            data.testLimit = 0
            data.testClasses = nil
            let split = try RunData.decoded(dataset, config: data, training: false, source: folder ?? csv ?? "")
            images = split.images
            labels = split.labels
            categories = split.categories
            // OML's query/gallery flags travel with the embeddings unless they say nothing (training
            // rows have none) or every row is both (leave-one-out either way).
            if let q = split.isQuery, let g = split.isGallery, q.contains(true), g.contains(true), !(q.allSatisfy { $0 } && g.allSatisfy { $0 }) {
                isQuery = q
                isGallery = g
            }
            sources = dataset.items.map(\.path.path)
            names = dataset.labelNames
        } else {
            let test = try trained.test
            images = test.images
            labels = test.labels
            sources = (0..<test.count).map { "\(test.source)/\($0)" }
            names = test.classNames
        }
        let bar = ProgressBar(label: "embedding", total: images.shape[0])
        let embeddings = Evaluator.embed(model: trained.model, images: images, batchSize: trained.config.evaluation.batchSize, progress: bar)
        let url = URL(fileURLWithPath: output)
        try EmbeddingsFile(embeddings: embeddings, labels: labels, isQuery: isQuery, isGallery: isGallery, categories: categories).write(to: url)
        let rows = zip(sources, labels).enumerated().map { i, p in
            [String(i), String(p.1), p.1 >= 0 && p.1 < names.count ? names[p.1] : "", p.0]
        }
        let items = CSVTable.format(header: ["index", "label", "class_name", "source"], rows: rows)
        try Data(items.utf8).write(to: URL(fileURLWithPath: url.deletingPathExtension().path + "-items.csv"), options: .atomic)
        print("wrote \(embeddings.shape[0]) embeddings of size \(embeddings.shape[1]) to \(output) (+ .npy, -labels.npy, -items.csv)")
    }
}
