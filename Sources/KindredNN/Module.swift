@_exported import KindredTensor

/// Marks a tensor property of a ``Module`` as a buffer: state saved with the model that the
/// optimiser does not train (BatchNorm's running statistics).
@propertyWrapper
public final class Buffer {
    /// The buffer's tensor. Loading weights updates it in place.
    public var wrappedValue: Tensor
    public init(wrappedValue: Tensor) { self.wrappedValue = wrappedValue }
}

/// Base class of every layer and model.
///
/// Parameters and submodules are found automatically (by reflection): a stored `Tensor` property
/// is a parameter, an `@Buffer` one a buffer, a `Module` (or `[Module]`, or optional) property a
/// submodule. Their dotted names equal PyTorch's `state_dict` keys when property names are the
/// camelCase of PyTorch's snake_case (`runningMean` → `running_mean`), so weights move across.
///
/// ```swift
/// final class Head: Module, Layer {
///     let fc = Linear(128, 64)
///     func callAsFunction(_ x: Tensor) -> Tensor { fc(x).l2Normalized() }
/// }
/// ```
open class Module {
    /// Whether the module is in training mode (BatchNorm uses batch statistics, Dropout drops).
    public private(set) var training = true

    public init() {}

    /// The direct submodules with their names.
    open func namedChildren() -> [(String, Module)] {
        var out: [(String, Module)] = []
        forEachProperty { name, value in
            switch value {
            case let m as Module: out.append((name, m))
            case let ms as [Module]: for (i, m) in ms.enumerated() { out.append(("\(name).\(i)", m)) }
            default: break
            }
        }
        return out
    }

    /// This module's own parameters (not its children's).
    open func namedOwnParameters() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        forEachProperty { name, value in
            if let t = value as? Tensor { out.append((name, t)) }
        }
        return out
    }

    /// This module's own buffers.
    open func namedOwnBuffers() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        forEachProperty { name, value in
            if let b = value as? Buffer { out.append((name, b.wrappedValue)) }
        }
        return out
    }

    /// Calls `body(key, value)` for every stored property, superclass properties first, with
    /// optionals unwrapped (nil skipped) and keys in PyTorch's snake_case.
    func forEachProperty(_ body: (String, Any) -> Void) {
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let cur = m { mirrors.append(cur); m = cur.superclassMirror }
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("_") { label.removeFirst() }
                if label == "training" { continue }
                guard let value = unwrapOptional(child.value) else { continue }
                body(Module.snakeCase(label), value)
            }
        }
    }

    private func unwrapOptional(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }

    /// `runningMean` → `running_mean`.
    static func snakeCase(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    /// All parameters, keyed by dotted path (`layer1.0.conv1.weight`).
    public func namedParameters() -> [(String, Tensor)] {
        var out = namedOwnParameters()
        for (name, child) in namedChildren() {
            out += child.namedParameters().map { ("\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// All buffers, keyed by dotted path.
    public func namedBuffers() -> [(String, Tensor)] {
        var out = namedOwnBuffers()
        for (name, child) in namedChildren() {
            out += child.namedBuffers().map { ("\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// All parameters.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Parameters that are not frozen.
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Parameters and buffers in PyTorch `state_dict` order (per module: parameters, then buffers).
    public func stateDict() -> [(String, Tensor)] {
        var out = namedOwnParameters() + namedOwnBuffers()
        for (name, child) in namedChildren() {
            out += child.stateDict().map { ("\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// This module and all submodules, depth first.
    public func modules() -> [Module] { [self] + namedChildren().flatMap { $0.1.modules() } }

    /// Sets training mode on this module and all submodules.
    public func train(_ on: Bool = true) {
        for m in modules() { m.training = on }
    }

    /// Sets evaluation mode (BatchNorm uses running statistics, Dropout does nothing).
    public func eval() { train(false) }

    /// Stops gradients for all parameters (they keep their values while others train).
    public func freeze() { for p in parameters() { p.requiresGrad = false } }

    /// Lets all parameters train again.
    public func unfreeze() { for p in parameters() { p.requiresGrad = true } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
}

/// A module that maps one tensor to another.
public protocol Layer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// Layers applied in order; children are named `0`, `1`, … as in PyTorch's `nn.Sequential`.
public final class Sequential: Module, Layer {
    /// The layers, in order.
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// Applies the layers in order; a batch norm directly followed by a ReLU runs as one fused
    /// step (``BatchNorm/normalizedReLU(_:)``: same values and gradients).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x, i = 0
        while i < layers.count {
            if let norm = layers[i] as? BatchNorm, i + 1 < layers.count, let next = layers[i + 1] as? Activation, next.kind == .relu {
                y = norm.normalizedReLU(y)
                i += 2
            } else {
                y = layers[i](y)
                i += 1
            }
        }
        return y
    }
}
