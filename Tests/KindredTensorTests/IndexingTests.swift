import Foundation
import KindredTensor
import XCTest

/// indexSelect, gather and scatterAdd: values against loops and gradients with repeated indices
/// (which must be summed, not overwritten).
final class IndexingTests: XCTestCase {
    let v = (0..<24).map(Double.init)

    func testIndexSelectValues() {
        let x = Tensor(doubles: v, shape: [2, 3, 4])
        XCTAssertEqual(x.indexSelect(axis: 1, indices: [2, 0, 2]).shape, [2, 3, 4])
        XCTAssertEqual(x.indexSelect(axis: 1, indices: [2, 0, 2]).doubles,
                       [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23, 12, 13, 14, 15, 20, 21, 22, 23])
        XCTAssertEqual(x.indexSelect(axis: -1, indices: [3, 3]).doubles, [3, 3, 7, 7, 11, 11, 15, 15, 19, 19, 23, 23])
        XCTAssertEqual(x.rows([1, 1, 0]).shape, [3, 3, 4])
        XCTAssertEqual(x.rows([1]).doubles, Array(v[12...]))
        XCTAssertEqual(x.rows([]).shape, [0, 3, 4])
        // On a non-contiguous view.
        XCTAssertEqual(x.transposed(0, 2).indexSelect(axis: 0, indices: [1]).doubles, [1, 13, 5, 17, 9, 21])
        for dtype in DType.allCases {
            XCTAssertEqual(Tensor(doubles: v, shape: [6, 4], dtype: dtype).rows([5, 0]).doubles, [20, 21, 22, 23, 0, 1, 2, 3])
        }
    }

    func testIndexSelectGradientsSumRepeatedIndices() {
        let x = Tensor(doubles: distinctValues(24, seed: 21), shape: [2, 3, 4])
        assertGradients([x]) { $0[0].indexSelect(axis: 1, indices: [2, 0, 2, 2]).squared() }
        assertGradients([x]) { $0[0].indexSelect(axis: 0, indices: [1, 1, 0]).sin() }
        assertGradients([x]) { $0[0].indexSelect(axis: -1, indices: [3, 1, 3]).squared() }
        assertGradients([x]) { $0[0].transposed(0, 2).indexSelect(axis: 1, indices: [0, 0, 2]).squared() }
        assertGradients([x]) { $0[0].rows([1, 0, 1]).sin() }
        assertGradients([x]) { $0[0].permuted([1, 0, 2]).rows([2, 2]).squared() }
        // Exact counts: row 2 chosen three times gets gradient 3.
        let m = Tensor(doubles: v, shape: [4, 6]).requiringGradient()
        m.rows([2, 0, 2, 2]).sum().backward()
        XCTAssertEqual(m.grad?.doubles, [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0])
    }

    func testGatherValues() {
        let x = Tensor(doubles: [10, 11, 12, 20, 21, 22], shape: [2, 3])
        // out[i][j] = x[i][index[i][j]]
        let g = x.gather(axis: 1, index: [2, 2, 0, 1, 0, 1, 1, 1], shape: [2, 4])
        XCTAssertEqual(g.doubles, [12, 12, 10, 11, 20, 21, 21, 21])
        // out[i][j] = x[index[i][j]][j]; the shape is inferred from the index count.
        let h = x.gather(axis: 0, index: [1, 0, 1, 1, 1, 0, 0, 0, 0])
        XCTAssertEqual(h.shape, [3, 3])
        XCTAssertEqual(h.doubles, [20, 11, 22, 20, 21, 12, 10, 11, 12])
        // Three axes, along the middle one, from a transposed view.
        let y = Tensor(doubles: v, shape: [4, 3, 2]).permuted([2, 1, 0])  // [2, 3, 4]
        let yv = y.doubles
        let index = [2, 0, 1, 1, 0, 0, 2, 2, 1, 1, 1, 0, 0, 2, 2, 1]  // shape [2, 2, 4]
        let out = y.gather(axis: 1, index: index, shape: [2, 2, 4])
        var expected = [Double]()
        for i in 0..<2 { for j in 0..<2 { for k in 0..<4 {
            expected.append(yv[flatIndex([i, index[(i * 2 + j) * 4 + k], k], [2, 3, 4])])
        } } }
        XCTAssertEqual(out.doubles, expected)
    }

    func testGatherGradientsSumRepeatedIndices() {
        let x = Tensor(doubles: distinctValues(12, seed: 22), shape: [3, 4])
        assertGradients([x]) { $0[0].gather(axis: 1, index: [0, 0, 3, 1, 2, 2, 2, 2, 3, 0, 0, 1], shape: [3, 4]).squared() }
        assertGradients([x]) { $0[0].gather(axis: 0, index: [2, 2, 2, 2, 0, 1, 2, 0], shape: [2, 4]).sin() }
        assertGradients([x]) { $0[0].T.gather(axis: 1, index: [1, 1, 2, 0, 0, 0, 2, 2]).squared() }
        let m = Tensor(doubles: [1, 2, 3], shape: [1, 3]).requiringGradient()
        m.gather(axis: 1, index: [2, 2, 2, 0], shape: [1, 4]).sum().backward()
        XCTAssertEqual(m.grad?.doubles, [1, 0, 3])
    }

    func testScatterAddValues() {
        let base = Tensor(doubles: [1, 1, 1, 1, 1, 1], shape: [2, 3])
        let src = Tensor(doubles: [1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 4])
        // out[i][index[i][j]] += src[i][j]; repeated indices accumulate.
        let out = base.scatterAdd(axis: 1, index: [0, 0, 2, 0, 1, 1, 1, 2], source: src)
        XCTAssertEqual(out.doubles, [8, 1, 4, 1, 19, 9] as [Double])  // [1+1+2+4, 1, 1+3], [1, 1+5+6+7, 1+8]
        XCTAssertEqual(base.doubles, [1, 1, 1, 1, 1, 1], "scatterAdd returns a copy")
        // Along axis 0: out[index[i][j]][j] += src[i][j].
        let src0 = Tensor(doubles: [1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [3, 3])
        let out0 = Tensor.zeros([2, 3], dtype: .float64).scatterAdd(axis: 0, index: [1, 0, 1, 1, 1, 1, 0, 0, 1], source: src0)
        XCTAssertEqual(out0.doubles, [7, 10, 0, 5, 5, 18] as [Double])  // [7, 2+8, 0], [1+4, 5, 3+6+9]
        // From non-contiguous base and source views.
        let outT = base.T.contiguous().T.scatterAdd(axis: 1, index: [0, 0, 2, 0, 1, 1, 1, 2], source: src.T.contiguous().T)
        XCTAssertEqual(outT.doubles, out.doubles)
        let outV = Tensor.zeros([3, 2], dtype: .float64).T.scatterAdd(axis: 1, index: [0, 0, 2, 0, 1, 1, 1, 2], source: src.T.contiguous().T)
        XCTAssertEqual(outV.doubles, out.doubles.map { $0 - 1 }, "same sums onto a zero base")
    }

    func testScatterAddGradients() {
        let base = Tensor(doubles: distinctValues(6, seed: 23), shape: [2, 3])
        let src = Tensor(doubles: distinctValues(8, seed: 24), shape: [2, 4])
        let index = [0, 0, 2, 0, 1, 1, 1, 2]
        assertGradients([base, src]) { $0[0].scatterAdd(axis: 1, index: index, source: $0[1]).squared() }
        assertGradients([base, src]) { $0[0].T.scatterAdd(axis: 0, index: index.map { $0 % 3 }, source: $0[1].T).sin() }
        // ∂/∂source = upstream gradient gathered at the indices (so repeated targets each get it).
        let s = src.requiringGradient()
        let w = Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        (base.scatterAdd(axis: 1, index: index, source: s) * w).sum().backward()
        XCTAssertEqual(s.grad?.doubles, [1, 1, 3, 1, 5, 5, 5, 6])
    }
}
