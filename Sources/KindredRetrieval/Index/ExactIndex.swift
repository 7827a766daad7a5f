import Foundation
import KindredTensor

/// A ``SearchIndex`` that searches exactly with ``ExactSearch`` (blocked BLAS products, bounded
/// memory, deterministic ties).
///
/// Saved files are Kindred's own: the 8-byte magic `KDEXIDX1`, the distance name's length and
/// UTF-8 bytes (UInt32, little-endian), then dimension and count (UInt64 each) and the float32
/// vectors, all little-endian.
public final class ExactIndex: SearchIndex {
    /// Dimension of the stored vectors.
    public let dimension: Int
    /// How queries are compared with stored vectors.
    public let distance: SearchDistance
    /// The search that runs the queries (block sizes can be tuned).
    public var search: ExactSearch
    private var vectors: [Float] = []

    /// Creates an empty index for `dimension`-dimensional vectors.
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` when `dimension < 1`.
    public init(dimension: Int, distance: SearchDistance) throws {
        guard dimension >= 1 else { throw RetrievalError.invalidArgument("an index needs dimension ≥ 1, got \(dimension)") }
        self.dimension = dimension
        self.distance = distance
        self.search = ExactSearch(distance: distance)
    }

    /// Number of stored vectors.
    public var count: Int { vectors.count / dimension }

    /// Always true: an exact index needs no training.
    public var isTrained: Bool { true }

    /// Does nothing (checks the shape only): an exact index needs no training.
    public func train(_ vectors: Tensor) throws { _ = try rowsAsFloats(vectors, name: "training vectors") }

    /// Appends `[N, D]` vectors.
    public func add(_ vectors: Tensor) throws { self.vectors += try rowsAsFloats(vectors, name: "added vectors") }

    /// The exact `k` best stored vectors for each query.
    public func search(_ queries: Tensor, k: Int) throws -> SearchResult {
        guard count >= 1 else { throw RetrievalError.emptyGallery }
        let gallery = Tensor(vectors, shape: [count, dimension])
        return try search.search(queries: queries, gallery: gallery, k: k)
    }

    /// Writes the vectors and the distance to `url` atomically.
    public func save(to url: URL) throws {
        var data = Data("KDEXIDX1".utf8)
        let name = Data(distance.rawValue.utf8)
        Self.append(UInt32(name.count), to: &data)
        data.append(name)
        Self.append(UInt64(dimension), to: &data)
        Self.append(UInt64(count), to: &data)
        for v in vectors { Self.append(v.bitPattern, to: &data) }
        do { try data.write(to: url, options: .atomic) } catch {
            throw RetrievalError.indexFailure(operation: "save", file: url.path, message: "\(error.localizedDescription)")
        }
    }

    /// Reads an index written by ``save(to:)``.
    ///
    /// - Throws: ``RetrievalError/indexFailure(operation:file:message:)`` naming the file and what is
    ///   wrong with it (not an exact index, truncated, unknown distance).
    public static func load(from url: URL) throws -> ExactIndex {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RetrievalError.indexFailure(operation: "load", file: url.path, message: "\(error.localizedDescription)")
        }
        func bad(_ message: String) -> RetrievalError { .indexFailure(operation: "load", file: url.path, message: message) }
        let bytes = [UInt8](data)
        guard bytes.count >= 12, Array(bytes.prefix(8)) == Array("KDEXIDX1".utf8) else {
            throw bad("not a Kindred exact index (expected the magic bytes KDEXIDX1)")
        }
        var offset = 8
        func read(_ width: Int) throws -> UInt64 {
            guard offset + width <= bytes.count else { throw bad("truncated at byte \(offset) (expected \(width) more bytes)") }
            var v: UInt64 = 0
            for i in 0..<width { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            offset += width
            return v
        }
        let nameLength = Int(try read(4))
        guard offset + nameLength <= bytes.count else { throw bad("truncated in the distance name") }
        let name = String(decoding: bytes[offset ..< offset + nameLength], as: UTF8.self)
        offset += nameLength
        guard let distance = SearchDistance(rawValue: name) else { throw bad("unknown distance '\(name)'") }
        let dimension = try read(8), count = try read(8)
        guard dimension >= 1, dimension < 1 << 24, count < 1 << 40 else { throw bad("implausible dimension \(dimension) or count \(count)") }
        let expected = offset + Int(dimension * count) * 4
        guard bytes.count == expected else { throw bad("expected \(expected) bytes for \(count) × \(dimension) vectors, found \(bytes.count)") }
        let index = try ExactIndex(dimension: Int(dimension), distance: distance)
        var vectors = [Float](repeating: 0, count: Int(dimension * count))
        for i in vectors.indices { vectors[i] = Float(bitPattern: UInt32(try read(4))) }
        index.vectors = vectors
        return index
    }

    private static func append<I: FixedWidthInteger>(_ value: I, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}
