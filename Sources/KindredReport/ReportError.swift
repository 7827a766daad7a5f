import Foundation

/// Bad input to a grid, chart or report, or a report that could not be written.
///
/// Every message says what was wrong and what was expected, so it can be fixed from the message alone.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// A retrieval grid's rows are unusable (none, different result counts, empty images, …).
    case invalidGrid(reason: String)
    /// Chart data is unusable (mismatched counts, non-finite points, unknown classes, …).
    case invalidChartData(reason: String)
    /// A parameter is out of range; names the parameter, the value and what was expected.
    case invalidParameter(name: String, value: String, expected: String)
    /// Inline SVG given to a report is not a single `<svg>…</svg>` element.
    case invalidSVG(reason: String)
    /// An image could not be encoded as PNG for embedding.
    case unencodableImage(reason: String)
    /// The report file could not be written.
    case unwritableFile(URL, reason: String)

    /// A one-line description.
    public var description: String {
        switch self {
        case let .invalidGrid(reason): return "cannot render retrieval grid: \(reason)"
        case let .invalidChartData(reason): return "cannot draw chart: \(reason)"
        case let .invalidParameter(name, value, expected): return "invalid \(name) \(value): expected \(expected)"
        case let .invalidSVG(reason): return "invalid inline SVG: \(reason)"
        case let .unencodableImage(reason): return "cannot embed image: \(reason)"
        case let .unwritableFile(url, reason): return "cannot write \(url.path): \(reason)"
        }
    }
}
