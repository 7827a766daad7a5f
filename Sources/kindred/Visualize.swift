import ArgumentParser
import Foundation
import KindredData
import KindredPipeline
import KindredReport
import KindredRetrieval
import KindredTensor

/// `kindred visualize`: pictures of a run.
struct Visualize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a run: retrieval grids (worst queries first), a 2-D embedding scatter by class, training curves.",
        discussion: """
        Writes into --output (default: RUN/plots): retrieval-worst.png, retrieval-random.png, scatter.png and \
        scatter.svg (PCA of the evaluation embeddings, or Barnes–Hut t-SNE with --projection tsne: slower, \
        47 s for 10,000 points measured on 2 busy cores), loss.svg and metrics.svg. report.html in the run directory shows all of \
        them on one page (always PCA).

        Example:
          kindred visualize --run runs/fashion-mnist-triplet --queries 16 --k 8
          kindred visualize --run runs/fashion-mnist-triplet --projection tsne --limit 8000
        """)

    @Option(name: .customLong("run"), help: "The trained run directory.") var runDirectory: String
    @Option(help: "Folder for the pictures (default: RUN/plots).") var output: String?
    @Option(help: "Queries per retrieval grid.") var queries = 12
    @Option(help: "Results per query in the grids.") var k = 8
    @Option(help: "Seed for the random-query grid.") var seed: UInt64 = 0
    @Option(help: "2-D projection of the scatter: pca or tsne (Barnes–Hut t-SNE).") var projection: RunReport.ProjectionMethod = .pca
    @Option(help: "Most evaluation items in the scatter (an evenly spread subset).") var limit = 5000

    func validate() throws {
        guard limit >= 3 else { throw ValidationError("--limit must be at least 3, got \(limit)") }
    }

    func run() throws {
        let files = RunFiles(directory: URL(fileURLWithPath: runDirectory))
        let trained = try TrainedModel(run: files)
        let test = try trained.test
        let data = try EmbeddingsFile.read(files.embeddings)
        guard data.labels == test.labels else {
            throw ValidationError("\(files.embeddings.path) does not match the run's evaluation split (was the data changed?)")
        }
        let out = URL(fileURLWithPath: output ?? files.directory.appendingPathComponent("plots").path)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var config = trained.config.evaluation
        config.metrics = ["map@\(k)"]
        config.gridResults = k
        config.bestBy = config.metrics[0]
        config.bootstrap = 0
        let outcome = try Evaluator.evaluate(embeddings: data.embeddings, labels: data.labels, isQuery: data.isQuery,
                                             isGallery: data.isGallery, config: config, seed: seed)
        let depth = min(k, outcome.result.depth)
        let ap = try outcome.relevance.values(of: .averagePrecision(at: depth)).map { $0 ?? .nan }
        func grid(_ order: [Int]) throws -> Image {
            let rows = try order.map { qi -> RetrievalGridRow in
                let neighbours = Array(outcome.result.neighbors(ofQuery: qi).prefix(depth)).filter { $0 >= 0 }
                return RetrievalGridRow(query: try test.originalImage(outcome.queryItems[qi]),
                                        results: try neighbours.map { try test.originalImage(outcome.galleryItems[$0]) },
                                        matches: Array(outcome.relevance.row(ofQuery: qi).prefix(neighbours.count)))
            }
            return try RetrievalGrid(cellSize: 56, gap: 4, frame: 3).render(rows)
        }
        try grid(Array(RetrievalGrid.worstFirstOrder(scores: ap).prefix(queries))).write(to: out.appendingPathComponent("retrieval-worst.png"))
        var rng = RandomGenerator(seed: seed)
        try grid(Array(rng.permutation(ap.count).prefix(queries))).write(to: out.appendingPathComponent("retrieval-random.png"))
        let (points, labels) = RunReport.projection(data.embeddings, labels: data.labels, limit: limit, method: projection)
        let names = (0...(labels.max() ?? 0)).map { test.className($0) }
        try Chart.scatterImage(points: points, labels: labels, width: 640, height: 640).write(to: out.appendingPathComponent("scatter.png"))
        let axes = projection == .pca ? ("PC 1", "PC 2") : ("t-SNE 1", "t-SNE 2")
        try Data(try Chart.scatter(title: "Evaluation embeddings (\(projection == .pca ? "PCA" : "t-SNE"))", points: points, labels: labels,
                                   classNames: names, xLabel: axes.0, yLabel: axes.1).utf8).write(to: out.appendingPathComponent("scatter.svg"), options: .atomic)
        let history = EpochRecord.read(from: files.epochs)
        try Data(Chart.lines(title: "Training loss per epoch", xLabel: "epoch", yLabel: "loss",
                             series: [ChartSeries(name: "loss", points: history.map { (x: Double($0.epoch), y: $0.loss) })]).utf8)
            .write(to: out.appendingPathComponent("loss.svg"), options: .atomic)
        let metricNames = history.last { !$0.metrics.isEmpty }?.metrics.map(\.name) ?? []
        try Data(Chart.lines(title: "Retrieval metrics per epoch", xLabel: "epoch", yLabel: "metric", series: metricNames.map { name in
            ChartSeries(name: name, points: history.compactMap { e in e.metrics.first { $0.name == name }.map { (x: Double(e.epoch), y: $0.value) } })
        }).utf8).write(to: out.appendingPathComponent("metrics.svg"), options: .atomic)
        print("wrote retrieval-worst.png, retrieval-random.png (\(queries) queries × \(depth) results; blue query, green same class, red other class),")
        print("scatter.png / scatter.svg (\(points.count) points, colours: \(names.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", "))), loss.svg, metrics.svg → \(out.path)")
    }
}

extension RunReport.ProjectionMethod: ExpressibleByArgument {}
