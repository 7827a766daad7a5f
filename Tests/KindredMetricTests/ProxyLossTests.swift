import Foundation
import KindredMetric
import XCTest

/// Losses with their own weights (ArcFace, CosFace, SphereFace, L-Softmax, sub-center ArcFace,
/// normalised softmax, proxy anchor, proxy NCA): PML fixtures for the value and the gradients with respect to
/// embeddings and weights, plain-loop references, gradient checks, optimiser visibility.
final class ProxyLossTests: XCTestCase {
    static let configs = ["arcface", "arcface_small", "cosface", "cosface_small", "sphereface", "largemargin",
                          "subcenter", "normsoftmax", "normsoftmax_t", "proxyanchor", "proxyanchor_lp", "proxynca", "proxynca_cos"]

    /// The loss named by a fixture configuration, with the given weight tensor.
    static func make(_ name: String, classes: Int, dim: Int, weight: Tensor) -> MetricLoss {
        switch name {
        case "arcface": return ArcFaceLoss(numClasses: classes, embeddingSize: dim, weight: weight)
        case "arcface_small": return ArcFaceLoss(numClasses: classes, embeddingSize: dim, margin: 10, scale: 8, weight: weight)
        case "cosface": return CosFaceLoss(numClasses: classes, embeddingSize: dim, weight: weight)
        case "cosface_small": return CosFaceLoss(numClasses: classes, embeddingSize: dim, margin: 0.2, scale: 10, weight: weight)
        case "sphereface": return SphereFaceLoss(numClasses: classes, embeddingSize: dim, margin: 4, scale: 1, weight: weight)
        case "largemargin": return LargeMarginSoftmaxLoss(numClasses: classes, embeddingSize: dim, margin: 3, scale: 1, weight: weight)
        case "subcenter": return SubCenterArcFaceLoss(numClasses: classes, embeddingSize: dim, subCenters: 3, margin: 20, scale: 16, weight: weight)
        case "normsoftmax": return NormalizedSoftmaxLoss(numClasses: classes, embeddingSize: dim, weight: weight)
        case "normsoftmax_t": return NormalizedSoftmaxLoss(numClasses: classes, embeddingSize: dim, temperature: 0.5, weight: weight)
        case "proxyanchor": return ProxyAnchorLoss(numClasses: classes, embeddingSize: dim, proxies: weight)
        case "proxyanchor_lp": return ProxyAnchorLoss(numClasses: classes, embeddingSize: dim, margin: 0.2, alpha: 8, proxies: weight, distance: LpDistance())
        case "proxynca": return ProxyNCALoss(numClasses: classes, embeddingSize: dim, proxies: weight)
        case "proxynca_cos": return ProxyNCALoss(numClasses: classes, embeddingSize: dim, softmaxScale: 10, proxies: weight, distance: CosineSimilarity())
        default: preconditionFailure("unknown loss \(name)")
        }
    }

    func testProxyLossesMatchPML() {
        let log = ErrorLog()
        let cases = pmlCases("proxy")
        XCTAssertEqual(cases.count, 76)
        XCTAssertEqual(Set(cases.map(\.config)), Set(Self.configs))
        for c in cases {
            for dtype in DType.allCases {
                let tol = pmlTolerance(dtype)
                let x = c.tensor("embeddings", dtype).requiringGradient()
                let w = c.tensor("weight", dtype).requiringGradient()
                let classes = (c.labels.max() ?? 0) + 1
                let loss = Self.make(c.config, classes: classes, dim: x.shape[1], weight: w)
                XCTAssertTrue(loss.parameters().contains { $0 === w }, "\(c.name): weight is not a parameter")
                let value = loss(x, labels: c.labels, indices: c.tuples)
                let group = String(c.config.prefix { $0 != "_" })
                log.record("\(group) value [\(dtype)]", assertClose([value.item()], [c.loss!], tol: tol, "\(c.name) \(dtype)"))
                value.backward()
                log.record("\(group) gradient [\(dtype)]", assertClose(x.grad?.doubles ?? [], c.expected("grad"), tol: tol, "\(c.name) grad \(dtype)"))
                log.record("\(group) weight gradient [\(dtype)]", assertClose(w.grad?.doubles ?? [], c.expected("weightGrad"), tol: tol, "\(c.name) weight grad \(dtype)"))
            }
        }
        log.report("proxy losses")
    }

    func testGradientCheck() {
        let x = randomTensor([7, 4], seed: 21)
        let labels = [0, 1, 2, 0, 1, 2, 1]
        let mined = IndexTuples.triplets(a: [0, 1, 3], p: [3, 4, 0], n: [1, 2, 5])
        for name in Self.configs {
            let w = randomTensor(name.hasPrefix("proxy") ? [3, 4] : [4, name == "subcenter" ? 9 : 3], seed: 22)
            assertGradients([x, w], tol: 1e-6, name) { t in
                Self.make(name, classes: 3, dim: 4, weight: t[1])(t[0], labels: labels)
            }
            assertGradients([x, w], tol: 1e-6, "\(name) mined") { t in
                Self.make(name, classes: 3, dim: 4, weight: t[1])(t[0], labels: labels, indices: mined)
            }
        }
    }

    func testArcFaceAndCosFaceEqualPlainLoops() {
        let x = randomTensor([5, 3], seed: 31), w = randomTensor([3, 4], seed: 32)
        let labels = [0, 3, 1, 1, 2]
        let xs = LossTests.rows(x).map(LossTests.normalized)
        let wt = w.transposed(0, 1).contiguous()
        let ws = LossTests.rows(wt).map(LossTests.normalized)
        func cosine(_ i: Int, _ j: Int) -> Double { zip(xs[i], ws[j]).reduce(0) { $0 + $1.0 * $1.1 } }
        func ce(_ logits: [Double], _ y: Int) -> Double {
            let m = logits.max()!
            return Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - m) }) + m - logits[y]
        }
        var arc = 0.0, cosf = 0.0
        let m = 0.5
        for i in 0..<5 {
            let cs = (0..<4).map { cosine(i, $0) }
            var a = cs, c = cs
            let theta = Foundation.acos(cs[labels[i]])
            a[labels[i]] = theta <= .pi - m ? Foundation.cos(theta + m) : cs[labels[i]] - m * Foundation.sin(m)
            c[labels[i]] -= 0.35
            arc += ce(a.map { $0 * 64 }, labels[i])
            cosf += ce(c.map { $0 * 64 }, labels[i])
        }
        let arcLoss = ArcFaceLoss(numClasses: 4, embeddingSize: 3, margin: m * 180 / .pi, weight: w)(x, labels: labels).item()
        XCTAssertEqual(arcLoss, arc / 5, accuracy: 1e-9)
        XCTAssertEqual(CosFaceLoss(numClasses: 4, embeddingSize: 3, weight: w)(x, labels: labels).item(), cosf / 5, accuracy: 1e-9)
    }

    func testProxyAnchorEqualsPlainLoop() {
        let x = randomTensor([6, 3], seed: 41), p = randomTensor([4, 3], seed: 42)
        let labels = [0, 2, 2, 0, 1, 2]
        let xs = LossTests.rows(x).map(LossTests.normalized), ps = LossTests.rows(p).map(LossTests.normalized)
        func s(_ i: Int, _ c: Int) -> Double { zip(xs[i], ps[c]).reduce(0) { $0 + $1.0 * $1.1 } }
        var pos = 0.0, neg = 0.0
        for c in 0..<4 {
            let members = (0..<6).filter { labels[$0] == c }, others = (0..<6).filter { labels[$0] != c }
            if !members.isEmpty { pos += Foundation.log(1 + members.reduce(0) { $0 + Foundation.exp(-32 * (s($1, c) - 0.1)) }) }
            neg += Foundation.log(1 + others.reduce(0) { $0 + Foundation.exp(32 * (s($1, c) + 0.1)) })
        }
        let got = ProxyAnchorLoss(numClasses: 4, embeddingSize: 3, proxies: p)(x, labels: labels).item()
        XCTAssertEqual(got, pos / 3 + neg / 4, accuracy: 1e-10)
    }

    func testOptimizerTrainsTheWeights() {
        let loss = ArcFaceLoss(numClasses: 3, embeddingSize: 4, margin: 10, scale: 8)
        XCTAssertEqual(loss.parameters().count, 1)
        XCTAssertEqual(loss.namedParameters().map(\.0), ["weight"])
        let x = randomTensor([6, 4], seed: 3, dtype: .float32)
        let labels = [0, 1, 2, 0, 1, 2]
        let opt = SGD(parameters: loss.parameters(), learningRate: 0.5)
        let before = loss(x, labels: labels).item()
        for _ in 0..<20 {
            opt.zeroGrad()
            loss(x, labels: labels).backward()
            opt.step()
        }
        XCTAssertLessThan(loss(x, labels: labels).item(), before)
    }
}
