/// Activation functions (elementwise, differentiable).
extension Tensor {
    /// `max(x, 0)`; gradient 0 at 0 (as PyTorch).
    public func relu() -> Tensor { applying(.relu) }
    /// `x` for positive `x`, `slope · x` otherwise.
    public func leakyRelu(slope: Double = 0.01) -> Tensor { applying(.leakyRelu(slope: slope)) }
    /// `1 / (1 + e⁻ˣ)`, computed without overflow.
    public func sigmoid() -> Tensor { applying(.sigmoid) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { applying(.tanh) }
    /// Gaussian error linear unit, exact form `x · Φ(x)` (PyTorch's default `approximate='none'`).
    public func gelu() -> Tensor { applying(.gelu) }
    /// `log(1 + eˣ)` (linear above 20, as PyTorch's default threshold).
    public func softplus() -> Tensor { applying(.softplus) }
    /// `log σ(x) = -softplus(-x)`, stable for large |x|.
    public func logSigmoid() -> Tensor { -((-self).softplus()) }
}
