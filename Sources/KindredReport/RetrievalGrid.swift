import KindredData

/// One row of a retrieval grid: a query image followed by its top-k results, best first.
public struct RetrievalGridRow: Sendable, Equatable {
    /// The query image (any size; 1, 2, 3 or 4 channels).
    public var query: Image
    /// The retrieved gallery images, nearest first.
    public var results: [Image]
    /// Whether each result has the query's label (`matches[i]` belongs to `results[i]`).
    public var matches: [Bool]

    /// A row from a query, its results and whether each result matches the query's label.
    public init(query: Image, results: [Image], matches: [Bool]) {
        self.query = query
        self.results = results
        self.matches = matches
    }

    /// A row whose matches are computed by comparing labels: result `i` matches if
    /// `resultLabels[i] == queryLabel`.
    ///
    /// ```swift
    /// let row = RetrievalGridRow(query: q, queryLabel: 3, results: top5, resultLabels: [3, 3, 7, 3, 1])
    /// ```
    public init<Label: Equatable>(query: Image, queryLabel: Label, results: [Image], resultLabels: [Label]) {
        self.init(query: query, results: results, matches: resultLabels.map { $0 == queryLabel })
    }
}

/// Renders retrieval results as one RGB image: a row per query, the query framed in blue, then its
/// results framed green (same label as the query) or red (another label).
///
/// Each image is scaled (keeping its aspect ratio, centred) into a `cellSize × cellSize` square;
/// grayscale becomes RGB and alpha is composited over ``background``. The frame, `frame` pixels
/// wide, surrounds that square, so a framed cell is `cellSize + 2·frame` pixels on a side. Cells are
/// `gap` pixels apart, the query is `queryGap` pixels from its first result, and the whole grid has a
/// `gap`-wide margin. The image holds no text: put captions (query ids, scores) next to it in the report.
///
/// ```swift
/// let grid = try RetrievalGrid(cellSize: 56, gap: 4, frame: 3).render(rows)
/// try grid.write(to: URL(fileURLWithPath: "worst-queries.png"))
/// ```
public struct RetrievalGrid: Sendable {
    /// The side of the square each image is scaled into, in pixels.
    public var cellSize: Int
    /// Pixels between neighbouring cells and around the grid.
    public var gap: Int
    /// Width of the coloured frame around each cell, in pixels.
    public var frame: Int
    /// Pixels between the query and its first result (wider than `gap` to set the query apart).
    public var queryGap: Int
    /// The colour of gaps, margins and letterboxing.
    public var background: RGBColor

    /// A grid layout.
    ///
    /// - Parameters:
    ///   - cellSize: the square each image is scaled into (≥ 1).
    ///   - gap: pixels between cells and around the grid (≥ 0).
    ///   - frame: frame width (≥ 0; 0 draws no frames).
    ///   - queryGap: pixels between the query and its results; `nil` means `3 × gap`.
    ///   - background: the colour behind the cells.
    public init(cellSize: Int = 56, gap: Int = 4, frame: Int = 3, queryGap: Int? = nil, background: RGBColor = .white) {
        self.cellSize = cellSize
        self.gap = gap
        self.frame = frame
        self.queryGap = queryGap ?? 3 * gap
        self.background = background
    }

    /// The side of a framed cell: `cellSize + 2 × frame`.
    public var framedCellSize: Int { cellSize + 2 * frame }

    /// The left edge (x of the first frame pixel) of column `column` (0 is the query).
    public func cellOriginX(column: Int) -> Int {
        column == 0 ? gap : gap + framedCellSize + queryGap + (column - 1) * (framedCellSize + gap)
    }

    /// The top edge (y of the first frame pixel) of row `row`.
    public func cellOriginY(row: Int) -> Int {
        gap + row * (framedCellSize + gap)
    }

    /// The grid image for `rows`, one row per query.
    ///
    /// - Returns: an RGB image in `0...1`, `2·gap + (k + 1)·framedCellSize + queryGap + (k − 1)·gap`
    ///   wide for k ≥ 1 results per row and `2·gap + n·framedCellSize + (n − 1)·gap` high for n rows.
    /// - Throws: ``ReportError/invalidGrid(reason:)`` if there are no rows, rows have different result
    ///   counts, a row's `matches` and `results` differ in length, or an image is empty;
    ///   ``ReportError/invalidParameter(name:value:expected:)`` for a bad layout.
    public func render(_ rows: [RetrievalGridRow]) throws -> Image {
        try validateLayout()
        guard let first = rows.first else {
            throw ReportError.invalidGrid(reason: "no rows (expected at least one query with its results)")
        }
        let k = first.results.count
        for (r, row) in rows.enumerated() {
            guard row.results.count == k else {
                throw ReportError.invalidGrid(reason: "row \(r) has \(row.results.count) results but row 0 has \(k) (every row needs the same number)")
            }
            guard row.matches.count == row.results.count else {
                throw ReportError.invalidGrid(reason: "row \(r) has \(row.results.count) results but \(row.matches.count) match flags (expected one per result)")
            }
            for (c, image) in ([row.query] + row.results).enumerated() where image.width == 0 || image.height == 0 {
                let what = c == 0 ? "query" : "result \(c - 1)"
                throw ReportError.invalidGrid(reason: "row \(r) \(what) is an empty \(image.width)×\(image.height) image")
            }
            for (c, image) in ([row.query] + row.results).enumerated() where !(1...4).contains(image.channels) {
                let what = c == 0 ? "query" : "result \(c - 1)"
                throw ReportError.invalidGrid(reason: "row \(r) \(what) has \(image.channels) channels (expected 1, 2, 3 or 4)")
            }
        }
        let width = k == 0 ? 2 * gap + framedCellSize : cellOriginX(column: k) + framedCellSize + gap
        let height = cellOriginY(row: rows.count - 1) + framedCellSize + gap
        var canvas = Canvas(width: width, height: height, color: background)
        for (r, row) in rows.enumerated() {
            let y = cellOriginY(row: r)
            drawCell(row.query, color: Palette.query, x: cellOriginX(column: 0), y: y, on: &canvas)
            for (i, result) in row.results.enumerated() {
                let color = row.matches[i] ? Palette.match : Palette.mismatch
                drawCell(result, color: color, x: cellOriginX(column: i + 1), y: y, on: &canvas)
            }
        }
        return canvas.image
    }

    private func validateLayout() throws {
        guard cellSize >= 1 else { throw ReportError.invalidParameter(name: "cellSize", value: "\(cellSize)", expected: "at least 1 pixel") }
        guard gap >= 0 else { throw ReportError.invalidParameter(name: "gap", value: "\(gap)", expected: "0 or more pixels") }
        guard frame >= 0 else { throw ReportError.invalidParameter(name: "frame", value: "\(frame)", expected: "0 or more pixels") }
        guard queryGap >= 0 else { throw ReportError.invalidParameter(name: "queryGap", value: "\(queryGap)", expected: "0 or more pixels") }
    }

    /// Draws a framed cell with its top-left frame corner at (`x`, `y`).
    private func drawCell(_ image: Image, color: RGBColor, x: Int, y: Int, on canvas: inout Canvas) {
        canvas.fill(x: x, y: y, width: framedCellSize, height: framedCellSize, color: color)
        canvas.fill(x: x + frame, y: y + frame, width: cellSize, height: cellSize, color: background)
        let rgb = image.rgb(over: background)
        // Fit the longer side to the cell, keeping the aspect ratio.
        let scale = Double(cellSize) / Double(max(rgb.width, rgb.height))
        let w = max(1, min(cellSize, Int((Double(rgb.width) * scale).rounded())))
        let h = max(1, min(cellSize, Int((Double(rgb.height) * scale).rounded())))
        let scaled = rgb.resized(width: w, height: h)
        canvas.paste(scaled, x: x + frame + (cellSize - w) / 2, y: y + frame + (cellSize - h) / 2)
    }
}

extension Image {
    /// The image as 3-channel RGB: gray is repeated, alpha (2 or 4 channels) is composited over `background`.
    func rgb(over background: RGBColor) -> Image {
        if channels == 3 { return self }
        let n = width * height
        var out = [Float](repeating: 0, count: n * 3)
        let bg = [background.red, background.green, background.blue]
        for p in 0..<n {
            let s = p * channels
            let alpha: Float = (channels == 2 || channels == 4) ? min(max(pixels[s + channels - 1], 0), 1) : 1
            for c in 0..<3 {
                let value = channels <= 2 ? pixels[s] : pixels[s + c]
                out[p * 3 + c] = value * alpha + bg[c] * (1 - alpha)
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }
}

/// A mutable RGB pixel buffer with clipped drawing.
struct Canvas {
    var image: Image

    init(width: Int, height: Int, color: RGBColor) {
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            pixels[p * 3] = color.red
            pixels[p * 3 + 1] = color.green
            pixels[p * 3 + 2] = color.blue
        }
        image = Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Fills a rectangle (clipped to the canvas).
    mutating func fill(x: Int, y: Int, width: Int, height: Int, color: RGBColor) {
        let x0 = max(0, x), x1 = min(image.width, x + width)
        let y0 = max(0, y), y1 = min(image.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 {
                setPixel(x: column, y: row, color: color)
            }
        }
    }

    /// Sets one pixel (no bounds check beyond the array's).
    mutating func setPixel(x: Int, y: Int, color: RGBColor) {
        let i = (y * image.width + x) * 3
        image.pixels[i] = color.red
        image.pixels[i + 1] = color.green
        image.pixels[i + 2] = color.blue
    }

    /// Copies an RGB image with its top-left corner at (`x`, `y`), clipped to the canvas.
    mutating func paste(_ source: Image, x: Int, y: Int) {
        for row in 0..<source.height where y + row >= 0 && y + row < image.height {
            for column in 0..<source.width where x + column >= 0 && x + column < image.width {
                let s = (row * source.width + column) * 3
                let d = ((y + row) * image.width + x + column) * 3
                image.pixels[d] = source.pixels[s]
                image.pixels[d + 1] = source.pixels[s + 1]
                image.pixels[d + 2] = source.pixels[s + 2]
            }
        }
    }
}
