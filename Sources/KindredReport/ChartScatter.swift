import KindredData

extension Chart {
    /// A scatter plot of 2-D points (e.g. a PCA or t-SNE projection of embeddings) coloured by class,
    /// with axes and a legend of the classes present.
    ///
    /// Each class is one `<path>` of round dots (zero-length strokes with round caps) with coordinates
    /// rounded to 0.1 px, so 10,000 points take about 140 kB.
    ///
    /// ```swift
    /// let svg = try Chart.scatter(title: "Test embeddings (PCA)", points: projected, labels: labels,
    ///                             classNames: ["T-shirt", "Trouser", …])
    /// ```
    ///
    /// - Parameters:
    ///   - title: drawn above the plot.
    ///   - points: the (x, y) positions.
    ///   - labels: the class of each point (0-based), coloured by ``Palette/classColor(_:)``.
    ///   - classNames: legend names indexed by class; `nil` names them "class 0", "class 1", ….
    ///   - xLabel: drawn below the x axis (empty for none).
    ///   - yLabel: drawn along the y axis (empty for none).
    ///   - width: the SVG width in pixels (at least ``minimumSize``).
    ///   - height: the SVG height in pixels.
    ///   - dotSize: the dot diameter in pixels.
    /// - Throws: ``ReportError/invalidChartData(reason:)`` if `labels` and `points` differ in length,
    ///   a label is negative or has no class name, or a point is not finite.
    public static func scatter(
        title: String, points: [(Double, Double)], labels: [Int], classNames: [String]? = nil,
        xLabel: String = "", yLabel: String = "", width: Int = 640, height: Int = 480, dotSize: Double = 4
    ) throws -> String {
        try validateScatter(points: points, labels: labels, classNames: classNames)
        let width = max(width, minimumSize.width), height = max(height, minimumSize.height)
        let classes = Array(Set(labels)).sorted()
        let legend = classes.map {
            ChartFrame.LegendEntry(name: classNames?[$0] ?? "class \($0)", color: Palette.classColor($0), isLine: false)
        }
        let frame = ChartFrame(width: width, height: height,
                               x: ChartAxis(covering: points.map(\.0), scale: .linear, padding: 0.04),
                               y: ChartAxis(covering: points.map(\.1), scale: .linear, padding: 0.04),
                               legend: legend, placement: .right)
        var svg = SVGWriter(width: width, height: height)
        frame.drawAxes(on: &svg, title: title, xLabel: xLabel, yLabel: yLabel)
        var paths = [Int: String]()
        for (point, label) in zip(points, labels) {
            paths[label, default: ""] += "M" + Markup.coordinate(frame.px(point.0)) + " " + Markup.coordinate(frame.py(point.1)) + "h0"
        }
        for label in classes {
            guard let d = paths[label] else { continue }
            svg.raw("<path d=\"\(d)\" stroke=\"\(Palette.classColor(label).hexString)\" stroke-width=\"\(Markup.coordinate(dotSize))\" stroke-linecap=\"round\" stroke-opacity=\"0.75\"/>")
        }
        if points.isEmpty {
            svg.text("no data", x: (frame.left + frame.right) / 2, y: (frame.top + frame.bottom) / 2,
                     anchor: "middle", size: 13, fill: "#999999")
        }
        frame.drawLegend(on: &svg)
        return svg.document
    }

    /// A raster scatter plot: coloured dots on white inside a light border, no text (put the legend in
    /// the report). For PNG output where SVG does not fit.
    ///
    /// ```swift
    /// try Chart.scatterImage(points: projected, labels: labels).write(to: URL(fileURLWithPath: "embeddings.png"))
    /// ```
    ///
    /// - Parameters:
    ///   - points: the (x, y) positions; y grows upwards.
    ///   - labels: the class of each point (0-based), coloured by ``Palette/classColor(_:)``.
    ///   - width: image width in pixels (≥ 16).
    ///   - height: image height in pixels (≥ 16).
    ///   - dotRadius: dot radius in pixels (≥ 0; 0 draws single pixels).
    /// - Returns: an RGB image with values in `0...1`.
    /// - Throws: ``ReportError/invalidChartData(reason:)`` for mismatched counts, negative labels or
    ///   non-finite points; ``ReportError/invalidParameter(name:value:expected:)`` for a bad size.
    public static func scatterImage(
        points: [(Double, Double)], labels: [Int], width: Int = 512, height: Int = 512, dotRadius: Int = 2
    ) throws -> Image {
        guard width >= 16, height >= 16 else {
            throw ReportError.invalidParameter(name: "scatter image size", value: "\(width)×\(height)", expected: "at least 16×16 pixels")
        }
        guard dotRadius >= 0 else {
            throw ReportError.invalidParameter(name: "dotRadius", value: "\(dotRadius)", expected: "0 or more pixels")
        }
        try validateScatter(points: points, labels: labels, classNames: nil)
        var canvas = Canvas(width: width, height: height, color: .white)
        let border = Palette.gridLine.blended(with: .black, fraction: 0.1)
        canvas.fill(x: 0, y: 0, width: width, height: 1, color: border)
        canvas.fill(x: 0, y: height - 1, width: width, height: 1, color: border)
        canvas.fill(x: 0, y: 0, width: 1, height: height, color: border)
        canvas.fill(x: width - 1, y: 0, width: 1, height: height, color: border)
        guard !points.isEmpty else { return canvas.image }
        let margin = Double(dotRadius + 4)
        let (x0, x1) = paddedRange(points.map(\.0)), (y0, y1) = paddedRange(points.map(\.1))
        let spanX = Double(width - 1) - 2 * margin, spanY = Double(height - 1) - 2 * margin
        let r2 = dotRadius * dotRadius + dotRadius  // slightly rounder discs for small radii
        for (point, label) in zip(points, labels) {
            let cx = Int((margin + (point.0 - x0) / (x1 - x0) * spanX).rounded())
            let cy = Int((margin + (y1 - point.1) / (y1 - y0) * spanY).rounded())
            let color = Palette.classColor(label)
            for dy in -dotRadius...dotRadius {
                for dx in -dotRadius...dotRadius where dx * dx + dy * dy <= r2 {
                    let (x, y) = (cx + dx, cy + dy)
                    guard x >= 0, x < width, y >= 0, y < height else { continue }
                    let i = (y * width + x) * 3
                    let under = RGBColor(red: canvas.image.pixels[i], green: canvas.image.pixels[i + 1], blue: canvas.image.pixels[i + 2])
                    canvas.setPixel(x: x, y: y, color: under.blended(with: color, fraction: 0.8))
                }
            }
        }
        return canvas.image
    }

    /// The range of `values`, widened when all are equal so the mapping never divides by zero.
    private static func paddedRange(_ values: [Double]) -> (Double, Double) {
        let low = values.min() ?? 0, high = values.max() ?? 1
        if low == high { return (low - 1, high + 1) }
        return (low, high)
    }

    private static func validateScatter(points: [(Double, Double)], labels: [Int], classNames: [String]?) throws {
        guard points.count == labels.count else {
            throw ReportError.invalidChartData(reason: "\(points.count) points but \(labels.count) labels (expected one label per point)")
        }
        if let i = points.firstIndex(where: { !$0.0.isFinite || !$0.1.isFinite }) {
            throw ReportError.invalidChartData(reason: "point \(i) is (\(points[i].0), \(points[i].1)) (expected finite coordinates)")
        }
        if let i = labels.firstIndex(where: { $0 < 0 }) {
            throw ReportError.invalidChartData(reason: "label of point \(i) is \(labels[i]) (expected a class index ≥ 0)")
        }
        if let classNames, let i = labels.firstIndex(where: { $0 >= classNames.count }) {
            throw ReportError.invalidChartData(reason: "label of point \(i) is \(labels[i]) but only \(classNames.count) class names were given (expected a name for every class)")
        }
    }
}
