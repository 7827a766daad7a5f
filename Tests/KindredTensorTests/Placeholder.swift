import XCTest
import KindredTensor

final class SmokeTests: XCTestCase {
    func testBasics() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGradient()
        let b = Tensor([1, 0, 0, 1, 1, 1], shape: [3, 2])
        let c = a.matmul(b).relu().sum()
        c.backward()
        print(c, a.grad!)
        let x = Tensor(doubles: (0..<24).map { sin(Double($0)) }, shape: [1, 2, 3, 4])
        let w = Tensor(doubles: (0..<36).map { cos(Double($0)) }, shape: [2, 2, 3, 3])
        let r = gradientCheck(inputs: [x, w]) { $0[0].conv2d(weight: $0[1], padding: (1, 1)) }
        print(r)
        XCTAssertLessThan(r.maxError, 1e-6)
    }
}
