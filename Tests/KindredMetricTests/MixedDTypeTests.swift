import Foundation
import KindredMetric
import XCTest

/// Losses with their own weights given embeddings of another dtype: the weights are cast to the
/// embeddings' dtype (differentiably), so float64 embeddings with float32 weights compute in
/// float64 and the weights' gradient arrives as float32.
final class MixedDTypeTests: XCTestCase {
    func testFloat32WeightsWithFloat64Embeddings() {
        let labels = [0, 1, 2, 0, 1, 2, 1]
        for name in ProxyLossTests.configs {
            let x = randomTensor([7, 4], seed: 41)
            // Weights exactly representable in float32, so both runs see the same numbers.
            let w64 = Tensor(doubles: randomTensor(name.hasPrefix("proxy") ? [3, 4] : (name == "subcenter" ? [4, 9] : [4, 3]), seed: 42)
                .scalars.map(Double.init), shape: name.hasPrefix("proxy") ? [3, 4] : (name == "subcenter" ? [4, 9] : [4, 3]))
            let classes = 3
            let reference = ProxyLossTests.make(name, classes: classes, dim: 4, weight: w64.requiringGradient())
            let x64 = x.requiringGradient()
            let want = reference(x64, labels: labels)
            want.backward()
            let refGrad = reference.parameters().first?.grad?.doubles ?? []

            let w32 = Tensor(w64.scalars, shape: w64.shape).requiringGradient()
            let mixed = ProxyLossTests.make(name, classes: classes, dim: 4, weight: w32)
            mixed.weightRegularizer = nil
            let x2 = x.requiringGradient()
            let got = mixed(x2, labels: labels)
            XCTAssertEqual(got.dtype, .float64, name)
            XCTAssertEqual(got.item(), want.item(), accuracy: 1e-12, name)
            got.backward()
            XCTAssertEqual(x2.grad?.dtype, .float64, name)
            assertClose(x2.grad?.doubles ?? [], x64.grad?.doubles ?? [], tol: 1e-12, name)
            let wg = mixed.parameters().first { $0 === w32 }?.grad
            XCTAssertEqual(wg?.dtype, .float32, "\(name): the weight gradient keeps the weight's dtype")
            assertClose(wg?.doubles ?? [], refGrad, tol: 1e-6, name)
        }
    }

    func testWeightRegularizerAndCenterLossWithMixedDTypes() {
        let x = randomTensor([6, 4], seed: 43).requiringGradient()
        let labels = [0, 1, 2, 0, 1, 2]
        let arc = ArcFaceLoss(numClasses: 3, embeddingSize: 4, margin: 10, scale: 8,
                              weight: randomTensor([4, 3], seed: 44).cast(to: .float32))
        arc.weightRegularizer = RegularFaceRegularizer()
        let value = arc(x, labels: labels)
        XCTAssertEqual(value.dtype, .float64)
        XCTAssertTrue(value.item().isFinite)
        value.backward()
        XCTAssertEqual(arc.weight.grad?.dtype, .float32)

        let center = CenterLoss(numClasses: 3, embeddingSize: 4)
        XCTAssertEqual(center.weight.dtype, .float32)
        let c = center(x, labels: labels)
        XCTAssertEqual(c.dtype, .float64)
        c.backward()
        XCTAssertEqual(center.weight.grad?.dtype, .float32)
    }
}
