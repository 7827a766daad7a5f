import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file opened for reading: its validated header, with each tensor read on demand.
///
/// Opening maps the file into memory (it is not read up front), parses the JSON header and checks
/// it strictly, so a corrupt or hostile file gives a ``SafetensorsError`` here rather than a crash
/// later: every tensor must have a known dtype, non-negative dimensions and a byte range that
/// matches its size, and the tensors must cover the data buffer exactly, without gaps or overlap
/// (the reference implementation's rules). ``tensor(named:as:)`` then copies one tensor out of
/// the mapping, converting it to `float32` (or `float64`).
///
/// ```swift
/// let file = try SafetensorsFile(contentsOf: url)
/// for name in file.names { print(name, file.info(named: name)!.shape) }
/// let weight = try file.tensor(named: "fc.weight")
/// ```
///
/// The mapping lives as long as this object. Truncating the file on disk while it is open is
/// undefined (as for any memory-mapped file).
public final class SafetensorsFile: Sendable {
    /// The path (or name) used in error messages.
    public let fileName: String
    /// The header's `__metadata__` strings (empty when the file has none).
    public let metadata: [String: String]
    /// Every tensor, in the order of their bytes in the file.
    public let tensorInfos: [SafetensorsTensorInfo]

    /// The whole file (mapped), and where the data buffer starts in it.
    private let bytes: Data
    private let dataStart: Int
    private let index: [String: Int]

    /// Opens, maps and validates the safetensors file at `url`.
    ///
    /// - Throws: ``SafetensorsError`` when the file cannot be read or is not valid safetensors.
    public convenience init(contentsOf url: URL) throws {
        let name = url.isFileURL ? url.path : url.absoluteString
        try self.init(data: try Self.map(url, name: name), fileName: name)
    }

    /// Validates safetensors bytes already in memory; `fileName` names them in errors.
    ///
    /// - Throws: ``SafetensorsError`` when the bytes are not valid safetensors.
    public init(data: Data, fileName: String = "<memory>") throws {
        self.fileName = fileName
        bytes = data
        let parsed = try SafetensorsHeader.parse(data, file: fileName)
        dataStart = parsed.dataStart
        metadata = parsed.metadata
        tensorInfos = parsed.tensors
        var index: [String: Int] = [:]
        for (i, info) in parsed.tensors.enumerated() { index[info.name] = i }
        self.index = index
    }

    /// Tensor names, in the order of their bytes in the file.
    public var names: [String] { tensorInfos.map(\.name) }

    /// The dtype, shape and byte range of the tensor called `name`, or nil if there is none.
    public func info(named name: String) -> SafetensorsTensorInfo? {
        index[name].map { tensorInfos[$0] }
    }

    /// The tensor called `name`, converted to `dtype` (`float32` unless asked otherwise).
    ///
    /// `F32` to `float32` and `F64` to `float64` are plain copies; other types are converted
    /// (half and bfloat16 exactly, 64-bit integers and `F64`→`float32` rounded to nearest).
    ///
    /// - Throws: ``SafetensorsError/tensorNotFound(file:tensor:)`` when there is no such tensor.
    public func tensor(named name: String, as dtype: DType = .float32) throws -> Tensor {
        guard let info = info(named: name) else {
            throw SafetensorsError.tensorNotFound(file: fileName, tensor: name)
        }
        return tensor(info, as: dtype)
    }

    /// Every tensor, in file order, converted to `dtype`.
    public func tensors(as dtype: DType = .float32) -> [(String, Tensor)] {
        tensorInfos.map { ($0.name, tensor($0, as: dtype)) }
    }

    /// Reads one validated tensor (its range is inside the buffer: checked when opening).
    private func tensor(_ info: SafetensorsTensorInfo, as dtype: DType) -> Tensor {
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Tensor in
            let start = dataStart + info.dataOffsets.lowerBound
            let source = UnsafeRawBufferPointer(rebasing: raw[start..<(start + info.dataOffsets.count)])
            return Tensor(shape: info.shape, dtype: dtype) { destination in
                switch dtype {
                case .float32:
                    SafetensorsConversion.convert(source, from: info.dtype, into: destination.bindMemory(to: Float.self))
                case .float64:
                    SafetensorsConversion.convert(source, from: info.dtype, into: destination.bindMemory(to: Double.self))
                }
            }
        }
    }

    /// Maps the file read-only; falls back to reading it when it cannot be mapped (a pipe).
    private static func map(_ url: URL, name: String) throws -> Data {
        guard url.isFileURL else { throw SafetensorsError.unreadable(file: name, reason: "not a file URL") }
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafetensorsError.unreadable(file: name, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SafetensorsError.unreadable(file: name, reason: String(cString: strerror(errno)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SafetensorsError.unreadable(file: name, reason: "is a directory")
        }
        let size = Int(info.st_size)
        if (info.st_mode & S_IFMT) == S_IFREG, size > 0,
           let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != UnsafeMutableRawPointer(bitPattern: -1) {
            return Data(bytesNoCopy: p, count: size, deallocator: .custom { p, n in munmap(p, n) })
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw SafetensorsError.unreadable(file: name, reason: error.localizedDescription)
        }
    }
}
