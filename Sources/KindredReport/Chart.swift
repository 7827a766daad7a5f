/// A named sequence of (x, y) points drawn as one line of a ``Chart/lines(title:xLabel:yLabel:series:yScale:width:height:)`` chart.
public struct ChartSeries: Sendable {
    /// The legend entry.
    public var name: String
    /// The points, joined in this order.
    public var points: [(x: Double, y: Double)]

    /// A series from explicit points.
    ///
    /// ```swift
    /// let loss = ChartSeries(name: "train loss", points: [(x: 1, y: 0.9), (x: 2, y: 0.6)])
    /// ```
    public init(name: String, points: [(x: Double, y: Double)]) {
        self.name = name
        self.points = points
    }

    /// A series whose x values are `1, 2, 3, …` (e.g. one value per epoch).
    public init(name: String, values: [Double]) {
        self.init(name: name, points: values.enumerated().map { (x: Double($0.offset + 1), y: $0.element) })
    }
}

/// Charts as self-contained SVG documents (no scripts, no external fonts or files), for embedding in
/// an ``HTMLReport`` or writing as `.svg` files, plus a raster scatter plot for PNG output.
///
/// Colours come from ``Palette``: series and classes use ``Palette/classColor(_:)`` in order.
public enum Chart {
    /// The smallest chart size; smaller requests are enlarged to it.
    public static let minimumSize = (width: 240, height: 160)

    /// A line chart with axes, "nice" ticks, light grid lines and a legend above the plot.
    ///
    /// Points with a non-finite coordinate (or y ≤ 0 on a logarithmic scale) cannot be drawn: the
    /// line breaks there, as in matplotlib. Series with at most 40 points also get a dot per point.
    /// With no drawable point at all the chart says "no data".
    ///
    /// ```swift
    /// let svg = Chart.lines(title: "Training loss", xLabel: "step", yLabel: "loss",
    ///                       series: [ChartSeries(name: "triplet", points: losses)], yScale: .logarithmic)
    /// ```
    ///
    /// - Parameters:
    ///   - title: drawn above the plot.
    ///   - xLabel: drawn below the x axis (empty for none).
    ///   - yLabel: drawn along the y axis (empty for none).
    ///   - series: the lines, coloured in order.
    ///   - yScale: linear or logarithmic y axis.
    ///   - width: the SVG width in pixels (at least ``minimumSize``).
    ///   - height: the SVG height in pixels.
    /// - Returns: a standalone SVG document.
    public static func lines(
        title: String, xLabel: String, yLabel: String, series: [ChartSeries],
        yScale: ChartScale = .linear, width: Int = 720, height: Int = 360
    ) -> String {
        let width = max(width, minimumSize.width), height = max(height, minimumSize.height)
        let probe = ChartAxis(covering: [], scale: yScale)
        let drawable = series.map { s in s.points.filter { $0.x.isFinite && probe.canDraw($0.y) } }
        let xs = drawable.flatMap { $0.map(\.x) }, ys = drawable.flatMap { $0.map(\.y) }
        let legend = series.enumerated().map {
            ChartFrame.LegendEntry(name: $0.element.name, color: Palette.classColor($0.offset), isLine: true)
        }
        let frame = ChartFrame(width: width, height: height, x: ChartAxis(covering: xs, scale: .linear),
                               y: ChartAxis(covering: ys, scale: yScale), legend: legend, placement: .top)
        var svg = SVGWriter(width: width, height: height)
        frame.drawAxes(on: &svg, title: title, xLabel: xLabel, yLabel: yLabel)
        for (index, s) in series.enumerated() {
            let color = Palette.classColor(index).hexString
            var path = ""
            var penDown = false
            for point in s.points {
                guard point.x.isFinite, frame.y.canDraw(point.y) else {
                    penDown = false
                    continue
                }
                path += (penDown ? "L" : "M") + Markup.coordinate(frame.px(point.x)) + " " + Markup.coordinate(frame.py(point.y))
                penDown = true
            }
            if !path.isEmpty {
                svg.raw("<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>")
            }
            if drawable[index].count <= 40 && !drawable[index].isEmpty {
                var dots = ""
                for point in drawable[index] {
                    dots += "M" + Markup.coordinate(frame.px(point.x)) + " " + Markup.coordinate(frame.py(point.y)) + "h0"
                }
                svg.raw("<path d=\"\(dots)\" stroke=\"\(color)\" stroke-width=\"6\" stroke-linecap=\"round\"/>")
            }
        }
        if xs.isEmpty {
            svg.text("no data", x: (frame.left + frame.right) / 2, y: (frame.top + frame.bottom) / 2,
                     anchor: "middle", size: 13, fill: "#999999")
        }
        frame.drawLegend(on: &svg)
        return svg.document
    }
}
