import XCTest
@testable import KindredPipeline

final class NPYTests: XCTestCase {
    func testRoundTripAndHeaderAlignment() throws {
        let data = NPY.encode(float32: [1, -2.5, 3, 4, 5, 6], shape: [2, 3])
        let header = 10 + Int(data[8]) + Int(data[9]) << 8
        XCTAssertEqual(header % 64, 0)
        let a = try NPY.decode(data, file: "x.npy")
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.values, [1, -2.5, 3, 4, 5, 6])
        XCTAssertEqual(a.descr, "<f4")
        let labels = try NPY.decode(NPY.encode(int64: [3, -1, 7]), file: "y.npy")
        XCTAssertEqual(labels.shape, [3])
        XCTAssertEqual(labels.values, [3, -1, 7])
    }

    func testBadFilesNameTheProblem() {
        XCTAssertThrowsError(try NPY.decode(Data("hello world".utf8), file: "x.npy")) {
            XCTAssertTrue("\($0)".contains("x.npy: not a NumPy"), "\($0)")
        }
        let truncated = NPY.encode(float32: [1, 2, 3, 4], shape: [2, 2]).dropLast(3)
        XCTAssertThrowsError(try NPY.decode(Data(truncated), file: "t.npy")) {
            XCTAssertTrue("\($0)".contains("truncated"), "\($0)")
        }
    }
}
