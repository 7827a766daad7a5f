import Foundation

/// An array in the IDX format (the format of MNIST and Fashion-MNIST), gzip-compressed or not.
///
/// The format: two zero bytes, an element-type byte (`0x08` = unsigned byte, the only type
/// Kindred reads), a dimension count, then that many big-endian 32-bit sizes and the elements in
/// row-major order.
public struct IDXArray: Sendable, Equatable {
    /// The sizes of the dimensions, outermost first (`[N, 28, 28]` for an image file).
    public var shape: [Int]
    /// The elements in row-major order.
    public var bytes: [UInt8]

    /// An array with the given shape and elements.
    ///
    /// - Precondition: `bytes.count` is the product of `shape`.
    public init(shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) == bytes.count, "IDX shape \(shape) does not match \(bytes.count) bytes")
        self.shape = shape
        self.bytes = bytes
    }

    /// Reads an IDX file of unsigned bytes (inflated first if it is gzipped).
    ///
    /// - Throws: ``DataError`` naming the file if it cannot be read, has a bad header, an element
    ///   type other than unsigned byte, or a length that does not match its header.
    public init(contentsOf url: URL) throws {
        let data = try DataFile.readDecompressing(url)
        try self.init(parsing: data, source: url)
    }

    /// Parses IDX bytes; `source` names the file in errors.
    public init(parsing data: [UInt8], source: URL) throws {
        func fail(_ reason: String) -> DataError { .malformedFile(source, reason: reason) }
        guard data.count >= 4 else { throw fail("\(data.count) bytes is too short for an IDX header (expected at least 4)") }
        guard data[0] == 0, data[1] == 0 else {
            throw fail("bad magic number (expected the file to start with two zero bytes, found \(data[0]) \(data[1]))")
        }
        guard data[2] == 0x08 else {
            throw fail(String(format: "element type 0x%02X is not supported (expected 0x08, unsigned byte)", data[2]))
        }
        let rank = Int(data[3])
        guard rank >= 1 else { throw fail("zero dimensions (expected at least one)") }
        let headerLength = 4 + 4 * rank
        guard data.count >= headerLength else {
            throw fail("header declares \(rank) dimensions but the file has only \(data.count) bytes")
        }
        var shape: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            shape.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        let expected = shape.reduce(1, *)
        guard data.count - headerLength == expected else {
            throw fail("header shape \(shape) needs \(expected) bytes of data, found \(data.count - headerLength)")
        }
        self.shape = shape
        self.bytes = Array(data[headerLength...])
    }

    /// The file's bytes: header then elements (write them with ``DataFile/writeAtomically(_:to:)``).
    public func encoded() -> Data {
        var out = Data([0, 0, 0x08, UInt8(shape.count)])
        for size in shape {
            out.append(contentsOf: [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                                    UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)])
        }
        out.append(contentsOf: bytes)
        return out
    }
}
