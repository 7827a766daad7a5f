import Foundation
import KindredTensor
import XCTest

/// Reference permutation of a row-major array.
func permuteReference(_ v: [Double], shape: [Int], order: [Int]) -> [Double] {
    let outShape = order.map { shape[$0] }
    var out = [Double](repeating: 0, count: v.count)
    for flat in 0..<v.count {
        var rem = flat
        var idx = [Int](repeating: 0, count: outShape.count)
        for k in stride(from: outShape.count - 1, through: 0, by: -1) { idx[k] = rem % outShape[k]; rem /= outShape[k] }
        var src = [Int](repeating: 0, count: shape.count)
        for (i, o) in order.enumerated() { src[o] = idx[i] }
        out[flat] = v[flatIndex(src, shape)]
    }
    return out
}

/// Shape and layout changes: views, copies, concatenation and padding, with gradients summed
/// back through every view.
final class MovementTests: XCTestCase {
    let v = (0..<24).map(Double.init)

    func testReshapeFlattenSqueeze() {
        let x = Tensor(doubles: v, shape: [2, 3, 4])
        XCTAssertEqual(x.reshaped([4, -1]).shape, [4, 6])
        XCTAssertEqual(x.reshaped([-1]).doubles, v)
        XCTAssertEqual(x.flattened().shape, [2, 12])
        XCTAssertEqual(x.flattened(startAxis: 0).shape, [24])
        XCTAssertEqual(x.unsqueezed(axis: 0).shape, [1, 2, 3, 4])
        XCTAssertEqual(x.unsqueezed(axis: -1).shape, [2, 3, 4, 1])
        XCTAssertEqual(x.unsqueezed(axis: 2).shape, [2, 3, 1, 4])
        XCTAssertEqual(x.unsqueezed(axis: 1).unsqueezed(axis: 0).squeezed().shape, [2, 3, 4])
        XCTAssertEqual(x.unsqueezed(axis: 1).squeezed(axis: 1).shape, [2, 3, 4])
        XCTAssertEqual(Tensor(doubles: [7], shape: [1, 1]).squeezed().shape, [])
        // A reshape of a contiguous tensor is a view (shares storage); of a non-contiguous one, a copy.
        XCTAssertTrue(x.reshaped([6, 4]).storage === x.storage)
        let t = x.transposed(1, 2)
        XCTAssertFalse(t.isContiguous)
        XCTAssertEqual(t.reshaped([2, 12]).doubles, permuteReference(v, shape: [2, 3, 4], order: [0, 2, 1]))
        XCTAssertFalse(t.reshaped([2, 12]).storage === x.storage)
    }

    func testPermuteTransposeValues() {
        let x = Tensor(doubles: v, shape: [2, 3, 4])
        for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
            let p = x.permuted(order)
            XCTAssertEqual(p.shape, order.map { [2, 3, 4][$0] })
            XCTAssertEqual(p.doubles, permuteReference(v, shape: [2, 3, 4], order: order), "\(order)")
            XCTAssertTrue(p.storage === x.storage, "permute is a view")
        }
        XCTAssertEqual(x.transposed().doubles, permuteReference(v, shape: [2, 3, 4], order: [0, 2, 1]))
        XCTAssertEqual(x.transposed(0, -1).doubles, permuteReference(v, shape: [2, 3, 4], order: [2, 1, 0]))
        let m = Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(m.T.doubles, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(m.T.T.doubles, m.doubles)
    }

    func testExpandValues() {
        let x = Tensor(doubles: [1, 2, 3], shape: [3, 1])
        let e = x.expanded(to: [2, 3, 4])
        XCTAssertEqual(e.shape, [2, 3, 4])
        XCTAssertEqual(e.layout.strides, [0, 1, 0], "broadcast axes have stride 0")
        XCTAssertEqual(e.doubles, (0..<24).map { Double(($0 / 4) % 3 + 1) })
        XCTAssertEqual(e.contiguous().doubles, e.doubles)
        XCTAssertTrue(e.contiguous().isContiguous)
        XCTAssertEqual(Layout.broadcastShape([3, 1], [2, 1, 4]), [2, 3, 4])
        XCTAssertNil(Layout.broadcastShape([3], [4]))
    }

    func testSlicedValues() {
        let x = Tensor(doubles: v, shape: [2, 3, 4])
        XCTAssertEqual(x.sliced(axis: 2, range: 1..<4, step: 2).doubles, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23])
        XCTAssertEqual(x.sliced(axis: 1, range: 1..<3).doubles, [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        XCTAssertEqual(x.sliced(axis: -3, range: 1..<2).shape, [1, 3, 4])
        XCTAssertEqual(x.sliced(axis: 2, range: 0..<4, step: 3).shape, [2, 3, 2])
        XCTAssertEqual(x.sliced(axis: 2, range: 2..<2).shape, [2, 3, 0])
        // Nested views compose offsets and strides.
        let nested = x.transposed(0, 2).sliced(axis: 0, range: 1..<4, step: 2).sliced(axis: 1, range: 1..<3)
        XCTAssertEqual(nested.shape, [2, 2, 2])
        XCTAssertEqual(nested.doubles, [5, 17, 9, 21, 7, 19, 11, 23])
        XCTAssertTrue(nested.storage === x.storage)
        // Views see writes to their base (shared storage).
        let base = Tensor.zeros([2, 3], dtype: .float64)
        let view = base.sliced(axis: 1, range: 1..<3)
        base.assign(Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3]))
        XCTAssertEqual(view.doubles, [2, 3, 5, 6])
    }

    func testConcatStackPadValues() {
        let a = Tensor(doubles: [1, 2, 3, 4], shape: [2, 2])
        let b = Tensor(doubles: [5, 6], shape: [1, 2])
        XCTAssertEqual(Tensor.concat([a, b]).doubles, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor.concat([a, b.T], axis: 1).doubles, [1, 2, 5, 3, 4, 6])
        XCTAssertEqual(Tensor.concat([a.T, b.T], axis: -1).doubles, [1, 3, 5, 2, 4, 6])
        XCTAssertEqual(Tensor.stack([a, a.T]).shape, [2, 2, 2])
        XCTAssertEqual(Tensor.stack([a, a.T]).doubles, [1, 2, 3, 4, 1, 3, 2, 4])
        XCTAssertEqual(Tensor.stack([a, a.T], axis: 1).doubles, [1, 2, 1, 3, 3, 4, 2, 4])
        XCTAssertEqual(Tensor.stack([a, a.T], axis: -1).doubles, [1, 1, 2, 3, 3, 2, 4, 4])
        let p = a.padded([(1, 0), (0, 2)], value: -1)
        XCTAssertEqual(p.shape, [3, 4])
        XCTAssertEqual(p.doubles, [-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1])
        XCTAssertEqual(a.T.padded([(0, 1)]).doubles, [1, 3, 2, 4, 0, 0], "missing trailing widths mean no padding")
        let x = Tensor(doubles: v, shape: [2, 3, 4])
        let q = x.sliced(axis: 2, range: 1..<3).padded([(0, 0), (1, 1), (2, 0)])
        XCTAssertEqual(q.shape, [2, 5, 4])
        XCTAssertEqual(q.sliced(axis: 1, range: 1..<4).sliced(axis: 2, range: 2..<4).doubles, x.sliced(axis: 2, range: 1..<3).doubles)
        XCTAssertEqual(q.sum().item(), x.sliced(axis: 2, range: 1..<3).sum().item())
    }

    func testGradientsThroughViews() {
        let x = Tensor(doubles: distinctValues(24, seed: 11), shape: [2, 3, 4])
        // Non-linear heads (squared, sin) make every element's gradient distinct.
        assertGradients([x], "reshape") { $0[0].reshaped([4, 6]).squared() }
        assertGradients([x], "reshape -1") { $0[0].reshaped([-1, 2]).sin() }
        assertGradients([x], "flatten") { $0[0].flattened().squared() }
        assertGradients([x], "permute") { $0[0].permuted([2, 0, 1]).squared() }
        assertGradients([x], "reshape of permuted") { $0[0].permuted([1, 2, 0]).reshaped([12, 2]).sin() }
        assertGradients([x], "transpose") { $0[0].transposed(0, 2).squared() }
        assertGradients([x], "unsqueeze/squeeze") { $0[0].unsqueezed(axis: 1).squeezed(axis: 1).sin() }
        assertGradients([x], "slice step") { $0[0].sliced(axis: 2, range: 1..<4, step: 2).squared() }
        assertGradients([x], "nested slices") { $0[0].transposed(0, 2).sliced(axis: 0, range: 1..<4, step: 2).sliced(axis: 1, range: 1..<3).sin() }
        assertGradients([x], "overlapping slices") { $0[0].sliced(axis: 1, range: 0..<2) * $0[0].sliced(axis: 1, range: 1..<3) }
        assertGradients([x], "expand") { $0[0].sliced(axis: 0, range: 0..<1).expanded(to: [3, 3, 4]).sin() * Tensor(doubles: distinctValues(36, seed: 12), shape: [3, 3, 4]) }
        assertGradients([x], "expand new axes") { $0[0].unsqueezed(axis: 1).expanded(to: [2, 2, 3, 4]).squared() }
        assertGradients([x], "pad") { $0[0].padded([(1, 0), (0, 2), (1, 1)], value: 0.5).squared() }
        assertGradients([x], "pad of transposed") { $0[0].transposed(0, 1).padded([(0, 1)]).sin() }
    }

    func testConcatAndStackGradients() {
        let a = Tensor(doubles: distinctValues(6, seed: 13), shape: [2, 3])
        let b = Tensor(doubles: distinctValues(9, seed: 14), shape: [3, 3])
        assertGradients([a, b]) { Tensor.concat([$0[0], $0[1]]).squared() }
        assertGradients([a, b]) { Tensor.concat([$0[0].T, $0[1].T, $0[0].T], axis: 1).sin() }
        assertGradients([a, b]) { Tensor.stack([$0[0], $0[1].sliced(axis: 0, range: 0..<3, step: 2)], axis: 1).squared() }
        assertGradients([a]) { Tensor.stack([$0[0], $0[0] * 2, $0[0].exp()], axis: -1).sin() }
        // Only the inputs that track gradients get one.
        let al = a.requiringGradient()
        Tensor.concat([al, b]).sum().backward()
        XCTAssertEqual(al.grad?.doubles, [1, 1, 1, 1, 1, 1])
        XCTAssertNil(b.grad)
    }
}
