import Foundation
import Yams

/// A training run, as written in a YAML config (see `Examples/` and the schema in the README).
///
/// Every section has defaults, so the smallest config names only what differs from the reference
/// recipe (the reference CNN on Fashion-MNIST with a triplet loss). Unknown keys and wrong types
/// are ``ConfigError``s naming the key path and the allowed keys or values.
public struct RunConfig: Sendable, Equatable {
    /// Run name; the run directory is `output_dir/name` unless `--output` says otherwise.
    public var name = "run"
    /// Seed for weights, batches and bootstrap resampling.
    public var seed: UInt64 = 0
    /// Passes over `steps_per_epoch` batches.
    public var epochs = 5
    /// Folder that holds run directories.
    public var outputDirectory = "runs"
    /// The embedding network.
    public var model = ModelConfig()
    /// The datasets.
    public var data = DataConfig()
    /// How batches are drawn.
    public var sampler = SamplerConfig()
    /// The loss, or a weighted sum of losses (each with its own miner).
    public var losses: [LossConfig] = [LossConfig()]
    /// The miner for a single loss (`miner:` at the top level).
    public var miner: MinerConfig? = nil
    /// Cross-batch memory around a single pair/triplet loss (`memory_bank.size` > 0).
    public var memoryBankSize = 0
    /// The optimiser.
    public var optimizer = OptimizerConfig()
    /// The learning-rate schedule.
    public var schedule = ScheduleConfig()
    /// Evaluation cadence, metrics and the checkpoint-selection metric.
    public var evaluation = EvaluationConfig()

    /// The reference recipe (`fashion-mnist-triplet.yaml`).
    public init() {}

    /// Parses a YAML document; `overrides` are `key.path=value` pairs applied first (`--set`).
    public init(yaml: String, overrides: [String] = []) throws {
        try self.init(node: ConfigFile.node(yaml: yaml, overrides: overrides))
    }

    /// Reads a config file.
    public init(contentsOf url: URL, overrides: [String] = []) throws {
        let text = try ConfigFile.text(of: url)
        self = try ConfigFile.naming(url) { try RunConfig(yaml: text, overrides: overrides) }
    }

    init(node: Node) throws {
        if case .mapping(let m) = node, let task = m["task"] {
            // A generative config (or the config.yaml of a generative run) where a metric-learning
            // one is expected: say what it is rather than reject `task` as an unknown key.
            throw ConfigError(path: "task", line: task.mark?.line, message:
                "this is the config of a generative run (task: \(task.string ?? "?")): `kindred train` runs it and "
                + "`kindred generate` uses what it trained; `kindred eval`, `embed`, `search` and `visualize` need a "
                + "metric-learning run (a config without 'task:')")
        }
        let r = try ConfigReader(node, path: "")
        if let v = try r.string("name") { name = v }
        if let v = try r.int("seed", atLeast: 0) { seed = UInt64(v) }
        if let v = try r.int("epochs", atLeast: 1) { epochs = v }
        if let v = try r.string("output_dir") { outputDirectory = v }
        model = try ModelConfig(try r.child("model"))
        data = try DataConfig(try r.child("data"))
        sampler = try SamplerConfig(try r.child("sampler"))
        if let n = r.node("loss") {
            if case .sequence(let seq) = n {
                guard !seq.isEmpty else { throw ConfigError(path: "loss", line: n.mark?.line, message: "the list of losses is empty") }
                losses = try seq.enumerated().map { i, item in
                    try LossConfig(try ConfigReader(item, path: "loss[\(i)]"), inList: true)
                }
            } else {
                losses = [try LossConfig(try ConfigReader(n, path: "loss"), inList: false)]
            }
        }
        if r.has("miner") {
            let m = try MinerConfig(try r.child("miner"))
            miner = m.kind == .none ? nil : m
        }
        let bank = try r.child("memory_bank")
        if let v = try bank.int("size", atLeast: 0) { memoryBankSize = v }
        try bank.finish()
        optimizer = try OptimizerConfig(try r.child("optimizer"))
        schedule = try ScheduleConfig(try r.child("schedule"))
        evaluation = try EvaluationConfig(try r.child("eval"))
        try r.finish()
        try validate()
    }

    /// Cross-section checks.
    func validate() throws {
        if losses.count > 1, miner != nil {
            throw ConfigError(path: "miner", message: "with a list of losses, give each loss its own 'miner' key instead of a top-level miner")
        }
        if memoryBankSize > 0 {
            guard losses.count == 1, !losses[0].kind.hasClassWeights else {
                throw ConfigError(path: "memory_bank.size", message: "the memory bank wraps one pair or triplet loss, not \(losses.map(\.kind.rawValue).joined(separator: " + "))")
            }
        }
        if sampler.kind == .shuffle, losses.contains(where: { !$0.kind.hasClassWeights }) {
            // Allowed, but pair/triplet losses learn little from batches with few positives; say nothing here.
        }
    }

    /// The config as YAML with every default filled in (written to the run directory).
    public var resolvedYAML: String {
        var root: [(String, Node)] = [
            ("name", Node(name)), ("seed", Node(String(seed))), ("epochs", Node(String(epochs))),
            ("output_dir", Node(outputDirectory)),
            ("model", model.node), ("data", data.node), ("sampler", sampler.node),
        ]
        root.append(("loss", losses.count == 1 && losses[0].weight == 1 && losses[0].miner == nil
                     ? losses[0].node : Node(losses.map(\.node))))
        if let miner { root.append(("miner", miner.node)) }
        if memoryBankSize > 0 { root.append(("memory_bank", ConfigNodes.map([("size", ConfigNodes.int(memoryBankSize))]))) }
        root += [("optimizer", optimizer.node), ("schedule", schedule.node), ("eval", evaluation.node)]
        let text = (try? Yams.serialize(node: ConfigNodes.map(root))) ?? ""
        return "# Resolved Kindred run config: every default filled in. Rerun with `kindred train config.yaml`.\n" + text
    }
}

/// Helpers to build YAML nodes for ``RunConfig/resolvedYAML``.
enum ConfigNodes {
    static func map(_ pairs: [(String, Node)]) -> Node { Node(pairs.map { (Node($0.0), $0.1) }) }
    static func int(_ v: Int) -> Node { Node(String(v)) }
    static func double(_ v: Double) -> Node { Node(v == v.rounded() && abs(v) < 1e15 ? String(format: "%.1f", v) : "\(v)") }
    static func bool(_ v: Bool) -> Node { Node(v ? "true" : "false") }
}
