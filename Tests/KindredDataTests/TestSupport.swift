import Foundation
import KindredData
import XCTest

/// A fresh temporary folder for one test, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kindred-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A small RGB test image whose pixel (x, y) is (x/(w-1), y/(h-1), 0.5) — easy to check geometry on.
func gradientImage(width: Int, height: Int) -> Image {
    var image = Image(width: width, height: height, channels: 3, filledWith: 0.5)
    for y in 0..<height {
        for x in 0..<width {
            image[x: x, y: y, channel: 0] = Float(x) / Float(Swift.max(width - 1, 1))
            image[x: x, y: y, channel: 1] = Float(y) / Float(Swift.max(height - 1, 1))
        }
    }
    return image
}

/// An in-memory data set of solid-colour images: item i has value `Float(i) / 255` everywhere.
struct SyntheticDataset: ImageDataset {
    let labels: [Int]
    var size = 4
    var failing: Set<Int> = []
    var count: Int { labels.count }
    func image(at index: Int) throws -> Image {
        if failing.contains(index) {
            throw DataError.undecodableImage(URL(fileURLWithPath: "/data/item\(index).png"), reason: "corrupt")
        }
        return Image(width: size, height: size, channels: 1, filledWith: Float(index) / 255)
    }
}
