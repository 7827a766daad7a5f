/// Elementwise arithmetic with broadcasting (NumPy rules), differentiable in every argument.
extension Tensor {
    func applying(_ op: UnaryOp) -> Tensor {
        Tensor.result(Kernels.unary(op, self), .unary(op, self), inputs: [self])
    }

    func applying(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        Tensor.result(Kernels.binary(op, self, other), .binary(op, self, other), inputs: [self, other])
    }

    /// A rank-0 tensor of this tensor's dtype.
    func scalarLike(_ v: Double) -> Tensor { Tensor(scalar: v, dtype: dtype) }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.applying(.add, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.applying(.subtract, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.applying(.multiply, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.applying(.divide, b) }
    public static prefix func - (a: Tensor) -> Tensor { a.applying(.negate) }

    public static func + (a: Tensor, b: Double) -> Tensor { a.applying(.affine(scale: 1, shift: b)) }
    public static func + (a: Double, b: Tensor) -> Tensor { b.applying(.affine(scale: 1, shift: a)) }
    public static func - (a: Tensor, b: Double) -> Tensor { a.applying(.affine(scale: 1, shift: -b)) }
    public static func - (a: Double, b: Tensor) -> Tensor { b.applying(.affine(scale: -1, shift: a)) }
    public static func * (a: Tensor, b: Double) -> Tensor { a.applying(.affine(scale: b, shift: 0)) }
    public static func * (a: Double, b: Tensor) -> Tensor { b.applying(.affine(scale: a, shift: 0)) }
    public static func / (a: Tensor, b: Double) -> Tensor { a.applying(.affine(scale: 1 / b, shift: 0)) }
    public static func / (a: Double, b: Tensor) -> Tensor { a == 1 ? b.reciprocal() : a * b.reciprocal() }

    /// `eˣ`.
    public func exp() -> Tensor { applying(.exp) }
    /// Natural logarithm.
    public func log() -> Tensor { applying(.log) }
    /// Square root.
    public func sqrt() -> Tensor { applying(.sqrt) }
    /// Absolute value (gradient 0 at 0).
    public func abs() -> Tensor { applying(.abs) }
    /// `x²`.
    public func squared() -> Tensor { applying(.square) }
    /// `1/x`.
    public func reciprocal() -> Tensor { applying(.reciprocal) }
    /// Sine.
    public func sin() -> Tensor { applying(.sin) }
    /// Cosine.
    public func cos() -> Tensor { applying(.cos) }
    /// `xᵖ` for a constant exponent.
    public func pow(_ exponent: Double) -> Tensor { applying(.power(exponent)) }
    /// `xʸ` elementwise with broadcasting.
    public func pow(_ exponent: Tensor) -> Tensor { applying(.power, exponent) }
    /// Values limited to `[min, max]`; gradient 1 inside (bounds included), 0 outside.
    public func clamped(min lower: Double = -.infinity, max upper: Double = .infinity) -> Tensor {
        applying(.clamp(lower: lower, upper: upper))
    }
    /// Elementwise maximum with broadcasting (ties share the gradient equally).
    public func maximum(_ other: Tensor) -> Tensor { applying(.maximum, other) }
    /// Elementwise minimum with broadcasting (ties share the gradient equally).
    public func minimum(_ other: Tensor) -> Tensor { applying(.minimum, other) }

    /// Converts to `dtype` (a copy; differentiable).
    public func cast(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        return Tensor.result(Kernels.cast(self, to: dtype), .cast(self), inputs: [self])
    }

    /// Picks `a` where `condition` is non-zero and `b` elsewhere (broadcast); differentiable in `a` and `b`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        Tensor.result(Kernels.select(condition, a, b), .select(condition: condition.detached(), a, b), inputs: [a, b])
    }

    /// Elementwise sign (-1, 0, 1); not differentiable.
    public func sign() -> Tensor {
        let out = withoutGradients { (self .> 0) - (self .< 0) }
        return Tensor.nonDifferentiable(out, name: "sign", inputs: [self])
    }
}

infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence

/// Elementwise comparisons: 1 where true, 0 where false, in the inputs' dtype. Not differentiable.
extension Tensor {
    static func comparing(_ c: Kernels.Comparison, _ a: Tensor, _ b: Tensor, _ name: String) -> Tensor {
        Tensor.nonDifferentiable(Kernels.compare(c, a, b), name: name, inputs: [a, b])
    }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { comparing(.less, a, b, "<") }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { comparing(.lessEqual, a, b, "<=") }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { comparing(.greater, a, b, ">") }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { comparing(.greaterEqual, a, b, ">=") }
    public static func .== (a: Tensor, b: Tensor) -> Tensor { comparing(.equal, a, b, "==") }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { comparing(.notEqual, a, b, "!=") }
    public static func .< (a: Tensor, b: Double) -> Tensor { a .< a.scalarLike(b) }
    public static func .<= (a: Tensor, b: Double) -> Tensor { a .<= a.scalarLike(b) }
    public static func .> (a: Tensor, b: Double) -> Tensor { a .> a.scalarLike(b) }
    public static func .>= (a: Tensor, b: Double) -> Tensor { a .>= a.scalarLike(b) }
    public static func .== (a: Tensor, b: Double) -> Tensor { a .== a.scalarLike(b) }
    public static func .!= (a: Tensor, b: Double) -> Tensor { a .!= a.scalarLike(b) }
}
