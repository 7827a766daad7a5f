import XCTest
import KindredData
import KindredNN
import KindredRetrieval
import KindredTensor
@testable import KindredPipeline

/// Per-category metrics of a CSV dataset with OML's `category` column, end to end: data loading,
/// training-time evaluation, `metrics.json` and `report.html`.
final class CategoryRunTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-category-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("img"), withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    /// The category of each class in the CSV; class 3 has none.
    let classCategories = ["shoes", "shoes", "bags", ""]

    /// A CSV of 4 classes (a bright square at a class-specific place on noise), 6 training and 6
    /// validation images each; in the validation split the first 4 images of a class are queries
    /// and all are gallery items. Returns the CSV and the category of every validation row.
    func writeDataset(withCategories: Bool = true) throws -> (csv: URL, validationCategories: [String], validationQueries: [Bool]) {
        var rng = RandomGenerator(seed: 11)
        let size = 16
        var lines = ["label,path,split,is_query,is_gallery" + (withCategories ? ",category" : "")]
        var categories: [String] = [], queries: [Bool] = []
        for split in ["train", "validation"] {
            for c in 0..<4 {
                for i in 0..<6 {
                    let x0 = (c % 2) * (size / 2) + rng.nextInt(below: 3), y0 = (c / 2) * (size / 2) + rng.nextInt(below: 3)
                    var pixels: [Float] = []
                    for y in 0..<size { for x in 0..<size {
                        let inside = x >= x0 && x < x0 + 6 && y >= y0 && y < y0 + 6
                        pixels.append(min(max(Float((inside ? 0.8 : 0.2) + 0.1 * rng.nextNormal()), 0), 1))
                    } }
                    let path = "img/\(split)-\(c)-\(i).png"
                    try Image(width: size, height: size, channels: 1, pixels: pixels).write(to: root.appendingPathComponent(path))
                    let isQuery = split == "validation" && i < 4
                    let flags = split == "validation" ? (isQuery ? "True,True" : "False,True") : ","
                    lines.append("class\(c),\(path),\(split),\(flags)" + (withCategories ? ",\(classCategories[c])" : ""))
                    if split == "validation" {
                        categories.append(classCategories[c].isEmpty ? SplitData.noCategory : classCategories[c])
                        queries.append(isQuery)
                    }
                }
            }
        }
        let csv = root.appendingPathComponent(withCategories ? "df.csv" : "df-plain.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        return (csv, categories, queries)
    }

    func config(csv: URL) throws -> RunConfig {
        try RunConfig(yaml: """
        name: categories
        epochs: 1
        model: {kind: reference_cnn, embedding_size: 16}
        data: {dataset: csv, path: "\(csv.path)", image_size: 16, channels: 1}
        sampler: {kind: pk, classes_per_batch: 4, samples_per_class: 4, steps_per_epoch: 2}
        loss: {kind: triplet_margin, margin: 0.2}
        miner: {kind: triplet_margin, margin: 0.2, type: all}
        eval: {metrics: [precision@1, map@r, map@5], bootstrap: 20}
        """)
    }

    func testCSVCategoriesGivePerCategoryMetricsInTheRunsOutputs() throws {
        let (csv, expected, queries) = try writeDataset()
        let run = try TrainingRun(config: try config(csv: csv), directory: root.appendingPathComponent("run"))
        run.log = { _ in }
        run.interactive = false
        XCTAssertEqual(run.test.categories, expected)
        XCTAssertNotNil(run.train.categories)
        let summary = try run.run()

        // The per-category summaries: one per category, ascending, each with its queries.
        let outcome = try run.evaluate()
        let names = ["(none)", "bags", "shoes"]
        XCTAssertEqual(outcome.categorySummaries.map(\.category), names)
        for group in outcome.categorySummaries {
            let count = zip(expected, queries).filter { $0.0 == group.category && $0.1 }.count
            XCTAssertEqual(group.queryCount, count, group.category)
        }
        XCTAssertEqual(outcome.categorySummaries.map(\.queryCount), [4, 4, 8])
        // Each category's mean is the plain mean of its queries' values from the overall relevance.
        for (m, name) in outcome.names.enumerated() {
            let values = try outcome.relevance.values(of: outcome.summaries[m].metric)
            for group in outcome.categorySummaries {
                let mine = values.indices.filter { expected[outcome.queryItems[$0]] == group.category }.map { values[$0] }
                let kept = mine.compactMap { $0 }
                let s = group.summaries[m]
                XCTAssertEqual(s.metric, outcome.summaries[m].metric)
                XCTAssertEqual(s.evaluatedQueries, kept.count, "\(group.category) \(name)")
                XCTAssertEqual(s.droppedQueries, mine.count - kept.count, "\(group.category) \(name)")
                XCTAssertEqual(s.mean, kept.reduce(0, +) / Double(kept.count), accuracy: 1e-12, "\(group.category) \(name)")
                XCTAssertNotNil(s.confidenceInterval, "same bootstrap settings as the overall metrics")
            }
        }

        // metrics.json: byCategory → category → metric name → record, equal to the evaluation's.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: run.files.metrics)) as? [String: Any])
        let byCategory = try XCTUnwrap(json["byCategory"] as? [String: [String: [String: Any]]])
        XCTAssertEqual(Set(byCategory.keys), Set(names))
        for group in outcome.categorySummaries {
            for (m, name) in outcome.names.enumerated() {
                let record = try XCTUnwrap(byCategory[group.category]?[name], "\(group.category) \(name)")
                XCTAssertEqual(try XCTUnwrap(record["value"] as? Double), group.summaries[m].mean, accuracy: 1e-12)
                XCTAssertEqual(record["queries"] as? Int, group.summaries[m].evaluatedQueries)
                XCTAssertEqual(record["dropped"] as? Int, group.summaries[m].droppedQueries)
                XCTAssertNotNil(record["lower"] as? Double)
            }
        }
        XCTAssertEqual(summary.byCategory?["shoes"]?["map@r"]?.value, outcome.categorySummaries[2].summaries[1].mean)
        let decoded = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: run.files.metrics))
        XCTAssertEqual(decoded.byCategory, summary.byCategory)

        // report.html: the per-category table under the metric table.
        let html = try String(contentsOf: run.files.report, encoding: .utf8)
        XCTAssertTrue(html.contains("<th>Category</th>"))
        for name in names { XCTAssertTrue(html.contains(">\(name)</th>"), name) }
        let metricTable = try XCTUnwrap(html.range(of: "<table class=\"metrics\">"))
        let categoryTable = try XCTUnwrap(html.range(of: "<th>Category</th>"))
        XCTAssertLessThan(metricTable.lowerBound, categoryTable.lowerBound)
    }

    /// `data.workers` only changes how many threads decode: one worker and three give the same
    /// images, labels and categories; zero workers is a config error naming the key.
    func testDecodeWorkersGiveTheSameData() throws {
        let (csv, _, _) = try writeDataset()
        var one = try config(csv: csv).data
        one.workers = 1
        var three = one
        three.workers = 3
        let a = try RunData.load(one), b = try RunData.load(three)
        XCTAssertEqual(a.train.images.scalars, b.train.images.scalars)
        XCTAssertEqual(a.test.images.scalars, b.test.images.scalars)
        XCTAssertEqual(a.test.labels, b.test.labels)
        XCTAssertEqual(a.test.categories, b.test.categories)
        XCTAssertThrowsError(try RunConfig(yaml: "data: {workers: 0}\n")) { e in
            XCTAssertEqual((e as? ConfigError)?.path, "data.workers", "\(e)")
        }
        XCTAssertEqual(try RunConfig(yaml: "data: {workers: 2}\n").data.workers, 2)
    }

    /// An embeddings file keeps the rows' query/gallery flags and categories (as `kindred embed`
    /// writes them for a CSV), and evaluating what was read back gives the same per-category metrics
    /// as evaluating the data directly; a file whose category codes do not match its names is an error.
    func testEmbeddingsFileCarriesFlagsAndCategories() throws {
        let (csv, expected, queries) = try writeDataset()
        let test = try RunData.load(try config(csv: csv).data).test
        var rng = RandomGenerator(seed: 3)
        let embeddings = Tensor.normal([test.count, 8], generator: &rng)
        let url = root.appendingPathComponent("e.safetensors")
        try EmbeddingsFile(embeddings: embeddings, labels: test.labels, isQuery: test.isQuery, isGallery: test.isGallery,
                           categories: test.categories).write(to: url)
        let back = try EmbeddingsFile.read(url)
        XCTAssertEqual(back.categories, expected)
        XCTAssertEqual(back.isQuery, queries)
        XCTAssertEqual(back.isGallery, test.isGallery)
        var config = EvaluationConfig()
        config.bootstrap = 0
        let direct = try Evaluator.evaluate(embeddings: embeddings, labels: test.labels, isQuery: test.isQuery, isGallery: test.isGallery,
                                            categories: test.categories, config: config, seed: 0)
        let viaFile = try Evaluator.evaluate(embeddings: back.embeddings, labels: back.labels, isQuery: back.isQuery, isGallery: back.isGallery,
                                             categories: back.categories, config: config, seed: 0)
        XCTAssertEqual(viaFile.categorySummaries, direct.categorySummaries)
        XCTAssertFalse(direct.categorySummaries.isEmpty)
        // A 'categories' tensor without its names in the metadata.
        let broken = root.appendingPathComponent("broken.safetensors")
        try Safetensors.write([("embeddings", embeddings.cast(to: .float32)),
                               ("labels", Tensor(doubles: test.labels.map(Double.init), shape: [test.count], dtype: .float64)),
                               ("categories", Tensor(doubles: Array(repeating: 0, count: test.count), shape: [test.count], dtype: .float64))],
                              to: broken)
        XCTAssertThrowsError(try EmbeddingsFile.read(broken)) { e in
            XCTAssertTrue("\(e)".contains("kindred_categories"), "\(e)")
        }
    }

    func testDataWithoutCategoriesHasNoBreakdown() throws {
        let (csv, _, _) = try writeDataset(withCategories: false)
        let data = try RunData.load(try config(csv: csv).data)
        XCTAssertNil(data.test.categories)
        XCTAssertNil(data.train.categories)

        let run = try TrainingRun(config: try config(csv: csv), directory: root.appendingPathComponent("plain"), data: syntheticSplits())
        run.log = { _ in }
        run.interactive = false
        let summary = try run.run()
        XCTAssertNil(summary.byCategory)
        XCTAssertTrue(try run.evaluate().categorySummaries.isEmpty)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: run.files.metrics)) as? [String: Any])
        XCTAssertNotNil(json["finalMetrics"])
        XCTAssertNil(json["byCategory"])
        XCTAssertFalse(try String(contentsOf: run.files.report, encoding: .utf8).contains("<th>Category</th>"))
    }

    func testCategoriesFromTheLabelsCSVAndTheirChecks() throws {
        let (csv, expected, _) = try writeDataset()
        let n = expected.count
        // The label CSV holds train rows too; categories of all rows, empty cells as "(none)".
        let all = try EmbeddingsFile.readCategories(labels: csv.path + ":label", column: "category", count: 2 * n)
        XCTAssertEqual(Array(all.suffix(n)), expected)
        XCTAssertThrowsError(try EmbeddingsFile.readCategories(labels: csv.path + ":label", column: "category", count: n)) {
            XCTAssertTrue("\($0)".contains("rows for"), "\($0)")
        }
        XCTAssertThrowsError(try EmbeddingsFile.readCategories(labels: csv.path + ":label", column: "kind", count: 2 * n)) {
            XCTAssertTrue("\($0)".contains("no column 'kind'"), "\($0)")
        }
        XCTAssertThrowsError(try EmbeddingsFile.readCategories(labels: "labels.npy", column: "category", count: n))
        XCTAssertThrowsError(try EmbeddingsFile.readCategories(labels: nil, column: "category", count: n))

        // Evaluation wants one category per item.
        let embeddings = Tensor((0..<(4 * 2)).map { Float($0 % 3) }, shape: [4, 2])
        XCTAssertThrowsError(try Evaluator.evaluate(embeddings: embeddings, labels: [0, 0, 1, 1], categories: ["a", "b"],
                                                    config: EvaluationConfig(), seed: 0)) {
            XCTAssertTrue("\($0)".contains("2 categories for 4 items"), "\($0)")
        }
    }
}
