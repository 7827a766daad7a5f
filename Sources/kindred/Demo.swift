import ArgumentParser
import Foundation
import KindredNN

/// `kindred demo`: trains the reference embedding network on synthetic images and shows the loss falling.
///
/// The data are 10 classes of 28×28 images (a smooth random prototype per class, randomly shifted,
/// plus noise). The model learns embeddings with a cosine-softmax classifier; at the end, held-out
/// images are matched to their nearest neighbour in embedding space.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the reference embedding CNN on synthetic images (a quick check that everything works).")

    @Option(help: "Training steps.") var steps = 60
    @Option(help: "Images per step.") var batchSize = 160
    @Option(help: "Random seed (the same seed gives the same run).") var seed: UInt64 = 0
    @Option(help: "Learning rate (Adam).") var learningRate = 3e-3

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard batchSize >= 10 else { throw ValidationError("--batch-size must be at least 10 (one image per class)") }
    }

    func run() throws {
        GlobalRandom.seed(seed)
        var rng = RandomGenerator(seed: seed &+ 1)
        let data = SyntheticImages(classes: 10, generator: &rng)
        let model = EmbeddingCNN(embeddingSize: 64)
        let classifier = Linear(64, 10, bias: false)
        let optimizer = Adam(parameters: model.parameters() + classifier.parameters(), learningRate: learningRate)
        print("Kindred demo: reference CNN (\(model.parameterCount) parameters), \(steps) steps of \(batchSize) synthetic 28×28 images")
        print("BLAS: \(BLAS.configuration)")
        let start = Date()
        var window: [Double] = []
        for step in 1...steps {
            let (x, y) = data.batch(size: batchSize, generator: &rng)
            // Cosine softmax: logits are scaled cosines between embeddings and class weights.
            let logits = model(x).matmul(classifier.weight.l2Normalized(axis: 1).transposed()) * 16
            let loss = crossEntropy(logits: logits, targets: y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            let value = loss.item()
            guard value.isFinite else { throw ValidationError("loss became \(value) at step \(step); try a smaller --learning-rate") }
            window.append(value)
            if step % 10 == 0 || step == 1 || step == steps {
                let mean = window.reduce(0, +) / Double(window.count)
                let rate = Double(step * batchSize) / Date().timeIntervalSince(start)
                print(String(format: "step %4d/%d  loss %.4f  (%.0f images/s)", step, steps, mean, rate))
                window.removeAll()
            }
        }
        // Nearest-neighbour check on fresh images: gallery of 500, queries of 500.
        model.eval()
        let (gx, gy) = data.batch(size: 500, generator: &rng)
        let (qx, qy) = data.batch(size: 500, generator: &rng)
        let hits = withoutGradients { () -> Int in
            let sims = model(qx).matmul(model(gx).transposed())
            let nearest = sims.argmax(axis: 1)
            return zip(nearest, qy).filter { gy[$0.0] == $0.1 }.count
        }
        print(String(format: "nearest-neighbour accuracy on new images: %.1f%% (chance: 10%%), %.1f s", Double(hits) / 5, Date().timeIntervalSince(start)))
    }
}

/// Ten classes of synthetic images: each a smooth random prototype, shifted by up to 2 pixels, plus noise.
struct SyntheticImages {
    let prototypes: [[Float]]
    let size = 28

    init(classes: Int, generator g: inout RandomGenerator) {
        var protos: [[Float]] = []
        for _ in 0..<classes {
            // A sum of a few random Gaussian blobs.
            var img = [Float](repeating: 0, count: 28 * 28)
            for _ in 0..<4 {
                let cx = 6 + 16 * g.nextUniform(), cy = 6 + 16 * g.nextUniform(), r = 2 + 4 * g.nextUniform()
                let amp = g.nextUniform() < 0.5 ? -1.0 : 1.0
                for y in 0..<28 { for x in 0..<28 {
                    let d2 = (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)
                    img[y * 28 + x] += Float(amp * Foundation.exp(-d2 / (2 * r * r)))
                } }
            }
            protos.append(img)
        }
        prototypes = protos
    }

    /// A batch with every class equally represented (labels cycle through the classes).
    func batch(size n: Int, generator g: inout RandomGenerator) -> (Tensor, [Int]) {
        var pixels = [Float](repeating: 0, count: n * 28 * 28)
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let c = i % prototypes.count
            labels[i] = c
            let dx = g.nextInt(below: 5) - 2, dy = g.nextInt(below: 5) - 2
            for y in 0..<28 { for x in 0..<28 {
                let sx = min(max(x + dx, 0), 27), sy = min(max(y + dy, 0), 27)
                pixels[i * 784 + y * 28 + x] = prototypes[c][sy * 28 + sx] + Float(0.5 * g.nextNormal())
            } }
        }
        return (Tensor(pixels, shape: [n, 1, 28, 28]), labels)
    }
}
