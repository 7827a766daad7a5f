import Foundation
import KindredTensor
import XCTest

/// Constructors, element access and the in-place helpers (`fill`, `assign`).
final class CreationTests: XCTestCase {
    func testConstructors() {
        let f = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(f.dtype, .float32)
        XCTAssertEqual(f.shape, [2, 3])
        XCTAssertEqual(f.rank, 2)
        XCTAssertEqual(f.count, 6)
        XCTAssertEqual(f.size(-1), 3)
        XCTAssertEqual(f.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor([1.5, 2.5]).shape, [2], "shape defaults to a vector")
        XCTAssertEqual(Tensor([0.1], dtype: .float64).doubles, [Double(Float(0.1))])
        XCTAssertEqual(Tensor(doubles: [0.1]).dtype, .float64)
        XCTAssertEqual(Tensor(doubles: [0.1], dtype: .float32).scalars, [0.1])
        let s = Tensor(scalar: 2.5)
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.count, 1)
        XCTAssertEqual(s.item(), 2.5)
        XCTAssertEqual(Tensor.zeros([2, 2]).doubles, [0, 0, 0, 0])
        XCTAssertEqual(Tensor.ones([3], dtype: .float64).doubles, [1, 1, 1])
        XCTAssertEqual(Tensor.full([2], value: -7).doubles, [-7, -7])
        XCTAssertEqual(Tensor.arange(4).doubles, [0, 1, 2, 3])
        XCTAssertEqual(Tensor.eye(3).doubles, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(f.zerosLike().shape, [2, 3])
        XCTAssertEqual(f.onesLike().dtype, .float32)
        // Empty tensors.
        XCTAssertEqual(Tensor([Float](), shape: [0]).count, 0)
        XCTAssertEqual(Tensor(doubles: [], shape: [0, 3]).shape, [0, 3])
        XCTAssertEqual(Tensor.zeros([0]).doubles, [])
        XCTAssertTrue(f.description.contains("[2, 3]"))
    }

    func testFillAndAssign() {
        let t = Tensor.zeros([2, 3], dtype: .float64)
        t.fill(1.5)
        XCTAssertEqual(t.doubles, [1.5, 1.5, 1.5, 1.5, 1.5, 1.5])
        // assign converts dtype and reads non-contiguous sources.
        let src = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]).T
        t.assign(src)
        XCTAssertEqual(t.doubles, [1, 3, 5, 2, 4, 6])
        // Into a contiguous view of a larger tensor (a row), leaving the rest alone.
        let big = Tensor.zeros([3, 2], dtype: .float64)
        big.sliced(axis: 0, range: 1..<2).assign(Tensor(doubles: [8, 9], shape: [1, 2]))
        XCTAssertEqual(big.doubles, [0, 0, 8, 9, 0, 0])
        big.sliced(axis: 0, range: 2..<3).fill(-1)
        XCTAssertEqual(big.doubles, [0, 0, 8, 9, -1, -1])
    }
}
