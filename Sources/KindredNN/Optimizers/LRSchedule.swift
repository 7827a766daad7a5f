import Foundation

/// A learning-rate schedule: a pure function from a step (or epoch) index to a learning rate.
///
/// `step` counts scheduler steps as PyTorch's `last_epoch` does: 0 before the first
/// `scheduler.step()`, 1 after it, and so on. `base` is the rate the schedule starts from
/// (PyTorch's `base_lr`, a group's `initial_lr`). Schedules use PyTorch's closed forms, so a run
/// resumes by evaluating the schedule at the saved step.
///
/// ```swift
/// let schedule = LinearWarmup(startFactor: 0.01, steps: 500)
///     .followed(by: CosineAnnealing(maxSteps: 9_500), after: 500)
/// let scheduler = LearningRateScheduler(optimizer: opt, schedule: schedule)
/// // each iteration: … opt.step(); scheduler.step()
/// ```
public protocol LearningRateSchedule: Sendable {
    /// The learning rate at `step` for a starting rate `base`.
    func learningRate(at step: Int, base: Double) -> Double
}

extension LearningRateSchedule {
    /// This schedule for the first `steps` steps, then `next` started afresh (its step 0 at step
    /// `steps`), like PyTorch's `SequentialLR` with one milestone. On a ``SequentialSchedule``,
    /// `steps` is the length of its last segment, so chains read in order:
    /// `a.followed(by: b, after: 10).followed(by: c, after: 90)` switches at 10 and 100.
    public func followed(by next: any LearningRateSchedule, after steps: Int) -> SequentialSchedule {
        if let s = self as? SequentialSchedule {
            let last = s.milestones.last ?? 0
            precondition(steps > 0, "followed(by:after:): steps must be > 0")
            return SequentialSchedule(s.schedules + [next], milestones: s.milestones + [last + steps])
        }
        return SequentialSchedule([self, next], milestones: [steps])
    }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`):
/// `lr(t) = base · γ^⌊t / stepSize⌋`.
public struct StepDecay: LearningRateSchedule {
    /// Steps between decays (> 0).
    public let stepSize: Int
    /// Multiplicative factor `γ`.
    public let gamma: Double

    /// Decay by `gamma` every `stepSize` steps.
    public init(stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize > 0, "StepDecay: stepSize must be > 0, got \(stepSize)")
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The rate at `step` (formula above).
    public func learningRate(at step: Int, base: Double) -> Double {
        base * Foundation.pow(gamma, Double(Swift.max(step, 0) / stepSize))
    }
}

/// Multiplies the rate by `gamma` at each milestone (PyTorch's `MultiStepLR`):
/// `lr(t) = base · γ^k`, `k` = the number of milestones `≤ t` (a repeated milestone counts twice).
public struct MultiStepDecay: LearningRateSchedule {
    /// Steps at which the rate decays, sorted.
    public let milestones: [Int]
    /// Multiplicative factor `γ`.
    public let gamma: Double

    /// Decay by `gamma` at each of `milestones` (any order).
    public init(milestones: [Int], gamma: Double = 0.1) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    /// The rate at `step` (formula above).
    public func learningRate(at step: Int, base: Double) -> Double {
        base * Foundation.pow(gamma, Double(milestones.reduce(0) { $0 + ($1 <= step ? 1 : 0) }))
    }
}

/// Multiplies the rate by `gamma` every step (PyTorch's `ExponentialLR`): `lr(t) = base · γᵗ`.
public struct ExponentialDecay: LearningRateSchedule {
    /// Multiplicative factor `γ`.
    public let gamma: Double

    /// Decay by `gamma` every step.
    public init(gamma: Double) { self.gamma = gamma }

    /// The rate at `step` (formula above).
    public func learningRate(at step: Int, base: Double) -> Double {
        base * Foundation.pow(gamma, Double(Swift.max(step, 0)))
    }
}

/// Cosine annealing from `base` to `minimumLearningRate` over `maxSteps` steps, PyTorch's
/// `CosineAnnealingLR` closed form:
///
/// ```
/// lr(t) = η_min + (base − η_min) · (1 + cos(π·t / T_max)) / 2
/// ```
///
/// Past `T_max` the cosine continues (the rate rises again), as PyTorch's does.
public struct CosineAnnealing: LearningRateSchedule {
    /// `T_max`, the steps of a half period (> 0).
    public let maxSteps: Int
    /// `η_min`, the rate at `T_max`.
    public let minimumLearningRate: Double

    /// Anneal over `maxSteps` steps down to `minimumLearningRate`.
    public init(maxSteps: Int, minimumLearningRate: Double = 0) {
        precondition(maxSteps > 0, "CosineAnnealing: maxSteps must be > 0, got \(maxSteps)")
        self.maxSteps = maxSteps
        self.minimumLearningRate = minimumLearningRate
    }

    /// The rate at `step` (formula above).
    public func learningRate(at step: Int, base: Double) -> Double {
        let t = Double(Swift.max(step, 0))
        return minimumLearningRate + (base - minimumLearningRate) * (1 + Foundation.cos(Double.pi * t / Double(maxSteps))) / 2
    }
}

/// Scales the rate linearly from `startFactor · base` to `endFactor · base` over `steps` steps,
/// then holds it (PyTorch's `LinearLR`, the usual warm-up):
///
/// ```
/// lr(t) = base · (s + (e − s) · min(t, N) / N)
/// ```
public struct LinearWarmup: LearningRateSchedule {
    /// `s`, the factor at step 0 (in `(0, 1]` for a warm-up).
    public let startFactor: Double
    /// `e`, the factor from step `N` on.
    public let endFactor: Double
    /// `N`, the length of the ramp (> 0).
    public let steps: Int

    /// A ramp of `steps` steps from `startFactor` to `endFactor` (PyTorch's defaults: 1/3 → 1 over 5 steps).
    public init(startFactor: Double = 1.0 / 3.0, endFactor: Double = 1, steps: Int = 5) {
        precondition(steps > 0, "LinearWarmup: steps must be > 0, got \(steps)")
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.steps = steps
    }

    /// The rate at `step` (formula above).
    public func learningRate(at step: Int, base: Double) -> Double {
        let t = Double(Swift.min(Swift.max(step, 0), steps))
        return base * (startFactor + (endFactor - startFactor) * t / Double(steps))
    }
}

/// Schedules run one after another (PyTorch's `SequentialLR`): schedule `k` is used from
/// milestone `k−1` (0 for the first) up to milestone `k`, with its step counted from its start:
///
/// ```
/// k = #{milestones ≤ t},   lr(t) = schedule_k(t − milestone_{k−1}, base)
/// ```
public struct SequentialSchedule: LearningRateSchedule {
    /// The schedules, in order.
    public let schedules: [any LearningRateSchedule]
    /// Where each schedule after the first starts (increasing, `schedules.count − 1` of them).
    public let milestones: [Int]

    /// `schedules` switched at `milestones`.
    public init(_ schedules: [any LearningRateSchedule], milestones: [Int]) {
        precondition(!schedules.isEmpty, "SequentialSchedule needs at least one schedule")
        precondition(milestones.count == schedules.count - 1,
                     "SequentialSchedule: \(schedules.count) schedules need \(schedules.count - 1) milestones, got \(milestones.count)")
        precondition(zip(milestones, milestones.dropFirst()).allSatisfy { $0 < $1 }, "SequentialSchedule: milestones must increase, got \(milestones)")
        self.schedules = schedules
        self.milestones = milestones
    }

    /// The rate at `step` (formula above).
    public func learningRate(at step: Int, base: Double) -> Double {
        let k = milestones.reduce(0) { $0 + ($1 <= step ? 1 : 0) }
        let start = k == 0 ? 0 : milestones[k - 1]
        return schedules[k].learningRate(at: step - start, base: base)
    }
}

/// Drives an optimiser's learning rates from a ``LearningRateSchedule``.
///
/// Each group's rate is the schedule applied to that group's ``OptimizerGroup/initialLearningRate``
/// (so groups keep their own base rates, and `η_min`-style constants stay absolute, as with
/// PyTorch's schedulers); the optimiser's ``Optimizer/learningRate`` follows its
/// ``Optimizer/initialLearningRate``. Creating the scheduler applies step `startStep` at once (as
/// PyTorch's scheduler constructors apply step 0); ``step()`` advances by one. Call it after
/// ``Optimizer/step()``.
///
/// To resume, save ``currentStep`` (or ``stateDict()``) and create the scheduler with
/// `startStep:` (or call ``loadStateDict(_:)``).
public final class LearningRateScheduler {
    /// The optimiser whose rates are set.
    public let optimizer: Optimizer
    /// The schedule.
    public let schedule: any LearningRateSchedule
    /// The step whose rates are applied now (PyTorch's `last_epoch`).
    public private(set) var currentStep: Int

    /// A scheduler for `optimizer` that applies `schedule` at `startStep` right away.
    public init(optimizer: Optimizer, schedule: any LearningRateSchedule, startStep: Int = 0) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.currentStep = startStep
        apply()
    }

    /// Advances one step and sets the new rates.
    public func step() {
        currentStep += 1
        apply()
    }

    /// Jumps to `step` and sets its rates.
    public func setStep(_ step: Int) {
        currentStep = step
        apply()
    }

    /// The rate of each group at the current step.
    public var learningRates: [Double] { optimizer.groups.map(\.learningRate) }

    private func apply() {
        for i in optimizer.groups.indices {
            optimizer.groups[i].learningRate = schedule.learningRate(at: currentStep, base: optimizer.groups[i].initialLearningRate)
        }
        optimizer.baseLearningRate = schedule.learningRate(at: currentStep, base: optimizer.initialLearningRate)
    }

    /// The scheduler's state: `last_epoch` (``currentStep``, a float64 scalar).
    public func stateDict() -> [(String, Tensor)] {
        [("last_epoch", Tensor(scalar: Double(currentStep), dtype: .float64))]
    }

    /// Restores ``currentStep`` from ``stateDict()`` and applies its rates.
    /// - Throws: ``OptimizerStateError`` when `last_epoch` is missing or not a whole number.
    public func loadStateDict(_ entries: [(String, Tensor)]) throws {
        let reader = try OptimizerStateReader(entries)
        let v = try reader.scalar("last_epoch")
        guard v.isFinite, v == v.rounded(), Swift.abs(v) < 9.0e15 else {
            throw OptimizerStateError.invalidValue(key: "last_epoch", reason: "must be a whole number, got \(v)")
        }
        if let extra = reader.firstUnusedKey { throw OptimizerStateError.unexpectedKey(extra) }
        setStep(Int(v))
    }
}
