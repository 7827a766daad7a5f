import Foundation
import KindredGenerative
import KindredNN
import KindredTensor

/// Checkpoints of generative runs: every module's tensors under its name (`model.encoder.0.weight`,
/// `generator.…`), every optimiser's state under `optimizer.<name>.`, and metadata with the task,
/// epoch, step, random state and best metric. Written atomically.
///
/// The `task` metadata lets a run or `kindred generate` refuse a checkpoint of another task with
/// a message that names both tasks.
enum GenerativeCheckpoint {
    /// Metadata key of the task kind.
    static let taskKey = "task"

    /// Writes the modules, optimisers and `state` of a `task` run to `url`.
    static func write(_ state: Checkpoint, task: GenerativeTask, modules: [(name: String, module: Module)],
                      optimizers: [(name: String, optimizer: Optimizer)], to url: URL) throws {
        var tensors: [(String, Tensor)] = []
        for (name, module) in modules { tensors += module.stateDict().map { (name + "." + $0.0, $0.1) } }
        for (name, optimizer) in optimizers { tensors += optimizer.stateDict().map { ("optimizer.\(name)." + $0.0, $0.1) } }
        var meta = [Checkpoint.formatKey: "1", taskKey: task.rawValue, "epoch": String(state.epoch),
                    "global_step": String(state.globalStep),
                    "random_state": state.randomState.map(String.init).joined(separator: ",")]
        if let b = state.bestValue { meta["best_value"] = "\(b)" }
        if let e = state.bestEpoch { meta["best_epoch"] = String(e) }
        try Safetensors.write(tensors, metadata: meta, to: url)
    }

    /// Opens `url` and checks that it is a Kindred checkpoint of one of `tasks`.
    ///
    /// - Throws: ``CheckpointError`` naming the file and, for a checkpoint of another task, both tasks.
    static func open(_ url: URL, expecting tasks: [GenerativeTask]) throws -> SafetensorsFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(file: url, message: "no such checkpoint (has the run finished an epoch?)")
        }
        let file = try SafetensorsFile(contentsOf: url)
        guard file.metadata[Checkpoint.formatKey] != nil else {
            throw CheckpointError(file: url, message: "not a Kindred training checkpoint (no '\(Checkpoint.formatKey)' in the header metadata)")
        }
        let expected = tasks.map(\.rawValue).joined(separator: " or ")
        guard let found = file.metadata[taskKey] else {
            throw CheckpointError(file: url, message: "is a checkpoint of a metric-learning run, not of a \(expected) run")
        }
        guard let task = GenerativeTask(rawValue: found), tasks.contains(task) else {
            throw CheckpointError(file: url, message: "is a checkpoint of a '\(found)' run, not of a \(expected) run")
        }
        return file
    }

    /// Loads `modules` (by name prefix) from an opened checkpoint; every tensor and shape is checked.
    static func load(_ file: SafetensorsFile, url: URL, into modules: [(name: String, module: Module)]) throws {
        for (name, module) in modules {
            var tensors: [String: Tensor] = [:]
            let prefix = name + "."
            for key in file.names where key.hasPrefix(prefix) {
                let dtype: DType = file.info(named: key)?.dtype == .float64 ? .float64 : .float32
                tensors[String(key.dropFirst(prefix.count))] = try file.tensor(named: key, as: dtype)
            }
            do { try module.loadStateDict(tensors) } catch {
                throw CheckpointError(file: url, message: "does not fit this run's '\(name)' module: \(error)")
            }
        }
    }

    /// Reads a checkpoint of `task` into `modules` and `optimizers` and returns its state.
    static func read(from url: URL, task: GenerativeTask, modules: [(name: String, module: Module)],
                     optimizers: [(name: String, optimizer: Optimizer)]) throws -> Checkpoint {
        let file = try open(url, expecting: [task])
        try load(file, url: url, into: modules)
        for (name, optimizer) in optimizers {
            let prefix = "optimizer.\(name)."
            var entries: [(String, Tensor)] = []
            for key in file.names where key.hasPrefix(prefix) {
                let dtype: DType = file.info(named: key)?.dtype == .float64 ? .float64 : .float32
                entries.append((String(key.dropFirst(prefix.count)), try file.tensor(named: key, as: dtype)))
            }
            do { try optimizer.loadStateDict(entries) } catch {
                throw CheckpointError(file: url, message: "the state of optimiser '\(name)' does not fit: \(error)")
            }
        }
        let meta = file.metadata
        func int(_ key: String) throws -> Int {
            guard let s = meta[key], let v = Int(s) else { throw CheckpointError(file: url, message: "metadata '\(key)' is missing or not an integer") }
            return v
        }
        let random = (meta["random_state"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard random.count == 4 else { throw CheckpointError(file: url, message: "metadata 'random_state' must hold 4 integers") }
        return Checkpoint(epoch: try int("epoch"), globalStep: try int("global_step"), randomState: random,
                          bestValue: meta["best_value"].flatMap(Double.init), bestEpoch: meta["best_epoch"].flatMap(Int.init),
                          curriculumKind: nil)
    }
}
