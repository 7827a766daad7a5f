import KindredMetric
import XCTest

/// Regularisers, losses with regularisers, weighted loss sums (PML fixtures) and the curriculum miner.
final class RegularizerAndComboTests: XCTestCase {
    /// Computes a fixture configuration; `weight` is the loss's own weight tensor when it has one.
    static func run(_ name: String, _ x: Tensor, labels: [Int], weight: Tensor?) -> Tensor {
        let classes = (labels.max() ?? 0) + 1, dim = x.shape[1]
        switch name {
        case "reg_lp": return LpRegularizer()(x)
        case "reg_lp_squared": return LpRegularizer(power: 2)(x)
        case "reg_zero_mean": return ZeroMeanRegularizer()(x)
        case "reg_regularface": return RegularFaceRegularizer()(x)
        case "triplet_embedding_reg":
            let loss = TripletMarginLoss(margin: 0.1)
            loss.embeddingRegularizer = LpRegularizer()
            loss.embeddingRegularizerWeight = 0.1
            return loss(x, labels: labels)
        case "arcface_regularface":
            let loss = ArcFaceLoss(numClasses: classes, embeddingSize: dim, margin: 10, scale: 8, weight: weight)
            loss.weightRegularizer = RegularFaceRegularizer()
            loss.weightRegularizerWeight = 0.5
            return loss(x, labels: labels)
        case "proxyanchor_regularface":
            let loss = ProxyAnchorLoss(numClasses: classes, embeddingSize: dim, proxies: weight)
            loss.weightRegularizer = RegularFaceRegularizer()
            return loss(x, labels: labels)
        case "arcface_plus_triplet":
            let sum = WeightedLossSum([ArcFaceLoss(numClasses: classes, embeddingSize: dim, margin: 10, scale: 8, weight: weight), TripletMarginLoss()],
                                      weights: [1, 0.1], miners: [nil, TripletMarginMiner(margin: 0.2, kind: .semihard)])
            XCTAssertTrue(sum.parameters().contains { $0 === weight })
            return sum(x, labels: labels)
        default: preconditionFailure("unknown configuration \(name)")
        }
    }

    func testMatchPML() {
        let log = ErrorLog()
        let cases = pmlCases("combo")
        XCTAssertEqual(cases.count, 32)
        for c in cases {
            for dtype in DType.allCases {
                let tol = pmlTolerance(dtype)
                let x = c.tensor("embeddings", dtype).requiringGradient()
                let w = c.tensors["weight"] == nil ? nil : c.tensor("weight", dtype).requiringGradient()
                let value = Self.run(c.config, x, labels: c.labels, weight: w)
                let group = c.config.hasPrefix("reg_") ? "regularizer" : "loss with regularizer / sum"
                log.record("\(group) value [\(dtype)]", assertClose([value.item()], [c.loss!], tol: tol, "\(c.name) \(dtype)"))
                value.backward()
                log.record("\(group) gradient [\(dtype)]", assertClose(x.grad?.doubles ?? [], c.expected("grad"), tol: tol, "\(c.name) grad \(dtype)"))
                if let w {
                    log.record("\(group) weight gradient [\(dtype)]", assertClose(w.grad?.doubles ?? [], c.expected("weightGrad"), tol: tol, "\(c.name) weight grad \(dtype)"))
                }
            }
        }
        log.report("regularizers and sums")
    }

    func testGradientChecks() {
        let x = randomTensor([6, 4], seed: 51)
        for name in ["reg_lp", "reg_lp_squared", "reg_zero_mean", "reg_regularface", "triplet_embedding_reg"] {
            assertGradients([x], tol: 1e-6, name) { Self.run(name, $0[0], labels: [0, 1, 0, 1, 2, 2], weight: nil) }
        }
        let w = randomTensor([4, 3], seed: 52)
        assertGradients([x, w], tol: 1e-6, "arcface + triplet") { Self.run("arcface_plus_triplet", $0[0], labels: [0, 1, 0, 1, 2, 2], weight: $0[1]) }
    }

    func testCurriculumByEpoch() {
        let miner = CurriculumTripletMiner(margin: 0.6, schedule: .epochs(2))
        let angles: [Double] = [0, 10, 30, 55, 103, 130, 200]
        let x = Tensor(doubles: angles.flatMap { [cos($0 * .pi / 180), sin($0 * .pi / 180)] }, shape: [7, 2])
        let labels = [0, 0, 0, 1, 1, 1, 2]
        let semihard = TripletMarginMiner(margin: 0.6, kind: .semihard)(x, labels: labels)
        let hard = TripletMarginMiner(margin: 0.6, kind: .hard)(x, labels: labels)
        XCTAssertNotEqual(semihard, hard)
        miner.setEpoch(1)
        XCTAssertEqual(miner(x, labels: labels), semihard)
        miner.setEpoch(2)
        XCTAssertEqual(miner.kind, .hard)
        XCTAssertEqual(miner(x, labels: labels), hard)
        miner.reset()
        XCTAssertEqual(miner(x, labels: labels), semihard)
    }

    func testCurriculumByActiveFraction() {
        let angles: [Double] = [0, 10, 30, 55, 103, 130, 200]
        let x = Tensor(doubles: angles.flatMap { [cos($0 * .pi / 180), sin($0 * .pi / 180)] }, shape: [7, 2])
        let labels = [0, 0, 0, 1, 1, 1, 2]
        let all = IndexTuples.allTriplets(labels: labels).count
        let active = TripletMarginMiner(margin: 0.6, kind: .all)(x, labels: labels).count
        let fraction = Double(active) / Double(all)
        // A threshold above this batch's fraction switches after `patience` batches; one below never does.
        let never = CurriculumTripletMiner(margin: 0.6, schedule: .activeFraction(below: fraction / 2))
        for _ in 0..<3 { _ = never(x, labels: labels) }
        XCTAssertEqual(never.kind, .semihard)
        XCTAssertEqual(never.lastActiveFraction, fraction, accuracy: 1e-12)
        let soon = CurriculumTripletMiner(margin: 0.6, schedule: .activeFraction(below: fraction + 0.01, patience: 2))
        _ = soon(x, labels: labels)
        XCTAssertEqual(soon.kind, .semihard)
        _ = soon(x, labels: labels)
        XCTAssertEqual(soon.kind, .hard)
    }
}
