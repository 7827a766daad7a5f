import Foundation

/// NumPy's `.npy` format (version 1.0), for exchanging embeddings and labels with Python tools:
/// little-endian `float32`/`float64`/`int64`/`int32`/`uint8`, C order, any shape.
public enum NPY {
    /// An array read from a `.npy` file: its shape and values (as doubles, exact for integers
    /// below 2^53 and for float32).
    public struct Array: Sendable {
        /// The shape (`[]` for a scalar).
        public var shape: [Int]
        /// The values in C order.
        public var values: [Double]
        /// The stored dtype (`<f4`, `<i8`, …).
        public var descr: String
    }

    /// An `.npy` that cannot be read, naming the file.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        /// The file.
        public var file: String
        /// What is wrong.
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    /// The bytes of a float32 array of `shape`.
    public static func encode(float32 values: [Float], shape: [Int]) -> Data {
        var data = header(descr: "<f4", shape: shape)
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    /// The bytes of an int64 vector.
    public static func encode(int64 values: [Int]) -> Data {
        var data = header(descr: "<i8", shape: [values.count])
        let wide = values.map { Int64($0).littleEndian }
        wide.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: UInt8.self), count: $0.count * 8)) }
        return data
    }

    static func header(descr: String, shape: [Int]) -> Data {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        // Magic (6) + version (2) + length (2) + dict + newline, padded to a multiple of 64.
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Swift.Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(dict.utf8.count)
        data.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)])
        data.append(contentsOf: Swift.Array(dict.utf8))
        return data
    }

    /// Reads an `.npy` file.
    public static func read(_ url: URL) throws -> Array {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FormatError(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// Parses the bytes of an `.npy` file.
    public static func decode(_ data: Data, file: String) throws -> Array {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Swift.Array(bytes[1..<6]) == Swift.Array("NUMPY".utf8) else {
            throw FormatError(file: file, message: "not a NumPy .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int, start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10
        } else {
            guard bytes.count >= 12 else { throw FormatError(file: file, message: "truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        }
        guard bytes.count >= start + headerLength,
              let dict = String(bytes: bytes[start..<(start + headerLength)], encoding: .utf8) else {
            throw FormatError(file: file, message: "truncated or unreadable header")
        }
        func field(_ key: String) -> String? {
            guard let r = dict.range(of: "'\(key)':") else { return nil }
            return String(dict[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let q1 = descrField.firstIndex(of: "'"),
              let q2 = descrField[descrField.index(after: q1)...].firstIndex(of: "'") else {
            throw FormatError(file: file, message: "header has no 'descr'")
        }
        let descr = String(descrField[descrField.index(after: q1)..<q2])
        if let order = field("fortran_order"), order.hasPrefix("True") {
            throw FormatError(file: file, message: "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("), let close = shapeField.firstIndex(of: ")") else {
            throw FormatError(file: file, message: "header has no 'shape'")
        }
        let dims = shapeField[shapeField.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { d -> Int in
            guard let v = Int(d), v >= 0 else { throw FormatError(file: file, message: "bad shape entry '\(d)'") }
            return v
        }
        let count = shape.reduce(1, *)
        let size: Int
        switch descr {
        case "<f4", "<i4", "<u4": size = 4
        case "<f8", "<i8", "<u8": size = 8
        case "|u1", "|i1", "|b1": size = 1
        default: throw FormatError(file: file, message: "dtype '\(descr)' is not supported (use float32, float64, int64, int32 or uint8, little-endian)")
        }
        let body = start + headerLength
        guard bytes.count >= body + count * size else {
            throw FormatError(file: file, message: "truncated: the header promises \(count) values of \(size) bytes (shape \(shape)), the file holds \(bytes.count - body) bytes of data")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let p = raw.baseAddress!.advanced(by: body)
            for i in 0..<count {
                let at = p.advanced(by: i * size)
                switch descr {
                case "<f4": values[i] = Double(Float(bitPattern: UInt32(littleEndian: at.loadUnaligned(as: UInt32.self))))
                case "<f8": values[i] = Double(bitPattern: UInt64(littleEndian: at.loadUnaligned(as: UInt64.self)))
                case "<i8": values[i] = Double(Int64(littleEndian: at.loadUnaligned(as: Int64.self)))
                case "<u8": values[i] = Double(UInt64(littleEndian: at.loadUnaligned(as: UInt64.self)))
                case "<i4": values[i] = Double(Int32(littleEndian: at.loadUnaligned(as: Int32.self)))
                case "<u4": values[i] = Double(UInt32(littleEndian: at.loadUnaligned(as: UInt32.self)))
                case "|i1": values[i] = Double(at.load(as: Int8.self))
                default: values[i] = Double(at.load(as: UInt8.self))
                }
            }
        }
        return Array(shape: shape, values: values, descr: descr)
    }
}
