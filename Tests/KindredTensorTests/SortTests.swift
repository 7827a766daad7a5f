import Foundation
import KindredTensor
import XCTest

/// argsort, sorted and topK: orders against Swift's sort, stability on ties, other axes, and
/// gradients of the gathered values.
final class SortTests: XCTestCase {
    func testArgsortAndSortedAlongLastAxis() {
        let v: [Double] = [3, 1, 2, 1, 5, 4, 4, 0, 2, 2, 2, 1]
        let x = Tensor(doubles: v, shape: [3, 4])
        // Stable: equal values keep their original order (both directions).
        XCTAssertEqual(x.argsort(), [1, 3, 2, 0, 3, 1, 2, 0, 3, 0, 1, 2])
        XCTAssertEqual(x.argsort(descending: true), [0, 2, 1, 3, 0, 1, 2, 3, 0, 1, 2, 3])
        let (sortedValues, indices) = x.sorted()
        XCTAssertEqual(indices, x.argsort())
        XCTAssertEqual(sortedValues.doubles, [1, 1, 2, 3, 0, 4, 4, 5, 1, 2, 2, 2])
        XCTAssertEqual(x.sorted(descending: true).values.doubles, [3, 2, 1, 1, 5, 4, 4, 0, 2, 2, 2, 1])
        // Against Swift's sort on random rows.
        let r = values(50, seed: 200)
        let t = Tensor(doubles: r, shape: [5, 10], dtype: .float32)
        let rows = t.doubles
        let sortedRows = (0..<5).flatMap { Array(rows[($0 * 10)..<($0 * 10 + 10)]).sorted() }
        XCTAssertEqual(t.sorted().values.doubles, sortedRows)
    }

    func testSortAlongOtherAxes() {
        let v = values(24, seed: 201)
        let x = Tensor(doubles: v, shape: [2, 3, 4])
        for axis in 0..<3 {
            let idx = x.argsort(axis: axis)
            XCTAssertEqual(idx.count, 24)
            // Same as sorting the axis moved last, then moving it back.
            let moved = x.transposed(axis, 2).contiguous()
            let movedIdx = moved.argsort()
            let back = Tensor(doubles: movedIdx.map(Double.init), shape: moved.shape).transposed(axis, 2).doubles.map { Int($0) }
            XCTAssertEqual(idx, back, "axis \(axis)")
            let s = x.sorted(axis: axis).values
            XCTAssertEqual(s.shape, [2, 3, 4])
            // Sorted along the axis: each step along it does not decrease.
            let d = (s.sliced(axis: axis, range: 1..<s.shape[axis]) - s.sliced(axis: axis, range: 0..<(s.shape[axis] - 1))).doubles
            XCTAssertTrue(d.allSatisfy { $0 >= 0 }, "axis \(axis)")
            XCTAssertEqual(s.sum(axis: axis).doubles, x.sum(axis: axis).doubles, "a permutation of each line")
        }
        XCTAssertEqual(x.argsort(axis: -3), x.argsort(axis: 0))
    }

    func testTopK() {
        let x = Tensor(doubles: [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], shape: [2, 6])
        let (top, idx) = x.topK(3)
        XCTAssertEqual(top.shape, [2, 3])
        XCTAssertEqual(top.doubles, [9, 5, 4, 8, 6, 5])
        XCTAssertEqual(idx, [5, 4, 2, 5, 1, 2], "ties broken by position: the first 5")
        let (low, lowIdx) = x.topK(2, largest: false)
        XCTAssertEqual(low.doubles, [1, 1, 2, 3])
        XCTAssertEqual(lowIdx, [1, 3, 0, 3])
        XCTAssertEqual(x.topK(0).values.shape, [2, 0])
        XCTAssertEqual(x.topK(6).values.doubles, x.sorted(descending: true).values.doubles)
        // Along axis 0 of a [3, 2] tensor.
        let y = Tensor(doubles: [1, 6, 5, 2, 3, 4], shape: [3, 2])
        let (ty, ti) = y.topK(2, axis: 0)
        XCTAssertEqual(ty.shape, [2, 2])
        XCTAssertEqual(ty.doubles, [5, 6, 3, 4])
        XCTAssertEqual(ti, [1, 0, 2, 2])
        // A 3-D tensor along the middle axis against per-line sorting.
        let z = Tensor(doubles: values(30, seed: 202), shape: [2, 5, 3])
        let (tz, _) = z.topK(2, axis: 1)
        let full = z.sorted(axis: 1, descending: true).values
        XCTAssertEqual(tz.doubles, full.sliced(axis: 1, range: 0..<2).doubles)
    }

    func testSortedAndTopKGradients() {
        let x = Tensor(doubles: distinctValues(24, seed: 203), shape: [2, 3, 4])
        for axis in 0..<3 {
            assertGradients([x], "sorted \(axis)") { $0[0].sorted(axis: axis).values }
            assertGradients([x], "topK \(axis)") { $0[0].topK(2, axis: axis).values }
            assertGradients([x], "topK smallest strided \(axis)") { $0[0].transposed(0, 2).topK(2, axis: axis, largest: false).values.squared() }
        }
        // The k largest get the gradient, the rest none.
        let t = Tensor(doubles: [0.5, 3, -1, 2]).requiringGradient()
        (t.topK(2).values * Tensor(doubles: [10, 1])).sum().backward()
        XCTAssertEqual(t.grad?.doubles, [0, 10, 0, 1])
    }
}
