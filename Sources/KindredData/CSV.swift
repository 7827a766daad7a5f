import Foundation

/// A parsed CSV table: a header and rows of text fields, each with its line number in the file.
///
/// Follows RFC 4180: fields separated by commas, optionally quoted with `"` (a quoted field may hold
/// commas, newlines and doubled `""` quotes); `\n` or `\r\n` line ends; blank lines are skipped.
public struct CSVTable: Sendable, Equatable {
    /// The column names from the first line (surrounding spaces removed).
    public var header: [String]
    /// The data rows.
    public var rows: [Row]

    /// One data row.
    public struct Row: Sendable, Equatable {
        /// The 1-based line in the file where the row starts (the header is line 1).
        public var line: Int
        /// The fields, in column order.
        public var fields: [String]
    }

    /// Reads and parses a CSV file (UTF-8, optional byte-order mark).
    ///
    /// - Throws: ``DataError`` naming the file if it cannot be read, is not UTF-8, is empty, or has an
    ///   unterminated quote.
    public init(contentsOf url: URL) throws {
        let data = try DataFile.read(url)
        guard var text = String(data: data, encoding: .utf8) else {
            throw DataError.malformedFile(url, reason: "not UTF-8 text (expected a UTF-8 CSV file)")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        try self.init(parsing: text, source: url)
    }

    /// Parses CSV text; `source` names the file in errors.
    public init(parsing text: String, source: URL) throws {
        var records: [Row] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var inQuotes = false, quotedField = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !quotedField) { records.append(Row(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            quotedField = false
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.trimmingCharacters(in: .whitespaces).isEmpty:
                field = ""
                inQuotes = true
                quotedField = true
            case ",":
                fields.append(field)
                field = ""
            case "\r":
                break
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw DataError.malformedFile(source, reason: "line \(recordLine): a quoted field is never closed (expected a closing \")") }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRecord() }
        guard let first = records.first else { throw DataError.malformedFile(source, reason: "empty file (expected a header line)") }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = Array(records.dropFirst())
    }

    /// CSV text for `header` and `rows`, quoting fields that need it.
    public static func format(header: [String], rows: [[String]]) -> String {
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([header] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

/// Reads the fields of one CSV row by column name, collecting problems instead of stopping at the first.
struct RowReader {
    let columns: [String: Int]
    let row: CSVTable.Row
    var problems: [TableProblem] = []

    init(columns: [String: Int], row: CSVTable.Row) {
        self.columns = columns
        self.row = row
    }

    /// The trimmed field of `column`, or `nil` if the table has no such column or the row is short.
    func text(_ column: String) -> String? {
        guard let i = columns[column], i < row.fields.count else { return nil }
        return row.fields[i].trimmingCharacters(in: .whitespaces)
    }

    mutating func problem(_ column: String?, _ message: String) {
        problems.append(TableProblem(row: row.line, column: column, message: message))
    }

    /// A required non-empty field.
    mutating func required(_ column: String, _ what: String) -> String? {
        guard let value = text(column), !value.isEmpty else {
            problem(column, "empty \(what) (expected a non-empty value)")
            return nil
        }
        return value
    }

    /// An optional boolean: `nil` when empty; a problem when not one of true/false/1/0 (any case).
    mutating func boolean(_ column: String) -> Bool?? {
        guard let value = text(column), !value.isEmpty else { return .some(nil) }
        switch value.lowercased() {
        case "true", "1", "1.0", "yes": return true
        case "false", "0", "0.0", "no": return false
        default:
            problem(column, "\"\(value)\" is not a boolean (expected True/False or 1/0)")
            return nil
        }
    }
}

/// Column positions by name; missing required columns become one whole-table problem.
func columnIndex(_ header: [String], required: [String], source: URL) throws -> [String: Int] {
    var columns: [String: Int] = [:]
    for (i, name) in header.enumerated() where columns[name] == nil { columns[name] = i }
    let missing = required.filter { columns[$0] == nil }
    if !missing.isEmpty {
        let list = missing.map { "\"\($0)\"" }.joined(separator: ", ")
        throw DataError.invalidTable(source, problems: [TableProblem(
            row: 1, column: nil,
            message: "missing column\(missing.count == 1 ? "" : "s") \(list) (expected \(required.joined(separator: ", ")); found \(header.joined(separator: ", ")))")])
    }
    return columns
}
