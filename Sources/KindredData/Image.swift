import CKindredImage
import Foundation

/// An image as floating-point pixels in height × width × channel order (interleaved), usually in `0...1`.
///
/// Decoding (PNG, JPEG, BMP, and the other formats stb reads) and encoding go through stb. Transforms
/// take and return `Image`s; the loader stacks them into an NCHW tensor.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Channels per pixel: 1 (grayscale), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// `height × width × channels` values, row by row, channels interleaved.
    public var pixels: [Float]

    /// An image from interleaved float pixels.
    ///
    /// - Precondition: `pixels.count == width × height × channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && channels >= 1, "bad image size \(width)×\(height)×\(channels)")
        precondition(pixels.count == width * height * channels,
                     "image \(width)×\(height)×\(channels) needs \(width * height * channels) values, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image from interleaved 8-bit pixels, scaled to `0...1`.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        self.init(width: width, height: height, channels: channels, pixels: bytes.map { Image.byteValues[Int($0)] })
    }

    /// `Float(b) / 255` for every byte value `b` (the same scaling as torchvision's `ToTensor`).
    static let byteValues: [Float] = (0..<256).map { Float($0) / 255 }

    /// A `width × height` image with every value `value`.
    public init(width: Int, height: Int, channels: Int, filledWith value: Float) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: value, count: width * height * channels))
    }

    /// The value at column `x`, row `y`, channel `c`.
    @inlinable
    public subscript(x x: Int, y y: Int, channel c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The pixels as 8-bit values (clamped to `0...1`, scaled by 255 and rounded; NaN becomes 0).
    public var bytes: [UInt8] {
        pixels.map { $0.isNaN ? 0 : UInt8((Swift.min(Swift.max($0, 0), 1) * 255).rounded()) }
    }

    // MARK: Decoding

    /// Decodes an image file (PNG, JPEG, BMP, GIF, TGA, PNM, …).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - channels: convert to this many channels (1, 3 or 4); `nil` keeps the file's own.
    /// - Throws: ``DataError/unreadableFile(_:reason:)`` or ``DataError/undecodableImage(_:reason:)``
    ///   naming the file.
    public init(contentsOf url: URL, channels: Int? = nil) throws {
        let data = try DataFile.read(url)
        try self.init(decoding: data, channels: channels, source: url)
    }

    /// Decodes encoded image bytes; `source` names the file in errors.
    public init(decoding data: Data, channels: Int? = nil, source: URL) throws {
        if let channels, !(1...4).contains(channels) {
            throw DataError.undecodableImage(source, reason: "requested \(channels) channels (expected 1, 2, 3 or 4)")
        }
        var w: Int32 = 0, h: Int32 = 0, fileChannels: Int32 = 0
        guard data.count < Int(Int32.max) else { throw DataError.undecodableImage(source, reason: "file is too large") }
        let decoded = data.withUnsafeBytes { raw -> UnsafeMutablePointer<UInt8>? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            return kd_image_decode(base, Int32(raw.count), Int32(channels ?? 0), &w, &h, &fileChannels)
        }
        guard let decoded else {
            let reason = data.isEmpty ? "empty file" : String(cString: kd_image_failure_reason())
            throw DataError.undecodableImage(source, reason: reason)
        }
        defer { kd_image_free(decoded) }
        let c = channels ?? Int(fileChannels)
        let n = Int(w) * Int(h) * c
        var pixels = [Float](repeating: 0, count: n)
        pixels.withUnsafeMutableBufferPointer { out in
            Image.byteValues.withUnsafeBufferPointer { table in
                for i in 0..<n { out[i] = table[Int(decoded[i])] }
            }
        }
        self.init(width: Int(w), height: Int(h), channels: c, pixels: pixels)
    }

    /// The width, height and channel count of an image file, read from its header without decoding.
    ///
    /// - Throws: ``DataError`` naming the file if it is unreadable or not a known image format.
    public static func size(ofFileAt url: URL) throws -> (width: Int, height: Int, channels: Int) {
        let data = try DataFile.read(url)
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        let ok = data.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return 0 }
            return kd_image_info(base, Int32(raw.count), &w, &h, &c)
        }
        guard ok != 0 else {
            throw DataError.undecodableImage(url, reason: data.isEmpty ? "empty file" : String(cString: kd_image_failure_reason()))
        }
        return (Int(w), Int(h), Int(c))
    }

    // MARK: Encoding

    /// Encodes the image (values clamped to `0...1`) in `format`.
    ///
    /// - Throws: ``ImageEncodingError`` if the image has an unsupported shape.
    public func encoded(as format: ImageFormat = .png) throws -> Data {
        guard (1...4).contains(channels), width > 0, height > 0 else {
            throw ImageEncodingError(message: "cannot encode a \(width)×\(height)×\(channels) image (expected 1–4 channels and a non-empty size)")
        }
        let raw = bytes
        var length: Int32 = 0
        let encoded: UnsafeMutablePointer<UInt8>? = raw.withUnsafeBufferPointer { p in
            let (w, h, c) = (Int32(width), Int32(height), Int32(channels))
            switch format {
            case .png: return kd_image_encode_png(p.baseAddress, w, h, c, &length)
            case let .jpeg(quality): return kd_image_encode_jpeg(p.baseAddress, w, h, c, Int32(Swift.min(Swift.max(quality, 1), 100)), &length)
            case .bmp: return kd_image_encode_bmp(p.baseAddress, w, h, c, &length)
            }
        }
        guard let encoded else { throw ImageEncodingError(message: "stb could not encode the image as \(format)") }
        defer { kd_image_free(encoded) }
        return Data(bytes: encoded, count: Int(length))
    }

    /// Writes the image to `url` in `format`, atomically (temporary file, then rename).
    public func write(to url: URL, format: ImageFormat = .png) throws {
        try DataFile.writeAtomically(try encoded(as: format), to: url)
    }
}

/// An encoded image format for ``Image/encoded(as:)`` and ``Image/write(to:format:)``.
public enum ImageFormat: Sendable, Equatable {
    /// Lossless PNG.
    case png
    /// Baseline JPEG with `quality` from 1 (smallest) to 100 (best).
    case jpeg(quality: Int)
    /// Uncompressed BMP.
    case bmp
}

/// An image could not be encoded.
public struct ImageEncodingError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}
