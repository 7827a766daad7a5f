import Foundation

/// Two images and whether they show the same identity (weak supervision: no class labels).
public struct ImagePair: Sendable, Equatable {
    /// The first image.
    public var first: URL
    /// The second image.
    public var second: URL
    /// Whether they match.
    public var isSame: Bool

    /// A pair from its parts.
    public init(first: URL, second: URL, isSame: Bool) {
        self.first = first
        self.second = second
        self.isSame = isSame
    }
}

/// An anchor, a positive (same identity) and a negative (different identity) image.
public struct ImageTriplet: Sendable, Equatable {
    /// The anchor image.
    public var anchor: URL
    /// An image matching the anchor.
    public var positive: URL
    /// An image not matching the anchor.
    public var negative: URL

    /// A triplet from its parts.
    public init(anchor: URL, positive: URL, negative: URL) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
    }
}

/// Weakly supervised training data read from CSV: pairs (`path_a,path_b,is_same`) or triplets
/// (`anchor,positive,negative`), paths relative to a root. Every row is checked and all problems are
/// reported together (empty paths, missing files, non-boolean `is_same`).
public enum WeakSupervisionTable {
    /// Reads and validates a pairs CSV with columns `path_a`, `path_b`, `is_same`.
    ///
    /// - Parameters:
    ///   - csv: the table.
    ///   - root: the folder relative paths start from (default: the CSV's folder).
    ///   - checkFiles: whether every image must exist.
    /// - Throws: ``DataError/invalidTable(_:problems:)`` listing every bad row.
    public static func pairs(contentsOf csv: URL, root: URL? = nil, checkFiles: Bool = true) throws -> [ImagePair] {
        try read(csv, root: root, pathColumns: ["path_a", "path_b"], flagColumn: "is_same", checkFiles: checkFiles) { paths, flag in
            ImagePair(first: paths[0], second: paths[1], isSame: flag!)
        }
    }

    /// Reads and validates a triplets CSV with columns `anchor`, `positive`, `negative`.
    ///
    /// - Throws: ``DataError/invalidTable(_:problems:)`` listing every bad row.
    public static func triplets(contentsOf csv: URL, root: URL? = nil, checkFiles: Bool = true) throws -> [ImageTriplet] {
        try read(csv, root: root, pathColumns: ["anchor", "positive", "negative"], flagColumn: nil, checkFiles: checkFiles) { paths, _ in
            ImageTriplet(anchor: paths[0], positive: paths[1], negative: paths[2])
        }
    }

    private static func read<T>(_ csv: URL, root: URL?, pathColumns: [String], flagColumn: String?, checkFiles: Bool,
                                make: ([URL], Bool?) -> T) throws -> [T] {
        let table = try CSVTable(contentsOf: csv)
        let root = root ?? csv.deletingLastPathComponent()
        let columns = try columnIndex(table.header, required: pathColumns + (flagColumn.map { [$0] } ?? []), source: csv)
        var problems: [TableProblem] = []
        var out: [T] = []
        for row in table.rows {
            var r = RowReader(columns: columns, row: row)
            var paths: [URL] = []
            for column in pathColumns {
                guard let text = r.required(column, "path") else { continue }
                let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : root.appendingPathComponent(text)
                if checkFiles && !FileManager.default.fileExists(atPath: url.path) {
                    r.problem(column, "file \(url.path) does not exist")
                } else {
                    paths.append(url)
                }
            }
            var flag: Bool?
            if let flagColumn {
                switch r.boolean(flagColumn) {
                case .some(.some(let value)): flag = value
                case .some(.none): r.problem(flagColumn, "empty (expected True or False)")
                case .none: break
                }
            }
            if r.problems.isEmpty { out.append(make(paths, flag)) }
            problems += r.problems
        }
        if !problems.isEmpty { throw DataError.invalidTable(csv, problems: problems) }
        return out
    }
}
