import Foundation

/// Which part of a retrieval data set an item belongs to.
public enum DatasetSplit: String, Sendable, CaseIterable {
    /// Training items.
    case train
    /// Validation items (queries and gallery).
    case validation
}

/// A crop rectangle in pixels: columns `x1..<x2`, rows `y1..<y2` (open-metric-learning's
/// `x_1, x_2, y_1, y_2`).
public struct BoundingBox: Sendable, Equatable {
    /// Left edge (inclusive).
    public var x1: Int
    /// Right edge (exclusive).
    public var x2: Int
    /// Top edge (inclusive).
    public var y1: Int
    /// Bottom edge (exclusive).
    public var y2: Int

    /// A box from its edges.
    public init(x1: Int, x2: Int, y1: Int, y2: Int) {
        self.x1 = x1
        self.x2 = x2
        self.y1 = y1
        self.y2 = y2
    }
}

/// One row of a retrieval table.
public struct RetrievalItem: Sendable, Equatable {
    /// The identity (class) of the item, as written in the table.
    public var label: String
    /// The image file (resolved against the data-set root).
    public var path: URL
    /// Train or validation.
    public var split: DatasetSplit
    /// Whether the item is a query (validation items).
    public var isQuery: Bool
    /// Whether the item is in the gallery (validation items).
    public var isGallery: Bool
    /// An optional coarse category (for category-balanced sampling and per-category metrics).
    public var category: String?
    /// An optional sequence id: items of one sequence never count as each other's matches.
    public var sequence: String?
    /// An optional crop applied before transforms.
    public var boundingBox: BoundingBox?

    /// An item from its fields.
    public init(label: String, path: URL, split: DatasetSplit, isQuery: Bool = false, isGallery: Bool = false,
                category: String? = nil, sequence: String? = nil, boundingBox: BoundingBox? = nil) {
        self.label = label
        self.path = path
        self.split = split
        self.isQuery = isQuery
        self.isGallery = isGallery
        self.category = category
        self.sequence = sequence
        self.boundingBox = boundingBox
    }
}

/// A retrieval data set in open-metric-learning's CSV format, validated as a whole.
///
/// Columns: `label`, `path` (relative to the data-set root, or absolute), `split` (`train` or
/// `validation`), `is_query`, `is_gallery` (booleans, required on validation rows); optional
/// `category`, `sequence`, and a bounding box `x_1, x_2, y_1, y_2` (all four or none).
///
/// Loading checks every row and throws one ``DataError/invalidTable(_:problems:)`` listing every
/// problem with its line number: missing columns, empty labels or paths, unknown splits, non-boolean
/// flags, missing image files, malformed bounding boxes or boxes outside the image, and a validation
/// split with no gallery (or no query).
public struct RetrievalTable: Sendable, Equatable {
    /// The columns a table must have.
    public static let requiredColumns = ["label", "path", "split", "is_query", "is_gallery"]

    /// The items in file order.
    public var items: [RetrievalItem]

    /// A table from items (already validated by the caller).
    public init(items: [RetrievalItem]) { self.items = items }

    /// Reads and validates an open-metric-learning CSV.
    ///
    /// - Parameters:
    ///   - csv: the table.
    ///   - root: the folder relative paths start from (default: the CSV's folder).
    ///   - checkFiles: whether to check that every image exists and that boxes fit inside it
    ///     (reads each boxed image's header).
    /// - Throws: ``DataError/invalidTable(_:problems:)`` with every problem, or another ``DataError``
    ///   if the file cannot be read or parsed.
    public init(contentsOf csv: URL, root: URL? = nil, checkFiles: Bool = true) throws {
        let table = try CSVTable(contentsOf: csv)
        let root = root ?? csv.deletingLastPathComponent()
        let columns = try columnIndex(table.header, required: Self.requiredColumns, source: csv)
        let boxColumns = ["x_1", "x_2", "y_1", "y_2"]
        let presentBoxColumns = boxColumns.filter { columns[$0] != nil }
        var problems: [TableProblem] = []
        if !presentBoxColumns.isEmpty && presentBoxColumns.count < 4 {
            let missing = boxColumns.filter { columns[$0] == nil }.joined(separator: ", ")
            problems.append(TableProblem(row: 1, column: nil, message: "bounding box columns are incomplete: missing \(missing) (expected all of x_1, x_2, y_1, y_2 or none)"))
        }
        let hasBoxes = presentBoxColumns.count == 4
        var items: [RetrievalItem] = []
        var validationRows = 0, validationQueries = 0, validationGallery = 0
        for row in table.rows {
            var r = RowReader(columns: columns, row: row)
            if row.fields.count != table.header.count {
                r.problem(nil, "\(row.fields.count) fields (expected \(table.header.count), one per header column)")
            }
            let label = r.required("label", "label")
            let pathText = r.required("path", "path")
            var split: DatasetSplit?
            if let s = r.required("split", "split") {
                split = DatasetSplit(rawValue: s.lowercased())
                if split == nil { r.problem("split", "\"\(s)\" is not a split (expected train or validation)") }
            }
            let query = r.boolean("is_query"), gallery = r.boolean("is_gallery")
            if split == .validation {
                if case .some(.none) = query { r.problem("is_query", "empty on a validation row (expected True or False)") }
                if case .some(.none) = gallery { r.problem("is_gallery", "empty on a validation row (expected True or False)") }
            }
            var path: URL?
            if let pathText {
                let url = pathText.hasPrefix("/") ? URL(fileURLWithPath: pathText) : root.appendingPathComponent(pathText)
                path = url
                if checkFiles && !FileManager.default.fileExists(atPath: url.path) {
                    r.problem("path", "file \(url.path) does not exist")
                    path = nil
                }
            }
            var box: BoundingBox?
            if hasBoxes { box = Self.readBox(&r, path: checkFiles ? path : nil) }
            let optional = { (name: String) -> String? in r.text(name).flatMap { $0.isEmpty ? nil : $0 } }
            if r.problems.isEmpty, let label, let path, let split, let q = query, let g = gallery {
                items.append(RetrievalItem(label: label, path: path, split: split, isQuery: q ?? false, isGallery: g ?? false,
                                           category: optional("category"), sequence: optional("sequence"), boundingBox: box))
            }
            if split == .validation {
                validationRows += 1
                if case .some(.some(true)) = query { validationQueries += 1 }
                if case .some(.some(true)) = gallery { validationGallery += 1 }
            }
            problems += r.problems
        }
        if validationRows > 0 {
            if validationGallery == 0 {
                problems.append(TableProblem(row: nil, column: "is_gallery", message: "the validation split has no gallery items (expected at least one is_gallery = True)"))
            }
            if validationQueries == 0 {
                problems.append(TableProblem(row: nil, column: "is_query", message: "the validation split has no query items (expected at least one is_query = True)"))
            }
        }
        if !problems.isEmpty { throw DataError.invalidTable(csv, problems: problems) }
        self.items = items
    }

    /// Reads and checks a row's bounding box (empty in all four columns = no box).
    private static func readBox(_ r: inout RowReader, path: URL?) -> BoundingBox? {
        let names = ["x_1", "x_2", "y_1", "y_2"]
        let texts = names.map { r.text($0) ?? "" }
        if texts.allSatisfy(\.isEmpty) { return nil }
        var values: [Int] = []
        for (name, text) in zip(names, texts) {
            if let v = Int(text) ?? Double(text).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) {
                values.append(v)
            } else {
                r.problem(name, text.isEmpty ? "empty while other box columns are set (expected all four or none)"
                                             : "\"\(text)\" is not a whole number of pixels")
            }
        }
        guard values.count == 4 else { return nil }
        let box = BoundingBox(x1: values[0], x2: values[1], y1: values[2], y2: values[3])
        guard box.x1 >= 0, box.y1 >= 0, box.x1 < box.x2, box.y1 < box.y2 else {
            r.problem("x_1", "bounding box x \(box.x1)..<\(box.x2), y \(box.y1)..<\(box.y2) is empty or negative (expected 0 ≤ x_1 < x_2 and 0 ≤ y_1 < y_2)")
            return nil
        }
        if let path {
            do {
                let size = try Image.size(ofFileAt: path)
                if box.x2 > size.width || box.y2 > size.height {
                    r.problem("x_2", "bounding box x \(box.x1)..<\(box.x2), y \(box.y1)..<\(box.y2) is outside the \(size.width)×\(size.height) image")
                }
            } catch {
                r.problem("path", "\(error)")
            }
        }
        return box
    }

    /// The table as open-metric-learning CSV text (paths written relative to `root` when inside it).
    public func csv(relativeTo root: URL) -> String {
        let hasCategory = items.contains { $0.category != nil }
        let hasSequence = items.contains { $0.sequence != nil }
        let hasBox = items.contains { $0.boundingBox != nil }
        var header = Self.requiredColumns
        if hasCategory { header.append("category") }
        if hasSequence { header.append("sequence") }
        if hasBox { header += ["x_1", "x_2", "y_1", "y_2"] }
        let prefix = root.standardizedFileURL.path + "/"
        let rows: [[String]] = items.map { item in
            let full = item.path.standardizedFileURL.path
            let path = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
            var row = [item.label, path, item.split.rawValue, item.isQuery ? "True" : "False", item.isGallery ? "True" : "False"]
            if hasCategory { row.append(item.category ?? "") }
            if hasSequence { row.append(item.sequence ?? "") }
            if hasBox {
                if let b = item.boundingBox { row += [b.x1, b.x2, b.y1, b.y2].map(String.init) } else { row += ["", "", "", ""] }
            }
            return row
        }
        return CSVTable.format(header: header, rows: rows)
    }

    /// Writes the table as CSV to `url` (atomically), with paths relative to `root`.
    public func write(to url: URL, relativeTo root: URL) throws {
        try DataFile.writeAtomically(Data(csv(relativeTo: root).utf8), to: url)
    }
}
