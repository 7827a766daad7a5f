import CKindredZlib
import Foundation

/// Whole-file reading and atomic writing for datasets.
public enum DataFile {
    /// The bytes of `url`, inflated if the file is gzip-compressed (plain files are returned as they are).
    ///
    /// - Throws: ``DataError/unreadableFile(_:reason:)`` naming the file if it is missing, unreadable
    ///   or has corrupt compressed data.
    public static func readDecompressing(_ url: URL) throws -> [UInt8] {
        var pointer: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = url.path.withCString { path in
            kd_zlib_read_file(path, &pointer, &length, &message, message.count)
        }
        guard status == 0, let pointer else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw DataError.unreadableFile(url, reason: reason)
        }
        defer { kd_zlib_free(pointer) }
        return Array(UnsafeBufferPointer(start: pointer, count: length))
    }

    /// The bytes of `url` as they are on disk.
    ///
    /// - Throws: ``DataError/unreadableFile(_:reason:)`` naming the file.
    public static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw DataError.unreadableFile(url, reason: reason)
        }
    }

    /// Writes `data` to `url` atomically: to a temporary file in the same folder, then renamed over
    /// the destination, so readers never see a partial file.
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try data.write(to: temporary)
        do {
            if rename(temporary.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
