import Foundation
import KindredData
import KindredReport
import XCTest

final class HTMLReportTests: XCTestCase {
    func smallReport() throws -> HTMLReport {
        var report = HTMLReport(title: "Run <1> & co", subtitle: "triplet \"semi-hard\"")
        report.addParagraph("before any section")
        report.addSection("Metrics")
        report.addMetricTable([
            ReportMetric(name: "cmc@1", value: 0.82714, lower: 0.8198, upper: 0.8347, evaluatedQueries: 10_000, droppedQueries: 0),
            ReportMetric(name: "map@5", value: 0.8636),
        ], caption: "leave-one-out")
        report.addSection("Configuration <script>alert(1)</script>")
        report.addKeyValueTable([(key: "model", value: "<script>alert('x')</script>"), (key: "epochs", value: "5")])
        report.addPreformatted("model:\n  embedding: 64 # <b>not bold</b>\n", caption: "config.yaml")
        report.addSection("Charts")
        try report.addSVG(Chart.lines(title: "loss", xLabel: "step", yLabel: "loss", series: [ChartSeries(name: "train", values: [1, 0.5, 0.3])]),
                          caption: "loss per step")
        try report.addImage(Image(width: 4, height: 2, channels: 1, filledWith: 0.5), caption: "sample", displayWidth: 40)
        try report.addImageRow([(image: Image(width: 3, height: 3, channels: 3, filledWith: 1), caption: "epoch 1"),
                                (image: Image(width: 3, height: 3, channels: 3, filledWith: 0), caption: "")])
        report.addClassLegend(["T-shirt/top", "<Trouser>"])
        return report
    }

    func testEscapesAllText() throws {
        let html = try smallReport().render()
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<b>not bold</b>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("<title>Run &lt;1&gt; &amp; co</title>"))
        XCTAssertTrue(html.contains("triplet &quot;semi-hard&quot;"))
        XCTAssertTrue(html.contains("# &lt;b&gt;not bold&lt;/b&gt;"))
    }

    func testGroupedMetricTableNamesEachGroupOnce() throws {
        var report = HTMLReport(title: "groups")
        let metric = ReportMetric(name: "map@r", value: 0.5, lower: 0.4, upper: 0.6, evaluatedQueries: 12, droppedQueries: 1)
        report.addGroupedMetricTable([(name: "shoes <&>", metrics: [metric, metric]), (name: "empty", metrics: []), (name: "bags", metrics: [metric])],
                                     groupHeading: "Category", caption: "per category")
        let html = report.render()
        XCTAssertTrue(html.contains("<thead><tr><th>Category</th><th>Metric</th><th class=\"num\">Value</th>"))
        XCTAssertTrue(html.contains("<tr><th scope=\"rowgroup\" rowspan=\"2\">shoes &lt;&amp;&gt;</th><th scope=\"row\">map@r</th><td class=\"num\">0.5000</td>"))
        XCTAssertTrue(html.contains("<tr><th scope=\"rowgroup\" rowspan=\"1\">bags</th>"))
        XCTAssertFalse(html.contains(">empty<"))
        XCTAssertEqual(html.components(separatedBy: "<th scope=\"row\">map@r</th>").count - 1, 3)
        XCTAssertTrue(html.contains("<caption>per category</caption>"))
    }

    func testContainsEverySectionAndBlock() throws {
        let report = try smallReport()
        XCTAssertEqual(report.sectionCount, 4)
        let html = report.render()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        for heading in ["<h2>Metrics</h2>", "<h2>Configuration &lt;script&gt;alert(1)&lt;/script&gt;</h2>", "<h2>Charts</h2>"] {
            XCTAssertTrue(html.contains(heading), heading)
        }
        XCTAssertEqual(html.components(separatedBy: "<section").count - 1, 4)
        XCTAssertTrue(html.contains("<p>before any section</p>"))
        XCTAssertTrue(html.contains("<nav class=\"toc\"><a href=\"#section-2\">Metrics</a>"))
        // Metric numbers: 4 decimals, grouped counts, "—" for what is missing.
        XCTAssertTrue(html.contains("<td class=\"num\">0.8271</td><td class=\"num\">0.8198</td><td class=\"num\">0.8347</td><td class=\"num\">10,000</td><td class=\"num\">0</td>"))
        XCTAssertEqual(html.components(separatedBy: "<td class=\"num missing\">—</td>").count - 1, 4)
        XCTAssertTrue(html.contains("<caption>leave-one-out</caption>"))
        XCTAssertTrue(html.contains("<figure class=\"chart\"><svg width="))
        XCTAssertTrue(html.contains("<figcaption>loss per step</figcaption>"))
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 3)
        XCTAssertTrue(html.contains("<img class=\"pixelated\" width=\"40\" height=\"20\""))
        XCTAssertTrue(html.contains("<div class=\"image-row\">"))
        XCTAssertTrue(html.contains("<figcaption>epoch 1</figcaption>"))
        XCTAssertTrue(html.contains("<li><span class=\"swatch\" style=\"background:#ff7f0e\"></span>&lt;Trouser&gt;</li>"))
    }

    func testIsSelfContained() throws {
        let html = try smallReport().render()
        XCTAssertFalse(html.contains("http://"))
        XCTAssertFalse(html.contains("https://"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertFalse(html.contains("@import"))
        XCTAssertNil(html.range(of: #"(src|href)="(?!data:|#)"#, options: .regularExpression))
    }

    func testEmbeddedImageDecodes() throws {
        var report = HTMLReport(title: "t")
        let image = Image(width: 5, height: 3, channels: 3, filledWith: 0.25)
        try report.addImage(image)
        let html = report.render()
        let start = try XCTUnwrap(html.range(of: "base64,")).upperBound
        let base64 = html[start...].prefix { $0 != "\"" }
        let png = try XCTUnwrap(Data(base64Encoded: String(base64)))
        let decoded = try Image(decoding: png, source: URL(fileURLWithPath: "embedded.png"))
        XCTAssertEqual(decoded.bytes, image.bytes)
    }

    func testRetrievalGridRowCaptionsAlignWithRows() throws {
        let layout = RetrievalGrid(cellSize: 20, gap: 4, frame: 2)
        let cell = Image(width: 6, height: 6, channels: 1, filledWith: 0.5)
        let rows = (0..<3).map { _ in RetrievalGridRow(query: cell, results: [cell, cell], matches: [true, false]) }
        let grid = try layout.render(rows)
        var report = HTMLReport(title: "t")
        try report.addRetrievalGrid(grid, layout: layout, rowCaptions: ["q 1 <worst>", "q 2", "q 3"], caption: "worst first")
        let html = report.render()
        XCTAssertTrue(html.contains("<ol class=\"row-captions\" style=\"padding-top:4px\">"))
        XCTAssertEqual(html.components(separatedBy: "<li style=\"height:24px;margin-bottom:4px\"").count - 1, 3)
        XCTAssertTrue(html.contains(">q 1 &lt;worst&gt;</li>"))
        XCTAssertThrowsError(try report.addRetrievalGrid(grid, layout: layout, rowCaptions: ["only one"])) { error in
            XCTAssertTrue("\(error)".contains("one caption per grid row (3)"), "\(error)")
        }
        XCTAssertThrowsError(try report.addRetrievalGrid(grid, layout: RetrievalGrid(cellSize: 30), rowCaptions: ["a", "b", "c"])) { error in
            XCTAssertTrue("\(error)".contains("grid image height"), "\(error)")
        }
    }

    func testBadSVGIsRejected() {
        var report = HTMLReport(title: "t")
        XCTAssertThrowsError(try report.addSVG("<div>not svg</div>")) { error in
            XCTAssertTrue("\(error)".contains("expected text starting with <svg"), "\(error)")
        }
        XCTAssertNoThrow(try report.addSVG("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"))
        XCTAssertFalse(report.render().contains("http://"))
    }

    func testAtomicWriteLeavesOnlyTheReport() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("report.html")
        let report = try smallReport()
        try report.write(to: url)
        try report.write(to: url)  // overwriting works too
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["report.html"])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), report.render())
        let missing = folder.appendingPathComponent("no-such-folder/report.html")
        XCTAssertThrowsError(try report.write(to: missing)) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }
}
