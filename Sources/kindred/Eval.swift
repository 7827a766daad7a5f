import ArgumentParser
import Foundation
import KindredNN
import KindredPipeline

/// `kindred eval`: retrieval metrics with confidence intervals, for a trained run or for
/// embeddings from any tool.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate retrieval: a run's checkpoint on its evaluation split, or a file of precomputed embeddings + labels.",
        discussion: """
        Examples:
          kindred eval --run runs/fashion-mnist-triplet                  # best checkpoint, the run's metrics
          kindred eval --embeddings emb.npy --labels labels.npy --metrics precision@1,map@r
          kindred eval --embeddings runs/x/embeddings.safetensors --output metrics.json
          kindred eval --embeddings emb.npy --labels items.csv:label --category-column category
        Queries with no relevant gallery item are dropped from the means and counted. When the data
        has categories (a CSV dataset's category column, or --category-column), the metrics are also
        broken down per category; --output then writes {"metrics": [...], "byCategory": {...}}
        instead of the plain list of metrics.
        """)

    @Option(name: .customLong("run"), help: "A run directory: evaluates its checkpoint on the evaluation split of its config.") var runDirectory: String?
    @Option(help: "Which checkpoint of --run: best or last.") var checkpoint = "best"
    @Option(help: "Embeddings: a Kindred .safetensors file (labels inside) or an .npy [N, D] float array.") var embeddings: String?
    @Option(help: "Labels for .npy embeddings: an .npy int vector, or FILE.csv:COLUMN.") var labels: String?
    @Option(help: "With --labels FILE.csv:COLUMN: this column of the same file gives each row's category, for per-category metrics.")
    var categoryColumn: String?
    @Option(help: "Comma-separated metrics (default: the run's, or precision@1,map@r,r_precision,cmc@5,map@5).")
    var metrics: String?
    @Option(help: "Distance: cosine, euclidean or dot.") var distance: String?
    @Option(help: "Bootstrap resamples for 95% intervals (0: none).") var bootstrap: Int?
    @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 0
    @Option(help: "Write the metrics as JSON to this file.") var output: String?

    func validate() throws {
        if (runDirectory == nil) == (embeddings == nil) { throw ValidationError("give either --run RUN_DIR or --embeddings FILE") }
        guard ["best", "last"].contains(checkpoint) else { throw ValidationError("--checkpoint must be best or last") }
        if categoryColumn != nil, runDirectory != nil {
            throw ValidationError("--category-column is for --embeddings; a run's categories come from its data")
        }
    }

    func run() throws {
        var evalConfig = EvaluationConfig()
        let data: EmbeddingsFile
        var categories: [String]? = nil
        if let runDirectory {
            let files = RunFiles(directory: URL(fileURLWithPath: runDirectory))
            let config = try RunConfig(contentsOf: files.config)
            evalConfig = config.evaluation
            let trained = try TrainedModel(run: files, checkpoint: checkpoint == "best" ? files.bestCheckpoint : files.lastCheckpoint)
            let test = try trained.test
            print("embedding \(test.count) evaluation images with the \(checkpoint) checkpoint…")
            data = try EmbeddingsFile(embeddings: trained.embed(test.images, batchSize: config.evaluation.batchSize),
                                      labels: test.labels, isQuery: test.isQuery, isGallery: test.isGallery)
            categories = test.categories
        } else {
            data = try EmbeddingsFile.read(URL(fileURLWithPath: embeddings ?? ""), labels: labels)
            if let categoryColumn {
                categories = try EmbeddingsFile.readCategories(labels: labels, column: categoryColumn, count: data.labels.count)
            } else {
                categories = data.categories   // written by `kindred embed` for CSV data with categories
            }
        }
        if let metrics { evalConfig.metrics = metrics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let distance {
            guard let d = EvaluationConfig.Distance(rawValue: distance) else {
                throw ValidationError("--distance must be one of \(EvaluationConfig.Distance.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            evalConfig.distance = d
        }
        if let bootstrap { evalConfig.bootstrap = bootstrap }
        let outcome = try Evaluator.evaluate(embeddings: data.embeddings, labels: data.labels, isQuery: data.isQuery,
                                             isGallery: data.isGallery, categories: categories, config: evalConfig, seed: seed)
        let records = zip(outcome.names, outcome.summaries).map { MetricRecord(name: $0.0, summary: $0.1) }
        let byCategory = outcome.categoryRecords
        print("\(data.labels.count) items, \(outcome.queryItems.count) queries × \(outcome.galleryItems.count) gallery, \(evalConfig.distance.rawValue) distance\(evalConfig.bootstrap > 0 ? ", 95% bootstrap intervals (\(evalConfig.bootstrap) resamples)" : ""):")
        for r in records { print("  " + r.line) }
        if !byCategory.isEmpty {
            print("by category:")
            for line in byCategory.flatMap(\.lines) { print("  " + line) }
        }
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let json = byCategory.isEmpty ? try encoder.encode(records)
                : try encoder.encode(CategorisedMetrics(metrics: records, byCategory: CategoryRecord.byCategory(byCategory)))
            try json.write(to: URL(fileURLWithPath: output), options: .atomic)
            print("wrote \(output)")
        }
    }
}

/// `kindred eval --output` with categories: the overall metrics and the `byCategory` section of
/// `metrics.json` (category → metric name → record).
private struct CategorisedMetrics: Encodable {
    var metrics: [MetricRecord]
    var byCategory: [String: [String: MetricRecord]]
}
