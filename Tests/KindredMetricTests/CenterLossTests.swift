import Foundation
import KindredMetric
import XCTest

/// Centre loss: plain loop, gradient check, parameters.
final class CenterLossTests: XCTestCase {
    func testEqualsPlainLoop() {
        let x = randomTensor([5, 3], seed: 61), w = randomTensor([3, 4], seed: 62)
        let b = randomTensor([4], seed: 63), c = randomTensor([4, 3], seed: 64)
        let labels = [0, 3, 1, 1, 2]
        let loss = CenterLoss(numClasses: 4, embeddingSize: 3, lambda: 0.5, weight: w, bias: b, centers: c)
        let xs = x.doubles, ws = w.doubles, bs = b.doubles, cs = c.doubles
        var ce = 0.0, center = 0.0
        for i in 0..<5 {
            let logits = (0..<4).map { j in bs[j] + (0..<3).reduce(0.0) { $0 + xs[i * 3 + $1] * ws[$1 * 4 + j] } }
            ce += Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1) }) - logits[labels[i]]
            center += (0..<3).reduce(0.0) { $0 + Foundation.pow(xs[i * 3 + $1] - cs[labels[i] * 3 + $1], 2) }
        }
        XCTAssertEqual(loss(x, labels: labels).item(), ce / 5 + 0.5 * center / 10, accuracy: 1e-12)
    }

    func testGradientCheckAndParameters() {
        let x = randomTensor([5, 3], seed: 61)
        let labels = [0, 3, 1, 1, 2]
        assertGradients([x, randomTensor([3, 4], seed: 62), randomTensor([4], seed: 63), randomTensor([4, 3], seed: 64)]) { t in
            CenterLoss(numClasses: 4, embeddingSize: 3, lambda: 0.5, weight: t[1], bias: t[2], centers: t[3])(t[0], labels: labels)
        }
        let loss = CenterLoss(numClasses: 4, embeddingSize: 3)
        XCTAssertEqual(Set(loss.namedParameters().map(\.0)), ["weight", "bias", "centers"])
        XCTAssertEqual(loss.centers.doubles, [Double](repeating: 0, count: 12))
    }
}
