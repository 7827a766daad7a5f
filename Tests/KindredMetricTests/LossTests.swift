import Foundation
import KindredMetric
import XCTest

/// Embedding losses: PML fixtures (value and gradients, both dtypes, random and edge
/// cases, mined tuples, a separate reference batch), a plain-loop reference, gradient checks.
final class LossTests: XCTestCase {
    func testLossesMatchPML() {
        let log = ErrorLog()
        let cases = pmlCases("loss")
        XCTAssertEqual(cases.count, 146)
        XCTAssertEqual(Set(cases.map(\.config)), Set(lossConfigs))
        for c in cases {
            for dtype in DType.allCases {
                let tol = pmlTolerance(dtype)
                let loss = makeLoss(c.config)
                let x = c.tensor("embeddings", dtype).requiringGradient()
                let r = c.tensors["reference"] == nil ? nil : c.tensor("reference", dtype).requiringGradient()
                let value = loss(x, labels: c.labels, indices: c.tuples, reference: r, refLabels: c.refLabels)
                XCTAssertEqual(value.shape, [], c.name)
                let group = String(c.config.prefix { $0 != "_" })
                log.record("\(group) value [\(dtype)]", assertClose([value.item()], [c.loss!], tol: tol, "\(c.name) \(dtype)"))
                value.backward()
                let grad = x.grad?.doubles ?? [Double](repeating: 0, count: x.count)
                log.record("\(group) gradient [\(dtype)]", assertClose(grad, c.expected("grad"), tol: tol, "\(c.name) grad \(dtype)"))
                if let r {
                    let rg = r.grad?.doubles ?? [Double](repeating: 0, count: r.count)
                    log.record("\(group) gradient [\(dtype)]", assertClose(rg, c.expected("refGrad"), tol: tol, "\(c.name) ref grad \(dtype)"))
                }
            }
        }
        log.report("losses")
    }

    // MARK: Plain-loop reference

    static func rows(_ t: Tensor) -> [[Double]] {
        let v = t.doubles, d = t.shape[1]
        return (0..<t.shape[0]).map { Array(v[($0 * d)..<($0 * d + d)]) }
    }

    static func normalized(_ x: [Double]) -> [Double] {
        let n = Swift.max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return x.map { $0 / n }
    }

    static func euclid(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    static func avgNonZero(_ l: [Double]) -> Double {
        let nz = l.filter { $0 > 0 }
        return nz.isEmpty ? 0 : nz.reduce(0, +) / Double(nz.count)
    }

    func testTripletLossEqualsPlainLoop() {
        let x = randomTensor([10, 4], seed: 3)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
        let e = Self.rows(x).map(Self.normalized)
        for (margin, swap, smooth) in [(0.05, false, false), (0.3, true, false), (0.2, false, true)] {
            var losses: [Double] = []
            for a in 0..<10 { for p in 0..<10 where p != a && labels[p] == labels[a] { for n in 0..<10 where labels[n] != labels[a] {
                var an = Self.euclid(e[a], e[n])
                if swap { an = Swift.min(an, Self.euclid(e[p], e[n])) }
                let v = Self.euclid(e[a], e[p]) - an + margin
                losses.append(smooth ? Foundation.log(1 + Foundation.exp(v)) : Swift.max(v, 0))
            } } }
            let expected = Self.avgNonZero(losses)
            let got = TripletMarginLoss(margin: margin, swap: swap, smooth: smooth)(x, labels: labels).item()
            XCTAssertEqual(got, expected, accuracy: 1e-12, "margin \(margin) swap \(swap) smooth \(smooth)")
        }
    }

    func testContrastiveLossEqualsPlainLoop() {
        let x = randomTensor([9, 3], seed: 4)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1, 1]
        let e = Self.rows(x).map(Self.normalized)
        var pos: [Double] = [], neg: [Double] = []
        for i in 0..<9 { for j in 0..<9 where i != j {
            let d = Self.euclid(e[i], e[j])
            if labels[i] == labels[j] { pos.append(Swift.max(d - 0.2, 0)) } else { neg.append(Swift.max(0.9 - d, 0)) }
        } }
        let got = ContrastiveLoss(posMargin: 0.2, negMargin: 0.9)(x, labels: labels).item()
        XCTAssertEqual(got, Self.avgNonZero(pos) + Self.avgNonZero(neg), accuracy: 1e-12)
    }

    func testMultiSimilaritySupConNTXentCircleEqualPlainLoops() {
        let x = randomTensor([9, 3], seed: 6)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1, 1]
        let e = Self.rows(x).map(Self.normalized)
        func s(_ i: Int, _ j: Int) -> Double { zip(e[i], e[j]).reduce(0) { $0 + $1.0 * $1.1 } }
        func lse(_ v: [Double]) -> Double { v.isEmpty ? 0 : Foundation.log(v.reduce(0) { $0 + Foundation.exp($1) }) }
        var ms = 0.0, supcon: [Double] = [], ntxent: [Double] = [], circle: [Double] = []
        for i in 0..<9 {
            let pos = (0..<9).filter { $0 != i && labels[$0] == labels[i] }
            let neg = (0..<9).filter { labels[$0] != labels[i] }
            ms += Foundation.log(1 + pos.reduce(0) { $0 + Foundation.exp(-2 * (s(i, $1) - 0.5)) }) / 2
                + Foundation.log(1 + neg.reduce(0) { $0 + Foundation.exp(50 * (s(i, $1) - 0.5)) }) / 50
            let denominator = lse((pos + neg).map { s(i, $0) / 0.1 })
            supcon.append(-pos.reduce(0) { $0 + s(i, $1) / 0.1 - denominator } / Double(pos.count))
            for p in pos {
                ntxent.append(-(s(i, p) / 0.1 - lse(([p] + neg).map { s(i, $0) / 0.1 })))
            }
            let lp = lse(pos.map { -80 * Swift.max(1.4 - s(i, $0), 0) * (s(i, $0) - 0.6) })
            let ln = lse(neg.map { 80 * Swift.max(s(i, $0) + 0.4, 0) * (s(i, $0) - 0.4) })
            circle.append(lp + ln > 20 ? lp + ln : Foundation.log(1 + Foundation.exp(lp + ln)))
        }
        XCTAssertEqual(MultiSimilarityLoss()(x, labels: labels).item(), ms / 9, accuracy: 1e-10)
        XCTAssertEqual(SupConLoss()(x, labels: labels).item(), Self.avgNonZero(supcon), accuracy: 1e-10)
        XCTAssertEqual(NTXentLoss(temperature: 0.1)(x, labels: labels).item(), ntxent.reduce(0, +) / Double(ntxent.count), accuracy: 1e-10)
        XCTAssertEqual(CircleLoss()(x, labels: labels).item(), Self.avgNonZero(circle), accuracy: 1e-9)
    }

    func testNPairsEqualsPlainLoop() {
        let x = randomTensor([8, 3], seed: 8)
        let labels = [2, 0, 1, 0, 2, 1, 3, 1]
        let e = Self.rows(x).map(Self.normalized)
        // First positive pair per label, labels ascending: 0 → (1,3), 1 → (2,5), 2 → (0,4); 3 has none.
        let a = [1, 2, 0], p = [3, 5, 4]
        var total = 0.0
        for k in 0..<3 {
            let logits = p.map { j in zip(e[a[k]], e[j]).reduce(0) { $0 + $1.0 * $1.1 } }
            let lse = Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1) })
            total += lse - logits[k]
        }
        XCTAssertEqual(NPairsLoss()(x, labels: labels).item(), total / 3, accuracy: 1e-12)
    }

    // MARK: Gradient checks and edge cases

    func testGradientCheckEveryConfiguration() {
        let x = randomTensor([8, 4], seed: 9)
        let labels = [0, 1, 0, 1, 2, 2, 0, 1]
        for name in lossConfigs {
            // Circle loss treats its scale factors αₚ, αₙ as constants (as PML and the paper), so
            // its gradient is not the value's derivative; check the fully differentiated variant.
            let loss = name == "circle" ? CircleLoss(detachScaleFactors: false)
                : name == "circle_small" ? CircleLoss(m: 0.25, gamma: 16, detachScaleFactors: false) : makeLoss(name)
            assertGradients([x], tol: 1e-6, name) { loss($0[0], labels: labels) }
            // Triplets turned into pairs repeat pairs; PerAnchorReducer (as PML) then counts a pair's
            // value once but passes its gradient to every copy, which is not a derivative. Use pairs.
            let mined = name.contains("per_anchor")
                ? PairMarginMiner(posMargin: 0.5, negMargin: 1.5)(x, labels: labels)
                : TripletMarginMiner(margin: 0.5)(x, labels: labels)
            assertGradients([x], tol: 1e-6, "\(name) mined") { loss($0[0], labels: labels, indices: mined) }
            let ref = randomTensor([5, 4], seed: 10)
            if !name.contains("swap") && !name.contains("per_anchor") && !name.hasPrefix("npairs") {
                assertGradients([x, ref], tol: 1e-6, "\(name) reference") { loss($0[0], labels: labels, reference: $0[1], refLabels: [0, 1, 2, 0, 1]) }
            }
        }
    }

    func testNoTuplesGiveZeroLossZeroGradientAndACount() {
        for name in lossConfigs {
            for labels in [[0, 0, 0, 0], [0, 1, 2, 3]] {
                let loss = makeLoss(name)
                let x = randomTensor([4, 3], seed: 2).requiringGradient()
                let value = loss(x, labels: labels)
                value.backward()
                XCTAssertTrue(value.item().isFinite, name)
                XCTAssertTrue(x.grad!.doubles.allSatisfy { $0.isFinite }, name)
                // Triplets, NT-Xent and SupCon need positives and negatives; pair losses keep the part
                // that exists; N-pairs needs positives only (one class → one pair → zero loss).
                let needsBoth = ["triplet", "ntxent", "supcon"].contains { name.hasPrefix($0) } || (name.hasPrefix("npairs") && labels != [0, 0, 0, 0])
                if needsBoth {
                    XCTAssertEqual(value.item(), 0, name)
                    XCTAssertEqual(x.grad!.doubles, [Double](repeating: 0, count: 12), name)
                    XCTAssertEqual(loss.emptyBatchCount, 1, name)
                    XCTAssertEqual(loss.lastTupleCount, 0, name)
                }
            }
        }
        // Empty explicit tuples.
        let x = randomTensor([4, 3], seed: 2).requiringGradient()
        let v = TripletMarginLoss()(x, indices: .triplets(a: [], p: [], n: []))
        v.backward()
        XCTAssertEqual(v.item(), 0)
        XCTAssertEqual(x.grad!.doubles, [Double](repeating: 0, count: 12))
    }

    func testLossesAreModulesWithoutParameters() {
        let loss: Module = TripletMarginLoss()
        XCTAssertTrue(loss.parameters().isEmpty)
    }
}
