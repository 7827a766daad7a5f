import Foundation

/// Reading and writing the [safetensors](https://github.com/huggingface/safetensors) format,
/// the weight format of the Hugging Face Hub and `torch`'s safe alternative to pickle.
///
/// A file is an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON describing each
/// tensor (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, …}` plus an
/// optional `"__metadata__"` object of strings), then the tensors' little-endian bytes.
///
/// Read a file with ``SafetensorsFile``, write one with ``write(_:metadata:to:)``, and move a
/// model's weights with ``Module/loadStateDict(from:strict:)`` and ``Module/saveStateDict(to:metadata:)``.
///
/// ```swift
/// try Safetensors.write([("w", w), ("b", b)], metadata: ["epoch": "3"], to: url)
/// let file = try SafetensorsFile(contentsOf: url)
/// let w2 = try file.tensor(named: "w")
/// ```
public enum Safetensors {
    /// The largest header accepted when reading, in bytes (the reference implementation's limit).
    public static let maxHeaderLength = 100_000_000

    /// The header key that holds the file's string metadata instead of a tensor.
    public static let metadataKey = "__metadata__"
}

/// The element type of a tensor stored in a safetensors file (the header's `dtype` string).
///
/// Kindred computes in `float32`/`float64`; reading converts every type here to the ``DType``
/// asked for (integers and booleans to their numeric value, `BOOL` to 0 or 1).
public enum SafetensorsDType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Boolean, one byte per element (non-zero is true).
    case bool = "BOOL"
    /// Unsigned 8-bit integer.
    case uint8 = "U8"
    /// Signed 8-bit integer.
    case int8 = "I8"
    /// 8-bit float with 5 exponent and 2 mantissa bits (IEEE-like, with infinities).
    case float8E5M2 = "F8_E5M2"
    /// 8-bit float with 4 exponent and 3 mantissa bits, finite only (`float8_e4m3fn`).
    case float8E4M3 = "F8_E4M3"
    /// Signed 16-bit integer.
    case int16 = "I16"
    /// Unsigned 16-bit integer.
    case uint16 = "U16"
    /// IEEE half precision.
    case float16 = "F16"
    /// bfloat16: the upper 16 bits of a `float32`.
    case bfloat16 = "BF16"
    /// Signed 32-bit integer.
    case int32 = "I32"
    /// Unsigned 32-bit integer.
    case uint32 = "U32"
    /// IEEE single precision.
    case float32 = "F32"
    /// IEEE double precision.
    case float64 = "F64"
    /// Signed 64-bit integer (PyTorch's `num_batches_tracked`).
    case int64 = "I64"
    /// Unsigned 64-bit integer.
    case uint64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// The safetensors dtype that stores a Kindred ``DType`` without conversion.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float32
        case .float64: self = .float64
        }
    }

    /// The header spelling (`"F32"`, `"BF16"`, …).
    public var description: String { rawValue }
}

/// Where one tensor lives in a safetensors file, as its header describes it.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's key (`layer1.0.conv1.weight`).
    public let name: String
    /// The stored element type.
    public let dtype: SafetensorsDType
    /// Extent of each axis (`[]` for a scalar).
    public let shape: [Int]
    /// The tensor's bytes within the data buffer that follows the header (the header's `data_offsets`).
    public let dataOffsets: Range<Int>

    /// Creates a description (the reader makes these after validating them).
    public init(name: String, dtype: SafetensorsDType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// Why a safetensors file could not be read or written. Every case names the file, and the
/// tensor where one is at fault; ``description`` says what was expected.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// The file has fewer than the 8 bytes that hold the header length.
    case fileTooShort(file: String, size: Int)
    /// The header length is above ``Safetensors/maxHeaderLength``.
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    /// The header length runs past the end of the file (a truncated file, or not safetensors).
    case headerOutOfBounds(file: String, length: UInt64, fileSize: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(file: String)
    /// The header is not well-formed JSON.
    case malformedHeader(file: String, detail: String)
    /// The header is JSON but not an object.
    case headerNotObject(file: String)
    /// `__metadata__` is not an object whose values are all strings.
    case invalidMetadata(file: String, detail: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`, or one has the wrong JSON type.
    case invalidEntry(file: String, tensor: String, detail: String)
    /// A tensor's `dtype` is not one of ``SafetensorsDType``.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's shape has a negative dimension.
    case negativeDimension(file: String, tensor: String, shape: [Int])
    /// A tensor's `data_offsets` are negative or begin after they end.
    case invalidOffsets(file: String, tensor: String, begin: Int, end: Int)
    /// A tensor's byte range does not match its dtype size × element count.
    case byteCountMismatch(file: String, tensor: String, dtype: SafetensorsDType, shape: [Int], expected: Int, actual: Int)
    /// A tensor's bytes extend past the end of the data buffer (usually a truncated file).
    case dataOutOfBounds(file: String, tensor: String, end: Int, bufferSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(file: String, tensor: String, other: String)
    /// Bytes `begin..<end` of the data buffer belong to no tensor (tensors must cover it exactly).
    case gapInData(file: String, begin: Int, end: Int)
    /// No tensor has this name.
    case tensorNotFound(file: String, tensor: String)
    /// The directory to write into does not exist.
    case directoryNotFound(file: String, directory: String)
    /// Two tensors to write have the same name.
    case duplicateTensorName(file: String, tensor: String)
    /// A tensor to write is named `__metadata__`, which the format reserves.
    case reservedTensorName(file: String, tensor: String)
    /// Writing, syncing or renaming the file failed.
    case writeFailed(file: String, reason: String)

    /// What went wrong, naming the file and tensor.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read safetensors file: \(reason)"
        case let .fileTooShort(file, size):
            return "\(file): file has \(size) bytes, a safetensors file starts with an 8-byte header length"
        case let .headerTooLarge(file, length, limit):
            return "\(file): header length \(length) exceeds the limit of \(limit) bytes (corrupt, or not a safetensors file)"
        case let .headerOutOfBounds(file, length, fileSize):
            return "\(file): header length \(length) runs past the end of the \(fileSize)-byte file (truncated, or not a safetensors file)"
        case let .headerNotUTF8(file):
            return "\(file): header is not valid UTF-8"
        case let .malformedHeader(file, detail):
            return "\(file): header is not well-formed JSON: \(detail)"
        case let .headerNotObject(file):
            return "\(file): header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}"
        case let .invalidMetadata(file, detail):
            return "\(file): \(Safetensors.metadataKey) must be an object of strings: \(detail)"
        case let .invalidEntry(file, tensor, detail):
            return "\(file): tensor '\(tensor)': \(detail)"
        case let .unknownDType(file, tensor, dtype):
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(file): tensor '\(tensor)': unsupported dtype '\(dtype)' (expected one of \(known))"
        case let .negativeDimension(file, tensor, shape):
            return "\(file): tensor '\(tensor)': shape \(shape) has a negative dimension"
        case let .invalidOffsets(file, tensor, begin, end):
            return "\(file): tensor '\(tensor)': data_offsets [\(begin), \(end)] must be non-negative with begin ≤ end"
        case let .byteCountMismatch(file, tensor, dtype, shape, expected, actual):
            return "\(file): tensor '\(tensor)': \(dtype) with shape \(shape) needs \(expected) bytes, data_offsets span \(actual)"
        case let .dataOutOfBounds(file, tensor, end, bufferSize):
            return "\(file): tensor '\(tensor)' ends at byte \(end) of the data buffer, which has only \(bufferSize) bytes (truncated file?)"
        case let .overlappingTensors(file, tensor, other):
            return "\(file): tensors '\(other)' and '\(tensor)' overlap in the data buffer"
        case let .gapInData(file, begin, end):
            return "\(file): bytes \(begin)..<\(end) of the data buffer belong to no tensor (tensors must cover it contiguously)"
        case let .tensorNotFound(file, tensor):
            return "\(file): no tensor named '\(tensor)'"
        case let .directoryNotFound(file, directory):
            return "\(file): cannot write: directory \(directory) does not exist"
        case let .duplicateTensorName(file, tensor):
            return "\(file): cannot write: two tensors are named '\(tensor)'"
        case let .reservedTensorName(file, tensor):
            return "\(file): cannot write: the name '\(tensor)' is reserved for metadata"
        case let .writeFailed(file, reason):
            return "\(file): cannot write: \(reason)"
        }
    }
}
