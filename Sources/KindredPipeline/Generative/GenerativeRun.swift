import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// A generative training run built from a ``GenerativeRunConfig``: the task's models and
/// optimisers (see ``GenerativeTrainingTask``), trained for the configured epochs with a progress
/// bar, evaluated on the evaluation split, a sample grid per epoch (`samples/epoch-NNN.png`), the
/// last and the best checkpoint, `steps.csv`, `epochs.jsonl`, `metrics.json` and `report.html`.
///
/// Batches depend only on the seed and the step number, and checkpoints hold everything else that
/// changes (weights, optimiser moments, schedule step, random generator), so a resumed run gives
/// the same weights as one that was never interrupted.
public final class GenerativeRun {
    /// The resolved config.
    public let config: GenerativeRunConfig
    /// The run directory's files.
    public let files: RunFiles
    /// The training and evaluation data.
    public let train: SplitData, test: SplitData
    /// Messages for the user (standard output by default).
    public var log: (String) -> Void = { print($0) }
    /// Whether progress bars redraw in place.
    public var interactive = ProgressBar.standardOutputIsTerminal
    /// Stop after this many epochs of this invocation (to test resuming); nil: run to the end.
    public var stopAfterEpochs: Int? = nil
    /// Optimiser steps per epoch.
    public let stepsPerEpoch: Int
    /// Every epoch so far (for the report).
    public private(set) var history: [GenerativeEpochRecord] = []

    let task: any GenerativeTrainingTask
    let schedulers: [LearningRateScheduler]
    private(set) var state: Checkpoint

    /// Builds a new run in `directory` (data loaded from the config unless given).
    public init(config: GenerativeRunConfig, directory: URL, data: (train: SplitData, test: SplitData)? = nil) throws {
        self.config = config
        files = RunFiles(directory: directory)
        var (train, test) = try data ?? RunData.load(config.data)
        if config.evaluationLimit > 0, test.count > config.evaluationLimit {
            let n = test.count, limit = config.evaluationLimit
            let chosen = (0..<limit).map { $0 * n / limit }
            let full = test
            test = SplitData(images: withoutGradients { full.images.rows(chosen) }, labels: chosen.map { full.labels[$0] },
                             isQuery: nil, isGallery: nil, classNames: full.classNames, source: full.source + " (\(limit) of \(n))",
                             categories: full.categories.map { c in chosen.map { c[$0] } },
                             originalImage: { try full.originalImage(chosen[$0]) })
        }
        self.train = train
        self.test = test
        guard config.batchSize <= train.count else {
            throw ConfigError(path: "sampler.batch_size", message: "batch size \(config.batchSize) is larger than the \(train.count) training images")
        }
        stepsPerEpoch = config.stepsPerEpoch ?? max(1, train.count / config.batchSize)
        guard let implementation = GenerativeTaskRegistry.implementation(of: config.task) else {
            throw ConfigError(path: "task", message: "task '\(config.task.rawValue)' is not implemented in this build")
        }
        GlobalRandom.seed(config.seed)
        task = try implementation.init(context: GenerativeTaskContext(config: config, train: train, test: test))
        let schedule = Components.schedule(config.schedule, totalSteps: stepsPerEpoch * config.epochs, stepsPerEpoch: stepsPerEpoch)
        schedulers = task.optimizers.map { LearningRateScheduler(optimizer: $0.optimizer, schedule: schedule) }
        state = Checkpoint(epoch: 0, globalStep: 0, randomState: GlobalRandom.state)
    }

    /// Reopens the run in `directory` from its resolved config and last checkpoint; `overrides`
    /// may change settings such as `epochs` (to train longer).
    public static func resuming(directory: URL, overrides: [String] = [],
                                data: (train: SplitData, test: SplitData)? = nil) throws -> GenerativeRun {
        let files = RunFiles(directory: directory)
        guard FileManager.default.fileExists(atPath: files.config.path) else {
            throw CheckpointError(file: files.config, message: "cannot resume: the run directory has no config.yaml (is it a Kindred run directory?)")
        }
        guard FileManager.default.fileExists(atPath: files.lastCheckpoint.path) else {
            throw CheckpointError(file: files.lastCheckpoint, message: "cannot resume: no checkpoint yet (the run stopped before its first epoch ended); start it again")
        }
        let config = try GenerativeRunConfig(contentsOf: files.config, overrides: overrides)
        let run = try GenerativeRun(config: config, directory: directory, data: data)
        run.state = try GenerativeCheckpoint.read(from: files.lastCheckpoint, task: config.task, modules: run.task.modules,
                                                  optimizers: run.task.optimizers)
        GlobalRandom.state = run.state.randomState
        for s in run.schedulers { s.setStep(run.state.globalStep) }
        let lastStep = run.state.globalStep, lastEpoch = run.state.epoch
        run.history = GenerativeEpochRecord.read(from: files.epochs).filter { $0.epoch <= lastEpoch }
        try RunFiles.filterLines(of: files.steps) { line in
            guard let step = Int(line.split(separator: ",").dropFirst().first ?? "") else { return true }
            return step <= lastStep
        }
        try RunFiles.filterLines(of: files.epochs) { line in
            GenerativeEpochRecord(jsonLine: line).map { $0.epoch <= lastEpoch } ?? false
        }
        return run
    }

    /// Names of the task's training losses and evaluation metrics.
    public var lossNames: [String] { task.lossNames }
    /// Names of the task's evaluation metrics.
    public var metricNames: [String] { task.metricNames }

    /// Trains the remaining epochs and returns the summary (also written to `metrics.json`).
    @discardableResult
    public func run() throws -> GenerativeRunSummary {
        let fm = FileManager.default
        try fm.createDirectory(at: files.checkpoints, withIntermediateDirectories: true)
        try fm.createDirectory(at: files.samples, withIntermediateDirectories: true)
        if state.epoch == 0 {
            if fm.fileExists(atPath: files.lastCheckpoint.path) {
                throw CheckpointError(file: files.directory, message: "this run directory already holds a checkpoint; continue it with `kindred train --resume \(files.directory.path)` or pick another --output")
            }
            try RunFiles.writeAtomically(config.resolvedYAML, to: files.config)
            try RunFiles.writeAtomically("epoch,step," + task.lossNames.joined(separator: ",") + ",lr,images_per_second\n", to: files.steps)
            try RunFiles.writeAtomically("", to: files.epochs)
            log("Kindred: \(config.name) (\(config.task.rawValue)) → \(files.directory.path)")
            log("  train: \(train.count) images (\(train.source)); eval: \(test.count) images (\(test.source))")
            for f in task.facts { log("  \(f.key.lowercased()): \(f.value)") }
            log("  \(config.epochs) epochs × \(stepsPerEpoch) steps of \(config.batchSize) images; BLAS: \(BLAS.configuration); convolutions: \(ConvolutionBackend.summary)")
        } else {
            log("Kindred: resuming \(config.name) after epoch \(state.epoch) (step \(state.globalStep)) in \(files.directory.path)")
        }
        let start = Date()
        var epochsThisCall = 0, trainingSeconds = 0.0
        while state.epoch < config.epochs {
            if let limit = stopAfterEpochs, epochsThisCall >= limit { break }
            trainingSeconds += try trainEpoch(state.epoch + 1)
            epochsThisCall += 1
        }
        let summary = GenerativeRunSummary(
            name: config.name, task: config.task.rawValue, epochs: state.epoch, steps: state.globalStep,
            finalMetrics: history.last { !$0.metrics.isEmpty }?.metrics ?? [], bestBy: task.bestMetric.name,
            bestEpoch: state.bestEpoch, bestValue: state.bestValue,
            secondsPerEpoch: epochsThisCall > 0 ? trainingSeconds / Double(epochsThisCall) : nil,
            secondsThisInvocation: Date().timeIntervalSince(start), peakMemoryBytes: peakResidentBytes())
        try RunFiles.writeAtomically(summary.json, to: files.metrics)
        try GenerativeReport.write(config: config, files: files, summary: summary, history: history, task: task,
                                   train: train, test: test)
        return summary
    }

    /// Trains one epoch, evaluates, writes the sample grid and checkpoints; returns the training seconds.
    private func trainEpoch(_ epoch: Int) throws -> Double {
        for (_, m) in task.modules { m.train() }
        let bar = ProgressBar(label: "epoch \(epoch)/\(config.epochs)", total: stepsPerEpoch, interactive: interactive)
        bar.write = { [log] text in
            if text.hasPrefix("\r") { fputs(text, stdout); fflush(stdout) } else { log(String(text.dropLast())) }
        }
        let names = task.lossNames
        let start = Date()
        var sums = [Double](repeating: 0, count: names.count), stepLines = ""
        for s in 0..<stepsPerEpoch {
            let values = try task.trainStep(state.globalStep)
            guard values.count == names.count else {
                throw TrainingError(message: "internal: task \(config.task.rawValue) returned \(values.count) losses for \(names.count) names")
            }
            if let bad = zip(names, values).first(where: { !$0.1.isFinite }) {
                throw TrainingError(message: "the \(bad.0) loss became \(bad.1) at step \(state.globalStep + 1) (epoch \(epoch), batch \(s + 1)); the last good checkpoint is \(files.lastCheckpoint.path). Try a smaller optimizer.lr or clip_grad_norm")
            }
            let lr = task.optimizers.first?.optimizer.groups.first?.learningRate ?? 0
            for sc in schedulers { sc.step() }
            state.globalStep += 1
            for i in values.indices { sums[i] += values[i] }
            let rate = Double((s + 1) * config.batchSize) / max(Date().timeIntervalSince(start), 1e-9)
            stepLines += "\(epoch),\(state.globalStep)," + values.map { "\($0)" }.joined(separator: ",") + ",\(lr),\(String(format: "%.1f", rate))\n"
            bar.update(s + 1, [(names[0], String(format: "%.4f", sums[0] / Double(s + 1))), ("img/s", String(format: "%.0f", rate))])
        }
        let seconds = Date().timeIntervalSince(start)
        let means = zip(names, sums).map { NamedValue(name: $0.0, value: $0.1 / Double(stepsPerEpoch)) }
        bar.finish(means.prefix(4).map { ($0.name, String(format: "%.4f", $0.value)) })
        try RunFiles.append(stepLines, to: files.steps)
        for (_, m) in task.modules { m.eval() }
        var record = GenerativeEpochRecord(epoch: epoch, losses: means, metrics: [], seconds: seconds, samples: nil)
        if epoch % config.evaluateEvery == 0 || epoch == config.epochs {
            let values = try task.evaluate()
            record.metrics = zip(task.metricNames, values).map { NamedValue(name: $0.0, value: $0.1) }
            log("  " + record.metrics.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: "  "))
            let best = task.bestMetric
            if let v = record.metric(best.name) {
                let better = state.bestValue.map { best.higherIsBetter ? v > $0 : v < $0 } ?? true
                if better {
                    state.bestValue = v
                    state.bestEpoch = epoch
                }
            }
        }
        let grid = files.sampleGrid(epoch: epoch)
        try task.sampleGrid(epoch: epoch).write(to: grid)
        record.samples = "samples/" + grid.lastPathComponent
        history.append(record)
        try RunFiles.append(record.jsonLine + "\n", to: files.epochs)
        state.epoch = epoch
        state.randomState = GlobalRandom.state
        try GenerativeCheckpoint.write(state, task: config.task, modules: task.modules, optimizers: task.optimizers, to: files.lastCheckpoint)
        if state.bestEpoch == epoch {
            try? FileManager.default.removeItem(at: files.bestCheckpoint)
            try FileManager.default.copyItem(at: files.lastCheckpoint, to: files.bestCheckpoint)
        }
        return seconds
    }

    /// Evaluates the current models (named metrics, as logged).
    public func evaluate() throws -> [NamedValue] {
        for (_, m) in task.modules { m.eval() }
        return zip(task.metricNames, try task.evaluate()).map { NamedValue(name: $0.0, value: $0.1) }
    }
}
