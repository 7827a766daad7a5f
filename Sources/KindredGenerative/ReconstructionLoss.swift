import KindredTensor

/// How a reconstruction is compared with its target image (pixels in `[0, 1]`), computed from the
/// decoder's logits z (the image is sigmoid(z)).
///
/// - `mse`: (sigmoid(z) − x)².
/// - `bce`: binary cross-entropy −x·log σ(z) − (1 − x)·log(1 − σ(z)), evaluated stably as
///   softplus(z) − x·z (PyTorch's `binary_cross_entropy_with_logits`), so saturated logits give
///   neither NaN nor infinite gradients.
///
/// ```swift
/// let perPixel = ReconstructionLoss.bce.mean(logits: logits, target: images)   // scalar
/// let perImage = ReconstructionLoss.bce.perImage(logits: logits, target: images) // [N], summed over pixels
/// ```
public enum ReconstructionLoss: String, CaseIterable, Sendable, Codable {
    /// Mean squared error of the sigmoid output.
    case mse
    /// Binary cross-entropy with logits.
    case bce

    /// The loss of every pixel, `[N, C, H, W]`.
    public func elementwise(logits: Tensor, target: Tensor) -> Tensor {
        switch self {
        case .mse: return (logits.sigmoid() - target).squared()
        case .bce: return logits.softplus() - target * logits
        }
    }

    /// The loss summed over each image's pixels, `[N]` (the negative log-likelihood term of an ELBO).
    public func perImage(logits: Tensor, target: Tensor) -> Tensor {
        elementwise(logits: logits, target: target).flattened(startAxis: 1).sum(axis: 1)
    }

    /// The mean loss over all pixels of the batch (a scalar).
    public func mean(logits: Tensor, target: Tensor) -> Tensor {
        elementwise(logits: logits, target: target).mean()
    }
}

/// KL divergence of a diagonal Gaussian N(μ, diag σ²) from the standard normal prior, in closed
/// form: KL = ½ Σⱼ (μⱼ² + σⱼ² − 1 − log σⱼ²).
public enum GaussianKL {
    /// The KL term of each item, `[N]`, from means and log-variances `[N, d]`.
    public static func perItem(mean: Tensor, logVariance: Tensor) -> Tensor {
        ((mean.squared() + logVariance.exp() - logVariance - 1) * 0.5).sum(axis: 1)
    }
}
