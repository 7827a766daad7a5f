import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Safetensors {
    /// Writes `tensors` to a safetensors file at `url`, atomically.
    ///
    /// `float32` tensors are stored as `F32` and `float64` ones as `F64`. The header lists the
    /// tensors in the given order; their bytes are laid out 8-byte-aligned tensors first (each
    /// group in the given order), so every tensor is aligned for zero-copy readers, and the header
    /// is padded with spaces to a multiple of 8 bytes, as the reference implementation does.
    /// `metadata` is stored as the header's `__metadata__` object.
    ///
    /// The file is written to a temporary file in the same directory, flushed to disk and renamed
    /// over `url`, so readers never see a partly written file and a failure leaves any previous
    /// file in place.
    ///
    /// - Throws: ``SafetensorsError/directoryNotFound(file:directory:)`` when `url`'s directory
    ///   does not exist, ``SafetensorsError/duplicateTensorName(file:tensor:)`` or
    ///   ``SafetensorsError/reservedTensorName(file:tensor:)`` for bad names, and
    ///   ``SafetensorsError/writeFailed(file:reason:)`` when the file system refuses.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String]? = nil, to url: URL) throws {
        let file = url.path
        let layout = try plan(tensors, metadata: metadata, file: file)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SafetensorsError.directoryNotFound(file: file, directory: directory.path)
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        func failure(_ what: String) -> SafetensorsError {
            .writeFailed(file: file, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create temporary file \(temporary)") }
        var closed = false
        do {
            try layout.header.withUnsafeBytes { try writeAll(fd, $0, failure) }
            for t in layout.order {
                try t.withUnsafeElementBytes { try writeLittleEndian(fd, $0, elementSize: t.dtype.byteSize, failure) }
            }
            guard fsync(fd) == 0 else { throw failure("cannot flush") }
            closed = true
            guard close(fd) == 0 else { throw failure("cannot close") }
            guard rename(temporary, file) == 0 else { throw failure("cannot rename \(temporary) to it") }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable (best effort: not every file system allows it).
        let dirFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }

    /// The bytes of a safetensors file holding `tensors` (the same bytes ``write(_:metadata:to:)`` writes).
    ///
    /// - Throws: ``SafetensorsError/duplicateTensorName(file:tensor:)`` or
    ///   ``SafetensorsError/reservedTensorName(file:tensor:)`` for bad names.
    public static func serialize(_ tensors: [(String, Tensor)], metadata: [String: String]? = nil) throws -> Data {
        let layout = try plan(tensors, metadata: metadata, file: "<memory>")
        var data = Data(layout.header)
        for t in layout.order {
            t.withUnsafeElementBytes { bytes in
                #if _endian(little)
                data.append(contentsOf: bytes)
                #else
                data.append(contentsOf: littleEndianCopy(bytes, elementSize: t.dtype.byteSize))
                #endif
            }
        }
        return data
    }

    /// The header bytes (length prefix included) and the tensors in data order.
    private static func plan(_ tensors: [(String, Tensor)], metadata: [String: String]?, file: String) throws -> (header: [UInt8], order: [Tensor]) {
        var seen = Set<String>()
        for (name, _) in tensors {
            if name == metadataKey { throw SafetensorsError.reservedTensorName(file: file, tensor: name) }
            if !seen.insert(name).inserted { throw SafetensorsError.duplicateTensorName(file: file, tensor: name) }
        }
        // Wider elements first, so every tensor starts at a multiple of its element size.
        let order = tensors.indices.sorted { (-tensors[$0].1.dtype.byteSize, $0) < (-tensors[$1].1.dtype.byteSize, $1) }
        var offsets = [Range<Int>](repeating: 0..<0, count: tensors.count)
        var position = 0
        for i in order {
            let size = tensors[i].1.count * tensors[i].1.dtype.byteSize
            offsets[i] = position..<(position + size)
            position += size
        }
        var json = "{"
        var fields: [String] = []
        if let metadata {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            fields.append("\(jsonString(metadataKey)):{\(entries.joined(separator: ","))}")
        }
        for (i, (name, t)) in tensors.enumerated() {
            let dtype = SafetensorsDType(t.dtype).rawValue
            let shape = t.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offsets[i].lowerBound),\(offsets[i].upperBound)]}")
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        let length = UInt64(header.count).littleEndian
        let prefix = withUnsafeBytes(of: length) { Array($0) }
        return (prefix + header, order.map { tensors[$0].1 })
    }

    /// `s` as a JSON string literal.
    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func writeLittleEndian(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, elementSize: Int, _ failure: (String) -> SafetensorsError) throws {
        #if _endian(little)
        try writeAll(fd, bytes, failure)
        #else
        try littleEndianCopy(bytes, elementSize: elementSize).withUnsafeBytes { try writeAll(fd, $0, failure) }
        #endif
    }

    /// `bytes` with each `elementSize`-byte element reversed (host big-endian → little-endian).
    private static func littleEndianCopy(_ bytes: UnsafeRawBufferPointer, elementSize: Int) -> [UInt8] {
        var out = Array(bytes)
        var i = 0
        while i + elementSize <= out.count {
            out[i..<(i + elementSize)].reverse()
            i += elementSize
        }
        return out
    }

    /// Writes every byte, retrying short writes and interruptions.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ failure: (String) -> SafetensorsError) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = posixWrite(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write failed")
            }
            p += n
            left -= n
        }
    }
}

/// POSIX `write`, named apart from the Swift methods called `write`.
@inline(__always)
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #elseif canImport(Musl)
    return Musl.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
