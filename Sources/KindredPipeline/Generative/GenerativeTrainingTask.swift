import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor
import Yams

/// One kind of generative training run (`task:` in a config): its models, optimisers, batches,
/// training step, evaluation and sample grid. ``GenerativeRun`` does everything around it —
/// epochs, progress bar, `steps.csv`/`epochs.jsonl`, checkpoints (last/best, resume), the
/// `samples/epoch-NNN.png` grids and `report.html`.
///
/// ## Adding a task
///
/// 1. Give it a case in ``GenerativeTask`` (its YAML spelling), and write a settings type
///    conforming to ``GenerativeTaskSettings`` for its own config sections (`gan:`, `model:`, …).
/// 2. Write a class conforming to this protocol in `Sources/KindredPipeline/Generative/`:
///    - ``kinds``: the task kinds it implements (one class may serve several, e.g. the
///      autoencoder and the denoising autoencoder);
///    - ``readSettings(_:task:)``: read its sections from the config root with
///      `root.child("gan")` (a ``ConfigReader``: `int`, `double`, `choice`, … give errors that name
///      the key and line) and call `finish()` on each child, so typos are errors; top-level keys it
///      does not ask for are unknown-key errors;
///    - `init(context:)`: build its modules (``GlobalRandom`` is already seeded with the run's
///      seed) and optimisers (``GenerativeTaskContext/makeOptimizer(_:betas:)`` applies the
///      config's `optimizer:` section);
///    - ``modules`` and ``optimizers``: named, in a fixed order; the names prefix their tensors in
///      checkpoints (`generator.0.weight`, `optimizer.discriminator.…`);
///    - ``trainStep(_:)``: build the step's batch (``GenerativeTaskContext/batchIndices(atStep:)``
///      gives seeded shuffled indices; draw noise from ``GlobalRandom`` so resumed runs repeat it),
///      run forward/backward and step its optimisers; return the values named by ``lossNames``;
///    - ``evaluate()`` → values named by ``metricNames`` (on `context.test`);
///      ``bestMetric`` picks the best checkpoint;
///    - ``sampleGrid(epoch:)``: the picture of the epoch (``SampleGrid`` tiles tensors); use a
///      fixed-seed generator, not ``GlobalRandom``, so grids do not change the training stream.
/// 3. Add the class to ``GenerativeTaskRegistry/implementations``.
///
/// The trainer puts every module in training mode before an epoch's steps and in evaluation mode
/// before ``evaluate()`` and ``sampleGrid(epoch:)``; a learning-rate schedule from the config is
/// applied to every optimiser, one scheduler step per training step.
protocol GenerativeTrainingTask: AnyObject {
    /// The task kinds this class trains.
    static var kinds: [GenerativeTask] { get }

    /// Reads the task's own config sections from the root of the config.
    ///
    /// - Throws: ``ConfigError`` naming the key, its line and what was expected.
    static func readSettings(_ root: ConfigReader, task: GenerativeTask) throws -> any GenerativeTaskSettings

    /// Builds the task's modules and optimisers for a run.
    init(context: GenerativeTaskContext) throws

    /// Names of the values ``trainStep(_:)`` returns, in order (columns of `steps.csv`; the first
    /// is the headline loss shown in the progress bar).
    var lossNames: [String] { get }
    /// Names of the values ``evaluate()`` returns, in order.
    var metricNames: [String] { get }
    /// The metric (one of ``metricNames``) that picks `checkpoints/best`, and whether higher is better.
    var bestMetric: (name: String, higherIsBetter: Bool) { get }
    /// The task's modules by name (checkpoint prefixes), in a fixed order.
    var modules: [(name: String, module: Module)] { get }
    /// The task's optimisers by name, in a fixed order.
    var optimizers: [(name: String, optimizer: Optimizer)] { get }

    /// One training step (0-based over the whole run): batch, forward, backward, optimiser steps.
    /// - Returns: one value per ``lossNames`` entry.
    func trainStep(_ step: Int) throws -> [Double]

    /// Evaluates the current models on the evaluation split.
    /// - Returns: one value per ``metricNames`` entry.
    func evaluate() throws -> [Double]

    /// The epoch's sample grid (written to `samples/epoch-NNN.png` and shown in the report).
    func sampleGrid(epoch: Int) throws -> Image

    /// What the report's sample-grid section says about the grid's rows.
    var sampleGridCaption: String { get }

    /// Lines for the log and the report's "Run" table (`("Model", "…, 290k parameters")`).
    var facts: [(key: String, value: String)] { get }
}

extension GenerativeTrainingTask {
    /// No extra facts.
    var facts: [(key: String, value: String)] { [] }
    /// A generic caption.
    var sampleGridCaption: String { "Sample grid after each epoch." }
}

/// A task's settings: what ``GenerativeTrainingTask/readSettings(_:task:)`` read from its own
/// config sections.
protocol GenerativeTaskSettings: Sendable {
    /// The sections as they go into the resolved `config.yaml` (top-level key, YAML node), every
    /// default filled in.
    var resolvedSections: [(String, Node)] { get }
}

/// The implemented generative tasks. A task kind without an implementation is a config error.
enum GenerativeTaskRegistry {
    /// Every implementation (add new task classes here).
    static let implementations: [any GenerativeTrainingTask.Type] = [AutoencoderTask.self, VAETask.self, DCGANTask.self, SuperResolutionTask.self, CycleGANTask.self]

    /// The class that trains `task`, or nil.
    static func implementation(of task: GenerativeTask) -> (any GenerativeTrainingTask.Type)? {
        implementations.first { $0.kinds.contains(task) }
    }
}

/// What a task gets to build itself: the config, the data and helpers for batches and optimisers.
struct GenerativeTaskContext {
    /// The run's config.
    let config: GenerativeRunConfig
    /// The training split (images normalised by `data.mean`/`data.std`; with the generative
    /// defaults 0 and 1 they are pixels in `[0, 1]`).
    let train: SplitData
    /// The evaluation split.
    let test: SplitData

    /// The task's settings, as the type its ``GenerativeTrainingTask/readSettings(_:task:)`` returned.
    func settings<S: GenerativeTaskSettings>(as type: S.Type) throws -> S {
        guard let s = config.settings as? S else {
            throw ConfigError(path: "task", message: "internal: the settings of task '\(config.task.rawValue)' are not \(S.self)")
        }
        return s
    }

    /// Training-item indices of step `step`: shuffled batches of `batch_size` without replacement,
    /// reshuffled every pass over the data (seeded by the run's seed and the pass number).
    func batchIndices(atStep step: Int) -> [Int] {
        let n = train.count, b = Swift.min(config.batchSize, train.count)
        let perPass = Swift.max(1, n / b)
        let pass = step / perPass, offset = (step % perPass) * b
        var rng = RandomGenerator(seed: config.seed &+ 0x9E37_79B9 &* UInt64(pass + 1))
        let order = rng.permutation(n)
        return Array(order[offset..<(offset + b)])
    }

    /// Rows `indices` of `split` as pixels in `[0, 1]` (undoing `data.mean`/`data.std`).
    func pixels(_ split: SplitData, _ indices: [Int]) -> Tensor {
        withoutGradients { toPixels(split.images.rows(indices)) }
    }

    /// Normalised images → pixels in `[0, 1]`.
    func toPixels(_ images: Tensor) -> Tensor {
        config.data.pixels(images)
    }

    /// An optimiser of the config's kind, learning rate and weight decay over `parameters`
    /// (`betas` for Adam/AdamW; GANs use (0.5, 0.999)).
    func makeOptimizer(_ parameters: [Tensor], betas: (Double, Double) = (0.9, 0.999), learningRate: Double? = nil) -> Optimizer {
        let c = config.optimizer
        let lr = learningRate ?? c.learningRate
        switch c.kind {
        case .adam: return Adam(parameters: parameters, learningRate: lr, betas: betas, weightDecay: c.weightDecay)
        case .adamw: return AdamW(parameters: parameters, learningRate: lr, betas: betas, weightDecay: c.weightDecay)
        case .sgd: return SGD(parameters: parameters, learningRate: lr, momentum: c.momentum, weightDecay: c.weightDecay)
        }
    }

    /// Clips the gradients of `optimizer`'s parameters to the config's `optimizer.clip_grad_norm`, if set.
    func clipGradients(_ optimizer: Optimizer) {
        if let maxNorm = config.optimizer.clipGradientNorm { _ = clipGradientNorm(optimizer.parameters, maxNorm: maxNorm) }
    }
}
