import Foundation

/// An error in user data: a file that cannot be read, decoded or parsed, or a table with bad rows.
///
/// Every case names the file, and where it applies the row and field and what was expected, so the
/// message alone is enough to fix the data.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read (missing, permissions, corrupt compression).
    case unreadableFile(URL, reason: String)
    /// The file was read but its contents are not in the expected format.
    case malformedFile(URL, reason: String)
    /// The file is not an image stb can decode (corrupt, truncated or an unsupported format).
    case undecodableImage(URL, reason: String)
    /// A table (CSV) failed validation; every bad row is listed.
    case invalidTable(URL, problems: [TableProblem])
    /// Images in one batch have different sizes, so they cannot be stacked into one tensor.
    case mismatchedBatch(reason: String)

    /// A readable one-paragraph description (several lines for ``invalidTable(_:problems:)``).
    public var description: String {
        switch self {
        case let .unreadableFile(url, reason): return "cannot read \(url.path): \(reason)"
        case let .malformedFile(url, reason): return "\(url.path) is malformed: \(reason)"
        case let .undecodableImage(url, reason): return "cannot decode image \(url.path): \(reason)"
        case let .invalidTable(url, problems):
            let lines = problems.map { "  " + $0.description }
            return "\(url.path) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + lines.joined(separator: "\n")
        case let .mismatchedBatch(reason): return "cannot stack batch: \(reason)"
        }
    }
}

/// One problem found while validating a table.
public struct TableProblem: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line number in the file (the header is line 1), or `nil` for a whole-table problem.
    public var row: Int?
    /// The column concerned, if any.
    public var column: String?
    /// What is wrong and what was expected.
    public var message: String

    /// A problem at `row` (1-based file line) in `column`.
    public init(row: Int?, column: String?, message: String) {
        self.row = row
        self.column = column
        self.message = message
    }

    /// `row 3, column "label": empty label (expected a non-empty value)`.
    public var description: String {
        var parts: [String] = []
        if let row { parts.append("row \(row)") }
        if let column { parts.append("column \"\(column)\"") }
        return (parts.isEmpty ? "" : parts.joined(separator: ", ") + ": ") + message
    }
}
