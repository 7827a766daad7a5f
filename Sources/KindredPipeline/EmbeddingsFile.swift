import Foundation
import KindredData
import KindredNN
import KindredTensor

/// Embeddings with their labels, as `kindred embed` writes them and `kindred eval` reads them.
///
/// The safetensors file holds `embeddings` (F32 `[N, D]`), `labels` (F64 `[N]`, whole numbers) and
/// optionally `is_query` / `is_gallery` (F64 0/1) and `categories` (F64 `[N]`, an index into the
/// JSON list of category names in the metadata entry `kindred_categories`). ``write(to:)`` also writes `NAME.embeddings.npy` and `NAME.labels.npy` (float32 and
/// int64) beside it for NumPy users. ``read(_:labels:)`` takes either the safetensors file or an
/// `.npy` of embeddings with labels from an `.npy` or a CSV column.
public struct EmbeddingsFile: @unchecked Sendable {
    /// `[N, D]` float32 embeddings.
    public var embeddings: Tensor
    /// Class of each row.
    public var labels: [Int]
    /// Query / gallery flags (nil: every row is both, leave-one-out).
    public var isQuery: [Bool]?, isGallery: [Bool]?
    /// The category of each row (OML's `category` column), for per-category metrics; nil when unknown.
    public var categories: [String]?

    /// Embeddings with labels (and optionally query/gallery flags and categories, one per row).
    public init(embeddings: Tensor, labels: [Int], isQuery: [Bool]? = nil, isGallery: [Bool]? = nil,
                categories: [String]? = nil) throws {
        guard embeddings.rank == 2, embeddings.shape[0] == labels.count else {
            throw EvaluationError(message: "embeddings of shape \(embeddings.shape) need one label per row, got \(labels.count) labels")
        }
        for (name, count) in [("is_query", isQuery?.count), ("is_gallery", isGallery?.count), ("categories", categories?.count)] {
            if let count, count != labels.count {
                throw EvaluationError(message: "\(name) has \(count) entries for \(labels.count) embeddings")
            }
        }
        self.embeddings = embeddings.dtype == .float32 ? embeddings : embeddings.cast(to: .float32)
        self.labels = labels
        self.isQuery = isQuery
        self.isGallery = isGallery
        self.categories = categories
    }

    /// Writes the safetensors file and the two `.npy` files beside it, atomically.
    public func write(to url: URL) throws {
        var tensors: [(String, Tensor)] = [("embeddings", embeddings),
                                           ("labels", Tensor(doubles: labels.map(Double.init), shape: [labels.count], dtype: .float64))]
        if let isQuery { tensors.append(("is_query", Tensor(doubles: isQuery.map { $0 ? 1 : 0 }, shape: [labels.count], dtype: .float64))) }
        if let isGallery { tensors.append(("is_gallery", Tensor(doubles: isGallery.map { $0 ? 1 : 0 }, shape: [labels.count], dtype: .float64))) }
        var metadata = ["kindred_embeddings": "1"]
        if let categories {
            var names: [String] = [], index: [String: Int] = [:]
            let codes = categories.map { c -> Double in
                if let i = index[c] { return Double(i) }
                index[c] = names.count
                names.append(c)
                return Double(names.count - 1)
            }
            tensors.append(("categories", Tensor(doubles: codes, shape: [codes.count], dtype: .float64)))
            metadata[Self.categoryNamesKey] = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        }
        try Safetensors.write(tensors, metadata: metadata, to: url)
        let stem = url.deletingPathExtension()
        try NPY.encode(float32: embeddings.scalars, shape: embeddings.shape)
            .write(to: stem.appendingPathExtension("npy"), options: .atomic)
        try NPY.encode(int64: labels).write(to: URL(fileURLWithPath: stem.path + "-labels.npy"), options: .atomic)
    }

    /// Reads embeddings from a Kindred `.safetensors` file (labels inside), or from an `.npy`
    /// `[N, D]` array with `labels` given as an `.npy` vector or `FILE.csv:COLUMN`.
    public static func read(_ url: URL, labels labelSource: String? = nil) throws -> EmbeddingsFile {
        switch url.pathExtension.lowercased() {
        case "safetensors":
            let file = try SafetensorsFile(contentsOf: url)
            guard file.info(named: "embeddings") != nil else {
                throw EvaluationError(message: "\(url.path): no tensor named 'embeddings' (found: \(file.names.joined(separator: ", ")))")
            }
            let e = try file.tensor(named: "embeddings", as: .float32)
            var labels: [Int]
            if let labelSource {
                labels = try readLabels(labelSource, count: e.shape.first ?? 0)
            } else {
                guard file.info(named: "labels") != nil else {
                    throw EvaluationError(message: "\(url.path): no tensor named 'labels'; pass --labels FILE.npy or FILE.csv:COLUMN")
                }
                labels = try wholeNumbers(file.tensor(named: "labels", as: .float64).doubles, source: url.path + " (labels)")
            }
            func flags(_ name: String) throws -> [Bool]? {
                guard file.info(named: name) != nil else { return nil }
                return try file.tensor(named: name, as: .float64).doubles.map { $0 != 0 }
            }
            return try EmbeddingsFile(embeddings: e, labels: labels, isQuery: try flags("is_query"), isGallery: try flags("is_gallery"),
                                      categories: try storedCategories(file, url: url))
        case "npy":
            let array = try NPY.read(url)
            guard array.shape.count == 2 else {
                throw EvaluationError(message: "\(url.path): embeddings must be a 2-D array [N, D], found shape \(array.shape)")
            }
            guard let labelSource else {
                throw EvaluationError(message: "\(url.path) holds no labels: pass --labels FILE.npy or FILE.csv:COLUMN")
            }
            let labels = try readLabels(labelSource, count: array.shape[0])
            return try EmbeddingsFile(embeddings: Tensor(doubles: array.values, shape: array.shape, dtype: .float32), labels: labels)
        default:
            throw EvaluationError(message: "\(url.path): expected a .safetensors or .npy file of embeddings")
        }
    }

    /// The metadata entry that lists the category names of the `categories` tensor.
    static let categoryNamesKey = "kindred_categories"

    /// The `categories` of a Kindred safetensors file (nil when it has none).
    static func storedCategories(_ file: SafetensorsFile, url: URL) throws -> [String]? {
        guard file.info(named: "categories") != nil else { return nil }
        guard let json = file.metadata[categoryNamesKey],
              let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
            throw EvaluationError(message: "\(url.path): a 'categories' tensor but no list of names in the metadata entry '\(categoryNamesKey)'")
        }
        return try file.tensor(named: "categories", as: .float64).doubles.enumerated().map { row, code in
            guard code >= 0, code < Double(names.count), code == code.rounded() else {
                throw EvaluationError(message: "\(url.path): categories[\(row)] = \(code) is not an index into the \(names.count) category names")
            }
            return names[Int(code)]
        }
    }

    /// Labels from an `.npy` vector or a CSV column (`labels.csv:label`; integers, or strings
    /// numbered in order of first appearance).
    static func readLabels(_ source: String, count: Int) throws -> [Int] {
        let labels: [Int]
        if source.lowercased().hasSuffix(".npy") {
            let a = try NPY.read(URL(fileURLWithPath: source))
            guard a.shape.count == 1 || (a.shape.count == 2 && a.shape[1] == 1) else {
                throw EvaluationError(message: "\(source): labels must be a vector [N], found shape \(a.shape)")
            }
            labels = try wholeNumbers(a.values, source: source)
        } else {
            guard let colon = source.range(of: ".csv:", options: [.caseInsensitive, .backwards]) else {
                throw EvaluationError(message: "labels '\(source)': give an .npy file or FILE.csv:COLUMN")
            }
            let path = String(source[..<colon.lowerBound]) + ".csv", column = String(source[colon.upperBound...])
            var ids: [String: Int] = [:]
            labels = try csvColumn(path: path, column: column).map { v in
                if let i = Int(v) { return i }
                if let id = ids[v] { return id }
                ids[v] = 1_000_000 + ids.count
                return ids[v] ?? 0
            }
        }
        guard labels.count == count else {
            throw EvaluationError(message: "\(source) has \(labels.count) labels for \(count) embeddings")
        }
        return labels
    }

    /// The category of each row from column `column` of the CSV file that `labelSource`
    /// (`FILE.csv:COLUMN`) takes the labels from; empty cells become ``SplitData/noCategory``.
    ///
    /// - Throws: ``EvaluationError`` when the labels do not come from a CSV file, the column is
    ///   missing, or the file has not `count` rows.
    public static func readCategories(labels labelSource: String?, column: String, count: Int) throws -> [String] {
        guard let labelSource, let colon = labelSource.range(of: ".csv:", options: [.caseInsensitive, .backwards]) else {
            throw EvaluationError(message: "categories come from the labels' CSV file: pass --labels FILE.csv:COLUMN with --category-column")
        }
        let path = String(labelSource[..<colon.lowerBound]) + ".csv"
        let categories = try csvColumn(path: path, column: column).map { $0.isEmpty ? SplitData.noCategory : $0 }
        guard categories.count == count else {
            throw EvaluationError(message: "\(path) has \(categories.count) rows for \(count) embeddings")
        }
        return categories
    }

    /// The cells of column `column` of the CSV file at `path` (empty where a row is short).
    static func csvColumn(path: String, column: String) throws -> [String] {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: path))
        guard let c = table.header.firstIndex(of: column) else {
            throw EvaluationError(message: "\(path): no column '\(column)' (columns: \(table.header.joined(separator: ", ")))")
        }
        return table.rows.map { c < $0.fields.count ? $0.fields[c] : "" }
    }

    static func wholeNumbers(_ values: [Double], source: String) throws -> [Int] {
        try values.enumerated().map { i, v in
            guard v == v.rounded(), abs(v) < 9e15 else { throw EvaluationError(message: "\(source): label \(i) is \(v), not a whole number") }
            return Int(v)
        }
    }
}
