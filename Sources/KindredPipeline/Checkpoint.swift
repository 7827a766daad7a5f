import Foundation
import KindredNN
import KindredTensor

/// A training checkpoint: one safetensors file with the model (`model.*`, PyTorch `state_dict`
/// names), the loss's own weights (`loss.*`), the optimiser state (`optimizer.*`) and, in the
/// header metadata, the epoch, the optimiser step, the random generator and the best metric so far.
///
/// Files are written atomically (temporary file + rename), so a run killed while saving keeps its
/// previous checkpoint.
public struct Checkpoint: Sendable {
    /// Epochs completed.
    public var epoch: Int
    /// Optimiser steps taken.
    public var globalStep: Int
    /// Global random generator state.
    public var randomState: [UInt64]
    /// Best value of the selection metric so far, and the epoch that reached it.
    public var bestValue: Double?, bestEpoch: Int?
    /// The triplet kind a curriculum miner has reached (`semihard` or `hard`), if any.
    public var curriculumKind: String?

    static let formatKey = "kindred_checkpoint"

    /// Writes the checkpoint of `model`, `loss` and `optimizer`.
    static func write(_ c: Checkpoint, model: Module, loss: [(String, Tensor)], optimizer: Optimizer, to url: URL) throws {
        var tensors = model.stateDict().map { ("model." + $0.0, $0.1) }
        tensors += loss.map { ("loss." + $0.0, $0.1) }
        tensors += optimizer.stateDict().map { ("optimizer." + $0.0, $0.1) }
        var meta = [Self.formatKey: "1", "epoch": String(c.epoch), "global_step": String(c.globalStep),
                    "random_state": c.randomState.map(String.init).joined(separator: ",")]
        if let b = c.bestValue { meta["best_value"] = "\(b)" }
        if let e = c.bestEpoch { meta["best_epoch"] = String(e) }
        if let k = c.curriculumKind { meta["curriculum_kind"] = k }
        try Safetensors.write(tensors, metadata: meta, to: url)
    }

    /// Reads a checkpoint into `model`, `lossModule` and `optimizer` (all checked before anything
    /// is changed where the underlying loaders allow).
    ///
    /// - Throws: ``CheckpointError`` when the file is not a Kindred checkpoint or does not fit the
    ///   run's model (the message names the tensor).
    static func read(from url: URL, model: Module, lossModule: Module, optimizer: Optimizer) throws -> Checkpoint {
        let file = try SafetensorsFile(contentsOf: url)
        let meta = file.metadata
        guard meta[formatKey] != nil else {
            throw CheckpointError(file: url, message: "not a Kindred training checkpoint (no '\(formatKey)' in the header metadata); for plain weights use `kindred embed --weights`")
        }
        func int(_ key: String) throws -> Int {
            guard let s = meta[key], let v = Int(s) else { throw CheckpointError(file: url, message: "metadata '\(key)' is missing or not an integer") }
            return v
        }
        let random = (meta["random_state"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard random.count == 4 else { throw CheckpointError(file: url, message: "metadata 'random_state' must hold 4 integers") }
        var modelTensors: [String: Tensor] = [:], lossTensors: [String: Tensor] = [:]
        var optimizerEntries: [(String, Tensor)] = []
        for name in file.names {
            guard let info = file.info(named: name) else { continue }
            let dtype: DType = info.dtype == .float64 ? .float64 : .float32
            let t = try file.tensor(named: name, as: dtype)
            if name.hasPrefix("model.") { modelTensors[String(name.dropFirst(6))] = t }
            else if name.hasPrefix("loss.") { lossTensors[String(name.dropFirst(5))] = t }
            else if name.hasPrefix("optimizer.") { optimizerEntries.append((String(name.dropFirst(10)), t)) }
        }
        do {
            try model.loadStateDict(modelTensors)
            try lossModule.loadStateDict(lossTensors)
            try optimizer.loadStateDict(optimizerEntries)
        } catch {
            throw CheckpointError(file: url, message: "does not fit this run's model, loss or optimiser: \(error)")
        }
        return Checkpoint(epoch: try int("epoch"), globalStep: try int("global_step"), randomState: random,
                          bestValue: meta["best_value"].flatMap(Double.init), bestEpoch: meta["best_epoch"].flatMap(Int.init),
                          curriculumKind: meta["curriculum_kind"])
    }
}

/// A checkpoint that cannot be used, naming the file.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The checkpoint file.
    public var file: URL
    /// What is wrong.
    public var message: String
    public var description: String { "\(file.path): \(message)" }
}
