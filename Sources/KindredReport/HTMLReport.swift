import Foundation
import KindredData

/// A builder for one self-contained HTML page describing a run: a title, then sections of tables,
/// text, charts and images.
///
/// The page needs nothing else: the stylesheet is inline, images are embedded as base64 PNG data URIs
/// and charts as inline SVG, so the single file can be mailed, archived or opened offline. All text
/// given to the builder is HTML-escaped.
///
/// Blocks are added to the most recent section (before the first ``addSection(_:)``, to an untitled
/// opening section).
///
/// ```swift
/// var report = HTMLReport(title: "Fashion-MNIST triplet run", subtitle: "5 epochs · 2026-11-22")
/// report.addSection("Metrics")
/// report.addMetricTable([ReportMetric(name: "cmc@1", value: 0.8271, lower: 0.8198, upper: 0.8347)])
/// report.addSection("Training")
/// try report.addSVG(Chart.lines(title: "Loss", xLabel: "step", yLabel: "loss", series: [loss]))
/// try report.write(to: URL(fileURLWithPath: "run/report.html"))
/// ```
public struct HTMLReport: Sendable {
    /// The page title (the `<title>` and the top heading).
    public var title: String
    /// A line under the title (e.g. model, dataset and date), or `nil`.
    public var subtitle: String?
    /// Digits after the decimal point in metric tables.
    public var metricDecimals: Int = 4

    private var sections: [Section] = []

    private struct Section: Sendable {
        var heading: String?
        var blocks: [Block] = []
    }

    private enum Block: Sendable {
        case paragraph(String)
        case keyValues([KeyValue], caption: String?)
        case metrics([ReportMetric], caption: String?)
        case groupedMetrics([MetricGroup], groupHeading: String, caption: String?)
        case preformatted(String, caption: String?)
        case svg(String, caption: String?)
        case figures([Figure], row: Bool)
        case grid(Figure, rowCaptions: [String], layout: GridRows)
        case classLegend([String])
    }

    /// Vertical geometry of a retrieval grid's rows, in pixels, to align captions with them.
    private struct GridRows: Sendable {
        var margin: Int
        var rowHeight: Int
        var gap: Int
    }

    private struct MetricGroup: Sendable {
        var name: String
        var metrics: [ReportMetric]
    }

    private struct KeyValue: Sendable {
        var key: String
        var value: String
    }

    private struct Figure: Sendable {
        var base64PNG: String
        var caption: String?
        var width: Int
        var height: Int
        var displayWidth: Int?
    }

    /// An empty report.
    public init(title: String, subtitle: String? = nil) {
        self.title = title
        self.subtitle = subtitle
    }

    /// The number of sections, counting the untitled opening one if anything was added before the first heading.
    public var sectionCount: Int { sections.count }

    // MARK: Building

    /// Starts a new section with a heading; later blocks go into it.
    public mutating func addSection(_ heading: String) {
        sections.append(Section(heading: heading))
    }

    /// Adds a paragraph of text.
    public mutating func addParagraph(_ text: String) {
        append(.paragraph(text))
    }

    /// Adds a two-column table of names and values (e.g. dataset sizes, run settings).
    ///
    /// ```swift
    /// report.addKeyValueTable([("dataset", "Fashion-MNIST"), ("train images", "60,000")])
    /// ```
    public mutating func addKeyValueTable(_ rows: [(key: String, value: String)], caption: String? = nil) {
        append(.keyValues(rows.map { KeyValue(key: $0.key, value: $0.value) }, caption: caption))
    }

    /// Adds a table of metrics: name, value, 95% interval ends, evaluated and dropped query counts,
    /// with numbers right-aligned (``metricDecimals`` digits) and "—" for what is missing.
    public mutating func addMetricTable(_ metrics: [ReportMetric], caption: String? = nil) {
        append(.metrics(metrics, caption: caption))
    }

    /// Adds a metric table split into groups (e.g. one per category): the columns of
    /// ``addMetricTable(_:caption:)`` after a first column, headed `groupHeading`, that names each
    /// group once, on its first row.
    ///
    /// ```swift
    /// report.addGroupedMetricTable([(name: "shoes", metrics: shoeMetrics), (name: "bags", metrics: bagMetrics)],
    ///                              groupHeading: "Category")
    /// ```
    public mutating func addGroupedMetricTable(_ groups: [(name: String, metrics: [ReportMetric])], groupHeading: String,
                                               caption: String? = nil) {
        append(.groupedMetrics(groups.map { MetricGroup(name: $0.name, metrics: $0.metrics) }, groupHeading: groupHeading, caption: caption))
    }

    /// Adds preformatted text in a monospaced block (e.g. the run's YAML configuration or a log excerpt).
    public mutating func addPreformatted(_ text: String, caption: String? = nil) {
        append(.preformatted(text, caption: caption))
    }

    /// Adds an SVG chart inline (e.g. from ``Chart``), scaled down to the column width if wider.
    ///
    /// The markup is inserted as it is (minus an XML prolog and the namespace declarations, which HTML
    /// does not need), so pass only SVG you made, not SVG from untrusted files.
    ///
    /// - Throws: ``ReportError/invalidSVG(reason:)`` if the text is not one `<svg>…</svg>` element.
    public mutating func addSVG(_ svg: String, caption: String? = nil) throws {
        var markup = svg.trimmingCharacters(in: .whitespacesAndNewlines)
        if markup.hasPrefix("<?xml"), let end = markup.range(of: "?>") {
            markup = String(markup[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard markup.hasPrefix("<svg"), markup.hasSuffix("</svg>") else {
            throw ReportError.invalidSVG(reason: "expected text starting with <svg and ending with </svg>, got \"\(Markup.truncated(markup, to: 40))\"")
        }
        for namespace in [" xmlns=\"http://www.w3.org/2000/svg\"", " xmlns:xlink=\"http://www.w3.org/1999/xlink\""] {
            markup = markup.replacingOccurrences(of: namespace, with: "")
        }
        append(.svg(markup, caption: caption))
    }

    /// Adds an image, embedded as a PNG data URI.
    ///
    /// - Parameters:
    ///   - image: any 1–4 channel image with values in `0...1` (a ``RetrievalGrid`` render, a scatter image, a sample).
    ///   - caption: shown under the image.
    ///   - displayWidth: the width to show it at in CSS pixels; when larger than the image it is
    ///     enlarged with sharp pixels (good for 28×28 samples). `nil` shows it at its own size.
    /// - Throws: ``ReportError/unencodableImage(reason:)`` if the image cannot be encoded.
    public mutating func addImage(_ image: Image, caption: String? = nil, displayWidth: Int? = nil) throws {
        append(.figures([try Self.figure(image, caption: caption, displayWidth: displayWidth)], row: false))
    }

    /// Adds images side by side, wrapping onto further lines (e.g. sample grids per epoch); an empty
    /// caption shows none.
    ///
    /// ```swift
    /// try report.addImageRow(grids.enumerated().map { (image: $0.element, caption: "epoch \($0.offset + 1)") })
    /// ```
    ///
    /// - Throws: ``ReportError/unencodableImage(reason:)`` naming the first image that cannot be encoded.
    public mutating func addImageRow(_ images: [(image: Image, caption: String)], displayWidth: Int? = nil) throws {
        var figures: [Figure] = []
        for (i, item) in images.enumerated() {
            do {
                let caption = item.caption.isEmpty ? nil : item.caption
                figures.append(try Self.figure(item.image, caption: caption, displayWidth: displayWidth))
            } catch let ReportError.unencodableImage(reason) {
                throw ReportError.unencodableImage(reason: "image \(i) of the row: \(reason)")
            }
        }
        append(.figures(figures, row: true))
    }

    /// Adds a ``RetrievalGrid`` image with one caption per row beside it (e.g. query id, class and
    /// AP), aligned with the rows; the image is shown at its own size so the alignment holds.
    ///
    /// ```swift
    /// let layout = RetrievalGrid(cellSize: 56)
    /// try report.addRetrievalGrid(try layout.render(worst), layout: layout,
    ///                             rowCaptions: worst.map { "query \($0.id) · AP \($0.ap)" },
    ///                             caption: "Worst queries first")
    /// ```
    ///
    /// - Parameters:
    ///   - image: the grid, as rendered by `layout`.
    ///   - layout: the grid settings it was rendered with.
    ///   - rowCaptions: one caption per row, top to bottom.
    ///   - caption: shown under the grid.
    /// - Throws: ``ReportError/invalidParameter(name:value:expected:)`` if the number of captions is
    ///   not the number of rows the image has under `layout`; ``ReportError/unencodableImage(reason:)``.
    public mutating func addRetrievalGrid(_ image: Image, layout: RetrievalGrid, rowCaptions: [String], caption: String? = nil) throws {
        let pitch = layout.framedCellSize + layout.gap
        let rows = pitch > 0 ? (image.height - layout.gap) / pitch : 0
        guard rows * pitch + layout.gap == image.height else {
            throw ReportError.invalidParameter(name: "grid image height", value: "\(image.height)",
                                               expected: "a grid rendered with cell size \(layout.cellSize), gap \(layout.gap) and frame \(layout.frame)")
        }
        guard rowCaptions.count == rows else {
            throw ReportError.invalidParameter(name: "rowCaptions", value: "(\(rowCaptions.count) captions)",
                                               expected: "one caption per grid row (\(rows))")
        }
        let figure = try Self.figure(image, caption: caption, displayWidth: nil)
        append(.grid(figure, rowCaptions: rowCaptions,
                     layout: GridRows(margin: layout.gap, rowHeight: layout.framedCellSize, gap: layout.gap)))
    }

    /// Adds a legend of class colours (``Palette/classColor(_:)`` of class 0, 1, …) with their names,
    /// for images that carry no text, such as ``Chart/scatterImage(points:labels:width:height:dotRadius:)``.
    public mutating func addClassLegend(_ classNames: [String]) {
        append(.classLegend(classNames))
    }

    private mutating func append(_ block: Block) {
        if sections.isEmpty { sections.append(Section(heading: nil)) }
        sections[sections.count - 1].blocks.append(block)
    }

    private static func figure(_ image: Image, caption: String?, displayWidth: Int?) throws -> Figure {
        let png: Data
        do {
            png = try image.encoded(as: .png)
        } catch {
            throw ReportError.unencodableImage(reason: "\(error)")
        }
        if let displayWidth, displayWidth <= 0 {
            throw ReportError.invalidParameter(name: "displayWidth", value: "\(displayWidth)", expected: "a positive width in pixels")
        }
        return Figure(base64PNG: png.base64EncodedString(), caption: caption, width: image.width,
                      height: image.height, displayWidth: displayWidth)
    }

    // MARK: Rendering

    /// The complete HTML document.
    public func render() -> String {
        let e = Markup.escaped
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>\(e(title))</title>\n<style>\n\(ReportStyle.css)\n</style>\n</head>\n<body>\n<main>\n"
        html += "<header>\n<h1>\(e(title))</h1>\n"
        if let subtitle { html += "<p class=\"subtitle\">\(e(subtitle))</p>\n" }
        let headed = sections.enumerated().filter { $0.element.heading != nil }
        if headed.count >= 3 {
            html += "<nav class=\"toc\">"
            for (i, section) in headed { html += "<a href=\"#\(anchor(i))\">\(e(section.heading ?? ""))</a>" }
            html += "</nav>\n"
        }
        html += "</header>\n"
        for (i, section) in sections.enumerated() {
            html += "<section id=\"\(anchor(i))\">\n"
            if let heading = section.heading { html += "<h2>\(e(heading))</h2>\n" }
            for block in section.blocks { html += render(block) }
            html += "</section>\n"
        }
        html += "<footer>Generated by Kindred</footer>\n</main>\n</body>\n</html>\n"
        return html
    }

    private func anchor(_ index: Int) -> String { "section-\(index + 1)" }

    /// The head of a metric table (with a leading group column when `groupHeading` is given) and the body's opening tag.
    private func metricHeader(groupHeading: String?) -> String {
        var html = "<thead><tr>" + (groupHeading.map { "<th>\(Markup.escaped($0))</th>" } ?? "")
        html += "<th>Metric</th><th class=\"num\">Value</th><th class=\"num\">95% CI low</th>"
        return html + "<th class=\"num\">95% CI high</th><th class=\"num\">Queries evaluated</th><th class=\"num\">Queries dropped</th></tr></thead>\n<tbody>\n"
    }

    /// A metric row's cells: its name, value, interval ends and query counts ("—" for what is missing).
    private func metricCells(_ metric: ReportMetric) -> String {
        let cells = [
            ReportNumber.decimal(metric.value, decimals: metricDecimals),
            metric.lower.map { ReportNumber.decimal($0, decimals: metricDecimals) },
            metric.upper.map { ReportNumber.decimal($0, decimals: metricDecimals) },
            metric.evaluatedQueries.map(ReportNumber.integer),
            metric.droppedQueries.map(ReportNumber.integer),
        ]
        var html = "<th scope=\"row\">\(Markup.escaped(metric.name))</th>"
        for cell in cells {
            html += cell.map { "<td class=\"num\">\(Markup.escaped($0))</td>" } ?? "<td class=\"num missing\">—</td>"
        }
        return html
    }

    private func render(_ block: Block) -> String {
        let e = Markup.escaped
        switch block {
        case let .paragraph(text):
            return "<p>\(e(text))</p>\n"
        case let .keyValues(rows, caption):
            var html = "<table class=\"keyvalue\">" + captionElement(caption) + "<tbody>\n"
            for row in rows { html += "<tr><th scope=\"row\">\(e(row.key))</th><td>\(e(row.value))</td></tr>\n" }
            return html + "</tbody></table>\n"
        case let .metrics(metrics, caption):
            var html = "<table class=\"metrics\">" + captionElement(caption) + metricHeader(groupHeading: nil)
            for metric in metrics { html += "<tr>" + metricCells(metric) + "</tr>\n" }
            return html + "</tbody></table>\n"
        case let .groupedMetrics(groups, groupHeading, caption):
            var html = "<table class=\"metrics\">" + captionElement(caption) + metricHeader(groupHeading: groupHeading)
            for group in groups where !group.metrics.isEmpty {
                for (i, metric) in group.metrics.enumerated() {
                    let name = i == 0 ? "<th scope=\"rowgroup\" rowspan=\"\(group.metrics.count)\">\(e(group.name))</th>" : ""
                    html += "<tr>" + name + metricCells(metric) + "</tr>\n"
                }
            }
            return html + "</tbody></table>\n"
        case let .preformatted(text, caption):
            guard let caption else { return "<pre>\(e(text))</pre>\n" }
            return "<figure><pre class=\"captioned\">\(e(text))</pre><figcaption>\(e(caption))</figcaption></figure>\n"
        case let .svg(markup, caption):
            return "<figure class=\"chart\">\(markup)" + figcaption(caption) + "</figure>\n"
        case let .figures(figures, row):
            let inner = figures.map(render).joined()
            return row ? "<div class=\"image-row\">\n\(inner)</div>\n" : inner
        case let .grid(figure, rowCaptions, layout):
            var html = "<figure class=\"grid\"><div class=\"grid-rows\">" + image(figure)
            html += "<ol class=\"row-captions\" style=\"padding-top:\(layout.margin)px\">"
            for text in rowCaptions {
                html += "<li style=\"height:\(layout.rowHeight)px;margin-bottom:\(layout.gap)px\" title=\"\(e(text))\">\(e(text))</li>"
            }
            return html + "</ol></div>" + figcaption(figure.caption) + "</figure>\n"
        case let .classLegend(names):
            var html = "<ul class=\"legend\">"
            for (label, name) in names.enumerated() {
                html += "<li><span class=\"swatch\" style=\"background:\(Palette.classColor(label).hexString)\"></span>\(e(name))</li>"
            }
            return html + "</ul>\n"
        }
    }

    private func render(_ figure: Figure) -> String {
        "<figure>" + image(figure) + figcaption(figure.caption) + "</figure>\n"
    }

    private func image(_ figure: Figure) -> String {
        let width = figure.displayWidth ?? figure.width
        let height = Int((Double(figure.height) * Double(width) / Double(max(figure.width, 1))).rounded())
        let pixelated = width > figure.width ? " class=\"pixelated\"" : ""
        let alt = Markup.escaped(figure.caption ?? "image")
        return "<img\(pixelated) width=\"\(width)\" height=\"\(height)\" alt=\"\(alt)\" src=\"data:image/png;base64,\(figure.base64PNG)\">"
    }

    private func captionElement(_ caption: String?) -> String {
        caption.map { "<caption>\(Markup.escaped($0))</caption>" } ?? ""
    }

    private func figcaption(_ caption: String?) -> String {
        caption.map { "<figcaption>\(Markup.escaped($0))</figcaption>" } ?? ""
    }

    // MARK: Writing

    /// Writes ``render()`` as UTF-8 to `url` atomically: to a temporary file in the same folder, then
    /// renamed over the destination, so a reader never sees a half-written report.
    ///
    /// - Throws: ``ReportError/unwritableFile(_:reason:)`` naming the file.
    public func write(to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ReportError.unwritableFile(url, reason: "folder \(folder.path) does not exist")
        }
        do {
            try DataFile.writeAtomically(Data(render().utf8), to: url)
        } catch {
            throw ReportError.unwritableFile(url, reason: error.localizedDescription)
        }
    }
}
