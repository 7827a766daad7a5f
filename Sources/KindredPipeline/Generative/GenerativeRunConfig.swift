import Foundation
import KindredGenerative
import Yams

/// A generative training run (autoencoder, denoising autoencoder, VAE; GAN tasks), as written in
/// a YAML config with a top-level `task:` key (see `Examples/fashion-mnist-vae.yaml`).
///
/// Shares the metric runs' sections where they fit — `name`, `seed`, `epochs`, `output_dir`,
/// `data`, `optimizer`, `schedule` — and adds `sampler` (`batch_size`, `steps_per_epoch`) and
/// `eval` (`every`, `batch_size`, `limit`, `grid_images`); the task reads its own sections
/// (`model`, `loss`, `corruption`, …). Unknown keys and wrong types are ``ConfigError``s naming
/// the key path and line. `data.mean` and `data.std` default to 0 and 1 here, so images are pixels
/// in `[0, 1]`.
public struct GenerativeRunConfig: Sendable {
    /// The task.
    public var task: GenerativeTask
    /// Run name; the run directory is `output_dir/name` unless `--output` says otherwise.
    public var name = "run"
    /// Seed for weights, batches and noise.
    public var seed: UInt64 = 0
    /// Passes over `steps_per_epoch` batches.
    public var epochs = 5
    /// Folder that holds run directories.
    public var outputDirectory = "runs"
    /// The datasets.
    public var data = DataConfig()
    /// Images per training batch.
    public var batchSize = 128
    /// Batches per epoch (nil: one pass over the training images).
    public var stepsPerEpoch: Int? = nil
    /// The optimiser (tasks may override Adam's betas).
    public var optimizer = OptimizerConfig()
    /// The learning-rate schedule, applied to every optimiser of the task.
    public var schedule = ScheduleConfig()
    /// Evaluate every this many epochs (and always after the last).
    public var evaluateEvery = 1
    /// Images per forward pass when evaluating.
    public var evaluationBatchSize = 500
    /// Evaluate on at most this many test images (0: all).
    public var evaluationLimit = 0
    /// Images per row of the sample grids.
    public var gridImages = 8
    /// The task's own settings.
    var settings: any GenerativeTaskSettings

    /// Parses a YAML document; `overrides` are `key.path=value` pairs applied first (`--set`).
    public init(yaml: String, overrides: [String] = []) throws {
        try self.init(node: ConfigFile.node(yaml: yaml, overrides: overrides))
    }

    /// Reads a config file.
    public init(contentsOf url: URL, overrides: [String] = []) throws {
        let text = try ConfigFile.text(of: url)
        self = try ConfigFile.naming(url) { try GenerativeRunConfig(yaml: text, overrides: overrides) }
    }

    /// The `task:` of a config file, or nil for a metric-learning config (no `task:` key) — how
    /// `kindred train` decides which kind of run to start.
    public static func task(ofConfigAt url: URL, overrides: [String] = []) throws -> GenerativeTask? {
        let text = try ConfigFile.text(of: url)
        let node = try ConfigFile.naming(url) { try ConfigFile.node(yaml: text, overrides: overrides.filter { $0.hasPrefix("task=") }) }
        guard case .mapping(let m) = node, let t = m["task"] else { return nil }
        let r = try ConfigReader(Node.mapping(Node.Mapping([(Node("task"), t)])), path: "")
        return try r.choice("task", as: GenerativeTask.self)
    }

    /// The config of the generative run in `run`, which must be a run of one of `tasks`.
    ///
    /// - Throws: ``CheckpointError`` naming the directory when it is not a run, is a metric-learning
    ///   run, or is a run of another task (naming it and the expected ones); ``ConfigError``.
    static func opening(_ run: RunFiles, tasks: [GenerativeTask]) throws -> (config: GenerativeRunConfig, task: GenerativeTask) {
        guard FileManager.default.fileExists(atPath: run.config.path) else {
            throw CheckpointError(file: run.config, message: "not a Kindred run directory (no config.yaml)")
        }
        let expected = tasks.map(\.rawValue).joined(separator: ", ")
        guard let task = try task(ofConfigAt: run.config) else {
            throw CheckpointError(file: run.directory, message: "is a metric-learning run; this needs a run of \(expected)")
        }
        guard tasks.contains(task) else {
            throw CheckpointError(file: run.directory, message: "is a \(task.rawValue) run; this needs a run of \(expected)")
        }
        return (try GenerativeRunConfig(contentsOf: run.config), task)
    }

    init(node original: Node) throws {
        var node = original
        // Generative runs work on pixels in [0, 1] unless the config says otherwise.
        let data = node.mapping?["data"]
        if data?.mapping?["mean"] == nil { node = try ConfigOverride("data.mean=0.0").applied(to: node) }
        if data?.mapping?["std"] == nil { node = try ConfigOverride("data.std=1.0").applied(to: node) }
        let r = try ConfigReader(node, path: "")
        guard let task = try r.choice("task", as: GenerativeTask.self) else {
            throw ConfigError(path: "task", message: "a generative run needs 'task' (one of \(GenerativeTask.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let implementation = GenerativeTaskRegistry.implementation(of: task) else {
            let ready = GenerativeTask.allCases.filter { GenerativeTaskRegistry.implementation(of: $0) != nil }.map(\.rawValue)
            throw ConfigError(path: "task", line: node.mapping?["task"]?.mark?.line,
                              message: "task '\(task.rawValue)' is not implemented in this build; available: \(ready.joined(separator: ", "))")
        }
        self.task = task
        if let v = try r.string("name") { name = v }
        if let v = try r.int("seed", atLeast: 0) { seed = UInt64(v) }
        if let v = try r.int("epochs", atLeast: 1) { epochs = v }
        if let v = try r.string("output_dir") { outputDirectory = v }
        self.data = try DataConfig(try r.child("data"))
        let sampler = try r.child("sampler")
        if let v = try sampler.int("batch_size", atLeast: 1) { batchSize = v }
        stepsPerEpoch = try sampler.int("steps_per_epoch", atLeast: 1)
        try sampler.finish()
        optimizer = try OptimizerConfig(try r.child("optimizer"))
        schedule = try ScheduleConfig(try r.child("schedule"))
        let eval = try r.child("eval")
        if let v = try eval.int("every", atLeast: 1) { evaluateEvery = v }
        if let v = try eval.int("batch_size", atLeast: 1) { evaluationBatchSize = v }
        if let v = try eval.int("limit", atLeast: 0) { evaluationLimit = v }
        if let v = try eval.int("grid_images", atLeast: 1) { gridImages = v }
        try eval.finish()
        settings = try implementation.readSettings(r, task: task)
        try r.finish()
    }

    /// The config as YAML with every default filled in (written to the run directory).
    public var resolvedYAML: String {
        var root: [(String, Node)] = [
            ("task", Node(task.rawValue)), ("name", Node(name)), ("seed", Node(String(seed))),
            ("epochs", Node(String(epochs))), ("output_dir", Node(outputDirectory)), ("data", data.node),
        ]
        var sampler: [(String, Node)] = [("batch_size", ConfigNodes.int(batchSize))]
        if let stepsPerEpoch { sampler.append(("steps_per_epoch", ConfigNodes.int(stepsPerEpoch))) }
        root.append(("sampler", ConfigNodes.map(sampler)))
        root += settings.resolvedSections
        root += [("optimizer", optimizer.node), ("schedule", schedule.node),
                 ("eval", ConfigNodes.map([("every", ConfigNodes.int(evaluateEvery)), ("batch_size", ConfigNodes.int(evaluationBatchSize)),
                                           ("limit", ConfigNodes.int(evaluationLimit)), ("grid_images", ConfigNodes.int(gridImages))]))]
        let text = (try? Yams.serialize(node: ConfigNodes.map(root))) ?? ""
        return "# Resolved Kindred \(task.rawValue) run config: every default filled in. Rerun with `kindred train config.yaml`.\n" + text
    }
}
