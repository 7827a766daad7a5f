import Foundation
import KindredData
import KindredReport
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A fresh temporary folder for one test, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Fails the test with the parser's message (and line) if `text` is not well-formed XML.
func assertWellFormedXML(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
    let parser = XMLParser(data: Data(text.utf8))
    let ok = parser.parse()
    XCTAssertTrue(ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error") at line \(parser.lineNumber), column \(parser.columnNumber)", file: file, line: line)
}

/// The RGB value at (x, y) of a 3-channel image.
func rgb(_ image: Image, x: Int, y: Int) -> [Float] {
    (0..<3).map { image[x: x, y: y, channel: $0] }
}

/// Asserts that pixel (x, y) of `image` has the colour `color` (within 8-bit rounding).
func assertPixel(_ image: Image, x: Int, y: Int, is color: RGBColor, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    let actual = rgb(image, x: x, y: y)
    let expected = [color.red, color.green, color.blue]
    for c in 0..<3 where abs(actual[c] - expected[c]) > 1.0 / 255 {
        XCTFail("pixel (\(x), \(y)) is \(actual), expected \(expected) \(message)", file: file, line: line)
        return
    }
}

/// A small deterministic generator (SplitMix64) so example data is the same on every run.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
