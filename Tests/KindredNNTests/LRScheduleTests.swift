import Foundation
import XCTest
import KindredNN

final class LRScheduleTests: XCTestCase {

    /// The Kindred schedule for a PyTorch scheduler spec from the fixture file.
    private func schedule(_ spec: [String: Any]) -> any LearningRateSchedule {
        let n = OptimFixtures.number
        switch spec["type"] as? String ?? "" {
        case "StepLR": return StepDecay(stepSize: Int(n(spec["step_size"])), gamma: n(spec["gamma"]))
        case "MultiStepLR": return MultiStepDecay(milestones: OptimFixtures.ints(spec["milestones"]), gamma: n(spec["gamma"]))
        case "CosineAnnealingLR":
            return CosineAnnealing(maxSteps: Int(n(spec["T_max"])), minimumLearningRate: spec["eta_min"].map(n) ?? 0)
        case "LinearLR":
            return LinearWarmup(startFactor: n(spec["start_factor"]), endFactor: n(spec["end_factor"]), steps: Int(n(spec["total_iters"])))
        case "ExponentialLR": return ExponentialDecay(gamma: n(spec["gamma"]))
        default:
            let inner = (spec["schedulers"] as? [[String: Any]] ?? []).map(schedule)
            return SequentialSchedule(inner, milestones: OptimFixtures.ints(spec["milestones"]))
        }
    }

    func testSchedulesMatchPyTorch() throws {
        let root = try OptimFixtures.load()
        let fixtures = root["schedulers"] as? [[String: Any]] ?? []
        XCTAssertEqual(fixtures.count, 10)
        var worst = 0.0
        for fx in fixtures {
            let name = fx["name"] as? String ?? "?"
            let bases = OptimFixtures.doubles(fx["base_lrs"])
            let expected = (fx["lrs"] as? [Any] ?? []).map { OptimFixtures.doubles($0) }
            let s = schedule(fx["spec"] as? [String: Any] ?? [:])
            // The pure function …
            for (t, want) in expected.enumerated() {
                for (base, w) in zip(bases, want) {
                    let dev = OptimFixtures.deviation(s.learningRate(at: t, base: base), w, floor: 1e-12)
                    worst = Swift.max(worst, dev)
                    XCTAssertLessThanOrEqual(dev, 1e-9, "\(name) step \(t)")
                }
            }
            // … and the driver over two groups.
            let opt = SGD(groups: [ParameterGroup(parameters: [Tensor.zeros([2])], learningRate: bases[0]),
                                   ParameterGroup(parameters: [Tensor.zeros([3])], learningRate: bases[1])],
                          learningRate: bases[0])
            let scheduler = LearningRateScheduler(optimizer: opt, schedule: s)
            for (t, want) in expected.enumerated() {
                XCTAssertEqual(scheduler.currentStep, t)
                for (got, w) in zip(scheduler.learningRates, want) {
                    XCTAssertLessThanOrEqual(OptimFixtures.deviation(got, w, floor: 1e-12), 1e-9, "\(name) driver step \(t)")
                }
                opt.step()
                scheduler.step()
            }
        }
        print("LR schedules vs PyTorch: max relative deviation \(worst)")
    }

    func testClosedForms() {
        XCTAssertEqual(StepDecay(stepSize: 2, gamma: 0.5).learningRate(at: 5, base: 1), 0.25)
        XCTAssertEqual(MultiStepDecay(milestones: [4, 1], gamma: 0.1).learningRate(at: 0, base: 1), 1)
        XCTAssertEqual(MultiStepDecay(milestones: [4, 1], gamma: 0.1).learningRate(at: 1, base: 1), 0.1, accuracy: 1e-15)
        XCTAssertEqual(MultiStepDecay(milestones: [4, 1], gamma: 0.1).learningRate(at: 9, base: 1), 0.01, accuracy: 1e-15)
        XCTAssertEqual(ExponentialDecay(gamma: 0.5).learningRate(at: 3, base: 2), 0.25)
        let cos = CosineAnnealing(maxSteps: 4, minimumLearningRate: 0.1)
        XCTAssertEqual(cos.learningRate(at: 0, base: 1), 1, accuracy: 1e-15)
        XCTAssertEqual(cos.learningRate(at: 2, base: 1), 0.55, accuracy: 1e-15)
        XCTAssertEqual(cos.learningRate(at: 4, base: 1), 0.1, accuracy: 1e-15)
        let warm = LinearWarmup(startFactor: 0.2, steps: 4)
        XCTAssertEqual(warm.learningRate(at: 0, base: 1), 0.2, accuracy: 1e-15)
        XCTAssertEqual(warm.learningRate(at: 2, base: 1), 0.6, accuracy: 1e-15)
        XCTAssertEqual(warm.learningRate(at: 4, base: 1), 1, accuracy: 1e-15)
        XCTAssertEqual(warm.learningRate(at: 40, base: 1), 1, accuracy: 1e-15)
    }

    func testWarmupThenCosineComposition() {
        let s = LinearWarmup(startFactor: 0.1, steps: 5).followed(by: CosineAnnealing(maxSteps: 10), after: 5)
        XCTAssertEqual(s.milestones, [5])
        XCTAssertEqual(s.learningRate(at: 0, base: 1), 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(at: 4, base: 1), 0.82, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(at: 5, base: 1), 1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(at: 10, base: 1), 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(at: 15, base: 1), 0, accuracy: 1e-15)
        // Chains append segments in order.
        let chain = s.followed(by: ExponentialDecay(gamma: 0.5), after: 10)
        XCTAssertEqual(chain.milestones, [5, 15])
        XCTAssertEqual(chain.learningRate(at: 17, base: 1), 0.25, accuracy: 1e-15)
    }

    func testSchedulerResumes() throws {
        func makeOpt() -> Adam {
            Adam(groups: [ParameterGroup(parameters: [Tensor.zeros([1])], learningRate: 0.1),
                          ParameterGroup(parameters: [Tensor.zeros([1])], learningRate: 0.01)], learningRate: 0.1)
        }
        let schedule = LinearWarmup(startFactor: 0.5, steps: 3).followed(by: CosineAnnealing(maxSteps: 20, minimumLearningRate: 1e-3), after: 3)
        let opt = makeOpt()
        let sched = LearningRateScheduler(optimizer: opt, schedule: schedule)
        for _ in 0..<7 { sched.step() }
        let rates = sched.learningRates
        XCTAssertEqual(opt.learningRate, schedule.learningRate(at: 7, base: 0.1), accuracy: 1e-15)

        // Resume: fresh optimiser and scheduler, load both states (in either order).
        let optState = opt.stateDict(), schedState = sched.stateDict()
        let opt2 = makeOpt()
        try opt2.loadStateDict(optState)
        let sched2 = LearningRateScheduler(optimizer: opt2, schedule: schedule)
        try sched2.loadStateDict(schedState)
        XCTAssertEqual(sched2.currentStep, 7)
        XCTAssertEqual(sched2.learningRates, rates)
        sched.step(); sched2.step()
        XCTAssertEqual(sched2.learningRates, sched.learningRates)

        let sched3 = LearningRateScheduler(optimizer: makeOpt(), schedule: schedule, startStep: 8)
        XCTAssertEqual(sched3.learningRates, sched.learningRates)

        XCTAssertThrowsError(try sched2.loadStateDict([])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingKey("last_epoch"))
        }
        XCTAssertThrowsError(try sched2.loadStateDict([("last_epoch", Tensor(scalar: 1.5, dtype: .float64))]))
        XCTAssertEqual(sched2.currentStep, 8)
    }

    func testSchedulerKeepsGroupRatiosForMultiplicativeSchedules() {
        let opt = SGD(groups: [ParameterGroup(parameters: [Tensor.zeros([1])]),
                               ParameterGroup(parameters: [Tensor.zeros([1])], learningRate: 0.001)], learningRate: 0.01)
        let sched = LearningRateScheduler(optimizer: opt, schedule: StepDecay(stepSize: 1, gamma: 0.5))
        sched.step()
        XCTAssertEqual(opt.learningRate, 0.005, accuracy: 1e-15)
        XCTAssertEqual(sched.learningRates[0], 0.005, accuracy: 1e-15)
        XCTAssertEqual(sched.learningRates[1], 0.0005, accuracy: 1e-15)
    }
}
