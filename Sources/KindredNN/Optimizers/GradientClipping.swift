/// The global L2 norm of the gradients of `parameters`: `‖g‖ = √(Σₚ Σᵢ gₚᵢ²)`, accumulated in
/// `Double`. Parameters without a gradient are skipped; with none at all the norm is 0.
public func gradientNorm(_ parameters: [Tensor]) -> Double {
    var total = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        let c = g.contiguous()
        switch c.dtype {
        case .float32: total += OptimizerKernels.sumOfSquares(c.elements(Float.self), c.count)
        case .float64: total += OptimizerKernels.sumOfSquares(c.elements(Double.self), c.count)
        }
    }
    return total.squareRoot()
}

/// Rescales the gradients of `parameters` so that their global L2 norm is at most `maxNorm`,
/// as PyTorch's `torch.nn.utils.clip_grad_norm_` with `norm_type=2`.
///
/// With `‖g‖` the global norm (see ``gradientNorm(_:)``), every gradient is multiplied by
///
/// ```
/// c = maxNorm / (‖g‖ + 1e-6)      when c < 1 (otherwise gradients are left as they are)
/// ```
///
/// Each scaled gradient is a new tensor assigned to ``Tensor/grad`` (one pass, no graph), so a
/// gradient buffer shared with another tensor, which backprop may hand out, is never changed.
/// Parameters without a gradient are skipped. When the norm is not finite (a NaN or infinite
/// gradient) the gradients are left unchanged; check the returned value to skip such a step.
///
/// - Returns: the global norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Double) -> Double {
    precondition(maxNorm >= 0, "clipGradientNorm: maxNorm must be ≥ 0, got \(maxNorm)")
    let total = gradientNorm(parameters)
    guard total.isFinite else { return total }
    let coefficient = maxNorm / (total + 1e-6)
    guard coefficient < 1 else { return total }
    for p in parameters {
        guard let g = p.grad else { continue }
        p.grad = mapGradient(g) { src, dst, n in
            switch g.dtype {
            case .float32: OptimizerKernels.scale(src.assumingMemoryBound(to: Float.self), into: dst.assumingMemoryBound(to: Float.self), n, by: coefficient)
            case .float64: OptimizerKernels.scale(src.assumingMemoryBound(to: Double.self), into: dst.assumingMemoryBound(to: Double.self), n, by: coefficient)
            }
        }
    }
    return total
}

/// Clamps every gradient element of `parameters` to `[-maxValue, maxValue]`, as PyTorch's
/// `torch.nn.utils.clip_grad_value_`: `gᵢ ← min(max(gᵢ, −maxValue), maxValue)` (NaN stays NaN).
///
/// Each clamped gradient is a new tensor assigned to ``Tensor/grad`` (see ``clipGradientNorm(_:maxNorm:)``).
/// Parameters without a gradient are skipped.
public func clipGradientValue(_ parameters: [Tensor], maxValue: Double) {
    precondition(maxValue >= 0, "clipGradientValue: maxValue must be ≥ 0, got \(maxValue)")
    for p in parameters {
        guard let g = p.grad else { continue }
        p.grad = mapGradient(g) { src, dst, n in
            switch g.dtype {
            case .float32: OptimizerKernels.clamp(src.assumingMemoryBound(to: Float.self), into: dst.assumingMemoryBound(to: Float.self), n, -maxValue, maxValue)
            case .float64: OptimizerKernels.clamp(src.assumingMemoryBound(to: Double.self), into: dst.assumingMemoryBound(to: Double.self), n, -maxValue, maxValue)
            }
        }
    }
}

/// A new contiguous tensor of `g`'s shape and dtype filled by `body(source, destination, count)`
/// from a contiguous view of `g`; records no graph.
private func mapGradient(_ g: Tensor, _ body: (UnsafeRawPointer, UnsafeMutableRawPointer, Int) -> Void) -> Tensor {
    withoutGradients {
        let src = g.contiguous()
        let out = Tensor.zeros(g.shape, dtype: g.dtype)
        let size = g.dtype.byteSize
        body(UnsafeRawPointer(src.storage.base + src.layout.offset * size), out.storage.base + out.layout.offset * size, g.count)
        return out
    }
}
