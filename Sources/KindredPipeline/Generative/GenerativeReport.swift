import Foundation
import KindredData
import KindredReport

/// Builds a generative run's `report.html`: what was trained, the final metrics, the loss curves
/// per step, the metrics per epoch and the sample grids of every epoch in sequence.
enum GenerativeReport {
    static func write(config: GenerativeRunConfig, files: RunFiles, summary: GenerativeRunSummary,
                      history: [GenerativeEpochRecord], task: any GenerativeTrainingTask,
                      train: SplitData, test: SplitData) throws {
        var report = HTMLReport(title: "Kindred run: \(config.name)",
                                subtitle: "\(config.task.rawValue) · \(summary.epochs) epochs · \(train.source)")
        report.addSection("Run")
        var facts: [(key: String, value: String)] = [
            (key: "Task", value: config.task.rawValue),
            (key: "Training data", value: "\(train.count) images — \(train.source)"),
            (key: "Evaluation data", value: "\(test.count) images — \(test.source)"),
        ]
        facts += task.facts
        facts += [
            (key: "Optimiser", value: "\(config.optimizer.kind.rawValue), lr \(config.optimizer.learningRate), schedule \(config.schedule.kind.rawValue)"),
            (key: "Training", value: "\(summary.epochs) epochs, \(summary.steps) steps of \(config.batchSize) images"),
            (key: "Time", value: summary.secondsPerEpoch.map { String(format: "%.1f s per epoch (this invocation)", $0) } ?? "—"),
        ]
        if let bytes = summary.peakMemoryBytes { facts.append((key: "Peak memory", value: String(format: "%.2f GiB", Double(bytes) / 1_073_741_824))) }
        report.addKeyValueTable(facts)

        report.addSection("Metrics")
        report.addParagraph("Evaluation split after the last evaluated epoch.")
        report.addMetricTable(summary.finalMetrics.map { ReportMetric(name: $0.name, value: $0.value) },
                              caption: summary.bestEpoch.map { "Best \(summary.bestBy) at epoch \($0) (checkpoints/best.safetensors)" })

        report.addSection("Training")
        let curves = stepLog(files.steps, names: task.lossNames)
        for (name, points) in curves where !points.isEmpty {
            try report.addSVG(Chart.lines(title: "Training \(name) per step", xLabel: "step", yLabel: name,
                                          series: [ChartSeries(name: name, points: points),
                                                   ChartSeries(name: "running mean", points: RunReport.runningMean(points, window: 25))]))
        }
        let evaluated = history.filter { !$0.metrics.isEmpty }
        if let names = evaluated.last?.metrics.map(\.name) {
            for name in names {
                let points = evaluated.compactMap { e in e.metric(name).map { (x: Double(e.epoch), y: $0) } }
                try report.addSVG(Chart.lines(title: "\(name) per epoch (evaluation split)", xLabel: "epoch", yLabel: name,
                                              series: [ChartSeries(name: name, points: points)]))
            }
        }

        report.addSection("Samples")
        report.addParagraph(task.sampleGridCaption + " One grid per epoch, in order (samples/epoch-NNN.png).")
        var grids: [(image: Image, caption: String)] = []
        for record in history {
            guard let path = record.samples else { continue }
            let url = files.directory.appendingPathComponent(path)
            guard let image = try? Image(contentsOf: url) else { continue }
            grids.append((image: image, caption: "epoch \(record.epoch)"))
        }
        if !grids.isEmpty {
            let width = grids[0].image.width
            try report.addImageRow(grids, displayWidth: width < 400 ? width * 2 : width)
        }

        report.addSection("Configuration")
        report.addPreformatted(config.resolvedYAML, caption: "config.yaml (resolved; rerun with `kindred train config.yaml`)")
        try report.write(to: files.report)
    }

    /// Each named loss per step from `steps.csv` (columns: epoch, step, losses…, lr, images/s).
    static func stepLog(_ url: URL, names: [String]) -> [(String, [(x: Double, y: Double)])] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var series = names.map { ($0, [(x: Double, y: Double)]()) }
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count >= 2 + names.count, let step = Double(f[1]) else { continue }
            for i in names.indices { if let v = Double(f[2 + i]) { series[i].1.append((x: step, y: v)) } }
        }
        return series
    }
}
