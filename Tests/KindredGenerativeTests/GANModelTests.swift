import XCTest
import KindredNN
import KindredTensor
@testable import KindredGenerative

/// Shapes, parameter names and bad-input errors of the GAN models; the adversarial losses.
final class GANModelTests: XCTestCase {
    override func setUp() { GlobalRandom.seed(0) }

    func testShapes() {
        var rng = RandomGenerator(seed: 1)
        let g = DCGANGenerator(latentSize: 8, features: 4)
        let images = g(g.noise(count: 3, generator: &rng))
        XCTAssertEqual(images.shape, [3, 1, 28, 28])
        XCTAssertTrue(images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        XCTAssertEqual(DCGANDiscriminator(features: 4)(images).shape, [3])
        let x = Tensor.uniform([2, 1, 28, 28], low: -1, high: 1, generator: &rng)
        XCTAssertEqual(UNetGenerator(features: 4)(x).shape, [2, 1, 28, 28])
        XCTAssertEqual(PatchDiscriminator(inputChannels: 2, features: 4)(Tensor.concat([x, x], axis: 1)).shape, [2, 1, 7, 7])
        let r = ResnetGenerator(features: 4, blocks: 1)(x)
        XCTAssertEqual(r.shape, [2, 1, 28, 28])
        XCTAssertTrue(r.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    func testParameterNamesFollowPyTorch() {
        let g = Set(DCGANGenerator(features: 4).stateDict().map(\.0))
        XCTAssertTrue(g.isSuperset(of: ["main.0.weight", "main.1.weight", "main.1.running_mean", "main.3.weight", "main.6.weight"]), "\(g)")
        XCTAssertFalse(g.contains("main.0.bias"))
        let d = Set(DCGANDiscriminator(features: 4).stateDict().map(\.0))
        XCTAssertTrue(d.isSuperset(of: ["main.0.weight", "main.2.weight", "main.3.running_var", "main.5.weight"]), "\(d)")
        let u = Set(UNetGenerator(features: 4).stateDict().map(\.0))
        XCTAssertTrue(u.isSuperset(of: ["down1.0.weight", "down2.1.running_mean", "up2.0.weight", "up1.1.weight", "out.weight", "out.bias"]), "\(u)")
        let r = Set(ResnetGenerator(features: 4, blocks: 2).stateDict().map(\.0))
        XCTAssertTrue(r.isSuperset(of: ["stem.0.weight", "down.1.running_var", "blocks.1.conv2.weight", "blocks.0.bn1.bias", "up.0.weight", "head.0.bias"]), "\(r)")
    }

    func testDCGANInitialisation() throws {
        let g = DCGANGenerator(latentSize: 16, features: 16)
        let w = g.main.layers[0] as? ConvTranspose2d
        let values = try XCTUnwrap(w).weight.doubles
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.002)
    }

    func testStableBinaryCrossEntropy() {
        // softplus(x) − t·x against the textbook −t·log σ − (1−t)·log(1−σ) where it is finite.
        let logits: [Double] = [-3, -0.5, 0, 0.7, 4]
        let x = Tensor(doubles: logits, shape: [5])
        for t in [0.0, 0.9, 1.0] {
            var want = 0.0
            for v in logits {
                let s = 1 / (1 + Foundation.exp(-v))
                want += -(t * Foundation.log(s) + (1 - t) * Foundation.log(1 - s))
            }
            XCTAssertEqual(AdversarialLoss.binaryCrossEntropy(logits: x, target: t).item(), want / 5, accuracy: 1e-12)
        }
        // Extreme logits stay finite (σ(±200) rounds to 0 or 1 in float64).
        let big = Tensor(doubles: [200, -200], shape: [2])
        XCTAssertEqual(AdversarialLoss.binaryCrossEntropy(logits: big, target: 0).item(), 100, accuracy: 1e-9)
        XCTAssertEqual(AdversarialLoss.binaryCrossEntropy(logits: big, target: 1).item(), 100, accuracy: 1e-9)
        // Generator losses: non-saturating = softplus(−x), minimax = log(1 − σ(x)) = −softplus(x).
        let f = Tensor(doubles: [-2, 1], shape: [2])
        let ns = (Foundation.log(1 + Foundation.exp(2.0)) + Foundation.log(1 + Foundation.exp(-1.0))) / 2
        XCTAssertEqual(AdversarialLoss.generatorLoss(.nonSaturating, fakeLogits: f).item(), ns, accuracy: 1e-12)
        let mm = (Foundation.log(1 - 1 / (1 + Foundation.exp(2.0))) + Foundation.log(1 - 1 / (1 + Foundation.exp(-1.0)))) / 2
        XCTAssertEqual(AdversarialLoss.generatorLoss(.minimax, fakeLogits: f).item(), mm, accuracy: 1e-12)
        XCTAssertEqual(AdversarialLoss.leastSquares(logits: f, target: 1).item(), (9 + 0) / 2, accuracy: 1e-12)
    }

    func testLossGradientsMatchFiniteDifferences() {
        let x = Tensor(doubles: [-3, -0.5, 0.1, 0.7, 4, 12], shape: [2, 3])
        for t in [0.0, 0.9] {
            let r = gradientCheck(inputs: [x]) { AdversarialLoss.binaryCrossEntropy(logits: $0[0], target: t) }
            XCTAssertLessThan(r.maxError, 1e-7, "\(r)")
        }
        for kind in GeneratorLoss.allCases {
            let r = gradientCheck(inputs: [x]) { AdversarialLoss.generatorLoss(kind, fakeLogits: $0[0]) }
            XCTAssertLessThan(r.maxError, 1e-7, "\(kind): \(r)")
        }
        let r = gradientCheck(inputs: [x]) { AdversarialLoss.leastSquares(logits: $0[0], target: 1) }
        XCTAssertLessThan(r.maxError, 1e-7, "\(r)")
    }

    func testWrongSizesAreClearErrors() {
        let trainer = DCGANTrainer(generator: DCGANGenerator(latentSize: 8, features: 4), discriminator: DCGANDiscriminator(features: 4))
        var rng = RandomGenerator(seed: 0)
        XCTAssertThrowsError(try trainer.step(realImages: Tensor.zeros([4, 1, 14, 14]), generator: &rng)) { error in
            XCTAssertEqual("\(error)", "real images has shape [4, 1, 14, 14]; expected [N, 1, 28, 28]")
        }
        XCTAssertThrowsError(try trainer.generatorStep(noise: Tensor.zeros([4, 9]))) { error in
            XCTAssertTrue("\(error)".contains("expected [N, 8]"), "\(error)")
        }
        let sr = SuperResolutionTrainer(generator: UNetGenerator(features: 4), discriminator: PatchDiscriminator(inputChannels: 2, features: 4))
        XCTAssertThrowsError(try sr.step(upsampled: Tensor.zeros([4, 1, 14, 14]), target: Tensor.zeros([4, 1, 28, 28]))) { error in
            XCTAssertTrue("\(error)".contains("upsampled low-resolution images has shape [4, 1, 14, 14]"), "\(error)")
        }
        XCTAssertThrowsError(try sr.step(upsampled: Tensor.zeros([4, 1, 28, 28]), target: Tensor.zeros([3, 1, 28, 28])))
        let cycle = CycleGANTrainer(generatorAB: ResnetGenerator(features: 4, blocks: 1), generatorBA: ResnetGenerator(features: 4, blocks: 1),
                                    discriminatorA: PatchDiscriminator(inputChannels: 1, features: 4),
                                    discriminatorB: PatchDiscriminator(inputChannels: 1, features: 4))
        XCTAssertThrowsError(try cycle.step(a: Tensor.zeros([4, 3, 28, 28]), b: Tensor.zeros([4, 1, 28, 28]))) { error in
            XCTAssertTrue("\(error)".contains("domain A images"), "\(error)")
        }
    }
}
