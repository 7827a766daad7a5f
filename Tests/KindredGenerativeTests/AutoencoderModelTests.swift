import XCTest
import KindredNN
import KindredTensor
@testable import KindredGenerative

/// Shapes, the KL term, gradients and single training steps of the autoencoder models.
final class AutoencoderModelTests: XCTestCase {
    let arch = AutoencoderArchitecture(channels: 1, imageSize: 12, latentSize: 5, width: 4)

    /// A fixed batch of blob images in [0, 1].
    func batch(_ n: Int = 6, size: Int = 12) -> Tensor {
        var rng = RandomGenerator(seed: 3)
        var v: [Float] = []
        for i in 0..<n {
            let cx = Double(3 + i % 6), cy = Double(4 + (i * 5) % 5)
            for y in 0..<size { for x in 0..<size {
                let d = (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)
                v.append(Float(min(1, max(0, exp(-d / 6) + 0.05 * rng.nextNormal()))))
            } }
        }
        return Tensor(v, shape: [n, 1, size, size])
    }

    func testShapes() throws {
        GlobalRandom.seed(0)
        let ae = ConvAutoencoder(arch)
        let x = batch()
        XCTAssertEqual(ae.encode(x).shape, [6, 5])
        XCTAssertEqual(ae(x).shape, [6, 1, 12, 12])
        let y = try ae.reconstruct(x)
        XCTAssertEqual(y.shape, [6, 1, 12, 12])
        XCTAssertTrue(y.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let vae = VariationalAutoencoder(arch)
        var rng = RandomGenerator(seed: 1)
        let out = vae.forward(x, generator: &rng)
        XCTAssertEqual(out.mean.shape, [6, 5])
        XCTAssertEqual(out.logVariance.shape, [6, 5])
        XCTAssertEqual(out.latents.shape, [6, 5])
        XCTAssertEqual(out.logits.shape, [6, 1, 12, 12])
        XCTAssertEqual(vae.samplePrior(count: 3, generator: &rng).shape, [3, 1, 12, 12])
        let rgb = ConvAutoencoder(AutoencoderArchitecture(channels: 3, imageSize: 16, latentSize: 8, width: 4))
        XCTAssertEqual(rgb(Tensor.zeros([2, 3, 16, 16])).shape, [2, 3, 16, 16])
        XCTAssertTrue(ae.namedParameters().map(\.0).contains("decoder.3.weight"))
        XCTAssertTrue(vae.namedParameters().map(\.0).contains("log_variance.weight"))
    }

    func testWrongInputsGiveClearErrors() {
        GlobalRandom.seed(0)
        let ae = ConvAutoencoder(arch)
        XCTAssertThrowsError(try ae.reconstruct(Tensor.zeros([2, 1, 28, 28]), what: "a.png")) { e in
            XCTAssertEqual("\(e)", "a.png: the model takes [N, 1, 12, 12] (1-channel 12×12 images), found 2 images of 1×28×28")
        }
        XCTAssertThrowsError(try ae.reconstruct(Tensor.zeros([2, 3, 12, 12])))
        XCTAssertThrowsError(try ae.checkedDecode(Tensor.zeros([2, 7]))) { e in XCTAssertTrue("\(e)".contains("[N, 5]")) }
        XCTAssertThrowsError(try AutoencoderArchitecture(imageSize: 30).validate()) { e in XCTAssertTrue("\(e)".contains("multiple of 4")) }
    }

    func testKLMatchesClosedFormAndPlainLoop() {
        var rng = RandomGenerator(seed: 9)
        let mu = Tensor.normal([4, 3], dtype: .float64, generator: &rng)
        let logVar = Tensor.normal([4, 3], std: 0.7, dtype: .float64, generator: &rng)
        let kl = GaussianKL.perItem(mean: mu, logVariance: logVar).doubles
        let m = mu.doubles, lv = logVar.doubles
        for i in 0..<4 {
            var loop = 0.0
            for j in 0..<3 {
                // KL(N(μ, σ²) ‖ N(0, 1)) = log(1/σ) + (σ² + μ²)/2 − 1/2, per dimension.
                let sigma = exp(0.5 * lv[i * 3 + j])
                loop += log(1 / sigma) + (sigma * sigma + m[i * 3 + j] * m[i * 3 + j]) / 2 - 0.5
            }
            XCTAssertEqual(kl[i], loop, accuracy: 1e-12)
        }
        // KL of the prior itself is zero.
        XCTAssertEqual(GaussianKL.perItem(mean: Tensor.zeros([2, 3], dtype: .float64), logVariance: Tensor.zeros([2, 3], dtype: .float64)).doubles, [0, 0])
    }

    func testKLMatchesMonteCarloEstimate() {
        // E_q[log q(z) − log p(z)] by sampling, for one 2-d Gaussian.
        let mu = [0.7, -0.4], lv = [-0.5, 0.3]
        let closed = GaussianKL.perItem(mean: Tensor(doubles: mu, shape: [1, 2]), logVariance: Tensor(doubles: lv, shape: [1, 2])).item()
        var rng = RandomGenerator(seed: 5)
        var sum = 0.0
        let draws = 200_000
        for _ in 0..<draws {
            for j in 0..<2 {
                let s = exp(0.5 * lv[j]), e = rng.nextNormal(), z = mu[j] + s * e
                sum += (-0.5 * e * e - log(s)) - (-0.5 * z * z)
            }
        }
        XCTAssertEqual(sum / Double(draws), closed, accuracy: 0.01)
    }

    func testLossGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 2)
        let z = Tensor.normal([2, 1, 3, 3], std: 3, dtype: .float64, generator: &rng)
        let t = Tensor.uniform([2, 1, 3, 3], dtype: .float64, generator: &rng)
        for loss in ReconstructionLoss.allCases {
            let r = gradientCheck(inputs: [z]) { loss.perImage(logits: $0[0], target: t) }
            XCTAssertLessThan(r.maxError, 1e-6, "\(loss): \(r)")
        }
        let mu = Tensor.normal([3, 4], dtype: .float64, generator: &rng), lv = Tensor.normal([3, 4], dtype: .float64, generator: &rng)
        let r = gradientCheck(inputs: [mu, lv]) { GaussianKL.perItem(mean: $0[0], logVariance: $0[1]) }
        XCTAssertLessThan(r.maxError, 1e-6, "KL: \(r)")
        var g1 = RandomGenerator(seed: 4)
        let eps = Tensor.normal([3, 4], dtype: .float64, generator: &g1)
        let rp = gradientCheck(inputs: [mu, lv]) { xs in
            var g = RandomGenerator(seed: 4)
            let z = VariationalAutoencoder.reparameterize(mean: xs[0], logVariance: xs[1], generator: &g)
            return z * 1.0
        }
        XCTAssertLessThan(rp.maxError, 1e-6, "reparameterisation: \(rp)")
        XCTAssertEqual(eps.shape, [3, 4])
    }

    /// One Adam step on a fixed batch lowers the loss on that batch.
    func stepLowersLoss(_ loss: (Tensor) -> Tensor, parameters: [Tensor], input: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let optimizer = Adam(parameters: parameters, learningRate: 1e-3)
        let before = loss(input)
        optimizer.zeroGrad()
        before.backward()
        optimizer.step()
        let after = withoutGradients { loss(input) }
        XCTAssertLessThan(after.item(), before.item(), file: file, line: line)
    }

    func testOneStepLowersEachLoss() {
        let x = batch()
        GlobalRandom.seed(0)
        let ae = ConvAutoencoder(arch)
        for l in ReconstructionLoss.allCases {
            stepLowersLoss({ l.mean(logits: ae($0), target: x) }, parameters: ae.parameters(), input: x)
        }
        // Denoising: a fixed corrupted batch, the clean target.
        var rng = RandomGenerator(seed: 8)
        let noisy = Corruption(kind: .gaussian(sigma: 0.3)).apply(to: x, generator: &rng)
        let dae = ConvAutoencoder(arch)
        stepLowersLoss({ ReconstructionLoss.bce.mean(logits: dae($0), target: x) }, parameters: dae.parameters(), input: noisy)
        // VAE: the same ε each evaluation, so the loss is a fixed function of the weights.
        let vae = VariationalAutoencoder(arch)
        stepLowersLoss({ input in
            var g = RandomGenerator(seed: 11)
            let out = vae.forward(input, generator: &g)
            return (ReconstructionLoss.bce.perImage(logits: out.logits, target: input)
                    + GaussianKL.perItem(mean: out.mean, logVariance: out.logVariance)).mean()
        }, parameters: vae.parameters(), input: x)
    }
}
