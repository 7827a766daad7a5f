/// Softmax loss plus centre loss (Wen et al. 2016): a linear classifier `(W, b)` and one learnable
/// centre per class, all ``Module`` parameters:
///
/// `L = (1/N) Σᵢ CE(xᵢW + b, yᵢ) + (λ/2) · (1/N) Σᵢ ‖xᵢ - c_{yᵢ}‖²`
///
/// The centre term pulls each embedding towards its class centre, the softmax term keeps classes
/// apart. Centres are trained by the optimiser like any parameter (the paper's separate centre
/// update with rate α corresponds to giving the centres their own learning rate). pytorch-metric-
/// learning has no counterpart; the tests check it against a plain loop and by gradient check.
public final class CenterLoss: Module {
    /// Number of classes.
    public let numClasses: Int
    /// Weight λ of the centre term.
    public let lambda: Double
    /// Classifier weights `[embeddingSize, numClasses]`.
    public var weight: Tensor
    /// Classifier bias `[numClasses]`.
    public var bias: Tensor
    /// Class centres `[numClasses, embeddingSize]`.
    public var centers: Tensor

    /// Creates the loss; the classifier starts as PyTorch's `Linear`, the centres at zero (as Wen et al.).
    public init(numClasses: Int, embeddingSize: Int, lambda: Double = 0.003, weight: Tensor? = nil, bias: Tensor? = nil,
                centers: Tensor? = nil) {
        self.numClasses = numClasses
        self.lambda = lambda
        let bound = 1 / Double(embeddingSize).squareRoot()
        let w = weight ?? Initializer.uniform(low: -bound, high: bound).make([embeddingSize, numClasses])
        let b = bias ?? Initializer.uniform(low: -bound, high: bound).make([numClasses])
        let c = centers ?? Tensor.zeros([numClasses, embeddingSize], dtype: w.dtype)
        precondition(w.shape == [embeddingSize, numClasses] && b.shape == [numClasses] && c.shape == [numClasses, embeddingSize],
                     "CenterLoss: weight [D, C], bias [C] and centers [C, D] expected")
        self.weight = w.requiresGrad ? w : w.requiringGradient()
        self.bias = b.requiresGrad ? b : b.requiringGradient()
        self.centers = c.requiresGrad ? c : c.requiringGradient()
        super.init()
    }

    /// Class scores `xW + b`.
    public func logits(_ embeddings: Tensor) -> Tensor { embeddings.matmul(weight.cast(to: embeddings.dtype)) + bias.cast(to: embeddings.dtype) }

    /// The centre term alone, `(1/2N) Σᵢ ‖xᵢ - c_{yᵢ}‖²` (without λ).
    public func centerTerm(_ embeddings: Tensor, labels: [Int]) -> Tensor {
        (embeddings - centers.cast(to: embeddings.dtype).rows(labels)).squared().sum(axis: 1).mean() * 0.5
    }

    /// `mean CE + λ · centre term`.
    public func callAsFunction(_ embeddings: Tensor, labels: [Int]) -> Tensor {
        precondition(embeddings.rank == 2 && labels.count == embeddings.shape[0], "one label per embedding row needed")
        return crossEntropy(logits: logits(embeddings), targets: labels) + centerTerm(embeddings, labels: labels) * lambda
    }
}
