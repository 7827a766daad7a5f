import Foundation
import KindredRetrieval
import Yams

/// `optimizer:` — how parameters are updated.
public struct OptimizerConfig: Sendable, Equatable {
    /// Optimiser kinds.
    public enum Kind: String, Sendable, CaseIterable { case adam, adamw, sgd }
    /// The optimiser.
    public var kind = Kind.adam
    /// Learning rate of the network.
    public var learningRate = 1e-3
    /// Learning rate of the loss's class weights or proxies (nil: the same as the network's).
    public var lossLearningRate: Double? = nil
    /// Weight decay (L2 for Adam and SGD, decoupled for AdamW).
    public var weightDecay = 0.0
    /// SGD momentum.
    public var momentum = 0.9
    /// Clip the global gradient norm to this value (nil: no clipping).
    public var clipGradientNorm: Double? = nil

    /// Adam with learning rate 1e-3.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.choice("kind", as: Kind.self) { kind = v }
        if let v = try r.double("lr", positive: true) { learningRate = v }
        lossLearningRate = try r.double("loss_lr", positive: true)
        if let v = try r.double("weight_decay") { weightDecay = v }
        if kind == .sgd, let v = try r.double("momentum") { momentum = v }
        clipGradientNorm = try r.double("clip_grad_norm", positive: true)
        try r.finish()
    }

    var node: Node {
        var pairs: [(String, Node)] = [("kind", Node(kind.rawValue)), ("lr", ConfigNodes.double(learningRate))]
        if let lossLearningRate { pairs.append(("loss_lr", ConfigNodes.double(lossLearningRate))) }
        pairs.append(("weight_decay", ConfigNodes.double(weightDecay)))
        if kind == .sgd { pairs.append(("momentum", ConfigNodes.double(momentum))) }
        if let clipGradientNorm { pairs.append(("clip_grad_norm", ConfigNodes.double(clipGradientNorm))) }
        return ConfigNodes.map(pairs)
    }
}

/// `schedule:` — the learning rate over training steps.
public struct ScheduleConfig: Sendable, Equatable {
    /// Schedule kinds.
    public enum Kind: String, Sendable, CaseIterable {
        /// The optimiser's learning rate throughout.
        case constant
        /// Cosine annealing from the learning rate to `min_lr` over the whole run.
        case cosine
        /// Multiply by `gamma` at each epoch in `milestones`.
        case multistep
    }
    /// The schedule.
    public var kind = Kind.constant
    /// Linear warm-up steps from a third of the learning rate (0: none).
    public var warmupSteps = 0
    /// Final learning rate of the cosine schedule.
    public var minimumLearningRate = 0.0
    /// Epochs (1-based) after which the multistep schedule decays.
    public var milestones: [Int] = []
    /// Decay factor of the multistep schedule.
    public var gamma = 0.1

    /// A constant learning rate.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.choice("kind", as: Kind.self) { kind = v }
        if let v = try r.int("warmup_steps", atLeast: 0) { warmupSteps = v }
        if kind == .cosine, let v = try r.double("min_lr") { minimumLearningRate = v }
        if kind == .multistep {
            milestones = try r.list("milestones", expected: "epoch numbers", { Int($0).flatMap { $0 > 0 ? $0 : nil } }) ?? []
            if let v = try r.double("gamma", positive: true) { gamma = v }
        }
        try r.finish()
    }

    var node: Node {
        var pairs: [(String, Node)] = [("kind", Node(kind.rawValue)), ("warmup_steps", ConfigNodes.int(warmupSteps))]
        if kind == .cosine { pairs.append(("min_lr", ConfigNodes.double(minimumLearningRate))) }
        if kind == .multistep {
            pairs += [("milestones", Node(milestones.map { ConfigNodes.int($0) })), ("gamma", ConfigNodes.double(gamma))]
        }
        return ConfigNodes.map(pairs)
    }
}

/// `eval:` — when and how the model is evaluated on the evaluation split.
public struct EvaluationConfig: Sendable, Equatable {
    /// Search distances.
    public enum Distance: String, Sendable, CaseIterable { case cosine, euclidean, dot }
    /// Evaluate every this many epochs (and always after the last).
    public var every = 1
    /// Metrics, in the composite-metric syntax (`precision@1`, `map@r`, `precision@3 + 0.5*map@4-10`).
    public var metrics = ["precision@1", "map@r", "r_precision", "cmc@5", "map@5"]
    /// The metric that picks the best checkpoint (must be one of ``metrics``).
    public var bestBy = "map@r"
    /// How embeddings are compared.
    public var distance = Distance.cosine
    /// Bootstrap resamples for confidence intervals (0: none).
    public var bootstrap = 200
    /// Images per forward pass when embedding.
    public var batchSize = 256
    /// Queries shown in the report's retrieval grid (worst first) and results per query.
    public var gridQueries = 12, gridResults = 8
    /// Search backend (`exact`, `faiss_flat`, `faiss_ivf:lists=256,probes=16`, `faiss_hnsw:…`; see ``SearchIndexKind``).
    public var index = SearchIndexKind.exact

    /// Defaults.
    public init() {}

    init(_ r: ConfigReader) throws {
        if let v = try r.int("every", atLeast: 1) { every = v }
        if let v = try r.list("metrics", expected: "metric names", { $0 }) {
            guard !v.isEmpty else { throw ConfigError(path: "eval.metrics", message: "give at least one metric") }
            metrics = v
        }
        for (i, m) in metrics.enumerated() {
            do { _ = try RankingMetric(parsing: m) } catch let e as MetricParseError {
                throw ConfigError(path: "eval.metrics[\(i)]", message: e.description)
            }
        }
        if let v = try r.string("best_by") { bestBy = v } else if !metrics.contains(bestBy) { bestBy = metrics[0] }
        guard metrics.contains(bestBy) else {
            throw ConfigError(path: "eval.best_by", message: "'\(bestBy)' is not among eval.metrics (\(metrics.joined(separator: ", ")))")
        }
        if let v = try r.choice("distance", as: Distance.self) { distance = v }
        if let v = try r.int("bootstrap", atLeast: 0) { bootstrap = v }
        if let v = try r.int("batch_size", atLeast: 1) { batchSize = v }
        if let v = try r.int("grid_queries", atLeast: 0) { gridQueries = v }
        if let v = try r.int("grid_results", atLeast: 1) { gridResults = v }
        if let v = try r.string("index") {
            do { index = try SearchIndexKind(parsing: v) } catch {
                throw ConfigError(path: "eval.index", message: "\(error)")
            }
        }
        try r.finish()
    }

    var node: Node {
        ConfigNodes.map([
            ("every", ConfigNodes.int(every)), ("metrics", Node(metrics.map { Node($0) })), ("best_by", Node(bestBy)),
            ("distance", Node(distance.rawValue)), ("bootstrap", ConfigNodes.int(bootstrap)),
            ("batch_size", ConfigNodes.int(batchSize)), ("grid_queries", ConfigNodes.int(gridQueries)),
            ("grid_results", ConfigNodes.int(gridResults)), ("index", Node(index.description)),
        ])
    }
}
