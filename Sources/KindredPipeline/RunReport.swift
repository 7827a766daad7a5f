import Foundation
import KindredData
import KindredReport
import KindredRetrieval
import KindredTensor

/// Builds a run's `report.html`: what was trained, the metrics with confidence intervals, training
/// curves, a 2-D projection of the evaluation embeddings and the worst queries' retrieval results.
public enum RunReport {
    struct Inputs {
        var config: RunConfig
        var files: RunFiles
        var summary: RunSummary
        var history: [EpochRecord]
        var test: SplitData
        var embeddings: Tensor
        var outcome: EvaluationOutcome?
        var categories: [CategoryRecord] = []
        var facts: [(key: String, value: String)]
    }

    static func write(_ input: Inputs) throws {
        let c = input.config
        var report = HTMLReport(title: "Kindred run: \(c.name)",
                                subtitle: "\(c.model.kind.rawValue) · \(c.losses.map(\.kind.rawValue).joined(separator: " + "))\(c.miner.map { " · \($0.kind.rawValue) miner" } ?? "") · \(input.summary.epochs) epochs · \(input.test.source)")
        report.addSection("Run")
        report.addKeyValueTable(input.facts)

        report.addSection("Retrieval metrics")
        report.addParagraph("Evaluation split after the last epoch (\(input.outcome.map { "\($0.queryItems.count) queries × \($0.galleryItems.count) gallery items" } ?? "")\(input.test.isQuery == nil ? ", query = gallery, leave-one-out" : "")), \(c.evaluation.distance.rawValue) distance. Intervals: 95% bootstrap over queries (\(c.evaluation.bootstrap) resamples). Queries without any relevant gallery item are dropped from the means and counted.")
        report.addMetricTable(input.summary.finalMetrics.map(reportMetric), caption: input.summary.bestEpoch.map { "Best \(c.evaluation.bestBy) at epoch \($0) (checkpoints/best.safetensors)" })
        if !input.categories.isEmpty {
            report.addParagraph("The same metrics per category (the data's category column), over each category's queries, with the same intervals.")
            report.addGroupedMetricTable(input.categories.map { category in
                (name: category.category, metrics: category.metrics.map(reportMetric))
            }, groupHeading: "Category")
        }

        report.addSection("Training")
        let steps = stepLog(input.files.steps)
        if !steps.loss.isEmpty {
            report.addParagraph("Loss per optimiser step (thin line) and its running mean over 25 steps.")
            try report.addSVG(Chart.lines(title: "Training loss", xLabel: "step", yLabel: "loss",
                                          series: [ChartSeries(name: "loss", points: steps.loss),
                                                   ChartSeries(name: "running mean", points: runningMean(steps.loss, window: 25))]))
            try report.addSVG(Chart.lines(title: "Tuples used per batch", xLabel: "step", yLabel: "pairs or triplets",
                                          series: [ChartSeries(name: "tuples", points: runningMean(steps.tuples, window: 25))]))
        }
        let evaluated = input.history.filter { !$0.metrics.isEmpty }
        if evaluated.count >= 1, let names = evaluated.last?.metrics.map(\.name) {
            let series = names.map { name in
                ChartSeries(name: name, points: evaluated.compactMap { e in e.metrics.first { $0.name == name }.map { (x: Double(e.epoch), y: $0.value) } })
            }
            try report.addSVG(Chart.lines(title: "Retrieval metrics per epoch", xLabel: "epoch", yLabel: "metric", series: series))
        }

        report.addSection("Embeddings")
        let (points, labels) = projection(input.embeddings, labels: input.test.labels, limit: 4000)
        if !points.isEmpty {
            let names = (0...(labels.max() ?? 0)).map { input.test.className($0) }
            try report.addSVG(try Chart.scatter(title: "Evaluation embeddings, first two principal components", points: points,
                                                labels: labels, classNames: names, xLabel: "PC 1", yLabel: "PC 2"),
                              caption: "\(points.count) evaluation items coloured by class (PCA of the embeddings).")
        }

        if let outcome = input.outcome, c.evaluation.gridQueries > 0 {
            report.addSection("Worst queries")
            let k = min(c.evaluation.gridResults, outcome.result.depth)
            let scores = (try? outcome.relevance.values(of: .averagePrecision(at: k))) ?? []
            let order = RetrievalGrid.worstFirstOrder(scores: scores.map { $0 ?? .nan }).prefix(c.evaluation.gridQueries)
            var rows: [RetrievalGridRow] = [], captions: [String] = []
            for q in order {
                let item = outcome.queryItems[q]
                let neighbours = Array(outcome.result.neighbors(ofQuery: q).prefix(k)).filter { $0 >= 0 }
                let results = try neighbours.map { try input.test.originalImage(outcome.galleryItems[$0]) }
                let matches = Array(outcome.relevance.row(ofQuery: q).prefix(results.count))
                rows.append(RetrievalGridRow(query: try input.test.originalImage(item), results: results, matches: matches))
                captions.append("query \(item) (\(input.test.className(input.test.labels[item]))) · map@\(k) \(scores[q].map { String(format: "%.2f", $0) } ?? "–")")
            }
            if !rows.isEmpty, rows.allSatisfy({ $0.results.count == rows[0].results.count }) {
                let layout = RetrievalGrid(cellSize: 56, gap: 4, frame: 3)
                try report.addRetrievalGrid(try layout.render(rows), layout: layout, rowCaptions: captions,
                                            caption: "The \(rows.count) queries with the lowest map@\(k), worst first. Blue: query; green: same class; red: another class.")
            }
        }

        report.addSection("Configuration")
        report.addPreformatted(c.resolvedYAML, caption: "config.yaml (resolved; rerun with `kindred train config.yaml`)")
        try report.write(to: input.files.report)
    }

    /// A metric table row of `record`.
    static func reportMetric(_ record: MetricRecord) -> ReportMetric {
        ReportMetric(name: record.name, value: record.value, lower: record.lower, upper: record.upper,
                     evaluatedQueries: record.queries, droppedQueries: record.dropped)
    }

    /// Loss and tuple count per step from `steps.csv`.
    static func stepLog(_ url: URL) -> (loss: [(x: Double, y: Double)], tuples: [(x: Double, y: Double)]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return ([], []) }
        var loss: [(x: Double, y: Double)] = [], tuples: [(x: Double, y: Double)] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count >= 4, let step = Double(f[1]), let l = Double(f[2]), let t = Double(f[3]) else { continue }
            loss.append((x: step, y: l))
            tuples.append((x: step, y: t))
        }
        return (loss, tuples)
    }

    static func runningMean(_ points: [(x: Double, y: Double)], window: Int) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = [], sum = 0.0
        for (i, p) in points.enumerated() {
            sum += p.y
            if i >= window { sum -= points[i - window].y }
            out.append((x: p.x, y: sum / Double(min(i + 1, window))))
        }
        return out
    }

    /// How ``projection(_:labels:limit:method:)`` draws embeddings in 2-D.
    public enum ProjectionMethod: String, Sendable, CaseIterable {
        /// The first two principal components (fast, linear).
        case pca
        /// Barnes–Hut t-SNE (perplexity 30, or `(N − 1) / 3` for few points; angle 0.5; 1000
        /// iterations; PCA start): local
        /// neighbourhoods kept, distances between clusters not meaningful.
        case tsne
    }

    /// A 2-D projection (PCA by default, or Barnes–Hut t-SNE) of at most `limit` rows (an evenly
    /// spread subset), with their labels; empty when the embeddings cannot be projected.
    public static func projection(_ embeddings: Tensor, labels: [Int], limit: Int,
                                  method: ProjectionMethod = .pca) -> ([(Double, Double)], [Int]) {
        let n = embeddings.shape[0]
        guard n >= 3, embeddings.rank == 2, embeddings.shape[1] >= 2 else { return ([], []) }
        let rows = n <= limit ? Array(0..<n) : (0..<limit).map { $0 * n / limit }
        let subset = rows.count == n ? embeddings : withoutGradients { embeddings.rows(rows) }
        let points: [(x: Double, y: Double)]
        switch method {
        case .pca:
            guard let projected = try? PCA(fitting: subset).projection2D(subset) else { return ([], []) }
            points = projected.map { (x: $0.x, y: $0.y) }
        case .tsne:
            let perplexity = Swift.min(30, Double(rows.count - 1) / 3)
            guard let fitted = try? TSNE(perplexity: perplexity, method: .barnesHut(angle: 0.5)).fit(subset) else { return ([], []) }
            let v = fitted.embedding.doubles
            points = (0..<rows.count).map { (x: v[2 * $0], y: v[2 * $0 + 1]) }
        }
        return (points.map { ($0.x, $0.y) }, rows.map { labels[$0] })
    }
}
