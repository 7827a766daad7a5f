/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight
/// decay, with PyTorch's update rule (`torch.optim.SGD`).
///
/// For each parameter `p` with gradient `g`, learning rate `γ`, weight decay `λ`, momentum `μ`
/// and dampening `τ`:
///
/// ```
/// g ← −g                              (if maximize)
/// g ← g + λ·p                         (if λ ≠ 0)
/// b ← g                               (first step with momentum)
/// b ← μ·b + (1 − τ)·g                 (later steps)
/// d ← g + μ·b  (Nesterov)   or   d ← b   (μ ≠ 0)   or   d ← g   (μ = 0)
/// p ← p − γ·d
/// ```
///
/// State: `state.<i>.momentum_buffer` (`b`), once a parameter has taken a step with `μ ≠ 0`.
public final class SGD: Optimizer {
    /// Momentum factor `μ` (0 disables momentum).
    public private(set) var momentum: Double
    /// Dampening `τ` of the gradient added to the momentum buffer.
    public private(set) var dampening: Double
    /// Whether to use Nesterov momentum (needs `momentum > 0` and `dampening == 0`).
    public private(set) var nesterov: Bool
    /// Whether to maximise the objective (ascend the gradient).
    public private(set) var maximize: Bool

    /// Momentum buffers by flat parameter index.
    private var buffers: [Tensor?]

    /// SGD over `parameters` (one group).
    ///
    /// - Parameters:
    ///   - learningRate: `γ` (PyTorch's default 1e-3).
    ///   - momentum: `μ ≥ 0`.
    ///   - dampening: `τ`.
    ///   - nesterov: Nesterov momentum; requires `momentum > 0` and `dampening == 0`.
    ///   - weightDecay: L2 penalty `λ` added to the gradient.
    ///   - maximize: ascend instead of descend.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                            nesterov: Bool = false, weightDecay: Double = 0, maximize: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, momentum: momentum,
                  dampening: dampening, nesterov: nesterov, weightDecay: weightDecay, maximize: maximize)
    }

    /// SGD over parameter groups; a group's `nil` options take these defaults.
    public init(groups: [ParameterGroup], learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0, maximize: Bool = false) {
        precondition(momentum >= 0, "SGD: momentum must be ≥ 0, got \(momentum)")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires momentum > 0 and dampening == 0")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.maximize = maximize
        self.buffers = []
        super.init(groups: groups, learningRate: learningRate, weightDecay: weightDecay)
        self.buffers = Array(repeating: nil, count: parameterCount)
    }

    /// The momentum buffer of flat parameter `index`, if it has one.
    public func momentumBuffer(at index: Int) -> Tensor? { buffers[index] }

    /// One fused pass over the parameter (and momentum buffer) with the rule above.
    public override func update(parameter p: Tensor, gradient g: Tensor, index: Int, group: OptimizerGroup) {
        func run<T: KFloat>(_: T.Type) {
            let sign: T = maximize ? -1 : 1
            if momentum == 0 {
                OptimizerKernels.sgdPlain(p: p.elements(T.self), g: g.elements(T.self), n: p.count,
                                          lr: group.learningRate, weightDecay: group.weightDecay, sign: sign)
                return
            }
            let first = buffers[index] == nil
            let b = buffers[index] ?? Tensor.zeros(p.shape, dtype: p.dtype)
            buffers[index] = b
            OptimizerKernels.sgdMomentum(p: p.elements(T.self), g: g.elements(T.self), b: b.elements(T.self), n: p.count,
                                         lr: group.learningRate, weightDecay: group.weightDecay, momentum: momentum,
                                         dampening: dampening, nesterov: nesterov, first: first, sign: sign)
        }
        switch p.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        }
    }

    /// `momentum_buffer` (a copy), once the parameter has one.
    public override func parameterState(at index: Int) -> [(String, Tensor)] {
        guard let b = buffers[index] else { return [] }
        return [("momentum_buffer", b.contiguous(copy: true))]
    }

    /// `momentum`, `dampening`, `nesterov`, `maximize`.
    public override var hyperparameters: [(String, Tensor)] {
        [("momentum", Self.scalarTensor(momentum)), ("dampening", Self.scalarTensor(dampening)),
         ("nesterov", Self.scalarTensor(nesterov ? 1 : 0)), ("maximize", Self.scalarTensor(maximize ? 1 : 0))]
    }

    /// Validates and stages the saved hyperparameters and momentum buffers (see ``Optimizer/decodeState(_:)``);
    /// a parameter without `state.<i>.momentum_buffer` starts its buffer afresh.
    public override func decodeState(_ reader: OptimizerStateReader) throws -> () -> Void {
        var mu = momentum, tau = dampening, nest = nesterov, maxim = maximize
        if !groups.isEmpty {
            let n = groups.count
            mu = try reader.groupScalar("momentum", groups: n)
            tau = try reader.groupScalar("dampening", groups: n)
            nest = try Self.flag(reader.groupScalar("nesterov", groups: n), "param_groups.0.nesterov")
            maxim = try Self.flag(reader.groupScalar("maximize", groups: n), "param_groups.0.maximize")
            guard mu.isFinite, mu >= 0 else { throw OptimizerStateError.invalidValue(key: "param_groups.0.momentum", reason: "must be ≥ 0, got \(mu)") }
            guard tau.isFinite else { throw OptimizerStateError.invalidValue(key: "param_groups.0.dampening", reason: "must be finite, got \(tau)") }
            if nest && !(mu > 0 && tau == 0) {
                throw OptimizerStateError.invalidValue(key: "param_groups.0.nesterov", reason: "Nesterov momentum requires momentum > 0 and dampening == 0")
            }
        }
        let params = parameters
        var loaded: [Tensor?] = []
        for (i, p) in params.enumerated() {
            let key = "state.\(i).momentum_buffer"
            loaded.append(reader.contains(key) ? try reader.tensor(key, like: p) : nil)
        }
        return { [self] in
            momentum = mu; dampening = tau; nesterov = nest; maximize = maxim
            buffers = loaded
        }
    }
}
