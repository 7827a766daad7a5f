import Foundation

/// Parameters that share optimiser options, as given to an optimiser's `init(groups:…)`.
///
/// Options left `nil` fall back to the optimiser's defaults (the arguments of its initialiser),
/// as in PyTorch's `param_groups`. A typical use trains a pretrained backbone more slowly than a
/// fresh head:
///
/// ```swift
/// let opt = Adam(groups: [
///     ParameterGroup(parameters: backbone.trainableParameters(), learningRate: 1e-4),
///     ParameterGroup(parameters: head.trainableParameters()),          // uses 1e-3
/// ], learningRate: 1e-3)
/// ```
public struct ParameterGroup {
    /// The tensors this group updates.
    public var parameters: [Tensor]
    /// This group's learning rate, or `nil` for the optimiser's.
    public var learningRate: Double?
    /// This group's weight decay, or `nil` for the optimiser's.
    public var weightDecay: Double?

    /// A group of `parameters` with optional per-group options.
    public init(parameters: [Tensor], learningRate: Double? = nil, weightDecay: Double? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// A parameter group as an optimiser holds it: every option resolved.
public struct OptimizerGroup {
    /// The tensors this group updates.
    public let parameters: [Tensor]
    /// The learning rate used by the next ``Optimizer/step()``.
    public var learningRate: Double
    /// The learning rate the group was configured with (PyTorch's `initial_lr`); schedules scale it.
    public internal(set) var initialLearningRate: Double
    /// Weight decay (an L2 term for ``SGD`` and ``Adam``, decoupled shrinkage for ``AdamW``).
    public var weightDecay: Double
    /// Index of the group's first parameter in the optimiser's flat numbering: parameters are
    /// numbered `0, 1, …` across groups in order, as in PyTorch's `state_dict`.
    public let firstIndex: Int
}

/// Why optimiser state could not be loaded. Each case names the offending key.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// A key the optimiser needs is absent.
    case missingKey(String)
    /// A key that this optimiser does not use (for example state of a parameter index it does not have).
    case unexpectedKey(String)
    /// The same key appears twice in the entries.
    case duplicateKey(String)
    /// A tensor has the wrong shape.
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    /// A value is present but unusable (wrong group layout, a hyperparameter that differs, a non-finite step…).
    case invalidValue(key: String, reason: String)

    /// A readable message naming the key.
    public var description: String {
        switch self {
        case .missingKey(let k): return "optimiser state: missing key '\(k)'"
        case .unexpectedKey(let k): return "optimiser state: unexpected key '\(k)'"
        case .duplicateKey(let k): return "optimiser state: duplicate key '\(k)'"
        case .shapeMismatch(let k, let e, let f): return "optimiser state: '\(k)' has shape \(f), expected \(e)"
        case .invalidValue(let k, let r): return "optimiser state: '\(k)': \(r)"
        }
    }
}

/// Reads optimiser state entries by key while loading, recording which keys were used so that
/// leftovers can be reported. Every read validates and copies, so a failed load changes nothing.
public final class OptimizerStateReader {
    private let entries: [String: Tensor]
    private var used: Set<String> = []

    init(_ list: [(String, Tensor)]) throws {
        var d: [String: Tensor] = [:]
        for (k, v) in list {
            if d[k] != nil { throw OptimizerStateError.duplicateKey(k) }
            d[k] = v
        }
        entries = d
    }

    /// Whether `key` is present (does not mark it used).
    public func contains(_ key: String) -> Bool { entries[key] != nil }

    /// The single value of a one-element tensor at `key`.
    /// - Throws: ``OptimizerStateError/missingKey(_:)`` or ``OptimizerStateError/shapeMismatch(key:expected:found:)``.
    public func scalar(_ key: String) throws -> Double {
        guard let t = entries[key] else { throw OptimizerStateError.missingKey(key) }
        guard t.count == 1 else { throw OptimizerStateError.shapeMismatch(key: key, expected: [], found: t.shape) }
        used.insert(key)
        return t.doubles[0]
    }

    /// The values of the tensor at `key`, which must have `count` elements.
    public func values(_ key: String, count: Int) throws -> [Double] {
        guard let t = entries[key] else { throw OptimizerStateError.missingKey(key) }
        guard t.count == count else { throw OptimizerStateError.shapeMismatch(key: key, expected: [count], found: t.shape) }
        used.insert(key)
        return t.doubles
    }

    /// A fresh contiguous copy of the tensor at `key`, which must have `like`'s shape, in `like`'s dtype.
    public func tensor(_ key: String, like: Tensor) throws -> Tensor {
        guard let t = entries[key] else { throw OptimizerStateError.missingKey(key) }
        guard t.shape == like.shape else { throw OptimizerStateError.shapeMismatch(key: key, expected: like.shape, found: t.shape) }
        used.insert(key)
        let out = Tensor.zeros(like.shape, dtype: like.dtype)
        withoutGradients { out.assign(t.detached()) }
        return out
    }

    /// A hyperparameter saved once per group; all groups must agree, since Kindred keeps one value per optimiser.
    public func groupScalar(_ name: String, groups: Int) throws -> Double {
        let first = try scalar("param_groups.0.\(name)")
        for g in 1..<max(groups, 1) {
            let key = "param_groups.\(g).\(name)"
            let v = try scalar(key)
            if !(v == first || (v.isNaN && first.isNaN)) {
                throw OptimizerStateError.invalidValue(key: key, reason: "\(v) differs from group 0's \(first); this option is shared by all groups")
            }
        }
        return first
    }

    /// A hyperparameter of `count` values saved once per group (for example `betas`); all groups must agree.
    public func groupValues(_ name: String, count: Int, groups: Int) throws -> [Double] {
        let first = try values("param_groups.0.\(name)", count: count)
        for g in 1..<max(groups, 1) {
            let key = "param_groups.\(g).\(name)"
            let v = try values(key, count: count)
            if v != first {
                throw OptimizerStateError.invalidValue(key: key, reason: "\(v) differs from group 0's \(first); this option is shared by all groups")
            }
        }
        return first
    }

    /// The first key (in sorted order) that no read used, if any.
    var firstUnusedKey: String? { entries.keys.filter { !used.contains($0) }.sorted().first }
}

/// Base class of Kindred's optimisers (``SGD``, ``Adam``, ``AdamW``).
///
/// An optimiser holds parameter groups and per-parameter state. ``step()`` updates every
/// parameter that has a gradient, in place and without recording a graph; parameters whose
/// ``Tensor/grad`` is `nil` are skipped and their state is left untouched, as in PyTorch.
///
/// ```swift
/// let opt = Adam(parameters: model.trainableParameters(), learningRate: 1e-3)
/// for batch in batches {
///     opt.zeroGrad()
///     loss(model, batch).backward()
///     opt.step()
/// }
/// ```
///
/// **Learning rate.** ``learningRate`` is the optimiser's base rate. Setting it rescales every group
/// so that groups keep the ratios they were configured with:
/// `group.learningRate = learningRate · group.initialLearningRate / initialLearningRate`
/// (when ``initialLearningRate`` is 0, every group gets the new value). A ``LearningRateScheduler``
/// instead sets each group from its own ``OptimizerGroup/initialLearningRate``, as PyTorch's schedulers do.
///
/// **State.** ``stateDict()`` flattens the state into named tensors in PyTorch's `state_dict`
/// layout (`state.<i>.exp_avg`, `param_groups.<g>.lr`, …) so that a safetensors file can hold it;
/// ``loadStateDict(_:)`` restores it, throwing an ``OptimizerStateError`` that names the bad key.
///
/// Subclasses implement ``update(parameter:gradient:index:group:)`` and, if they keep state,
/// ``parameterState(at:)``, ``hyperparameters`` and ``decodeState(_:)``.
open class Optimizer {
    /// The parameter groups, in order.
    public internal(set) var groups: [OptimizerGroup]
    /// The base learning rate the optimiser was configured with.
    public internal(set) var initialLearningRate: Double
    var baseLearningRate: Double

    /// Total number of parameters over all groups.
    public let parameterCount: Int

    /// Builds the groups, filling their `nil` options with `learningRate` and `weightDecay`.
    ///
    /// A tensor may appear only once over all groups.
    public init(groups: [ParameterGroup], learningRate: Double, weightDecay: Double) {
        precondition(learningRate >= 0, "learning rate must be ≥ 0, got \(learningRate)")
        precondition(weightDecay >= 0, "weight decay must be ≥ 0, got \(weightDecay)")
        var seen = Set<ObjectIdentifier>()
        var resolved: [OptimizerGroup] = []
        var index = 0
        for (gi, g) in groups.enumerated() {
            for p in g.parameters {
                precondition(seen.insert(ObjectIdentifier(p)).inserted, "a parameter appears more than once (group \(gi)); each tensor may belong to one group only")
            }
            let lr = g.learningRate ?? learningRate
            let wd = g.weightDecay ?? weightDecay
            precondition(lr >= 0, "group \(gi): learning rate must be ≥ 0, got \(lr)")
            precondition(wd >= 0, "group \(gi): weight decay must be ≥ 0, got \(wd)")
            resolved.append(OptimizerGroup(parameters: g.parameters, learningRate: lr, initialLearningRate: lr, weightDecay: wd, firstIndex: index))
            index += g.parameters.count
        }
        self.groups = resolved
        self.parameterCount = index
        self.initialLearningRate = learningRate
        self.baseLearningRate = learningRate
    }

    /// The base learning rate. Setting it rescales every group proportionally:
    /// `group.learningRate = newValue · group.initialLearningRate / initialLearningRate`
    /// (or `newValue` for every group when ``initialLearningRate`` is 0).
    public var learningRate: Double {
        get { baseLearningRate }
        set {
            baseLearningRate = newValue
            for i in groups.indices {
                groups[i].learningRate = initialLearningRate == 0
                    ? newValue
                    : newValue * (groups[i].initialLearningRate / initialLearningRate)
            }
        }
    }

    /// Sets one group's learning rate (other groups and ``learningRate`` are unchanged).
    public func setLearningRate(_ value: Double, group: Int) { groups[group].learningRate = value }

    /// Sets one group's weight decay.
    public func setWeightDecay(_ value: Double, group: Int) { groups[group].weightDecay = value }

    /// Every parameter, in the flat numbering used by the state keys.
    public var parameters: [Tensor] { groups.flatMap(\.parameters) }

    /// Clears the gradient of every parameter (sets it to `nil`, PyTorch's `set_to_none=True`).
    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.grad = nil } }
    }

    /// Applies one update to every parameter that has a gradient, in place, recording no graph.
    ///
    /// Gradients of another dtype or layout are converted first; a non-contiguous parameter is
    /// updated through a contiguous copy that is written back.
    public func step() {
        withoutGradients {
            for group in groups {
                for (k, p) in group.parameters.enumerated() {
                    guard let grad = p.grad else { continue }
                    precondition(grad.shape == p.shape, "parameter \(group.firstIndex + k): gradient shape \(grad.shape) does not match parameter shape \(p.shape)")
                    let g = (grad.isContiguous && grad.dtype == p.dtype) ? grad : grad.contiguous().cast(to: p.dtype).contiguous()
                    if p.isContiguous {
                        update(parameter: p, gradient: g, index: group.firstIndex + k, group: group)
                    } else {
                        let work = p.contiguous(copy: true)
                        update(parameter: work, gradient: g, index: group.firstIndex + k, group: group)
                        OptimizerKernels.copyBack(from: work, into: p)
                    }
                }
            }
        }
    }

    /// Updates one parameter in place. `parameter` and `gradient` are contiguous, of the same
    /// shape and dtype; `index` is the parameter's flat index (for its state).
    open func update(parameter: Tensor, gradient: Tensor, index: Int, group: OptimizerGroup) {
        preconditionFailure("\(type(of: self)) must override update(parameter:gradient:index:group:)")
    }

    /// The state of parameter `index` as `(name, tensor)` pairs (saved as `state.<index>.<name>`);
    /// empty when the parameter has none yet. Tensors returned are copies.
    open func parameterState(at index: Int) -> [(String, Tensor)] { [] }

    /// Options shared by all groups, saved under every group (`param_groups.<g>.<name>`);
    /// booleans are 0 or 1.
    open var hyperparameters: [(String, Tensor)] { [] }

    /// Reads this optimiser's hyperparameters and per-parameter state from `reader`, validating
    /// all of it, and returns a closure that applies it. It must not change the optimiser itself,
    /// so that a load that fails changes nothing.
    open func decodeState(_ reader: OptimizerStateReader) throws -> () -> Void { {} }

    /// The optimiser's state as named tensors, in PyTorch's `state_dict` layout flattened with dots:
    ///
    /// - `state.<i>.<name>`: per-parameter state (`step`, `exp_avg`, `momentum_buffer`, …), for
    ///   parameters that have state;
    /// - `param_groups.<g>.lr`, `.initial_lr`, `.weight_decay`, `.params` (the group's flat
    ///   parameter indices) and the optimiser's ``hyperparameters``;
    /// - `defaults.lr`, `defaults.initial_lr`: the base ``learningRate`` and ``initialLearningRate``.
    ///
    /// Scalars are float64 tensors of shape `[]`; state tensors have their parameter's shape and dtype.
    public func stateDict() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for i in 0..<parameterCount {
            out += parameterState(at: i).map { ("state.\(i).\($0.0)", $0.1) }
        }
        let hyper = hyperparameters
        for (gi, g) in groups.enumerated() {
            let p = "param_groups.\(gi)."
            out.append((p + "lr", Tensor(scalar: g.learningRate, dtype: .float64)))
            out.append((p + "initial_lr", Tensor(scalar: g.initialLearningRate, dtype: .float64)))
            out.append((p + "weight_decay", Tensor(scalar: g.weightDecay, dtype: .float64)))
            out.append((p + "params", Tensor(doubles: (0..<g.parameters.count).map { Double(g.firstIndex + $0) }, shape: [g.parameters.count])))
            out += hyper.map { (p + $0.0, $0.1.contiguous(copy: true)) }
        }
        out.append(("defaults.lr", Tensor(scalar: baseLearningRate, dtype: .float64)))
        out.append(("defaults.initial_lr", Tensor(scalar: initialLearningRate, dtype: .float64)))
        return out
    }

    /// Restores state saved by ``stateDict()`` of an optimiser of the same kind over parameters of
    /// the same shapes and grouping. Learning rates, weight decays and hyperparameters are restored
    /// too (as PyTorch's `load_state_dict`).
    ///
    /// - Throws: ``OptimizerStateError`` naming the first missing, unexpected or mismatched key;
    ///   the optimiser is unchanged when it throws.
    public func loadStateDict(_ entries: [(String, Tensor)]) throws {
        let reader = try OptimizerStateReader(entries)
        var lrs: [Double] = [], initial: [Double] = [], decays: [Double] = []
        for (gi, g) in groups.enumerated() {
            let p = "param_groups.\(gi)."
            let indices = try reader.values(p + "params", count: g.parameters.count)
            if indices != (0..<g.parameters.count).map({ Double(g.firstIndex + $0) }) {
                throw OptimizerStateError.invalidValue(key: p + "params", reason: "saved parameter indices \(indices.map { Int($0) }) do not match this optimiser's grouping (\(g.firstIndex)..<\(g.firstIndex + g.parameters.count))")
            }
            lrs.append(try Self.nonNegative(reader, p + "lr"))
            initial.append(try Self.nonNegative(reader, p + "initial_lr"))
            decays.append(try Self.nonNegative(reader, p + "weight_decay"))
        }
        for name in ["params", "lr"] where reader.contains("param_groups.\(groups.count).\(name)") {
            // The state has more groups than this optimiser.
            throw OptimizerStateError.unexpectedKey("param_groups.\(groups.count).\(name)")
        }
        let base = try Self.nonNegative(reader, "defaults.lr")
        let baseInitial = try Self.nonNegative(reader, "defaults.initial_lr")
        let apply = try decodeState(reader)
        if let extra = reader.firstUnusedKey { throw OptimizerStateError.unexpectedKey(extra) }
        for i in groups.indices {
            groups[i].learningRate = lrs[i]
            groups[i].initialLearningRate = initial[i]
            groups[i].weightDecay = decays[i]
        }
        baseLearningRate = base
        initialLearningRate = baseInitial
        apply()
    }

    static func nonNegative(_ reader: OptimizerStateReader, _ key: String) throws -> Double {
        let v = try reader.scalar(key)
        guard v.isFinite, v >= 0 else { throw OptimizerStateError.invalidValue(key: key, reason: "must be a finite value ≥ 0, got \(v)") }
        return v
    }

    /// A saved 0/1 flag.
    static func flag(_ v: Double, _ key: String) throws -> Bool {
        guard v == 0 || v == 1 else { throw OptimizerStateError.invalidValue(key: key, reason: "a flag must be 0 or 1, got \(v)") }
        return v == 1
    }

    /// A float64 scalar tensor.
    static func scalarTensor(_ v: Double) -> Tensor { Tensor(scalar: v, dtype: .float64) }
}

extension Tensor {
    /// Typed pointer to this view's first element (the tensor's dtype must be `T`).
    @inline(__always)
    func elements<T: KFloat>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer(as: T.self) + layout.offset
    }
}
