import XCTest
import KindredNN
import KindredTensor
@testable import KindredGenerative

/// Each training step lowers its own loss on a fixed tiny batch, changes only its own network's
/// parameters, and the optimisers are separate.
final class GANStepTests: XCTestCase {
    override func setUp() { GlobalRandom.seed(0) }

    private func snapshot(_ modules: [Module]) -> [[Float]] { modules.flatMap { $0.parameters().map(\.scalars) } }

    private func realBatch(_ n: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.uniform([n, 1, 28, 28], low: -1, high: 1, generator: &rng)
    }

    private func assertDisjoint(_ a: Optimizer, _ b: Optimizer, file: StaticString = #filePath, line: UInt = #line) {
        let ids = Set(a.parameters.map(ObjectIdentifier.init))
        XCTAssertTrue(b.parameters.allSatisfy { !ids.contains(ObjectIdentifier($0)) }, "optimisers share parameters", file: file, line: line)
        XCTAssertFalse(a === b, file: file, line: line)
    }

    func testDCGANSteps() throws {
        let g = DCGANGenerator(latentSize: 8, features: 4), d = DCGANDiscriminator(features: 4)
        let trainer = DCGANTrainer(generator: g, discriminator: d, learningRate: 1e-3, labelSmoothing: 0.1)
        assertDisjoint(trainer.generatorOptimizer, trainer.discriminatorOptimizer)
        XCTAssertEqual(trainer.generatorOptimizer.parameters.count, g.parameters().count)
        XCTAssertEqual(trainer.discriminatorOptimizer.beta1, 0.5)
        var rng = RandomGenerator(seed: 2)
        let real = realBatch(8, seed: 3), z = g.noise(count: 8, generator: &rng)

        func dLoss() -> Double {
            withoutGradients {
                let fake = g(z)
                return (AdversarialLoss.binaryCrossEntropy(logits: d(real), target: 0.9)
                    + AdversarialLoss.binaryCrossEntropy(logits: d(fake), target: 0)).item()
            }
        }
        let gBefore = snapshot([g]), dBefore = snapshot([d])
        let before = dLoss()
        let reported = try trainer.discriminatorStep(realImages: real, noise: z)
        XCTAssertEqual(reported.loss, before, accuracy: 1e-5, "the step reports the loss it descended")
        XCTAssertLessThan(dLoss(), before)
        XCTAssertEqual(snapshot([g]), gBefore, "a discriminator step changed the generator")
        XCTAssertNotEqual(snapshot([d]), dBefore)

        for kind in GeneratorLoss.allCases {
            trainer.generatorLoss = kind
            func gLoss() -> Double { withoutGradients { AdversarialLoss.generatorLoss(kind, fakeLogits: d(g(z))).item() } }
            let dMid = snapshot([d]), gMid = snapshot([g]), dGrads = d.parameters().map { $0.grad?.scalars }
            let start = gLoss()
            XCTAssertEqual(try trainer.generatorStep(noise: z), start, accuracy: 1e-5)
            XCTAssertLessThan(gLoss(), start, "\(kind)")
            XCTAssertEqual(snapshot([d]), dMid, "a generator step changed the discriminator")
            XCTAssertNotEqual(snapshot([g]), gMid)
            XCTAssertTrue(d.parameters().allSatisfy(\.requiresGrad), "D stays trainable")
            XCTAssertEqual(d.parameters().map { $0.grad?.scalars }, dGrads, "a generator step touched D's gradients")
        }
        let losses = try trainer.step(realImages: real, generator: &rng)
        XCTAssertTrue(losses.discriminator.isFinite && losses.generator.isFinite)
    }

    func testSuperResolutionSteps() throws {
        let g = UNetGenerator(features: 4), d = PatchDiscriminator(inputChannels: 2, features: 4)
        let trainer = SuperResolutionTrainer(generator: g, discriminator: d, learningRate: 1e-3)
        assertDisjoint(trainer.generatorOptimizer, trainer.discriminatorOptimizer)
        let y = realBatch(4, seed: 5)
        let x = try Resampling.bicubic(try Resampling.areaDownsample(y, factor: 2), scale: 2)
        func dLoss() -> Double {
            withoutGradients {
                let f = g(x)
                return ((AdversarialLoss.binaryCrossEntropy(logits: d(Tensor.concat([x, y], axis: 1)), target: 1)
                    + AdversarialLoss.binaryCrossEntropy(logits: d(Tensor.concat([x, f], axis: 1)), target: 0)) * 0.5).item()
            }
        }
        func gLoss() -> Double {
            withoutGradients {
                let f = g(x)
                return (AdversarialLoss.binaryCrossEntropy(logits: d(Tensor.concat([x, f], axis: 1)), target: 1) + (f - y).abs().mean() * 100).item()
            }
        }
        let gBefore = snapshot([g]), before = dLoss()
        try trainer.discriminatorStep(upsampled: x, target: y)
        XCTAssertLessThan(dLoss(), before)
        XCTAssertEqual(snapshot([g]), gBefore)
        let dBefore = snapshot([d]), gStart = gLoss()
        let out = try trainer.generatorStep(upsampled: x, target: y)
        XCTAssertEqual(out.total, gStart, accuracy: 1e-4)
        XCTAssertLessThan(gLoss(), gStart)
        XCTAssertEqual(snapshot([d]), dBefore)
    }

    func testCycleGANSteps() throws {
        let gAB = ResnetGenerator(features: 4, blocks: 1), gBA = ResnetGenerator(features: 4, blocks: 1)
        let dA = PatchDiscriminator(inputChannels: 1, features: 4), dB = PatchDiscriminator(inputChannels: 1, features: 4)
        let trainer = CycleGANTrainer(generatorAB: gAB, generatorBA: gBA, discriminatorA: dA, discriminatorB: dB, learningRate: 1e-3)
        assertDisjoint(trainer.generatorOptimizer, trainer.discriminatorOptimizer)
        XCTAssertEqual(trainer.generatorOptimizer.parameters.count, gAB.parameters().count + gBA.parameters().count)
        let a = realBatch(4, seed: 7), b = realBatch(4, seed: 8)
        let ls = AdversarialLoss.leastSquares
        func gLoss() -> Double {
            withoutGradients {
                let fb = gAB(a), fa = gBA(b)
                let adv = ls(dB(fb), 1) + ls(dA(fa), 1)
                let cyc = (gBA(fb) - a).abs().mean() + (gAB(fa) - b).abs().mean()
                let idt = (gAB(b) - b).abs().mean() + (gBA(a) - a).abs().mean()
                return (adv + cyc * 10 + idt * 5).item()
            }
        }
        let dBefore = snapshot([dA, dB]), start = gLoss()
        let g = try trainer.generatorStep(a: a, b: b)
        XCTAssertEqual(g.total, start, accuracy: 1e-4)
        XCTAssertLessThan(gLoss(), start)
        XCTAssertEqual(snapshot([dA, dB]), dBefore, "a generator step changed a discriminator")

        func dLoss() -> Double {
            withoutGradients {
                ((ls(dA(a), 1) + ls(dA(g.fakeA), 0)) * 0.5 + (ls(dB(b), 1) + ls(dB(g.fakeB), 0)) * 0.5).item()
            }
        }
        let gBefore = snapshot([gAB, gBA]), dStart = dLoss()
        try trainer.discriminatorStep(a: a, b: b, fakeA: g.fakeA, fakeB: g.fakeB)
        XCTAssertLessThan(dLoss(), dStart)
        XCTAssertEqual(snapshot([gAB, gBA]), gBefore, "a discriminator step changed a generator")
    }
}
