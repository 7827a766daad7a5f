import KindredTensor

/// The losses of adversarial training, all on discriminator **logits** (no sigmoid in the models).
///
/// Binary cross-entropy is computed stably from a logit `x` and a target `t ∈ [0, 1]`:
/// `BCE(x, t) = −t·log σ(x) − (1−t)·log(1−σ(x)) = softplus(x) − t·x`, with `softplus(x) =
/// log(1 + eˣ)` evaluated without overflow, so no probability is ever rounded to 0 or 1.
public enum AdversarialLoss {
    /// Mean binary cross-entropy of `logits` against the constant target `target`.
    public static func binaryCrossEntropy(logits: Tensor, target: Double) -> Tensor {
        (logits.softplus() - logits * target).mean()
    }

    /// Mean squared error of `logits` against `target` (LSGAN, Mao et al. 2017).
    public static func leastSquares(logits: Tensor, target: Double) -> Tensor {
        (logits - target).squared().mean()
    }

    /// The loss of a discriminator output against a target under `objective`.
    public static func loss(_ objective: AdversarialObjective, logits: Tensor, target: Double) -> Tensor {
        switch objective {
        case .bce: return binaryCrossEntropy(logits: logits, target: target)
        case .leastSquares: return leastSquares(logits: logits, target: target)
        }
    }

    /// The generator's loss on the discriminator's logits for generated samples.
    ///
    /// - ``GeneratorLoss/nonSaturating``: `−log D(G(z)) = BCE(x, 1) = softplus(−x)`.
    /// - ``GeneratorLoss/minimax``: the seminar's `log(1 − D(G(z))) = −softplus(x)`, minimised.
    public static func generatorLoss(_ kind: GeneratorLoss, fakeLogits: Tensor) -> Tensor {
        switch kind {
        case .nonSaturating: return binaryCrossEntropy(logits: fakeLogits, target: 1)
        case .minimax: return -fakeLogits.softplus().mean()
        }
    }
}

/// Which loss the generator minimises in a binary-cross-entropy GAN.
public enum GeneratorLoss: String, Sendable, CaseIterable, Codable {
    /// `−log D(G(z))` (Goodfellow et al.'s practical choice; strong gradients early on). Default.
    case nonSaturating = "non_saturating"
    /// `log(1 − D(G(z)))`: the minimax game as written; its gradient vanishes while D wins easily.
    case minimax
}

/// The adversarial objective of pix2pix and CycleGAN steps.
public enum AdversarialObjective: String, Sendable, CaseIterable, Codable {
    /// Binary cross-entropy on logits (real → 1, fake → 0).
    case bce
    /// Least squares (LSGAN): `(D(x) − 1)²` for real, `D(G(z))²` for fake — CycleGAN's choice.
    case leastSquares = "least_squares"
}
