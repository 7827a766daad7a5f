import Foundation
import XCTest
import KindredNN

/// Reference numbers written by `Fixtures/make_optim_fixtures.py` (PyTorch's torch.optim).
enum OptimFixtures {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("optim_fixtures.json")

    static func load() throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NSError(domain: "OptimFixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "fixture root is not an object"])
        }
        return root
    }

    static func doubles(_ v: Any?) -> [Double] { (v as? [Any] ?? []).map { number($0) } }

    static func number(_ v: Any?) -> Double {
        if let d = v as? Double { return d }
        if let n = v as? NSNumber { return n.doubleValue }
        if let i = v as? Int { return Double(i) }
        return .nan
    }

    static func flag(_ v: Any?) -> Bool {
        if let b = v as? Bool { return b }
        return number(v) != 0
    }

    static func ints(_ v: Any?) -> [Int] { doubles(v).map { Int($0) } }

    /// Largest deviation of `a` from `b`, elementwise relative to `max(|bᵢ|, max_j |b_j|)`: the
    /// deviation relative to the tensor's scale, so that an element that nearly cancels to 0 is
    /// not held to a tighter absolute bound than its neighbours.
    static func tensorDeviation(_ a: [Double], _ b: [Double]) -> Double {
        let scale = Swift.max(b.reduce(0) { Swift.max($0, Swift.abs($1)) }, 1e-30)
        return zip(a, b).reduce(0) { Swift.max($0, a.count == b.count ? Swift.abs($1.0 - $1.1) / scale : .infinity) }
    }

    /// Deviation of `a` from `b`, relative to `max(|b|, floor)`.
    static func deviation(_ a: Double, _ b: Double, floor: Double = 1e-3) -> Double {
        if a == b { return 0 }
        return Swift.abs(a - b) / Swift.max(Swift.abs(b), floor)
    }
}

final class OptimizerTests: XCTestCase {

    // MARK: Against PyTorch

    /// Builds the optimiser a fixture describes.
    private func makeOptimizer(_ fixture: [String: Any], params: [Tensor]) -> Optimizer {
        let kind = fixture["optimizer"] as? String ?? ""
        let o = fixture["options"] as? [String: Any] ?? [:]
        let lr = OptimFixtures.number(o["lr"])
        let wd = o["weight_decay"].map { OptimFixtures.number($0) }
        var groups = [ParameterGroup(parameters: params)]
        if let gs = fixture["groups"] as? [[String: Any]] {
            groups = gs.map { g in
                ParameterGroup(parameters: OptimFixtures.ints(g["params"]).map { params[$0] },
                               learningRate: g["lr"].map { OptimFixtures.number($0) },
                               weightDecay: g["weight_decay"].map { OptimFixtures.number($0) })
            }
        }
        let betas = o["betas"].map { OptimFixtures.doubles($0) } ?? [0.9, 0.999]
        let eps = o["eps"].map { OptimFixtures.number($0) } ?? 1e-8
        let ams = o["amsgrad"].map { OptimFixtures.flag($0) } ?? false
        let maxim = o["maximize"].map { OptimFixtures.flag($0) } ?? false
        switch kind {
        case "SGD":
            return SGD(groups: groups, learningRate: lr, momentum: o["momentum"].map { OptimFixtures.number($0) } ?? 0,
                       dampening: o["dampening"].map { OptimFixtures.number($0) } ?? 0,
                       nesterov: o["nesterov"].map { OptimFixtures.flag($0) } ?? false,
                       weightDecay: wd ?? 0, maximize: maxim)
        case "Adam":
            return Adam(groups: groups, learningRate: lr, betas: (betas[0], betas[1]), epsilon: eps, weightDecay: wd ?? 0,
                        amsgrad: ams, maximize: maxim)
        default:
            return AdamW(groups: groups, learningRate: lr, betas: (betas[0], betas[1]), epsilon: eps, weightDecay: wd ?? 1e-2,
                         amsgrad: ams, maximize: maxim)
        }
    }

    func testOptimizersMatchPyTorch() throws {
        let root = try OptimFixtures.load()
        let fixtures = root["optimizers"] as? [[String: Any]] ?? []
        XCTAssertEqual(fixtures.count, 30)
        var worst: [String: Double] = ["float32": 0, "float64": 0], worstElement = worst
        for fx in fixtures {
            let name = (fx["name"] as? String ?? "?") + "/" + (fx["dtype"] as? String ?? "?")
            let dtype: DType = fx["dtype"] as? String == "float64" ? .float64 : .float32
            let shapes = (fx["shapes"] as? [Any] ?? []).map { OptimFixtures.ints($0) }
            let initial = (fx["initial"] as? [Any] ?? []).map { OptimFixtures.doubles($0) }
            let params = zip(initial, shapes).map { Tensor(doubles: $0.0, shape: $0.1, dtype: dtype).requiringGradient() }
            let opt = makeOptimizer(fx, params: params)
            let grads = fx["grads"] as? [[Any]] ?? []
            let trajectory = fx["trajectory"] as? [[Any]] ?? []
            XCTAssertEqual(grads.count, 10, name)
            var maxDev = 0.0, maxElement = 0.0
            for (step, stepGrads) in grads.enumerated() {
                for (j, g) in stepGrads.enumerated() {
                    params[j].grad = g is NSNull ? nil : Tensor(doubles: OptimFixtures.doubles(g), shape: shapes[j], dtype: dtype)
                }
                opt.step()
                for (j, expected) in trajectory[step].enumerated() {
                    let want = OptimFixtures.doubles(expected)
                    let got = params[j].doubles
                    XCTAssertEqual(got.count, want.count, name)
                    maxDev = Swift.max(maxDev, OptimFixtures.tensorDeviation(got, want))
                    for (a, b) in zip(got, want) { maxElement = Swift.max(maxElement, OptimFixtures.deviation(a, b)) }
                }
            }
            // Final state, under PyTorch's names.
            let state = Dictionary(opt.stateDict(), uniquingKeysWith: { a, _ in a })
            for (index, entries) in fx["final_state"] as? [String: Any] ?? [:] {
                for (key, value) in entries as? [String: Any] ?? [:] {
                    guard let mine = state["state.\(index).\(key)"] else { XCTFail("\(name): no state.\(index).\(key)"); continue }
                    let want = value is NSNumber ? [OptimFixtures.number(value)] : OptimFixtures.doubles(value)
                    XCTAssertEqual(mine.count, want.count, "\(name) state.\(index).\(key)")
                    maxDev = Swift.max(maxDev, OptimFixtures.tensorDeviation(mine.doubles, want))
                }
            }
            let tolerance = dtype == .float32 ? 1e-6 : 1e-12
            XCTAssertLessThanOrEqual(maxDev, tolerance, "\(name): max deviation \(maxDev) from PyTorch")
            worst[dtype.rawValue] = Swift.max(worst[dtype.rawValue] ?? 0, maxDev)
            worstElement[dtype.rawValue] = Swift.max(worstElement[dtype.rawValue] ?? 0, maxElement)
        }
        print("optimisers vs PyTorch: max deviation relative to tensor scale: float32 \(worst["float32"] ?? -1), float64 \(worst["float64"] ?? -1); "
              + "elementwise relative (|b| ≥ 1e-3): float32 \(worstElement["float32"] ?? -1), float64 \(worstElement["float64"] ?? -1)")
    }

    func testGradientClippingMatchesPyTorch() throws {
        let root = try OptimFixtures.load()
        var worst = 0.0
        for fx in root["clipping"] as? [[String: Any]] ?? [] {
            let dtype: DType = fx["dtype"] as? String == "float64" ? .float64 : .float32
            let shapes = (fx["shapes"] as? [Any] ?? []).map { OptimFixtures.ints($0) }
            let grads = (fx["grads"] as? [Any] ?? []).map { OptimFixtures.doubles($0) }
            let tolerance = dtype == .float32 ? 1e-6 : 1e-12
            for case let c as [String: Any] in fx["cases"] as? [Any] ?? [] {
                let params = shapes.map { Tensor.zeros($0, dtype: dtype).requiringGradient() }
                for (p, g) in zip(params, grads) { p.grad = Tensor(doubles: g, shape: p.shape, dtype: dtype) }
                let limit = OptimFixtures.number(c["max"])
                if c["kind"] as? String == "norm" {
                    let total = clipGradientNorm(params, maxNorm: limit)
                    let dev = OptimFixtures.deviation(total, OptimFixtures.number(c["total_norm"]))
                    XCTAssertLessThanOrEqual(dev, tolerance, "total norm, max \(limit)")
                    worst = Swift.max(worst, dev)
                } else {
                    clipGradientValue(params, maxValue: limit)
                }
                for (p, want) in zip(params, (c["clipped"] as? [Any] ?? []).map { OptimFixtures.doubles($0) }) {
                    for (a, b) in zip(p.grad?.doubles ?? [], want) {
                        let dev = OptimFixtures.deviation(a, b)
                        XCTAssertLessThanOrEqual(dev, tolerance, "\(c["kind"] ?? "") clipping, max \(limit)")
                        worst = Swift.max(worst, dev)
                    }
                }
            }
        }
        print("gradient clipping vs PyTorch: max relative deviation \(worst)")
    }

    // MARK: Plain-loop references

    /// Deterministic pseudo-gradients.
    private func syntheticGradient(step: Int, param: Int, count: Int) -> [Double] {
        let phase: Double = 1.1 * Double(step) + 0.5 * Double(param)
        let scale: Double = 1 + 0.3 * Double(step % 3)
        return (0..<count).map { (i: Int) -> Double in
            let x: Double = 0.37 * Double(i + 1) + phase
            return Foundation.sin(x) * scale
        }
    }

    func testSGDMatchesPlainLoop() {
        for nesterov in [false, true] {
            let lr = 0.03, mu = 0.9, tau = nesterov ? 0.0 : 0.2, wd = 1e-3
            let p = Tensor(doubles: (0..<7).map { Double($0) * 0.1 - 0.3 }, shape: [7]).requiringGradient()
            var ref = p.doubles
            var buf: [Double]? = nil
            let opt = SGD(parameters: [p], learningRate: lr, momentum: mu, dampening: tau, nesterov: nesterov, weightDecay: wd)
            for step in 0..<6 {
                let g = syntheticGradient(step: step, param: 0, count: 7)
                p.grad = Tensor(doubles: g, shape: [7])
                opt.step()
                let gd = zip(g, ref).map { $0 + wd * $1 }
                let b = buf.map { zip($0, gd).map { $0 * mu + (1 - tau) * $1 } } ?? gd
                buf = b
                let d = nesterov ? zip(gd, b).map { $0 + mu * $1 } : b
                ref = zip(ref, d).map { $0 - lr * $1 }
                for (a, r) in zip(p.doubles, ref) { XCTAssertEqual(a, r, accuracy: 1e-13 * Swift.max(1, Swift.abs(r))) }
            }
        }
    }

    func testAdamAndAdamWMatchPlainLoop() {
        for (decoupled, amsgrad) in [(false, false), (false, true), (true, false), (true, true)] {
            let lr = 0.02, b1 = 0.85, b2 = 0.99, eps = 1e-7, wd = 0.05
            let p = Tensor(doubles: (0..<9).map { Foundation.cos(Double($0)) }, shape: [3, 3]).requiringGradient()
            var ref = p.doubles
            var m = [Double](repeating: 0, count: 9), v = m, vmax = m
            let opt: Optimizer = decoupled
                ? AdamW(parameters: [p], learningRate: lr, betas: (b1, b2), epsilon: eps, weightDecay: wd, amsgrad: amsgrad)
                : Adam(parameters: [p], learningRate: lr, betas: (b1, b2), epsilon: eps, weightDecay: wd, amsgrad: amsgrad)
            for step in 1...8 {
                let g0 = syntheticGradient(step: step, param: 1, count: 9)
                p.grad = Tensor(doubles: g0, shape: [3, 3])
                opt.step()
                if decoupled { ref = ref.map { $0 * (1 - lr * wd) } }
                let g = decoupled ? g0 : zip(g0, ref).map { $0 + wd * $1 }
                let t = Double(step)
                for i in 0..<9 {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    vmax[i] = Swift.max(vmax[i], v[i])
                    let mHat = m[i] / (1 - Foundation.pow(b1, t))
                    let vHat = (amsgrad ? vmax[i] : v[i]) / (1 - Foundation.pow(b2, t))
                    ref[i] -= lr * mHat / (vHat.squareRoot() + eps)
                }
                for (a, r) in zip(p.doubles, ref) { XCTAssertEqual(a, r, accuracy: 1e-12 * Swift.max(1, Swift.abs(r)), "decoupled \(decoupled) amsgrad \(amsgrad)") }
            }
        }
    }

    func testParametersWithoutGradientAreSkipped() {
        let a = Tensor([1, 2, 3]).requiringGradient()
        let b = Tensor([4, 5]).requiringGradient()
        let opt = Adam(parameters: [a, b], learningRate: 0.1)
        a.grad = Tensor([1, 1, 1])
        opt.step()
        XCTAssertEqual(b.scalars, [4, 5])
        XCTAssertEqual(opt.stepCount(at: 0), 1)
        XCTAssertEqual(opt.stepCount(at: 1), 0)
        XCTAssertNil(opt.firstMoment(at: 1))
        XCTAssertFalse(opt.stateDict().contains { $0.0.hasPrefix("state.1.") })
        b.grad = Tensor([1, -1])
        opt.step()
        XCTAssertEqual(opt.stepCount(at: 0), 2)
        XCTAssertEqual(opt.stepCount(at: 1), 1)
        // First Adam step moves each element by ≈ lr·sign(g).
        XCTAssertEqual(b.scalars[0], 3.9, accuracy: 1e-5)
        XCTAssertEqual(b.scalars[1], 5.1, accuracy: 1e-5)
        opt.zeroGrad()
        XCTAssertNil(a.grad)
        XCTAssertNil(b.grad)
    }

    func testStepRecordsNoGraphAndKeepsParametersLeaves() {
        let w = Tensor([0.5, -0.5]).requiringGradient()
        let opt = SGD(parameters: [w], learningRate: 0.1, momentum: 0.9)
        let loss = (w * w).sum()
        loss.backward()
        opt.step()
        XCTAssertTrue(w.requiresGrad)
        XCTAssertEqual(w.scalars[0], 0.4, accuracy: 1e-7)
        XCTAssertEqual(w.scalars[1], -0.4, accuracy: 1e-7)
        // The parameter is still a leaf usable in a new graph.
        w.grad = nil
        (w * 3).sum().backward()
        XCTAssertEqual(w.grad?.scalars ?? [], [3, 3])
    }

    func testNonContiguousParameterAndForeignGradient() {
        // A transposed view as parameter; a float64, non-contiguous gradient for a float32 parameter.
        let base = Tensor((0..<6).map(Float.init), shape: [2, 3])
        let view = base.transposed(0, 1).requiringGradient()
        let ref = Tensor(view.scalars, shape: [3, 2]).requiringGradient()
        let g64 = Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed(0, 1)
        let opt = SGD(parameters: [view], learningRate: 0.5)
        let refOpt = SGD(parameters: [ref], learningRate: 0.5)
        view.grad = g64
        ref.grad = Tensor(g64.scalars, shape: [3, 2])
        opt.step()
        refOpt.step()
        XCTAssertEqual(view.scalars, ref.scalars)
        XCTAssertEqual(base.scalars, Tensor(ref.scalars, shape: [3, 2]).transposed(0, 1).scalars)
    }

    // MARK: Groups and learning rate

    func testGroupsFallBackToDefaultsAndLearningRateScalesProportionally() {
        let a = Tensor([1]).requiringGradient(), b = Tensor([1]).requiringGradient(), c = Tensor([1]).requiringGradient()
        let opt = SGD(groups: [ParameterGroup(parameters: [a], learningRate: 0.01),
                               ParameterGroup(parameters: [b, c], weightDecay: 0.5)],
                      learningRate: 0.1, weightDecay: 0.1)
        XCTAssertEqual(opt.groups.map(\.learningRate), [0.01, 0.1])
        XCTAssertEqual(opt.groups.map(\.weightDecay), [0.1, 0.5])
        XCTAssertEqual(opt.groups.map(\.firstIndex), [0, 1])
        XCTAssertEqual(opt.parameterCount, 3)
        opt.learningRate = 0.05
        XCTAssertEqual(opt.learningRate, 0.05)
        XCTAssertEqual(opt.groups[0].learningRate, 0.005, accuracy: 1e-15)
        XCTAssertEqual(opt.groups[1].learningRate, 0.05, accuracy: 1e-15)
        opt.setLearningRate(0.2, group: 1)
        XCTAssertEqual(opt.groups[1].learningRate, 0.2)
        for p in [a, b, c] { p.grad = Tensor([1]) }
        opt.step()
        XCTAssertEqual(a.scalars[0], Float(1 - 0.005 * (1 + 0.1)), accuracy: 1e-7)
        XCTAssertEqual(b.scalars[0], Float(1 - 0.2 * (1 + 0.5)), accuracy: 1e-7)
    }

    // MARK: State save / restore

    private func runSteps(_ opt: Optimizer, _ params: [Tensor], from: Int, to: Int) {
        for step in from..<to {
            for (j, p) in params.enumerated() {
                // Parameter 1 skips step 2, so per-parameter step counts differ.
                p.grad = (j == 1 && step == 2) ? nil : Tensor(doubles: syntheticGradient(step: step, param: j, count: p.count), shape: p.shape, dtype: p.dtype)
            }
            opt.step()
        }
    }

    private func makeParams() -> [Tensor] {
        [Tensor((0..<12).map { Float($0) * 0.1 - 0.5 }, shape: [3, 4]).requiringGradient(),
         Tensor([0.3, -0.7, 1.1], shape: [3]).requiringGradient()]
    }

    private let factories: [(String, ([Tensor]) -> Optimizer)] = [
        ("SGD", { SGD(groups: [ParameterGroup(parameters: [$0[0]]), ParameterGroup(parameters: [$0[1]], learningRate: 0.02)],
                      learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3) }),
        ("Adam", { Adam(groups: [ParameterGroup(parameters: [$0[0]], weightDecay: 0.1), ParameterGroup(parameters: [$0[1]])],
                        learningRate: 0.01, amsgrad: true) }),
        ("AdamW", { AdamW(parameters: $0, learningRate: 0.01, weightDecay: 0.05) }),
    ]

    func testResumeIsBitIdentical() throws {
        for (name, make) in factories {
            let straight = makeParams()
            let optA = make(straight)
            runSteps(optA, straight, from: 0, to: 10)

            let resumed = makeParams()
            let first = make(resumed)
            runSteps(first, resumed, from: 0, to: 5)
            first.learningRate *= 1  // state includes learning rates
            let saved = first.stateDict()
            let second = make(resumed)
            try second.loadStateDict(saved)
            runSteps(second, resumed, from: 5, to: 10)

            for (x, y) in zip(straight, resumed) {
                XCTAssertEqual(x.scalars.map(\.bitPattern), y.scalars.map(\.bitPattern), "\(name): resumed run differs")
            }
            let s1 = optA.stateDict(), s2 = second.stateDict()
            XCTAssertEqual(s1.map(\.0), s2.map(\.0), name)
            for (a, b) in zip(s1, s2) { XCTAssertEqual(a.1.doubles, b.1.doubles, "\(name) \(a.0)") }
        }
    }

    func testStateDictLayout() {
        let params = makeParams()
        let opt = Adam(groups: [ParameterGroup(parameters: [params[0]]), ParameterGroup(parameters: [params[1]], learningRate: 0.5)],
                       learningRate: 0.01, amsgrad: true)
        runSteps(opt, params, from: 0, to: 3)
        let keys = opt.stateDict().map(\.0)
        for k in ["state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.1.step",
                  "param_groups.0.lr", "param_groups.0.initial_lr", "param_groups.0.weight_decay", "param_groups.0.params",
                  "param_groups.0.betas", "param_groups.0.eps", "param_groups.0.amsgrad", "param_groups.1.lr",
                  "defaults.lr", "defaults.initial_lr"] {
            XCTAssertTrue(keys.contains(k), "missing \(k)")
        }
        let dict = Dictionary(opt.stateDict(), uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(dict["state.0.step"]?.item(), 3)
        XCTAssertEqual(dict["state.1.step"]?.item(), 2)
        XCTAssertEqual(dict["state.0.exp_avg"]?.shape, [3, 4])
        XCTAssertEqual(dict["param_groups.1.params"]?.doubles, [1])
        XCTAssertEqual(dict["param_groups.1.lr"]?.item(), 0.5)
        XCTAssertEqual(dict["param_groups.0.betas"]?.doubles, [0.9, 0.999])
        // Saved tensors are copies: stepping does not change them.
        let before = dict["state.0.exp_avg"]?.doubles
        runSteps(opt, params, from: 3, to: 4)
        XCTAssertEqual(dict["state.0.exp_avg"]?.doubles, before)
    }

    func testLoadValidationNamesTheKey() {
        let params = makeParams()
        let opt = Adam(parameters: params, learningRate: 0.01)
        runSteps(opt, params, from: 0, to: 3)
        let good = opt.stateDict()

        func attempt(_ entries: [(String, Tensor)], _ expected: OptimizerStateError, _ target: Optimizer? = nil, file: StaticString = #filePath, line: UInt = #line) {
            let fresh = target ?? Adam(parameters: makeParams(), learningRate: 0.123)
            XCTAssertThrowsError(try fresh.loadStateDict(entries), file: file, line: line) { error in
                XCTAssertEqual(error as? OptimizerStateError, expected, file: file, line: line)
                XCTAssertFalse("\(error)".isEmpty)
            }
            // A failed load changes nothing.
            if target == nil {
                XCTAssertEqual(fresh.learningRate, 0.123, file: file, line: line)
                XCTAssertEqual(fresh.stateDict().filter { $0.0.hasPrefix("state.") }.count, 0, file: file, line: line)
            }
        }
        attempt(good.filter { $0.0 != "state.1.exp_avg_sq" }, .missingKey("state.1.exp_avg_sq"))
        attempt(good.filter { $0.0 != "param_groups.0.lr" }, .missingKey("param_groups.0.lr"))
        attempt(good.map { $0.0 == "state.0.exp_avg" ? ($0.0, Tensor.zeros([4, 3])) : $0 },
                .shapeMismatch(key: "state.0.exp_avg", expected: [3, 4], found: [4, 3]))
        attempt(good + [("state.7.step", Tensor(scalar: 1, dtype: .float64))], .unexpectedKey("state.7.step"))
        attempt(good + [("state.0.step", Tensor(scalar: 1, dtype: .float64))], .duplicateKey("state.0.step"))
        attempt(good.map { $0.0 == "state.0.step" ? ($0.0, Tensor(scalar: 2.5, dtype: .float64)) : $0 },
                .invalidValue(key: "state.0.step", reason: "a step count must be a whole number ≥ 1, got 2.5"))
        // Different grouping.
        let twoGroups = Adam(groups: [ParameterGroup(parameters: [params[0]]), ParameterGroup(parameters: [params[1]])])
        XCTAssertThrowsError(try twoGroups.loadStateDict(good)) { error in
            guard case .shapeMismatch(let key, _, _)? = error as? OptimizerStateError else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "param_groups.0.params")
        }
        XCTAssertThrowsError(try Adam(parameters: [params[0]]).loadStateDict(good))
        XCTAssertThrowsError(try Adam(parameters: [params[0]]).loadStateDict(twoGroups.stateDict())) { error in
            XCTAssertEqual(error as? OptimizerStateError, .unexpectedKey("param_groups.1.params"))
        }
        // Adam state into AdamW, and SGD state into Adam.
        XCTAssertThrowsError(try AdamW(parameters: makeParams()).loadStateDict(good)) { error in
            guard case .invalidValue(let key, _)? = error as? OptimizerStateError else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "param_groups.0.decoupled_weight_decay")
        }
        let sgd = SGD(parameters: makeParams(), learningRate: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try Adam(parameters: makeParams()).loadStateDict(sgd.stateDict())) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingKey("param_groups.0.betas"))
        }
        XCTAssertThrowsError(try sgd.loadStateDict(good)) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingKey("param_groups.0.momentum"))
        }
    }

    func testLoadRestoresHyperparametersAndLearningRates() throws {
        let params = makeParams()
        let src = SGD(parameters: params, learningRate: 0.3, momentum: 0.7, dampening: 0.1, weightDecay: 0.01)
        src.learningRate = 0.15
        let dst = SGD(parameters: makeParams(), learningRate: 1, momentum: 0.2)
        try dst.loadStateDict(src.stateDict())
        XCTAssertEqual(dst.learningRate, 0.15)
        XCTAssertEqual(dst.initialLearningRate, 0.3)
        XCTAssertEqual(dst.groups[0].learningRate, 0.15)
        XCTAssertEqual(dst.groups[0].initialLearningRate, 0.3)
        XCTAssertEqual(dst.groups[0].weightDecay, 0.01)
        XCTAssertEqual(dst.momentum, 0.7)
        XCTAssertEqual(dst.dampening, 0.1)
    }

    // MARK: Clipping

    func testClipGradientNorm() {
        let a = Tensor([3, 0]).requiringGradient(), b = Tensor([0, 0]).requiringGradient(), c = Tensor([1]).requiringGradient()
        a.grad = Tensor([3, 0])
        b.grad = Tensor([0, 4])
        // c has no gradient.
        XCTAssertEqual(gradientNorm([a, b, c]), 5, accuracy: 1e-12)
        let total = clipGradientNorm([a, b, c], maxNorm: 1)
        XCTAssertEqual(total, 5, accuracy: 1e-12)
        XCTAssertEqual(a.grad?.scalars[0] ?? 0, Float(3 / (5 + 1e-6)), accuracy: 1e-7)
        XCTAssertEqual(b.grad?.scalars[1] ?? 0, Float(4 / (5 + 1e-6)), accuracy: 1e-7)
        XCTAssertNil(c.grad)
        // Under the limit: unchanged.
        let again = clipGradientNorm([a, b], maxNorm: 10)
        XCTAssertEqual(again, 1, accuracy: 1e-5)
        XCTAssertEqual(a.grad?.scalars[0] ?? 0, Float(3 / (5 + 1e-6)), accuracy: 1e-7)
        // Non-finite norm: returned, gradients untouched.
        a.grad = Tensor([Float.nan, 1])
        XCTAssertTrue(clipGradientNorm([a, b], maxNorm: 1).isNaN)
        XCTAssertEqual(a.grad?.scalars[1], 1)
    }

    func testClippingDoesNotCorruptSharedGradientBuffers() {
        // `x + y` hands both leaves the same gradient tensor.
        let x = Tensor([1, 2]).requiringGradient(), y = Tensor([3, 4]).requiringGradient()
        ((x + y) * Tensor([30, 40])).sum().backward()
        clipGradientNorm([x, y], maxNorm: 1)
        let n = gradientNorm([x, y])
        XCTAssertEqual(n, 1, accuracy: 1e-5)
        XCTAssertEqual(x.grad?.scalars ?? [], y.grad?.scalars ?? [])
        clipGradientValue([x, y], maxValue: 0.1)
        XCTAssertEqual(x.grad?.scalars ?? [], [0.1, 0.1])
    }

    func testClipGradientNormLargeTensorIsDeterministic() {
        var rng = RandomGenerator(seed: 7)
        let p = Tensor.zeros([300_000]).requiringGradient()
        p.grad = Tensor.normal([300_000], generator: &rng)
        let n1 = gradientNorm([p]), n2 = gradientNorm([p])
        XCTAssertEqual(n1, n2)
        let exact = (p.grad?.doubles ?? []).reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertEqual(n1, exact, accuracy: 1e-9 * exact)
    }

    // MARK: Training sanity

    private func trainMLP(_ makeOptimizer: ([Tensor]) -> Optimizer, steps: Int, afterStep: () -> Void = {}) -> (first: Double, last: Double) {
        var rng = RandomGenerator(seed: 42)
        let model = Sequential(Linear(2, 32), ReLU(), Linear(32, 1))
        for p in model.parameters() {
            p.assign(Tensor.uniform(p.shape, low: -0.5, high: 0.5, generator: &rng))
        }
        // y = sin(2x₀) + x₀·x₁ on 64 points.
        let x = Tensor.uniform([64, 2], low: -1, high: 1, generator: &rng)
        let xs = x.doubles
        let y = Tensor(doubles: (0..<64).map { Foundation.sin(2 * xs[2 * $0]) + xs[2 * $0] * xs[2 * $0 + 1] }, shape: [64, 1], dtype: .float32)
        let opt = makeOptimizer(model.trainableParameters())
        var first = 0.0, last = 0.0
        for step in 0..<steps {
            opt.zeroGrad()
            let loss = (model(x) - y).squared().mean()
            loss.backward()
            opt.step()
            afterStep()
            if step == 0 { first = loss.item() }
            last = loss.item()
        }
        print("MLP with \(type(of: opt)): loss \(first) → \(last) after \(steps) steps")
        return (first, last)
    }

    func testMLPFitsWithAdam() {
        let (first, last) = trainMLP({ Adam(parameters: $0, learningRate: 0.01) }, steps: 2500)
        XCTAssertGreaterThan(first, 0.1)
        XCTAssertLessThan(last, 1e-3, "Adam: loss \(first) → \(last)")
    }

    func testMLPFitsWithSGDMomentum() {
        let (first, last) = trainMLP({ SGD(parameters: $0, learningRate: 0.05, momentum: 0.9) }, steps: 2500)
        XCTAssertGreaterThan(first, 0.1)
        XCTAssertLessThan(last, 2e-3, "SGD: loss \(first) → \(last)")
    }

    func testMLPFitsWithAdamWAndCosineSchedule() {
        var scheduler: LearningRateScheduler?
        let (first, last) = trainMLP({ params in
            let opt = AdamW(parameters: params, learningRate: 0.02, weightDecay: 1e-4)
            scheduler = LearningRateScheduler(optimizer: opt, schedule: LinearWarmup(startFactor: 0.1, steps: 50)
                .followed(by: CosineAnnealing(maxSteps: 2450, minimumLearningRate: 1e-4), after: 50))
            return opt
        }, steps: 2500, afterStep: { scheduler?.step() })
        XCTAssertEqual(scheduler?.currentStep, 2500)
        XCTAssertLessThan(last, 1e-3, "AdamW+cosine: loss \(first) → \(last)")
    }

    // MARK: Custom optimisers

    func testCustomOptimizerThroughOpenHooks() throws {
        let p = Tensor([1, -2, 3]).requiringGradient()
        let opt = SignDescent(parameters: [p], learningRate: 0.5)
        p.grad = Tensor([0.1, 0.2, -0.3])
        opt.step()
        XCTAssertEqual(p.scalars, [0.5, -2.5, 3.5])
        let saved = opt.stateDict()
        XCTAssertTrue(saved.contains { $0.0 == "state.0.count" })
        let fresh = SignDescent(parameters: [p], learningRate: 0.5)
        try fresh.loadStateDict(saved)
        XCTAssertEqual(fresh.counts, [1])
        XCTAssertThrowsError(try fresh.loadStateDict(saved + [("state.0.bogus", Tensor(scalar: 1))])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .unexpectedKey("state.0.bogus"))
        }
        XCTAssertEqual(fresh.counts, [1])
        try fresh.loadStateDict(saved.filter { $0.0 != "state.0.count" })
        XCTAssertEqual(fresh.counts, [0])
    }
}

/// Sign descent, `p ← p − γ·sign(g)`, written against the public hooks only; counts steps per parameter.
private final class SignDescent: Optimizer {
    var counts: [Int]

    init(parameters: [Tensor], learningRate: Double) {
        counts = Array(repeating: 0, count: parameters.count)
        super.init(groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, weightDecay: 0)
    }

    override func update(parameter: Tensor, gradient: Tensor, index: Int, group: OptimizerGroup) {
        let lr = Float(group.learningRate)
        let pp = parameter.storage.pointer(as: Float.self) + parameter.layout.offset
        let gp = gradient.storage.pointer(as: Float.self) + gradient.layout.offset
        for i in 0..<parameter.count { pp[i] -= gp[i] > 0 ? lr : (gp[i] < 0 ? -lr : 0) }
        counts[index] += 1
    }

    override func parameterState(at index: Int) -> [(String, Tensor)] {
        counts[index] == 0 ? [] : [("count", Tensor(scalar: Double(counts[index]), dtype: .float64))]
    }

    override func decodeState(_ reader: OptimizerStateReader) throws -> () -> Void {
        var loaded: [Int] = []
        for i in counts.indices {
            let key = "state.\(i).count"
            loaded.append(reader.contains(key) ? Int(try reader.scalar(key)) : 0)
        }
        return { [self] in counts = loaded }
    }
}
