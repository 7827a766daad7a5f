import Foundation
import KindredData
import XCTest

final class IDXTests: XCTestCase {
    func testRoundTripPlainAndGzipped() throws {
        let dir = try makeTemporaryFolder(self)
        let array = IDXArray(shape: [2, 3, 2], bytes: Array(0..<12))
        let plain = dir.appendingPathComponent("a-idx3-ubyte")
        try DataFile.writeAtomically(array.encoded(), to: plain)
        XCTAssertEqual(try IDXArray(contentsOf: plain), array)

        // gzip the same bytes with the system tool and read them back.
        let gz = dir.appendingPathComponent("b-idx3-ubyte")
        try DataFile.writeAtomically(array.encoded(), to: gz)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-f", gz.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(try IDXArray(contentsOf: dir.appendingPathComponent("b-idx3-ubyte.gz")), array)
    }

    func testMalformedFilesNameTheFile() throws {
        let dir = try makeTemporaryFolder(self)
        let url = dir.appendingPathComponent("bad-idx1-ubyte")
        var bytes = IDXArray(shape: [4], bytes: [1, 2, 3, 4]).encoded()
        bytes.removeLast()
        try DataFile.writeAtomically(bytes, to: url)
        XCTAssertThrowsError(try IDXArray(contentsOf: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(url.path), text)
            XCTAssertTrue(text.contains("needs 4 bytes"), text)
        }
        try DataFile.writeAtomically(Data([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]), to: url)
        XCTAssertThrowsError(try IDXArray(contentsOf: url)) { XCTAssertTrue("\($0)".contains("0x0D"), "\($0)") }
        XCTAssertThrowsError(try IDXArray(contentsOf: dir.appendingPathComponent("missing"))) { error in
            guard case .unreadableFile = error as? DataError else { return XCTFail("\(error)") }
        }
    }

    func testFashionMNISTFromUserDirectory() throws {
        let dir = try makeTemporaryFolder(self)
        let images = IDXArray(shape: [3, 2, 2], bytes: [0, 255, 0, 255, 10, 20, 30, 40, 255, 255, 255, 255])
        try DataFile.writeAtomically(images.encoded(), to: dir.appendingPathComponent("t10k-images-idx3-ubyte"))
        try DataFile.writeAtomically(IDXArray(shape: [3], bytes: [7, 0, 9]).encoded(),
                                     to: dir.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let data = try FashionMNIST(split: .test, directory: dir)
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(data.labels, [7, 0, 9])
        let image = try data.image(at: 1)
        XCTAssertEqual([image.width, image.height, image.channels], [2, 2, 1])
        XCTAssertEqual(image.bytes, [10, 20, 30, 40])
        let t = data.tensor(mean: 0.5, std: 0.5)
        XCTAssertEqual(t.shape, [3, 1, 2, 2])
        XCTAssertEqual(t.scalars[0], -1, accuracy: 1e-6)
        XCTAssertEqual(t.scalars[1], 1, accuracy: 1e-6)
        XCTAssertThrowsError(try FashionMNIST(split: .train, directory: dir))
    }

    func testDebianFashionMNISTWhenInstalled() throws {
        let file = FashionMNIST.defaultDirectory.appendingPathComponent("t10k-labels-idx1-ubyte.gz")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: file.path), "dataset-fashion-mnist is not installed")
        let test = try FashionMNIST(split: .test)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.height, test.width], [28, 28])
        XCTAssertEqual(Set(test.labels), Set(0..<10))
        XCTAssertEqual(test.labels.filter { $0 == 3 }.count, 1000)
    }
}
