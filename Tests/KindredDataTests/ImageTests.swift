import Foundation
import KindredData
import XCTest

final class ImageTests: XCTestCase {
    func testPNGRoundTripIsExact() throws {
        let dir = try makeTemporaryFolder(self)
        for channels in 1...4 {
            var image = Image(width: 5, height: 3, channels: channels, filledWith: 0)
            for i in image.pixels.indices { image.pixels[i] = Float((i * 37) % 256) / 255 }
            let url = dir.appendingPathComponent("c\(channels).png")
            try image.write(to: url)
            let back = try Image(contentsOf: url)
            XCTAssertEqual(back, image)
            let size = try Image.size(ofFileAt: url)
            XCTAssertEqual([size.width, size.height, size.channels], [5, 3, channels])
        }
    }

    func testJPEGAndBMPDecodeAndChannelConversion() throws {
        let dir = try makeTemporaryFolder(self)
        let image = Image(width: 16, height: 8, channels: 3, pixels: (0..<384).map { i in [0.2, 0.6, 0.9][i % 3] })
        let jpeg = dir.appendingPathComponent("a.jpg")
        try image.write(to: jpeg, format: .jpeg(quality: 95))
        let decoded = try Image(contentsOf: jpeg)
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [16, 8, 3])
        for (a, b) in zip(decoded.pixels, image.pixels) { XCTAssertEqual(a, b, accuracy: 0.03) }

        let bmp = dir.appendingPathComponent("a.bmp")
        try image.write(to: bmp, format: .bmp)
        XCTAssertEqual(try Image(contentsOf: bmp), Image(width: 16, height: 8, channels: 3, bytes: image.bytes))

        let gray = try Image(contentsOf: bmp, channels: 1)
        XCTAssertEqual(gray.channels, 1)
        let rgba = try Image(contentsOf: bmp, channels: 4)
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(rgba[x: 3, y: 2, channel: 3], 1)
    }

    func testCorruptAndMissingImagesNameTheFile() throws {
        let dir = try makeTemporaryFolder(self)
        let corrupt = dir.appendingPathComponent("broken.png")
        var png = try Image(width: 4, height: 4, channels: 3, filledWith: 0.5).encoded()
        png = png.prefix(20)
        try DataFile.writeAtomically(png, to: corrupt)
        XCTAssertThrowsError(try Image(contentsOf: corrupt)) { error in
            guard case .undecodableImage(let url, _) = error as? DataError else { return XCTFail("\(error)") }
            XCTAssertEqual(url, corrupt)
            XCTAssertTrue("\(error)".contains("broken.png"))
        }
        let text = dir.appendingPathComponent("notes.jpg")
        try DataFile.writeAtomically(Data("hello".utf8), to: text)
        XCTAssertThrowsError(try Image(contentsOf: text)) { XCTAssertTrue("\($0)".contains("notes.jpg")) }
        let empty = dir.appendingPathComponent("empty.png")
        try DataFile.writeAtomically(Data(), to: empty)
        XCTAssertThrowsError(try Image(contentsOf: empty)) { XCTAssertTrue("\($0)".contains("empty file"), "\($0)") }
        XCTAssertThrowsError(try Image(contentsOf: dir.appendingPathComponent("nope.png"))) { error in
            guard case .unreadableFile = error as? DataError else { return XCTFail("\(error)") }
        }
    }

    func testStackMakesNCHW() throws {
        let a = gradientImage(width: 3, height: 2)
        let t = try Batch.stack([a, a])
        XCTAssertEqual(t.shape, [2, 3, 2, 3])
        let v = t.scalars
        // channel 0 of image 1, row 1, column 2 = x / 2 = 1; channel 1 (y) at row 1 = 1; channel 2 = 0.5.
        XCTAssertEqual(v[18 + 0 * 6 + 1 * 3 + 2], 1)
        XCTAssertEqual(v[18 + 1 * 6 + 1 * 3 + 0], 1)
        XCTAssertEqual(v[18 + 2 * 6 + 0], 0.5)
        XCTAssertThrowsError(try Batch.stack([a, gradientImage(width: 2, height: 2)]))
    }

    func testBytesClampAndMapNaNToZero() {
        let image = Image(width: 4, height: 1, channels: 1, pixels: [-0.5, 0.5, 2, .nan])
        XCTAssertEqual(image.bytes, [0, 128, 255, 0])
    }
}
