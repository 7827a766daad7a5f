import Foundation
import KindredMetric
import XCTest

// Shared helpers: tolerant comparisons and the pytorch-metric-learning fixtures.

/// Asserts |a - b| ≤ tol · max(1, |b|) elementwise and returns the largest such error.
@discardableResult
func assertClose(_ a: [Double], _ b: [Double], tol: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    guard a.count == b.count else {
        XCTFail("count \(a.count) != \(b.count) \(message())", file: file, line: line)
        return .infinity
    }
    var worst = 0.0, worstIndex = -1
    for i in a.indices {
        let err = Swift.abs(a[i] - b[i]) / Swift.max(1, Swift.abs(b[i]))
        if err > worst || err.isNaN {
            worst = err.isNaN ? .infinity : err
            worstIndex = i
        }
    }
    if worst > tol {
        XCTFail("max error \(worst) > \(tol) at \(worstIndex): \(a[worstIndex]) vs \(b[worstIndex]) \(message())", file: file, line: line)
    }
    return worst
}

/// Runs a float64 finite-difference gradient check and asserts its error is below `tol`.
@discardableResult
func assertGradients(_ inputs: [Tensor], tol: Double = 1e-6, _ message: @autoclosure () -> String = "",
                     file: StaticString = #filePath, line: UInt = #line, _ function: ([Tensor]) -> Tensor) -> Double {
    let r = gradientCheck(inputs: inputs, function: function)
    XCTAssertLessThan(r.maxError, tol, "\(r) \(message())", file: file, line: line)
    return r.maxError
}

/// A float64 tensor of deterministic values in [low, high).
func randomTensor(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1, dtype: DType = .float64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let v = (0..<shape.reduce(1, *)).map { _ in low + (high - low) * rng.nextUniform() }
    return Tensor(doubles: v, shape: shape, dtype: dtype)
}

/// A tensor stored in a fixture, or the name of a shared one (`{"shared": name}`).
struct FixtureTensor: Decodable {
    var shape: [Int]
    var data: [Double]
    var shared: String?
    func tensor(_ dtype: DType) -> Tensor { Tensor(doubles: data, shape: shape, dtype: dtype) }

    private enum Keys: String, CodingKey { case shape, data, shared }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        shape = try c.decodeIfPresent([Int].self, forKey: .shape) ?? []
        data = try c.decodeIfPresent([Double].self, forKey: .data) ?? []
        shared = try c.decodeIfPresent(String.self, forKey: .shared)
    }
}

/// One reference computation by pytorch-metric-learning (see Fixtures/make_pml_fixtures.py).
/// The file leaves out empty fields and stores repeated inputs once; loading fills them back in.
struct PMLCase: Decodable {
    var name: String
    let group: String
    let config: String
    let fixture: String
    var labels: [Int]
    let refLabels: [Int]?
    var tensors: [String: FixtureTensor]
    let loss: Double?
    var indices: [String: [Int]]
    let indexKind: String?
    let sharedIndices: String?
    let sharedLabels: String?

    private enum Keys: String, CodingKey {
        case name, group, config, fixture, labels, refLabels, tensors, loss, indices, indexKind, sharedIndices, sharedLabels
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        group = try c.decode(String.self, forKey: .group)
        config = try c.decode(String.self, forKey: .config)
        fixture = try c.decode(String.self, forKey: .fixture)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "\(config)/\(fixture)"
        labels = try c.decodeIfPresent([Int].self, forKey: .labels) ?? []
        refLabels = try c.decodeIfPresent([Int].self, forKey: .refLabels)
        tensors = try c.decodeIfPresent([String: FixtureTensor].self, forKey: .tensors) ?? [:]
        loss = try c.decodeIfPresent(Double.self, forKey: .loss)
        indices = try c.decodeIfPresent([String: [Int]].self, forKey: .indices) ?? [:]
        indexKind = try c.decodeIfPresent(String.self, forKey: .indexKind)
        sharedIndices = try c.decodeIfPresent(String.self, forKey: .sharedIndices)
        sharedLabels = try c.decodeIfPresent(String.self, forKey: .sharedLabels)
    }

    func tensor(_ key: String, _ dtype: DType) -> Tensor {
        guard let t = tensors[key] else { preconditionFailure("fixture \(name) has no tensor \(key)") }
        return t.tensor(dtype)
    }

    func expected(_ key: String) -> [Double] { tensors[key]?.data ?? [] }

    /// The case's index tuples (miner output, or the tuples given to a loss).
    var tuples: IndexTuples? {
        switch indexKind {
        case "triplets": return .triplets(a: indices["a"]!, p: indices["p"]!, n: indices["n"]!)
        case "pairs": return .pairs(a1: indices["a1"]!, p: indices["p"]!, a2: indices["a2"]!, n: indices["n"]!)
        default: return nil
        }
    }
}

private struct PMLFile: Decodable {
    let cases: [PMLCase]
    let shared: [String: FixtureTensor]
    let sharedIndices: [String: [String: [Int]]]
    let sharedLabels: [String: [Int]]

    /// The cases with shared tensors, indices and labels filled in.
    var resolved: [PMLCase] {
        cases.map { c in
            var c = c
            for (k, t) in c.tensors {
                if let name = t.shared {
                    guard let s = shared[name] else { preconditionFailure("\(c.name): no shared tensor \(name)") }
                    c.tensors[k] = s
                }
            }
            if let name = c.sharedIndices { c.indices = sharedIndices[name] ?? [:] }
            if let name = c.sharedLabels { c.labels = sharedLabels[name] ?? [] }
            return c
        }
    }
}

/// The PML fixture cases of one group, loaded once.
func pmlCases(_ group: String) -> [PMLCase] {
    let all = PMLFixtures.all
    XCTAssertFalse(all.isEmpty, "no PML fixtures loaded")
    return all.filter { $0.group == group }
}

enum PMLFixtures {
    static let all: [PMLCase] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent("pml.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(PMLFile.self, from: data) else {
            return []
        }
        return file.resolved
    }()
}

/// Tolerance against float64 PML numbers: float64 agrees to rounding (torch.cdist's matrix-product
/// path for batches over 25 rows carries about 1e-8); float32 to float32 rounding amplified by
/// normalisation and square roots.
func pmlTolerance(_ dtype: DType) -> Double { dtype == .float64 ? 1e-7 : 1e-5 }

/// Largest error seen per key, printed so the report can quote it.
final class ErrorLog {
    private var worst: [String: Double] = [:]
    func record(_ key: String, _ err: Double) { worst[key] = Swift.max(worst[key] ?? 0, err) }
    func report(_ title: String) {
        for (k, v) in worst.sorted(by: { $0.key < $1.key }) { print("PML max error \(title) \(k): \(v)") }
    }
}

// MARK: The configurations named in the fixtures

func makeDistance(_ name: String) -> BaseDistance {
    switch name {
    case "lp": return LpDistance()
    case "lp_squared": return LpDistance(power: 2)
    case "lp_raw": return LpDistance(normalizeEmbeddings: false)
    case "cosine": return CosineSimilarity()
    case "dot_raw": return DotProductSimilarity(normalizeEmbeddings: false)
    default: preconditionFailure("unknown distance \(name)")
    }
}

/// Every loss configuration in the fixtures.
let lossConfigs = ["triplet", "triplet_m02_swap", "triplet_smooth", "triplet_cosine_swap", "triplet_mean_squared",
                   "triplet_sum_raw", "contrastive", "contrastive_margins", "contrastive_cosine",
                   "contrastive_per_anchor", "contrastive_threshold", "multisimilarity", "multisimilarity_lp",
                   "ntxent", "ntxent_lp", "supcon", "supcon_lp", "circle", "circle_small", "npairs", "npairs_lp"]

func makeLoss(_ name: String) -> MetricLoss {
    switch name {
    case "triplet": return TripletMarginLoss()
    case "triplet_m02_swap": return TripletMarginLoss(margin: 0.2, swap: true)
    case "triplet_smooth": return TripletMarginLoss(margin: 0.1, smooth: true)
    case "triplet_cosine_swap": return TripletMarginLoss(margin: 0.1, swap: true, distance: CosineSimilarity())
    case "triplet_mean_squared": return TripletMarginLoss(margin: 0.3, distance: LpDistance(power: 2), reducer: MeanReducer())
    case "triplet_sum_raw": return TripletMarginLoss(margin: 0.5, distance: LpDistance(normalizeEmbeddings: false), reducer: SumReducer())
    case "contrastive": return ContrastiveLoss()
    case "contrastive_margins": return ContrastiveLoss(posMargin: 0.3, negMargin: 1.2)
    case "contrastive_cosine": return ContrastiveLoss(posMargin: 1, negMargin: 0, distance: CosineSimilarity())
    case "contrastive_per_anchor": return ContrastiveLoss(posMargin: 0.2, negMargin: 1.1, reducer: PerAnchorReducer())
    case "contrastive_threshold": return ContrastiveLoss(posMargin: 0.1, negMargin: 1.3, reducer: ThresholdReducer(low: 0.05, high: 0.9))
    case "multisimilarity": return MultiSimilarityLoss()
    case "multisimilarity_lp": return MultiSimilarityLoss(alpha: 1, beta: 10, base: 0.8, distance: LpDistance())
    case "ntxent": return NTXentLoss(temperature: 0.1)
    case "ntxent_lp": return NTXentLoss(temperature: 0.5, distance: LpDistance())
    case "supcon": return SupConLoss()
    case "supcon_lp": return SupConLoss(temperature: 0.2, distance: LpDistance(power: 2))
    case "circle": return CircleLoss()
    case "circle_small": return CircleLoss(m: 0.25, gamma: 16)
    case "npairs": return NPairsLoss()
    case "npairs_lp": return NPairsLoss(distance: LpDistance())
    default: preconditionFailure("unknown loss \(name)")
    }
}

func makeMiner(_ name: String) -> any Miner {
    switch name {
    case "batch_hard": return BatchHardMiner()
    case "batch_hard_cosine": return BatchHardMiner(distance: CosineSimilarity())
    case "triplet_all": return TripletMarginMiner(margin: 0.2, kind: .all)
    case "triplet_hard": return TripletMarginMiner(margin: 0.2, kind: .hard)
    case "triplet_semihard": return TripletMarginMiner(margin: 0.2, kind: .semihard)
    case "triplet_easy": return TripletMarginMiner(margin: 0.2, kind: .easy)
    case "triplet_semihard_cosine": return TripletMarginMiner(margin: 0.3, kind: .semihard, distance: CosineSimilarity())
    case "pair_margin": return PairMarginMiner(posMargin: 0.9, negMargin: 1.2)
    case "pair_margin_cosine": return PairMarginMiner(posMargin: 0.5, negMargin: 0.1, distance: CosineSimilarity())
    case "multi_similarity": return MultiSimilarityMiner(epsilon: 0.1)
    case "multi_similarity_lp": return MultiSimilarityMiner(epsilon: 0.2, distance: LpDistance())
    default:
        guard let miner = makeEasyHardMiner(name) else { preconditionFailure("unknown miner \(name)") }
        return miner
    }
}

/// The BatchEasyHardMiner configurations of the fixtures.
func makeEasyHardMiner(_ name: String) -> BatchEasyHardMiner? {
    typealias S = BatchEasyHardMiner.Strategy
    let configs: [String: (S, S, ClosedRange<Double>?, ClosedRange<Double>?, BaseDistance)] = [
        "easy_hard": (.easy, .semihard, nil, nil, LpDistance()),
        "easy_hard_hard_hard": (.hard, .hard, nil, nil, LpDistance()),
        "easy_hard_semihard_hard": (.semihard, .hard, nil, nil, LpDistance()),
        "easy_hard_easy_easy": (.easy, .easy, nil, nil, LpDistance()),
        "easy_hard_hard_semihard_cosine": (.hard, .semihard, nil, nil, CosineSimilarity()),
        "easy_hard_semihard_easy_cosine": (.semihard, .easy, nil, nil, CosineSimilarity()),
        "easy_hard_all_hard": (.all, .hard, nil, nil, LpDistance()),
        "easy_hard_easy_all": (.easy, .all, nil, nil, LpDistance()),
        "easy_hard_ranges": (.hard, .easy, 0.3...1.1, 0.6...1.3, LpDistance()),
    ]
    guard let (p, n, pr, nr, d) = configs[name] else { return nil }
    return try? BatchEasyHardMiner(positiveStrategy: p, negativeStrategy: n, allowedPositiveRange: pr,
                                   allowedNegativeRange: nr, distance: d)
}

/// Index tuples as a set of tuples (order-free comparison).
func tupleSet(_ t: IndexTuples) -> Set<[Int]> {
    switch t {
    case let .triplets(a, p, n): return Set(a.indices.map { [a[$0], p[$0], n[$0]] })
    case let .pairs(a1, p, a2, n):
        return Set(a1.indices.map { [1, a1[$0], p[$0]] } + a2.indices.map { [0, a2[$0], n[$0]] })
    }
}
