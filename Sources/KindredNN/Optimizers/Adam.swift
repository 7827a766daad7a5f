import Foundation

/// Adam with PyTorch's update rule (`torch.optim.Adam`): weight decay is an L2 term added to the
/// gradient. ``AdamW`` decouples it.
///
/// For each parameter `p` with gradient `g` at its `t`-th step (`t` counts only steps in which
/// the parameter had a gradient), learning rate `γ`, betas `(β₁, β₂)`, epsilon `ε`, weight decay `λ`:
///
/// ```
/// g  ← −g                                   (if maximize)
/// g  ← g + λ·p                              (Adam, if λ ≠ 0)
/// p  ← p·(1 − γ·λ)                          (AdamW instead)
/// m  ← m + (1 − β₁)·(g − m)                 (= β₁·m + (1 − β₁)·g)
/// v  ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v)   and use v̂ for v below    (AMSGrad)
/// p  ← p − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// `m`, `v` and `v̂` start at zero. State: `state.<i>.step` (`t`), `state.<i>.exp_avg` (`m`),
/// `state.<i>.exp_avg_sq` (`v`) and, with AMSGrad, `state.<i>.max_exp_avg_sq` (`v̂`).
public class Adam: Optimizer {
    /// `β₁`, the decay of the first-moment average.
    public private(set) var beta1: Double
    /// `β₂`, the decay of the second-moment average.
    public private(set) var beta2: Double
    /// `ε`, added to the denominator.
    public private(set) var epsilon: Double
    /// Whether to use AMSGrad (the running maximum of `v`).
    public private(set) var amsgrad: Bool
    /// Whether to maximise the objective (ascend the gradient).
    public private(set) var maximize: Bool
    /// Whether weight decay is decoupled (``AdamW``) rather than added to the gradient.
    public let decoupledWeightDecay: Bool

    private var steps: [Int]
    private var expAvg: [Tensor?]
    private var expAvgSq: [Tensor?]
    private var maxExpAvgSq: [Tensor?]

    /// Adam over `parameters` (one group).
    ///
    /// - Parameters:
    ///   - learningRate: `γ`.
    ///   - betas: `(β₁, β₂)`, each in `[0, 1)`.
    ///   - epsilon: `ε ≥ 0`.
    ///   - weightDecay: L2 penalty `λ` added to the gradient.
    ///   - amsgrad: use the AMSGrad variant.
    ///   - maximize: ascend instead of descend.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, betas: betas,
                  epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }

    /// Adam over parameter groups; a group's `nil` options take these defaults.
    public convenience init(groups: [ParameterGroup], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        self.init(groups: groups, learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
                  amsgrad: amsgrad, maximize: maximize, decoupled: false)
    }

    init(groups: [ParameterGroup], learningRate: Double, betas: (Double, Double), epsilon: Double, weightDecay: Double,
         amsgrad: Bool, maximize: Bool, decoupled: Bool) {
        precondition(betas.0 >= 0 && betas.0 < 1, "Adam: beta1 must be in [0, 1), got \(betas.0)")
        precondition(betas.1 >= 0 && betas.1 < 1, "Adam: beta2 must be in [0, 1), got \(betas.1)")
        precondition(epsilon >= 0, "Adam: epsilon must be ≥ 0, got \(epsilon)")
        beta1 = betas.0
        beta2 = betas.1
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.maximize = maximize
        decoupledWeightDecay = decoupled
        steps = []
        expAvg = []
        expAvgSq = []
        maxExpAvgSq = []
        super.init(groups: groups, learningRate: learningRate, weightDecay: weightDecay)
        steps = Array(repeating: 0, count: parameterCount)
        expAvg = Array(repeating: nil, count: parameterCount)
        expAvgSq = Array(repeating: nil, count: parameterCount)
        maxExpAvgSq = Array(repeating: nil, count: parameterCount)
    }

    /// The number of steps flat parameter `index` has taken.
    public func stepCount(at index: Int) -> Int { steps[index] }

    /// The first-moment average `m` of flat parameter `index`, if it has taken a step.
    public func firstMoment(at index: Int) -> Tensor? { expAvg[index] }

    /// The second-moment average `v` of flat parameter `index`, if it has taken a step.
    public func secondMoment(at index: Int) -> Tensor? { expAvgSq[index] }

    /// One fused pass over the parameter, `m`, `v` (and `v̂`) with the rule above; creates the state on the first step.
    public override func update(parameter p: Tensor, gradient g: Tensor, index: Int, group: OptimizerGroup) {
        if expAvg[index] == nil {
            expAvg[index] = Tensor.zeros(p.shape, dtype: p.dtype)
            expAvgSq[index] = Tensor.zeros(p.shape, dtype: p.dtype)
        }
        if amsgrad && maxExpAvgSq[index] == nil { maxExpAvgSq[index] = Tensor.zeros(p.shape, dtype: p.dtype) }
        guard let m = expAvg[index], let v = expAvgSq[index] else { return }
        steps[index] += 1
        let t = Double(steps[index])
        let lr = group.learningRate
        let bc1 = 1 - Foundation.pow(beta1, t)
        let bc2 = 1 - Foundation.pow(beta2, t)
        let l2 = decoupledWeightDecay ? 0 : group.weightDecay
        let shrink = decoupledWeightDecay ? 1 - lr * group.weightDecay : 1
        let vmax = amsgrad ? maxExpAvgSq[index] : nil
        func run<T: KFloat>(_: T.Type) {
            OptimizerKernels.adam(p: p.elements(T.self), g: g.elements(T.self), m: m.elements(T.self), v: v.elements(T.self),
                                  vmax: vmax?.elements(T.self), n: p.count,
                                  stepSize: lr / bc1, biasCorrection2Sqrt: bc2.squareRoot(), eps: epsilon,
                                  beta1: beta1, beta2: beta2, l2: l2, shrink: shrink, sign: maximize ? -1 : 1)
        }
        switch p.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        }
    }

    /// `step`, `exp_avg`, `exp_avg_sq` and, with AMSGrad, `max_exp_avg_sq` (copies); empty before the first step.
    public override func parameterState(at index: Int) -> [(String, Tensor)] {
        guard let m = expAvg[index], let v = expAvgSq[index] else { return [] }
        var out = [("step", Self.scalarTensor(Double(steps[index]))),
                   ("exp_avg", m.contiguous(copy: true)), ("exp_avg_sq", v.contiguous(copy: true))]
        if let u = maxExpAvgSq[index] { out.append(("max_exp_avg_sq", u.contiguous(copy: true))) }
        return out
    }

    /// `betas` (shape `[2]`), `eps`, `amsgrad`, `maximize`, `decoupled_weight_decay` (0 for Adam, 1 for AdamW).
    public override var hyperparameters: [(String, Tensor)] {
        [("betas", Tensor(doubles: [beta1, beta2], shape: [2])), ("eps", Self.scalarTensor(epsilon)),
         ("amsgrad", Self.scalarTensor(amsgrad ? 1 : 0)), ("maximize", Self.scalarTensor(maximize ? 1 : 0)),
         ("decoupled_weight_decay", Self.scalarTensor(decoupledWeightDecay ? 1 : 0))]
    }

    /// Validates and stages the saved hyperparameters and per-parameter state (see ``Optimizer/decodeState(_:)``).
    /// A parameter without `state.<i>.step` gets no state; one with it needs `exp_avg`, `exp_avg_sq`
    /// (and `max_exp_avg_sq` with AMSGrad) of its shape. State saved by ``AdamW`` does not load into ``Adam`` or back.
    public override func decodeState(_ reader: OptimizerStateReader) throws -> () -> Void {
        var b1 = beta1, b2 = beta2, eps = epsilon, ams = amsgrad, maxim = maximize
        if !groups.isEmpty {
            let n = groups.count
            let betas = try reader.groupValues("betas", count: 2, groups: n)
            b1 = betas[0]; b2 = betas[1]
            guard b1 >= 0, b1 < 1, b2 >= 0, b2 < 1 else {
                throw OptimizerStateError.invalidValue(key: "param_groups.0.betas", reason: "betas must lie in [0, 1), got \(betas)")
            }
            eps = try reader.groupScalar("eps", groups: n)
            guard eps.isFinite, eps >= 0 else { throw OptimizerStateError.invalidValue(key: "param_groups.0.eps", reason: "must be ≥ 0, got \(eps)") }
            ams = try Self.flag(reader.groupScalar("amsgrad", groups: n), "param_groups.0.amsgrad")
            maxim = try Self.flag(reader.groupScalar("maximize", groups: n), "param_groups.0.maximize")
            let decoupled = try Self.flag(reader.groupScalar("decoupled_weight_decay", groups: n), "param_groups.0.decoupled_weight_decay")
            if decoupled != decoupledWeightDecay {
                throw OptimizerStateError.invalidValue(key: "param_groups.0.decoupled_weight_decay",
                                                       reason: decoupled ? "the state was saved by AdamW, not Adam" : "the state was saved by Adam, not AdamW")
            }
        }
        var newSteps: [Int] = [], m: [Tensor?] = [], v: [Tensor?] = [], u: [Tensor?] = []
        for (i, p) in parameters.enumerated() {
            let key = "state.\(i)."
            guard reader.contains(key + "step") else {
                newSteps.append(0); m.append(nil); v.append(nil); u.append(nil)
                continue
            }
            let t = try reader.scalar(key + "step")
            guard t.isFinite, t >= 1, t == t.rounded(), t < 9.0e15 else {
                throw OptimizerStateError.invalidValue(key: key + "step", reason: "a step count must be a whole number ≥ 1, got \(t)")
            }
            newSteps.append(Int(t))
            m.append(try reader.tensor(key + "exp_avg", like: p))
            v.append(try reader.tensor(key + "exp_avg_sq", like: p))
            u.append(ams ? try reader.tensor(key + "max_exp_avg_sq", like: p) : nil)
        }
        return { [self] in
            beta1 = b1; beta2 = b2; epsilon = eps; amsgrad = ams; maximize = maxim
            steps = newSteps; expAvg = m; expAvgSq = v; maxExpAvgSq = u
        }
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's `torch.optim.AdamW`.
///
/// Before the Adam update (see ``Adam``, whose rule it shares without the L2 term) each parameter
/// shrinks: `p ← p·(1 − γ·λ)`. PyTorch's default `λ` is 0.01.
public final class AdamW: Adam {
    /// AdamW over `parameters` (one group).
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, betas: betas,
                  epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }

    /// AdamW over parameter groups; a group's `nil` options take these defaults.
    public convenience init(groups: [ParameterGroup], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
        self.init(groups: groups, learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
                  amsgrad: amsgrad, maximize: maximize, decoupled: true)
    }
}
