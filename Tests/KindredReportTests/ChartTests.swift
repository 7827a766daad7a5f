import KindredData
import KindredReport
import XCTest

final class ChartTests: XCTestCase {
    func lossSeries() -> [ChartSeries] {
        var random = TestRandom(seed: 1)
        var train: [(x: Double, y: Double)] = [], validation: [(x: Double, y: Double)] = []
        for step in 1...200 {
            let t = Double(step)
            let noise: Double = 0.02 * random.normal()
            train.append((x: t, y: 1.2 * exp(-t / 60) + 0.05 + noise))
        }
        for epoch in 1...5 {
            let e = Double(epoch)
            validation.append((x: 40 * e, y: 0.9 * exp(-e / 2) + 0.1))
        }
        return [ChartSeries(name: "train <loss> & \"ema\"", points: train), ChartSeries(name: "validation", points: validation)]
    }

    func testLineChartIsWellFormedSVGWithEscapedText() {
        let svg = Chart.lines(title: "Loss <by step>", xLabel: "step", yLabel: "loss", series: lossSeries())
        assertWellFormedXML(svg)
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("Loss &lt;by step&gt;"))
        XCTAssertTrue(svg.contains("train &lt;loss&gt; &amp; &quot;ema&quot;"))
        XCTAssertFalse(svg.contains("<script"))
        // One path per series, plus dots for the short series (≤ 40 points).
        XCTAssertEqual(svg.components(separatedBy: "<path").count - 1, 3)
    }

    func testLogScaleAndGapsAndEmptyCharts() {
        let series = [ChartSeries(name: "loss", points: [(x: 1, y: 1), (x: 2, y: 0.1), (x: 3, y: 0), (x: 4, y: .nan), (x: 5, y: 0.001)])]
        let svg = Chart.lines(title: "log", xLabel: "", yLabel: "", series: series, yScale: .logarithmic)
        assertWellFormedXML(svg)
        // The line breaks at y = 0 and NaN: two separate "M" segments in the line path.
        let linePath = svg.components(separatedBy: "<path d=\"")[1].prefix { $0 != "\"" }
        XCTAssertEqual(linePath.filter { $0 == "M" }.count, 2, String(linePath))
        for label in [">0.001<", ">0.01<", ">0.1<", ">1<"] { XCTAssertTrue(svg.contains(label), label) }

        let empty = Chart.lines(title: "nothing", xLabel: "x", yLabel: "y", series: [])
        assertWellFormedXML(empty)
        XCTAssertTrue(empty.contains("no data"))
        let flat = Chart.lines(title: "flat", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "c", values: [3, 3, 3])])
        assertWellFormedXML(flat)
    }

    /// The tick labels of a chart: the texts right-aligned left of the y axis, or centred under the x axis.
    func tickLabels(_ svg: String, axis: String) -> [String] {
        let marker = axis == "y" ? "font-size=\"11\" fill=\"#555555\" text-anchor=\"end\">" : "font-size=\"11\" fill=\"#555555\" text-anchor=\"middle\">"
        return svg.components(separatedBy: marker).dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    func chart(y: [Double], x: [Double]? = nil, scale: ChartScale = .linear) -> String {
        let xs = x ?? y.indices.map(Double.init)
        return Chart.lines(title: "t", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "s", points: Array(zip(xs, y)).map { (x: $0.0, y: $0.1) })], yScale: scale)
    }

    func testNiceTicks() {
        XCTAssertEqual(tickLabels(chart(y: [0.13, 0.87]), axis: "y"), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(tickLabels(chart(y: [0, 1], x: [1, 200]), axis: "x"), ["0", "50", "100", "150", "200"])
        XCTAssertEqual(tickLabels(chart(y: [-3, 7]), axis: "y"), ["-4", "-2", "0", "2", "4", "6", "8"])
        XCTAssertEqual(tickLabels(chart(y: [0.02, 40], scale: .logarithmic), axis: "y"), ["0.01", "0.1", "1", "10", "100"])
        XCTAssertEqual(tickLabels(chart(y: [0.2, 0.8], scale: .logarithmic), axis: "y"), ["0.1", "0.2", "0.5", "1"])
        XCTAssertEqual(tickLabels(chart(y: [2e-7, 3e-7], scale: .logarithmic), axis: "y").first, "1e-7")
        XCTAssertEqual(tickLabels(chart(y: [0, 2e6]), axis: "y").last, "2e6")
        // Coordinates are rounded to 0.1 px.
        XCTAssertNil(chart(y: [0.13, 0.87]).range(of: #"\d\.\d\d"#, options: .regularExpression))
    }

    func scatterData(count: Int) -> (points: [(Double, Double)], labels: [Int]) {
        var random = TestRandom(seed: 7)
        var points: [(Double, Double)] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % 10
            let angle: Double = Double(label) / 10 * 2 * Double.pi
            let nx = random.normal(), ny = random.normal()
            points.append((4 * cos(angle) + nx, 4 * sin(angle) + ny))
            labels.append(label)
        }
        return (points, labels)
    }

    func testScatterIsWellFormedAndCompactFor10kPoints() throws {
        let data = scatterData(count: 10_000)
        let names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        let svg = try Chart.scatter(title: "Embeddings", points: data.points, labels: data.labels, classNames: names)
        assertWellFormedXML(svg)
        XCTAssertLessThan(svg.utf8.count, 200_000)
        for name in ["T-shirt/top", "Ankle boot"] { XCTAssertTrue(svg.contains(">\(name)<"), name) }
        for c in 0..<10 { XCTAssertTrue(svg.contains("stroke=\"\(Palette.classColor(c).hexString)\"")) }
        let unnamed = try Chart.scatter(title: "Embeddings", points: Array(data.points.prefix(30)), labels: Array(data.labels.prefix(30)))
        assertWellFormedXML(unnamed)
        XCTAssertTrue(unnamed.contains(">class 9<"))
    }

    func testScatterLegendOverflowsToMore() throws {
        let points = (0..<100).map { (Double($0), Double($0 % 7)) }
        let svg = try Chart.scatter(title: "many", points: points, labels: Array(0..<100), height: 300)
        assertWellFormedXML(svg)
        XCTAssertTrue(svg.contains(" more<"))
    }

    func testScatterBadInput() {
        XCTAssertThrowsError(try Chart.scatter(title: "t", points: [(0, 0)], labels: [])) { error in
            XCTAssertTrue("\(error)".contains("1 points but 0 labels"), "\(error)")
        }
        XCTAssertThrowsError(try Chart.scatter(title: "t", points: [(0, 0), (1, .nan)], labels: [0, 1])) { error in
            XCTAssertTrue("\(error)".contains("point 1 is"), "\(error)")
        }
        XCTAssertThrowsError(try Chart.scatter(title: "t", points: [(0, 0)], labels: [-1])) { error in
            XCTAssertTrue("\(error)".contains("label of point 0 is -1"), "\(error)")
        }
        XCTAssertThrowsError(try Chart.scatter(title: "t", points: [(0, 0), (1, 1)], labels: [0, 2], classNames: ["a", "b"])) { error in
            XCTAssertTrue("\(error)".contains("only 2 class names"), "\(error)")
        }
        XCTAssertThrowsError(try Chart.scatterImage(points: [], labels: [], width: 8))
    }

    func testRasterScatterDrawsClassColouredDots() throws {
        // Two points at opposite corners of the data range land at the plot margins.
        let image = try Chart.scatterImage(points: [(0, 0), (1, 1)], labels: [0, 1], width: 64, height: 48, dotRadius: 2)
        XCTAssertEqual(image.width, 64)
        XCTAssertEqual(image.height, 48)
        XCTAssertEqual(image.channels, 3)
        let margin = 2 + 4
        let expected0 = RGBColor.white.blended(with: Palette.classColor(0), fraction: 0.8)
        let expected1 = RGBColor.white.blended(with: Palette.classColor(1), fraction: 0.8)
        assertPixel(image, x: margin, y: 47 - margin, is: expected0, "(class 0 at bottom left)")
        assertPixel(image, x: 63 - margin, y: margin, is: expected1, "(class 1 at top right)")
        assertPixel(image, x: 32, y: 24, is: .white)
    }
}
