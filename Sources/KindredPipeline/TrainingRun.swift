import Foundation
import KindredData
import KindredMetric
import KindredNN
import KindredRetrieval
import KindredTensor

/// A training run built from a ``RunConfig``: model, batches, loss, miner, optimiser and
/// schedule; trains for the configured epochs, evaluates on the evaluation split, keeps the last
/// and the best checkpoint, and writes logs, metrics and embeddings into its ``RunFiles``.
///
/// Batches depend only on the seed and the step number, and the checkpoint holds everything else
/// that changes (weights, buffers, optimiser moments, schedule step, random generator), so a run
/// resumed from its last checkpoint gives the same weights as one that was never interrupted.
public final class TrainingRun {
    /// The resolved config.
    public let config: RunConfig
    /// The run directory's files.
    public let files: RunFiles
    /// The training and evaluation data.
    public let train: SplitData, test: SplitData
    /// The embedding network.
    public let model: any Layer
    /// Messages for the user (standard output by default).
    public var log: (String) -> Void = { print($0) }
    /// Whether progress bars redraw in place.
    public var interactive = ProgressBar.standardOutputIsTerminal
    /// Stop after this many epochs of this invocation (to test resuming); nil: run to the end.
    public var stopAfterEpochs: Int? = nil

    let objective: Objective
    let optimizer: Optimizer
    let scheduler: LearningRateScheduler
    let sampler: any BatchSampler
    let denseLabels: [Int]
    let classCount: Int
    /// Optimiser steps per epoch.
    public let stepsPerEpoch: Int
    private(set) var state: Checkpoint
    private var batchCache: (subEpoch: Int, batches: [[Int]])? = nil
    private var lastOutcome: (epoch: Int, outcome: EvaluationOutcome)? = nil
    /// Evaluation after each evaluated epoch, for the report.
    public private(set) var history: [EpochRecord] = []

    /// Builds a new run in `directory` (data loaded from the config unless given).
    public init(config: RunConfig, directory: URL, data: (train: SplitData, test: SplitData)? = nil) throws {
        self.config = config
        self.files = RunFiles(directory: directory)
        let (train, test) = try data ?? RunData.load(config.data)
        self.train = train
        self.test = test
        let distinct = Array(Set(train.labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        denseLabels = train.labels.map { index[$0] ?? 0 }
        classCount = distinct.count
        guard classCount >= 2 else {
            throw ConfigError(path: "data", message: "training needs at least 2 classes; the training split has \(classCount)")
        }
        let s = config.sampler
        switch s.kind {
        case .pk:
            guard s.classesPerBatch <= classCount else {
                throw ConfigError(path: "sampler.classes_per_batch", message: "P = \(s.classesPerBatch) classes per batch, but the training split has only \(classCount) classes")
            }
            sampler = try PKSampler(labels: denseLabels, labelsPerBatch: s.classesPerBatch, instancesPerLabel: s.samplesPerClass, seed: config.seed)
        case .shuffle:
            guard s.batchSize <= train.count else {
                throw ConfigError(path: "sampler.batch_size", message: "batch size \(s.batchSize) is larger than the \(train.count) training items")
            }
            sampler = try ShuffledSampler(count: train.count, batchSize: s.batchSize, dropLast: true, seed: config.seed)
        }
        stepsPerEpoch = s.stepsPerEpoch ?? max(1, train.count / s.imagesPerBatch)
        GlobalRandom.seed(config.seed)
        let channels = train.images.shape[1], size = train.images.shape[2]
        model = Components.model(config.model, channels: channels, imageSize: size)
        objective = Objective(config: config, classes: classCount)
        optimizer = Components.optimizer(config.optimizer, model: model.parameters(), loss: objective.parameters())
        let total = stepsPerEpoch * config.epochs
        scheduler = LearningRateScheduler(optimizer: optimizer,
                                          schedule: Components.schedule(config.schedule, totalSteps: total, stepsPerEpoch: stepsPerEpoch))
        state = Checkpoint(epoch: 0, globalStep: 0, randomState: GlobalRandom.state)
    }

    /// Reopens the run in `directory` from its resolved config and last checkpoint; `overrides`
    /// may change settings such as `epochs` (to train longer).
    public static func resuming(directory: URL, overrides: [String] = [],
                                data: (train: SplitData, test: SplitData)? = nil) throws -> TrainingRun {
        let files = RunFiles(directory: directory)
        guard FileManager.default.fileExists(atPath: files.config.path) else {
            throw CheckpointError(file: files.config, message: "cannot resume: the run directory has no config.yaml (is it a Kindred run directory?)")
        }
        guard FileManager.default.fileExists(atPath: files.lastCheckpoint.path) else {
            throw CheckpointError(file: files.lastCheckpoint, message: "cannot resume: no checkpoint yet (the run stopped before its first epoch ended); start it again")
        }
        let config = try RunConfig(contentsOf: files.config, overrides: overrides)
        let run = try TrainingRun(config: config, directory: directory, data: data)
        run.state = try Checkpoint.read(from: files.lastCheckpoint, model: run.model, lossModule: run.objective, optimizer: run.optimizer)
        GlobalRandom.state = run.state.randomState
        run.scheduler.setStep(run.state.globalStep)
        run.history = EpochRecord.read(from: files.epochs).filter { $0.epoch <= run.state.epoch }
        // Drop log lines of the interrupted epoch; they are written again.
        let lastStep = run.state.globalStep, lastEpoch = run.state.epoch
        try RunFiles.filterLines(of: files.steps) { line in
            guard let step = Int(line.split(separator: ",").dropFirst().first ?? "") else { return true }
            return step <= lastStep
        }
        try RunFiles.filterLines(of: files.epochs) { line in
            EpochRecord(jsonLine: line).map { $0.epoch <= lastEpoch } ?? false
        }
        return run
    }

    /// Training indices of optimiser step `step` (0-based, over the whole run).
    func batch(atStep step: Int) -> [Int] {
        let perSubEpoch = max(sampler.batchCount, 1)
        let sub = step / perSubEpoch
        if batchCache?.subEpoch != sub { batchCache = (sub, sampler.batches(epoch: sub)) }
        return batchCache?.batches[step % perSubEpoch] ?? []
    }

    /// Trains the remaining epochs and returns the summary (also written to `metrics.json`).
    @discardableResult
    public func run() throws -> RunSummary {
        let fm = FileManager.default
        try fm.createDirectory(at: files.checkpoints, withIntermediateDirectories: true)
        if state.epoch == 0 {
            if fm.fileExists(atPath: files.lastCheckpoint.path) {
                throw CheckpointError(file: files.directory, message: "this run directory already holds a checkpoint; continue it with `kindred train --resume \(files.directory.path)` or pick another --output")
            }
            try RunFiles.writeAtomically(config.resolvedYAML, to: files.config)
            try RunFiles.writeAtomically("epoch,step,loss,tuples,lr,images_per_second\n", to: files.steps)
            try RunFiles.writeAtomically("", to: files.epochs)
            log("Kindred: \(config.name) → \(files.directory.path)")
            log("  train: \(train.count) images of \(classCount) classes (\(train.source)); eval: \(test.count) images (\(test.source))")
            log("  model: \(config.model.kind.rawValue), \(model.parameterCount) parameters, embedding \(config.model.embeddingSize); loss: \(config.losses.map(\.kind.rawValue).joined(separator: " + "))\(config.miner.map { ", miner: \($0.kind.rawValue)" } ?? "")")
            log("  \(config.epochs) epochs × \(stepsPerEpoch) steps of \(config.sampler.imagesPerBatch) images; BLAS: \(BLAS.configuration); convolutions: \(ConvolutionBackend.summary)")
            for w in sampler.warnings { log("  note: \(w)") }
        } else {
            log("Kindred: resuming \(config.name) after epoch \(state.epoch) (step \(state.globalStep)) in \(files.directory.path)")
        }
        let runStart = Date()
        var epochsThisCall = 0
        while state.epoch < config.epochs {
            if let limit = stopAfterEpochs, epochsThisCall >= limit { break }
            try trainEpoch(state.epoch + 1)
            epochsThisCall += 1
        }
        let summary = try finish(trainingSeconds: Date().timeIntervalSince(runStart))
        return summary
    }

    private func trainEpoch(_ epoch: Int) throws {
        objective.curriculum?.setEpoch(epoch - 1)
        model.train()
        let bar = ProgressBar(label: "epoch \(epoch)/\(config.epochs)", total: stepsPerEpoch, interactive: interactive)
        bar.write = { [log] text in
            if text.hasPrefix("\r") { fputs(text, stdout); fflush(stdout) } else { log(String(text.dropLast())) }
        }
        let start = Date()
        var lossSum = 0.0, tupleSum = 0, stepLines = ""
        for s in 0..<stepsPerEpoch {
            let indices = batch(atStep: state.globalStep)
            let labels = indices.map { denseLabels[$0] }
            let x = withoutGradients {
                config.data.transforms.apply(to: train.images.rows(indices), fill: Float(-config.data.mean / config.data.std))
            }
            let embeddings = model(x)
            let (loss, tuples) = objective(embeddings, labels: labels)
            optimizer.zeroGrad()
            loss.backward()
            if let maxNorm = config.optimizer.clipGradientNorm { _ = clipGradientNorm(optimizer.parameters, maxNorm: maxNorm) }
            let value = loss.item()
            guard value.isFinite else {
                throw TrainingError(message: "the loss became \(value) at step \(state.globalStep + 1) (epoch \(epoch), batch \(s + 1)); the last good checkpoint is \(files.lastCheckpoint.path). Try a smaller optimizer.lr or clip_grad_norm")
            }
            optimizer.step()
            let lr = optimizer.groups[0].learningRate
            scheduler.step()
            state.globalStep += 1
            lossSum += value
            tupleSum += tuples
            let rate = Double((s + 1) * indices.count) / max(Date().timeIntervalSince(start), 1e-9)
            stepLines += "\(epoch),\(state.globalStep),\(value),\(tuples),\(lr),\(String(format: "%.1f", rate))\n"
            bar.update(s + 1, [("loss", String(format: "%.4f", lossSum / Double(s + 1))),
                               ("tuples", String(tupleSum / (s + 1))), ("img/s", String(format: "%.0f", rate))])
        }
        let seconds = Date().timeIntervalSince(start)
        bar.finish([("loss", String(format: "%.4f", lossSum / Double(stepsPerEpoch))), ("tuples/batch", String(tupleSum / stepsPerEpoch))])
        try RunFiles.append(stepLines, to: files.steps)
        var record = EpochRecord(epoch: epoch, loss: lossSum / Double(stepsPerEpoch), tuplesPerBatch: Double(tupleSum) / Double(stepsPerEpoch),
                                 seconds: seconds, metrics: [])
        if epoch % config.evaluation.every == 0 || epoch == config.epochs {
            let outcome = try evaluate()
            lastOutcome = (epoch, outcome)
            record.metrics = zip(outcome.names, outcome.summaries).map { MetricRecord(name: $0.0, summary: $0.1) }
            for m in record.metrics { log("  \(m.line)") }
            if epoch == config.epochs, !outcome.categorySummaries.isEmpty {
                log("  by category:")
                for line in outcome.categoryRecords.flatMap(\.lines) { log("    " + line) }
            }
            if let v = outcome.value(of: config.evaluation.bestBy), v > (state.bestValue ?? -.infinity) {
                state.bestValue = v
                state.bestEpoch = epoch
            }
        }
        history.append(record)
        try RunFiles.append(record.jsonLine + "\n", to: files.epochs)
        state.epoch = epoch
        state.randomState = GlobalRandom.state
        state.curriculumKind = objective.curriculum.map { $0.kind.rawValue }
        try Checkpoint.write(state, model: model, loss: objective.stateDict(), optimizer: optimizer, to: files.lastCheckpoint)
        if state.bestEpoch == epoch {
            try? FileManager.default.removeItem(at: files.bestCheckpoint)
            try FileManager.default.copyItem(at: files.lastCheckpoint, to: files.bestCheckpoint)
        }
    }

    /// Embeds the evaluation split with the current model and evaluates it.
    public func evaluate() throws -> EvaluationOutcome {
        let e = Evaluator.embed(model: model, images: test.images, batchSize: config.evaluation.batchSize)
        return try Evaluator.evaluate(embeddings: e, labels: test.labels, isQuery: test.isQuery, isGallery: test.isGallery,
                                      categories: test.categories, config: config.evaluation, seed: config.seed)
    }

    private func finish(trainingSeconds: Double) throws -> RunSummary {
        let embeddings = Evaluator.embed(model: model, images: test.images, batchSize: config.evaluation.batchSize)
        try EmbeddingsFile(embeddings: embeddings, labels: test.labels, isQuery: test.isQuery, isGallery: test.isGallery)
            .write(to: files.embeddings)
        let final = history.last { !$0.metrics.isEmpty }
        let outcome = lastOutcome?.epoch == state.epoch ? lastOutcome?.outcome
            : try? Evaluator.evaluate(embeddings: embeddings, labels: test.labels, isQuery: test.isQuery, isGallery: test.isGallery,
                                      categories: test.categories, config: config.evaluation, seed: config.seed)
        // Per-category metrics only when they belong to the same evaluation as the final metrics.
        let categories = final?.epoch == state.epoch ? outcome?.categoryRecords ?? [] : []
        var summary = RunSummary(name: config.name, epochs: state.epoch, steps: state.globalStep,
                                 finalMetrics: final?.metrics ?? [], bestBy: config.evaluation.bestBy,
                                 bestEpoch: state.bestEpoch, bestValue: state.bestValue,
                                 secondsThisInvocation: trainingSeconds, peakMemoryBytes: peakResidentBytes())
        if !categories.isEmpty { summary.byCategory = CategoryRecord.byCategory(categories) }
        try RunFiles.writeAtomically(summary.json, to: files.metrics)
        let s = config.sampler
        var facts: [(key: String, value: String)] = [
            (key: "Training data", value: "\(train.count) images of \(classCount) classes — \(train.source)"),
            (key: "Evaluation data", value: "\(test.count) images — \(test.source)"),
            (key: "Model", value: "\(config.model.kind.rawValue), \(model.parameterCount) parameters, \(config.model.embeddingSize)-d embeddings\(config.model.normalize ? ", L2-normalised" : "")"),
            (key: "Loss", value: config.losses.map { l in "\(l.weight == 1 ? "" : "\(l.weight) × ")\(l.kind.rawValue)(" + l.kind.parameters.map { "\($0.0): \(l.value($0.0))" }.joined(separator: ", ") + ")" }.joined(separator: " + ")),
            (key: "Miner", value: config.miner.map { "\($0.kind.rawValue)\($0.kind == .tripletMargin ? " (\($0.tripletType), margin \($0.value("margin")))" : "")" } ?? "none"),
            (key: "Batches", value: s.kind == .pk ? "P×K = \(s.classesPerBatch) classes × \(s.samplesPerClass) images" : "shuffled, \(s.batchSize) images"),
            (key: "Optimiser", value: "\(config.optimizer.kind.rawValue), learning rate \(config.optimizer.learningRate), \(config.schedule.kind.rawValue) schedule"),
            (key: "Training", value: "\(state.epoch) epochs × \(stepsPerEpoch) steps = \(state.globalStep) steps, seed \(config.seed)"),
            (key: "Time", value: String(format: "%.1f s in this invocation (%@)", trainingSeconds, history.map { String(format: "%.1f", $0.seconds) }.joined(separator: " / ") + " s per epoch")),
        ]
        if let bytes = summary.peakMemoryBytes { facts.append((key: "Peak memory", value: String(format: "%.2f GiB", Double(bytes) / 1_073_741_824))) }
        facts.append((key: "BLAS", value: BLAS.configuration))
        facts.append((key: "Convolutions", value: ConvolutionBackend.summary))
        try RunReport.write(.init(config: config, files: files, summary: summary, history: history, test: test,
                                  embeddings: embeddings, outcome: outcome, categories: categories, facts: facts))
        return summary
    }
}

/// Training stopped because of its own numbers (a NaN or infinite loss).
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    /// What happened, where, and what to try.
    public var message: String
    public var description: String { message }
}
