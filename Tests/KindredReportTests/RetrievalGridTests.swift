import KindredData
import KindredReport
import XCTest

final class RetrievalGridTests: XCTestCase {
    /// cellSize 10, gap 2, frame 1 (query gap 6): framed cells are 12 px; columns start at x = 2, 20, 34, 48.
    let grid = RetrievalGrid(cellSize: 10, gap: 2, frame: 1)

    func gray(_ value: Float, width: Int = 8, height: Int = 8) -> Image {
        Image(width: width, height: height, channels: 1, filledWith: value)
    }

    func grayColor(_ value: Float) -> RGBColor { RGBColor(red: value, green: value, blue: value) }

    func twoRows() -> [RetrievalGridRow] {
        [
            RetrievalGridRow(query: gray(0.5), results: [gray(0.2), gray(0.3), gray(0.4)], matches: [true, false, true]),
            RetrievalGridRow(query: gray(0.6), queryLabel: "shirt", results: [gray(0.7), gray(0.8), gray(0.9)],
                             resultLabels: ["coat", "shirt", "shirt"]),
        ]
    }

    func testDimensionsAndLayout() throws {
        let image = try grid.render(twoRows())
        XCTAssertEqual(image.channels, 3)
        // 2·gap + 4 framed cells + query gap + 2 gaps between results = 4 + 48 + 6 + 4.
        XCTAssertEqual(image.width, 62)
        XCTAssertEqual(image.height, 2 * 2 + 2 * 12 + 2)
        XCTAssertEqual([0, 1, 2, 3].map { grid.cellOriginX(column: $0) }, [2, 20, 34, 48])
        XCTAssertEqual([0, 1].map { grid.cellOriginY(row: $0) }, [2, 16])
    }

    func testFrameColours() throws {
        let image = try grid.render(twoRows())
        // Query frames are blue on every side.
        for (x, y) in [(2, 2), (13, 2), (2, 13), (13, 13), (7, 2), (2, 16), (13, 27)] {
            assertPixel(image, x: x, y: y, is: Palette.query, "(query frame)")
        }
        // Row 0: match, mismatch, match; row 1 (labels): coat ≠ shirt, shirt, shirt.
        assertPixel(image, x: 20, y: 2, is: Palette.match)
        assertPixel(image, x: 34 + 11, y: 2 + 11, is: Palette.mismatch)
        assertPixel(image, x: 48 + 5, y: 2, is: Palette.match)
        assertPixel(image, x: 20, y: 16 + 5, is: Palette.mismatch)
        assertPixel(image, x: 34, y: 16, is: Palette.match)
        assertPixel(image, x: 48 + 11, y: 16 + 11, is: Palette.match)
    }

    func testCellContentGapsAndBackground() throws {
        let image = try grid.render(twoRows())
        // Grayscale becomes equal RGB channels.
        assertPixel(image, x: 3, y: 3, is: grayColor(0.5))
        assertPixel(image, x: 8, y: 8, is: grayColor(0.5))
        assertPixel(image, x: 35, y: 17, is: grayColor(0.8))
        // Margin, query gap and gap between rows are background.
        for (x, y) in [(0, 0), (1, 5), (16, 5), (19, 5), (5, 14), (5, 15), (61, 29)] {
            assertPixel(image, x: x, y: y, is: .white, "(background)")
        }
    }

    func testNonSquareImagesAreLetterboxedAndRGBAComposited() throws {
        // 20×10 red image → 10×5 inside the 10×10 cell, rows 2…6 of the cell; above and below is background.
        var wide = Image(width: 20, height: 10, channels: 3, filledWith: 0)
        for p in 0..<(20 * 10) { wide.pixels[p * 3] = 1 }
        // Fully transparent RGBA shows the background.
        let clear = Image(width: 4, height: 4, channels: 4, filledWith: 0)
        let image = try grid.render([RetrievalGridRow(query: wide, results: [clear], matches: [false])])
        XCTAssertEqual(image.width, 2 + 12 + 6 + 12 + 2)
        assertPixel(image, x: 7, y: 3, is: .white, "(letterbox above)")
        assertPixel(image, x: 7, y: 3 + 4, is: RGBColor(red: 1, green: 0, blue: 0))
        assertPixel(image, x: 7, y: 3 + 9, is: .white, "(letterbox below)")
        assertPixel(image, x: 25, y: 7, is: .white, "(transparent result)")
        assertPixel(image, x: 20, y: 2, is: Palette.mismatch)
    }

    func testPNGEncodingRoundTrips() throws {
        let image = try grid.render(twoRows())
        let decoded = try Image(decoding: try image.encoded(as: .png), channels: 3, source: URL(fileURLWithPath: "grid.png"))
        XCTAssertEqual(decoded.width, image.width)
        XCTAssertEqual(decoded.height, image.height)
        assertPixel(decoded, x: 2, y: 2, is: Palette.query)
    }

    func testBadInputIsNamed() {
        XCTAssertThrowsError(try grid.render([])) { error in
            XCTAssertTrue("\(error)".contains("no rows"), "\(error)")
        }
        var rows = twoRows()
        rows[1].results.removeLast()
        rows[1].matches.removeLast()
        XCTAssertThrowsError(try grid.render(rows)) { error in
            XCTAssertTrue("\(error)".contains("row 1 has 2 results but row 0 has 3"), "\(error)")
        }
        rows = twoRows()
        rows[0].matches = [true]
        XCTAssertThrowsError(try grid.render(rows)) { error in
            XCTAssertTrue("\(error)".contains("row 0 has 3 results but 1 match flags"), "\(error)")
        }
        rows = twoRows()
        rows[1].results[2] = Image(width: 0, height: 0, channels: 1, pixels: [])
        XCTAssertThrowsError(try grid.render(rows)) { error in
            XCTAssertTrue("\(error)".contains("row 1 result 2 is an empty 0×0 image"), "\(error)")
        }
        XCTAssertThrowsError(try RetrievalGrid(cellSize: 0).render(twoRows())) { error in
            XCTAssertEqual(error as? ReportError, .invalidParameter(name: "cellSize", value: "0", expected: "at least 1 pixel"))
        }
    }

    func testWorstFirstOrdering() throws {
        XCTAssertEqual(RetrievalGrid.worstFirstOrder(scores: [0.9, 0.2, .nan, 0.5, 0.2]), [1, 4, 3, 0, 2])
        XCTAssertEqual(RetrievalGrid.worstFirstOrder(scores: [3, 1, 2], direction: .lowerIsBetter), [0, 2, 1])
        XCTAssertEqual(RetrievalGrid.worstFirstOrder(scores: []), [])
        let names = ["a", "b", "c", "d"]
        XCTAssertEqual(try RetrievalGrid.worstFirst(names, scores: [1, 0.25, 0.5, 0], limit: 3), ["d", "b", "c"])
        XCTAssertEqual(try RetrievalGrid.worstFirst(names, scores: [1, 0.25, 0.5, 0], limit: 10), ["d", "b", "c", "a"])
        XCTAssertThrowsError(try RetrievalGrid.worstFirst(names, scores: [1, 2])) { error in
            XCTAssertTrue("\(error)".contains("one score per item (4)"), "\(error)")
        }
        // Ordering rows, then rendering them: the worst query's row comes first.
        let rows = twoRows()
        let ordered = try RetrievalGrid.worstFirst(rows, scores: [0.9, 0.1])
        assertPixel(try grid.render(ordered), x: 5, y: 5, is: grayColor(0.6))
    }

    func testPalette() {
        XCTAssertEqual(Palette.classColors.count, 20)
        XCTAssertEqual(Set(Palette.classColors).count, 20)
        XCTAssertEqual(Palette.classColor(0).hexString, "#1f77b4")
        XCTAssertEqual(Palette.classColor(3).hexString, "#d62728")
        XCTAssertEqual(Palette.classColor(20), Palette.classColor(0))
        XCTAssertEqual(Palette.classColor(-1), Palette.classColor(19))
        XCTAssertEqual(RGBColor(hex: 0x2ca02c), Palette.match)
    }
}
