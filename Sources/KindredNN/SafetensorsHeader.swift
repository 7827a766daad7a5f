import Foundation

/// Parsing and validation of a safetensors header: the untrusted part of a file.
///
/// The JSON is decoded with `JSONDecoder` into the types a valid header uses (so a header of
/// thousands of tensors parses without trial-and-error), and any value of another type is decoded
/// as a generic ``JSONValue`` so that the error can say what was found instead.
enum SafetensorsHeader {
    struct Parsed {
        var dataStart: Int
        var metadata: [String: String]
        var tensors: [SafetensorsTensorInfo]
    }

    static func parse(_ data: Data, file: String) throws -> Parsed {
        let fileSize = data.count
        guard fileSize >= 8 else { throw SafetensorsError.fileTooShort(file: file, size: fileSize) }
        let length = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(Safetensors.maxHeaderLength) else {
            throw SafetensorsError.headerTooLarge(file: file, length: length, limit: Safetensors.maxHeaderLength)
        }
        let headerLength = Int(length)
        guard headerLength <= fileSize - 8 else {
            throw SafetensorsError.headerOutOfBounds(file: file, length: length, fileSize: fileSize)
        }
        let start = data.startIndex
        let headerBytes = Data(data[(start + 8)..<(start + 8 + headerLength)])
        guard String(bytes: headerBytes, encoding: .utf8) != nil else { throw SafetensorsError.headerNotUTF8(file: file) }
        let document: Expect<Document>
        do {
            document = try JSONDecoder().decode(Expect<Document>.self, from: headerBytes)
        } catch {
            throw SafetensorsError.malformedHeader(file: file, detail: describe(error))
        }
        let header: Document
        switch document {
        case .expected(let d): header = d
        case .other(.object): throw SafetensorsError.malformedHeader(file: file, detail: "unexpected structure")
        case .other: throw SafetensorsError.headerNotObject(file: file)
        }

        let metadata = try header.metadata.map { try parseMetadata($0, file: file) } ?? [:]
        var tensors: [SafetensorsTensorInfo] = []
        var seen = Set<String>()
        let bufferSize = fileSize - 8 - headerLength
        for (name, value) in header.entries {
            guard seen.insert(name).inserted else {
                throw SafetensorsError.invalidEntry(file: file, tensor: name, detail: "appears more than once in the header")
            }
            tensors.append(try parseEntry(name, value, bufferSize: bufferSize, file: file))
        }
        try checkCoverage(&tensors, bufferSize: bufferSize, file: file)
        return Parsed(dataStart: 8 + headerLength, metadata: metadata, tensors: tensors)
    }

    private static func parseMetadata(_ value: Expect<[String: Expect<String>]>, file: String) throws -> [String: String] {
        guard case .expected(let fields) = value else {
            throw SafetensorsError.invalidMetadata(file: file, detail: "found \(value.kind)")
        }
        var out: [String: String] = [:]
        for (key, field) in fields {
            guard case .expected(let s) = field else {
                throw SafetensorsError.invalidMetadata(file: file, detail: "value of '\(key)' is \(field.kind)")
            }
            out[key] = s
        }
        return out
    }

    private static func parseEntry(_ name: String, _ value: Expect<TensorEntry>, bufferSize: Int, file: String) throws -> SafetensorsTensorInfo {
        func invalid(_ detail: String) -> SafetensorsError { .invalidEntry(file: file, tensor: name, detail: detail) }
        guard case .expected(let entry) = value else {
            throw invalid("expected an object with dtype, shape and data_offsets, found \(value.kind)")
        }
        func integers(_ field: Expect<[Int]>?, _ key: String) throws -> [Int] {
            guard let field else { throw invalid("missing '\(key)'") }
            guard case .expected(let values) = field else {
                throw invalid("'\(key)' must be an array of integers, found \(field.kind)")
            }
            return values
        }
        guard let dtypeField = entry.dtype else { throw invalid("missing 'dtype'") }
        guard case .expected(let dtypeName) = dtypeField else { throw invalid("'dtype' must be a string, found \(dtypeField.kind)") }
        let shape = try integers(entry.shape, "shape")
        let offsets = try integers(entry.dataOffsets, "data_offsets")
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafetensorsError.negativeDimension(file: file, tensor: name, shape: shape)
        }
        guard offsets.count == 2 else { throw invalid("'data_offsets' must be [begin, end], found \(offsets.count) numbers") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else {
            throw SafetensorsError.invalidOffsets(file: file, tensor: name, begin: begin, end: end)
        }
        var expected = dtype.byteSize
        for d in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else { throw invalid("shape \(shape) has too many elements") }
            expected = product
        }
        guard expected == end - begin else {
            throw SafetensorsError.byteCountMismatch(file: file, tensor: name, dtype: dtype, shape: shape, expected: expected, actual: end - begin)
        }
        guard end <= bufferSize else {
            throw SafetensorsError.dataOutOfBounds(file: file, tensor: name, end: end, bufferSize: bufferSize)
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// Sorts `tensors` by offset and checks that they tile `0..<bufferSize` exactly.
    private static func checkCoverage(_ tensors: inout [SafetensorsTensorInfo], bufferSize: Int, file: String) throws {
        tensors.sort {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var covered = 0
        var previous: String?
        for t in tensors {
            if t.dataOffsets.lowerBound < covered, let previous {
                throw SafetensorsError.overlappingTensors(file: file, tensor: t.name, other: previous)
            }
            if t.dataOffsets.lowerBound > covered {
                throw SafetensorsError.gapInData(file: file, begin: covered, end: t.dataOffsets.lowerBound)
            }
            covered = t.dataOffsets.upperBound
            previous = t.name
        }
        if covered != bufferSize { throw SafetensorsError.gapInData(file: file, begin: covered, end: bufferSize) }
    }

    /// The parser's message.
    private static func describe(_ error: Error) -> String {
        guard case DecodingError.dataCorrupted(let context) = error else { return String(describing: error) }
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return underlying ?? context.debugDescription
    }

    // MARK: JSON shapes

    /// Any string key.
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The header object: its keys in the order the decoder lists them.
    struct Document: Decodable {
        var entries: [(String, Expect<TensorEntry>)] = []
        var metadata: Expect<[String: Expect<String>]>?
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys {
                if key.stringValue == Safetensors.metadataKey {
                    metadata = try c.decode(Expect<[String: Expect<String>]>.self, forKey: key)
                } else {
                    entries.append((key.stringValue, try c.decode(Expect<TensorEntry>.self, forKey: key)))
                }
            }
        }
    }

    /// A tensor's entry, each field decoded as the type it should have (other fields are ignored).
    struct TensorEntry: Decodable {
        var dtype: Expect<String>?
        var shape: Expect<[Int]>?
        var dataOffsets: Expect<[Int]>?
        private enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dtype = try c.decodeIfPresent(Expect<String>.self, forKey: .dtype)
            shape = try c.decodeIfPresent(Expect<[Int]>.self, forKey: .shape)
            dataOffsets = try c.decodeIfPresent(Expect<[Int]>.self, forKey: .dataOffsets)
        }
    }

    /// `T` when the JSON value is one, else the value as it is (for the error message).
    enum Expect<T: Decodable>: Decodable {
        case expected(T)
        case other(JSONValue)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(T.self) { self = .expected(v) } else { self = .other(try c.decode(JSONValue.self)) }
        }

        /// What the value is, for messages.
        var kind: String {
            switch self {
            case .expected(let v): return v is String ? "a string" : v is [Int] ? "an array of integers" : "an object"
            case .other(let v): return v.kind
            }
        }
    }
}

/// Any JSON value.
enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else if let o = try? c.decode([String: JSONValue].self) { self = .object(o) }
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid JSON value") }
    }

    /// The JSON type's name, for messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .number: return "a number that is not an integer (or out of range)"
        case .string: return "a string"
        case .array(let items):
            if let odd = items.first(where: { if case .int = $0 { return false }; return true }) { return "an array holding \(odd.kind)" }
            return "an array"
        case .object: return "an object"
        }
    }
}
