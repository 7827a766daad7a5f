/// The outcome of ``gradientCheck(inputs:epsilon:function:)``.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
    /// Largest |analytic - numeric| / max(1, |numeric|) over all checked elements.
    public var maxError: Double
    /// Where the largest error occurred: (input index, element index).
    public var worst: (input: Int, element: Int)
    /// Analytic and numeric derivative at the worst element.
    public var analytic: Double, numeric: Double

    public var description: String {
        "max error \(maxError) at input \(worst.input) element \(worst.element): analytic \(analytic), numeric \(numeric)"
    }
}

/// Compares reverse-mode gradients with central finite differences, in float64.
///
/// Checks `∂/∂x Σ f(x)·w` for a fixed pseudo-random weighting `w` of the output, so every output
/// element contributes. Use it to test a custom op or loss:
///
/// ```swift
/// let x = Tensor(doubles: [0.3, -1.2, 2.0], shape: [3])
/// let r = gradientCheck(inputs: [x]) { $0[0].softplus() }
/// XCTAssertLessThan(r.maxError, 1e-6)
/// ```
///
/// - Parameters:
///   - inputs: float64 tensors; each is perturbed element by element.
///   - epsilon: the finite-difference step.
///   - function: the computation; it must be deterministic.
public func gradientCheck(inputs: [Tensor], epsilon: Double = 1e-6, function: ([Tensor]) -> Tensor) -> GradientCheckResult {
    precondition(inputs.allSatisfy { $0.dtype == .float64 }, "gradientCheck needs float64 inputs (float32 differences are too coarse)")
    let leaves = inputs.map { $0.contiguous(copy: true).detached().requiringGradient() }
    let probe = withoutGradients { function(leaves) }
    var rng = RandomGenerator(seed: 1234)
    let weights = Tensor.uniform(probe.shape, low: 0.5, high: 1.5, dtype: .float64, generator: &rng)
    func objective(_ xs: [Tensor]) -> Tensor { (function(xs) * weights).sum() }

    objective(leaves).backward()
    var result = GradientCheckResult(maxError: 0, worst: (0, 0), analytic: 0, numeric: 0)
    for (k, leaf) in leaves.enumerated() {
        let analytic = leaf.grad?.doubles ?? [Double](repeating: 0, count: leaf.count)
        let p = leaf.storage.pointer(as: Double.self)
        for i in 0..<leaf.count {
            let saved = p[i]
            p[i] = saved + epsilon
            let up = withoutGradients { objective(leaves).item() }
            p[i] = saved - epsilon
            let down = withoutGradients { objective(leaves).item() }
            p[i] = saved
            let numeric = (up - down) / (2 * epsilon)
            let err = Swift.abs(analytic[i] - numeric) / Swift.max(1, Swift.abs(numeric))
            if err > result.maxError || err.isNaN {
                result = GradientCheckResult(maxError: err.isNaN ? .infinity : err, worst: (k, i), analytic: analytic[i], numeric: numeric)
            }
        }
    }
    return result
}
