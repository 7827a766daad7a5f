import KindredTensor

/// How well embeddings cluster by label: k-means with one cluster per label, scored by NMI and AMI
/// against the labels (as pytorch-metric-learning's AccuracyCalculator does for its `NMI` and `AMI`).
///
/// ```swift
/// let scores = try ClusteringEvaluation(seed: 0).evaluate(embeddings: e, labels: labels)
/// print(scores.normalizedMutualInformation, scores.adjustedMutualInformation)
/// ```
public struct ClusteringEvaluation: Sendable {
    /// k-means restarts.
    public var restarts: Int
    /// Most Lloyd iterations per restart.
    public var maximumIterations: Int
    /// Seed of k-means.
    public var seed: UInt64

    /// Creates an evaluation.
    public init(restarts: Int = 3, maximumIterations: Int = 100, seed: UInt64 = 0) {
        self.restarts = restarts
        self.maximumIterations = maximumIterations
        self.seed = seed
    }

    /// Clusters `embeddings` into as many clusters as there are distinct labels and compares.
    ///
    /// - Throws: ``RetrievalError`` on a bad shape, mismatched labels, or no embeddings.
    public func evaluate(embeddings: Tensor, labels: [Int]) throws -> ClusteringScores {
        guard embeddings.rank == 2 else { throw RetrievalError.badShape(name: "embeddings", expected: "[N, D]", actual: embeddings.shape) }
        guard labels.count == embeddings.shape[0] else {
            throw RetrievalError.lengthMismatch(name: "labels", expected: embeddings.shape[0], actual: labels.count)
        }
        guard !labels.isEmpty else { throw RetrievalError.invalidArgument("clustering needs at least one embedding") }
        let k = Set(labels).count
        let clustering = try KMeans(clusterCount: k, restarts: restarts, maximumIterations: maximumIterations, seed: seed).fit(embeddings)
        return ClusteringScores(normalizedMutualInformation: try MutualInformation.normalized(labels, clustering.assignments),
                                adjustedMutualInformation: try MutualInformation.adjusted(labels, clustering.assignments),
                                clustering: clustering)
    }
}

/// NMI and AMI of a k-means clustering against labels (see ``ClusteringEvaluation``).
public struct ClusteringScores: Sendable {
    /// Normalised mutual information (arithmetic normaliser).
    public let normalizedMutualInformation: Double
    /// Adjusted mutual information (arithmetic normaliser).
    public let adjustedMutualInformation: Double
    /// The clustering that was scored.
    public let clustering: KMeansResult
}
