import Foundation
import KindredData
import KindredReport
import XCTest

/// Builds a complete report from realistic synthetic content (garment-like 28×28 images, a noisy loss
/// curve, per-epoch metrics, a clustered 2-D projection) and checks it end to end.
///
/// Set `KINDRED_REPORT_EXAMPLE=/some/folder/report.html` to keep the page for viewing in a browser;
/// otherwise it is written to a temporary folder and removed.
final class ExampleReportTests: XCTestCase {
    static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    /// Classes a weak model confuses with each class (upper-body garments, footwear).
    static let confusable = [6, 3, 4, 0, 2, 7, 0, 9, 2, 7]

    func testExampleReport() throws {
        var random = TestRandom(seed: 2026)
        var report = HTMLReport(title: "Fashion-MNIST · triplet margin loss with semi-hard mining",
                                subtitle: "EmbeddingCNN, 64-d embeddings · 5 epochs · 200 P×K steps per epoch")

        report.addSection("Run")
        report.addKeyValueTable([
            (key: "Dataset", value: "Fashion-MNIST (60,000 train / 10,000 test images, 10 classes)"),
            (key: "Model", value: "EmbeddingCNN — Conv-BN-ReLU ×3, global average pooling, Linear(128 → 64), L2-normalised"),
            (key: "Loss", value: "TripletMarginLoss(margin: 0.2) with semi-hard mining"),
            (key: "Optimiser", value: "Adam, learning rate 1e-3, cosine schedule"),
            (key: "Batches", value: "P×K = 16 classes × 4 images"),
            (key: "Training time", value: "4 min 12 s on 2 CPU cores"),
        ])

        report.addSection("Retrieval metrics")
        report.addParagraph("Test split, query = gallery, leave-one-out; 95% bootstrap intervals over queries (1,000 resamples).")
        report.addMetricTable([
            ReportMetric(name: "cmc@1", value: 0.8271, lower: 0.8198, upper: 0.8347, evaluatedQueries: 10_000, droppedQueries: 0),
            ReportMetric(name: "cmc@5", value: 0.9512, lower: 0.9470, upper: 0.9553, evaluatedQueries: 10_000, droppedQueries: 0),
            ReportMetric(name: "precision@5", value: 0.8160, lower: 0.8106, upper: 0.8216, evaluatedQueries: 10_000, droppedQueries: 0),
            ReportMetric(name: "map@5", value: 0.8636, lower: 0.8587, upper: 0.8687, evaluatedQueries: 10_000, droppedQueries: 0),
            ReportMetric(name: "map@r", value: 0.6012, evaluatedQueries: 9_998, droppedQueries: 2),
        ], caption: "Leave-one-out retrieval on 10,000 test images")

        report.addSection("Training")
        var loss: [(x: Double, y: Double)] = [], active: [(x: Double, y: Double)] = []
        for step in 1...1000 {
            let t = Double(step)
            let lossNoise: Double = 0.01 * abs(random.normal()), activeNoise: Double = 0.006 * random.normal()
            let lossValue: Double = 0.19 * exp(-t / 260) + 0.012 + lossNoise
            let activeValue: Double = 0.16 * exp(-t / 400) + 0.02 + activeNoise
            loss.append((x: t, y: max(0.004, lossValue)))
            active.append((x: t, y: max(0.002, activeValue)))
        }
        try report.addSVG(Chart.lines(title: "Training loss", xLabel: "step", yLabel: "loss (log scale)",
                                      series: [ChartSeries(name: "triplet loss", points: loss),
                                               ChartSeries(name: "fraction of active triplets", points: active)],
                                      yScale: .logarithmic),
                          caption: "Loss per step; zero-loss steps (no semi-hard triplet) are not drawn on the log scale.")
        try report.addSVG(Chart.lines(title: "Retrieval quality per epoch", xLabel: "epoch", yLabel: "metric",
                                      series: [ChartSeries(name: "cmc@1", values: [0.72, 0.78, 0.803, 0.819, 0.8271]),
                                               ChartSeries(name: "precision@5", values: [0.70, 0.765, 0.792, 0.808, 0.816]),
                                               ChartSeries(name: "map@5", values: [0.76, 0.82, 0.845, 0.857, 0.8636])]),
                          caption: "Evaluated on the test split after every epoch (epoch 0 would be the untrained network).")

        report.addSection("Embeddings")
        var points: [(Double, Double)] = [], labels: [Int] = []
        for i in 0..<3000 {
            let label = i % 10
            let angle: Double = Double(label) / 10 * 2 * Double.pi + 0.3 * Double(label % 3)
            let radius: Double = 3.0 + Double(label % 4) * 0.8
            let nx: Double = 0.9 * random.normal(), ny: Double = 0.7 * random.normal()
            points.append((radius * cos(angle) + nx, radius * sin(angle) + ny))
            labels.append(label)
        }
        try report.addSVG(try Chart.scatter(title: "Test embeddings, first two principal components", points: points,
                                            labels: labels, classNames: Self.classNames, xLabel: "PC 1", yLabel: "PC 2"),
                          caption: "3,000 test images coloured by class.")
        try report.addImage(try Chart.scatterImage(points: points, labels: labels, width: 360, height: 280),
                            caption: "The same projection as a PNG (what `kindred visualize --format png` writes).")
        report.addClassLegend(Self.classNames)

        report.addSection("Worst queries")
        var rows: [RetrievalGridRow] = [], scores: [Double] = [], captions: [String] = []
        for q in 0..<40 {
            let label = q % 10
            let matchRate = [0.9, 1.0, 0.6, 0.8, 0.5, 0.95, 0.35, 0.85, 0.97, 0.9][label]
            var results: [Image] = [], matches: [Bool] = []
            for _ in 0..<6 {
                let hit = random.uniform() < matchRate
                let resultLabel = hit ? label : Self.confusable[label]
                results.append(garment(resultLabel, random: &random))
                matches.append(hit)
            }
            rows.append(RetrievalGridRow(query: garment(label, random: &random), results: results, matches: matches))
            scores.append(averagePrecision(matches))
            captions.append("query \(q * 250 + 17) (\(Self.classNames[label]))")
        }
        let order = RetrievalGrid.worstFirstOrder(scores: scores).prefix(8)
        let layout = RetrievalGrid(cellSize: 56, gap: 4, frame: 3)
        try report.addRetrievalGrid(try layout.render(order.map { rows[$0] }), layout: layout,
                                    rowCaptions: order.map { "\(captions[$0]) · AP@6 \(String(format: "%.2f", scores[$0]))" },
                                    caption: "The 8 queries with the lowest AP@6, worst first. Blue: query; green: same class; red: another class.")
        report.addParagraph("Labels are shown as text, never drawn into images: <script>alert('escaped')</script>")

        report.addSection("Nearest neighbours per epoch")
        var epochs: [(image: Image, caption: String)] = []
        for epoch in 1...5 {
            let epochRows = (0..<3).map { row -> RetrievalGridRow in
                let label = [0, 4, 9][row]
                let rate: Double = 0.45 + 0.1 * Double(epoch)
                let matches: [Bool] = (0..<3).map { _ in random.uniform() < rate }
                return RetrievalGridRow(query: garment(label, random: &random),
                                        results: matches.map { garment($0 ? label : Self.confusable[label], random: &random) },
                                        matches: matches)
            }
            epochs.append((image: try RetrievalGrid(cellSize: 28, gap: 2, frame: 2).render(epochRows), caption: "epoch \(epoch)"))
        }
        try report.addImageRow(epochs)

        report.addSection("Configuration")
        report.addPreformatted("""
        # kindred train --config fashion.yaml
        dataset:
          kind: fashion-mnist
          root: data/fashion-mnist
        model:
          kind: embedding-cnn
          embedding: 64
        loss:
          kind: triplet-margin
          margin: 0.2
          miner: semi-hard
        sampler: {classes: 16, per-class: 4}
        optimizer: {kind: adam, learning-rate: 1.0e-3, schedule: cosine}
        epochs: 5
        seed: 0
        """, caption: "fashion.yaml")

        let html = report.render()
        XCTAssertEqual(report.sectionCount, 7)
        XCTAssertFalse(html.contains("http://") || html.contains("https://"))
        XCTAssertFalse(html.contains("<script"))
        let url: URL
        if let path = ProcessInfo.processInfo.environment["KINDRED_REPORT_EXAMPLE"], !path.isEmpty {
            url = URL(fileURLWithPath: path)
        } else {
            url = try makeTemporaryFolder(self).appendingPathComponent("report.html")
        }
        try report.write(to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, html.utf8.count)
    }

    /// AP over a ranked list of match flags (precision at each hit, averaged over the hits; 0 without hits).
    func averagePrecision(_ matches: [Bool]) -> Double {
        var hits = 0, sum = 0.0
        for (i, match) in matches.enumerated() where match {
            hits += 1
            sum += Double(hits) / Double(i + 1)
        }
        return hits == 0 ? 0 : sum / Double(hits)
    }

    /// A 28×28 grayscale silhouette for `label`, jittered, on black like Fashion-MNIST.
    func garment(_ label: Int, random: inout TestRandom) -> Image {
        var image = Image(width: 28, height: 28, channels: 1, filledWith: 0)
        let shade = Float(0.55 + 0.4 * random.uniform())
        let dx = Int(random.uniform() * 3) - 1, dy = Int(random.uniform() * 3) - 1
        func box(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ value: Float? = nil) {
            for y in max(0, y0 + dy)..<min(28, y1 + dy) {
                for x in max(0, x0 + dx)..<min(28, x1 + dx) { image[x: x, y: y, channel: 0] = value ?? shade }
            }
        }
        switch label {
        case 0: box(8, 5, 20, 25); box(3, 5, 8, 12); box(20, 5, 25, 12)                  // T-shirt
        case 1: box(8, 3, 13, 26); box(15, 3, 20, 26); box(8, 3, 20, 8)                  // trouser
        case 2: box(8, 4, 20, 25); box(3, 5, 8, 24); box(20, 5, 25, 24)                  // pullover
        case 3: for y in 3..<26 { let w = 3 + (y - 3) / 3; box(14 - w, y, 14 + w, y + 1) } // dress
        case 4: box(7, 3, 21, 26); box(2, 4, 7, 25); box(21, 4, 26, 25); box(13, 3, 15, 26, shade * 0.4) // coat
        case 5: for y in stride(from: 14, to: 24, by: 3) { box(3, y, 25, y + 1) }; box(3, 23, 25, 25) // sandal
        case 6: box(8, 5, 20, 25); box(4, 5, 8, 18); box(20, 5, 24, 18); box(12, 4, 16, 8, shade * 0.5) // shirt
        case 7: box(2, 16, 26, 22); box(12, 12, 22, 17)                                    // sneaker
        case 8: box(4, 10, 24, 25); box(9, 5, 11, 11); box(17, 5, 19, 11); box(9, 5, 19, 7) // bag
        default: box(12, 4, 20, 22); box(4, 17, 20, 24)                                    // ankle boot
        }
        return image
    }
}
