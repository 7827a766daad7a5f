/// The parts every chart shares: title, plot area, axes with ticks and grid lines, axis labels and a
/// legend (in rows above the plot, or in a column to its right).
struct ChartFrame {
    /// Where the legend goes: rows between title and plot (few long names, e.g. series), or a column
    /// right of the plot (many short names, e.g. classes).
    enum LegendPlacement {
        case top
        case right
    }

    /// A legend entry: its name, colour and whether the swatch is a line (series) or a dot (class).
    struct LegendEntry {
        var name: String
        var color: RGBColor
        var isLine: Bool
    }

    let x: ChartAxis
    let y: ChartAxis
    let width: Int
    let height: Int
    /// The plot area in pixels.
    let left: Double
    let top: Double
    let right: Double
    let bottom: Double
    private let legend: [LegendEntry]
    private let placement: LegendPlacement
    /// Top-left corners of the legend entries placed in rows above the plot.
    private let topLegendPositions: [(x: Double, y: Double)]
    private static let legendRow = 18.0
    private static let maxLegendName = 24
    private static let maxTopLegendName = 48
    /// Approximate width of one character of 12 px text, for layout without font metrics.
    private static let characterWidth = 6.8

    init(width: Int, height: Int, x: ChartAxis, y: ChartAxis, legend: [LegendEntry], placement: LegendPlacement) {
        self.width = width
        self.height = height
        self.x = x
        self.y = y
        self.legend = legend
        self.placement = placement
        let longestTick = y.ticks.map { $0.label.count }.max() ?? 1
        left = Double(max(52, longestTick * 7 + 34))
        bottom = Double(height) - 50
        switch placement {
        case .right:
            let longestName = legend.map { min($0.name.count, ChartFrame.maxLegendName) }.max() ?? 0
            let legendWidth = legend.isEmpty ? 0 : Double(longestName) * ChartFrame.characterWidth + 40
            right = Double(width) - 16 - legendWidth
            top = 44
            topLegendPositions = []
        case .top:
            right = Double(width) - 16
            // Flow the entries left to right from the plot's left edge, wrapping at its right edge.
            var positions: [(x: Double, y: Double)] = []
            var cursor = left, row = 0.0
            for entry in legend {
                let name = Markup.truncated(entry.name, to: ChartFrame.maxTopLegendName)
                let entryWidth = 24 + Double(name.count) * ChartFrame.characterWidth + 18
                if cursor > left && cursor + entryWidth > right {
                    cursor = left
                    row += 1
                }
                positions.append((x: cursor, y: 40 + row * ChartFrame.legendRow))
                cursor += entryWidth
            }
            topLegendPositions = positions
            top = legend.isEmpty ? 44 : 40 + (row + 1) * ChartFrame.legendRow + 8
        }
    }

    /// The pixel column of data value `value` on the x axis.
    func px(_ value: Double) -> Double { left + x.fraction(value) * (right - left) }
    /// The pixel row of data value `value` on the y axis.
    func py(_ value: Double) -> Double { bottom - y.fraction(value) * (bottom - top) }

    /// Draws the background parts (title, grid, axes, labels); data and then ``drawLegend(on:)`` go on top.
    func drawAxes(on svg: inout SVGWriter, title: String, xLabel: String, yLabel: String) {
        let axisColor = Palette.axis.hexString, gridColor = Palette.gridLine.hexString
        svg.text(title, x: left, y: 24, size: 15, weight: "600", fill: "#222222")
        for tick in y.ticks {
            let row = py(tick.value)
            svg.line(x1: left, y1: row, x2: right, y2: row, stroke: gridColor)
            svg.text(tick.label, x: left - 6, y: row + 4, anchor: "end", size: 11, fill: axisColor)
        }
        for tick in x.ticks {
            let column = px(tick.value)
            svg.line(x1: column, y1: top, x2: column, y2: bottom, stroke: gridColor)
            svg.line(x1: column, y1: bottom, x2: column, y2: bottom + 4, stroke: axisColor)
            svg.text(tick.label, x: column, y: bottom + 17, anchor: "middle", size: 11, fill: axisColor)
        }
        svg.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: axisColor)
        svg.line(x1: left, y1: top, x2: left, y2: bottom, stroke: axisColor)
        if !xLabel.isEmpty {
            svg.text(xLabel, x: (left + right) / 2, y: Double(height) - 12, anchor: "middle", fill: "#333333")
        }
        if !yLabel.isEmpty {
            svg.text(yLabel, x: 14, y: (top + bottom) / 2, anchor: "middle", fill: "#333333", rotate: -90)
        }
    }

    /// Draws the legend; in a right-hand column, entries that do not fit become "+N more".
    func drawLegend(on svg: inout SVGWriter) {
        guard !legend.isEmpty else { return }
        if placement == .top {
            for (entry, position) in zip(legend, topLegendPositions) {
                drawSwatch(entry, x: position.x, y: position.y, on: &svg)
                svg.text(Markup.truncated(entry.name, to: ChartFrame.maxTopLegendName), x: position.x + 24, y: position.y + 4, size: 12)
            }
            return
        }
        let capacity = max(1, Int((bottom - top) / ChartFrame.legendRow))
        let shown = legend.count <= capacity ? legend.count : capacity - 1
        let x0 = right + 16
        for (i, entry) in legend.prefix(shown).enumerated() {
            let rowY = top + 8 + Double(i) * ChartFrame.legendRow
            drawSwatch(entry, x: x0, y: rowY, on: &svg)
            svg.text(Markup.truncated(entry.name, to: ChartFrame.maxLegendName), x: x0 + 24, y: rowY + 4, size: 12)
        }
        if shown < legend.count {
            let rowY = top + 8 + Double(shown) * ChartFrame.legendRow
            svg.text("+\(legend.count - shown) more", x: x0 + 24, y: rowY + 4, size: 12, fill: "#777777")
        }
    }

    /// A short line (series) or a dot (class) 18 px wide, vertically centred on `y`.
    private func drawSwatch(_ entry: LegendEntry, x: Double, y: Double, on svg: inout SVGWriter) {
        let color = entry.color.hexString
        if entry.isLine {
            svg.line(x1: x, y1: y, x2: x + 18, y2: y, stroke: color, width: 2.5)
        } else {
            svg.raw("<circle cx=\"\(Markup.coordinate(x + 9))\" cy=\"\(Markup.coordinate(y))\" r=\"4.5\" fill=\"\(color)\"/>")
        }
    }
}
