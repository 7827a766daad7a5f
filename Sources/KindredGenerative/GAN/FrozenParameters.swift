import KindredNN
import KindredTensor

/// Runs `body` with every parameter of `modules` frozen (no gradient is computed or stored for
/// them), restoring each parameter's previous `requiresGrad` afterwards, also when `body` throws.
///
/// A GAN's generator step backpropagates *through* the discriminator to the generator; freezing
/// the discriminator skips its weight gradients (less work) and guarantees that the step can
/// change only the generator.
func withParametersFrozen<R>(_ modules: [Module], _ body: () throws -> R) rethrows -> R {
    let parameters = modules.flatMap { $0.parameters() }
    let previous = parameters.map(\.requiresGrad)
    for p in parameters { p.requiresGrad = false }
    defer { for (p, on) in zip(parameters, previous) { p.requiresGrad = on } }
    return try body()
}
