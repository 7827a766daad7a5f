import ArgumentParser
import Foundation
import KindredData
import KindredMetric
import KindredNN
import KindredRetrieval

/// `kindred demo`: trains the reference embedding network and shows the loss falling, then how well
/// the embeddings retrieve.
///
/// With Fashion-MNIST installed (Debian's `dataset-fashion-mnist`, which `scripts/setup` installs) it
/// trains on P×K batches of the training split with a triplet margin loss and semi-hard mining, then
/// embeds the 10,000 test images and reports leave-one-out CMC@1, P@5 and MAP@5 with bootstrap
/// confidence intervals. `--synthetic` (or missing data) uses generated images instead.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the reference embedding CNN on Fashion-MNIST (triplet loss, semi-hard miner) and evaluate retrieval.")

    @Option(help: "Training steps.") var steps = 200
    @Option(help: "Images per step (10 classes × batch-size/10 images each).") var batchSize = 160
    @Option(help: "Random seed (the same seed gives the same run).") var seed: UInt64 = 0
    @Option(help: "Learning rate (Adam).") var learningRate = 1e-3
    @Option(help: "Folder with Fashion-MNIST's IDX files (gzipped or not).") var data = FashionMNIST.defaultDirectory.path
    @Flag(help: "Train on synthetic images instead of Fashion-MNIST.") var synthetic = false

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard batchSize >= 20, batchSize % 10 == 0 else { throw ValidationError("--batch-size must be a multiple of 10, at least 20 (P×K: 10 classes × K images)") }
    }

    func run() throws {
        if !synthetic {
            do {
                let train = try FashionMNIST(split: .train, directory: URL(fileURLWithPath: data))
                let test = try FashionMNIST(split: .test, directory: URL(fileURLWithPath: data))
                try runFashionMNIST(train: train, test: test)
                return
            } catch let error as DataError {
                print("Fashion-MNIST is not available (\(error)); run scripts/setup to install it. Using synthetic images.\n")
            }
        }
        try runSynthetic()
    }

    func runFashionMNIST(train: FashionMNIST, test: FashionMNIST) throws {
        GlobalRandom.seed(seed)
        let images = train.tensor()
        let sampler = try PKSampler(labels: train.labels, labelsPerBatch: 10, instancesPerLabel: batchSize / 10, seed: seed)
        let model = EmbeddingCNN(embeddingSize: 64)
        let optimizer = Adam(parameters: model.parameters(), learningRate: learningRate)
        let miner = TripletMarginMiner(margin: 0.2, kind: .semihard)
        let lossFunction = TripletMarginLoss(margin: 0.2)
        print("Kindred demo: reference CNN (\(model.parameterCount) parameters) on Fashion-MNIST, \(steps) P×K steps of \(batchSize) images")
        print("loss: triplet margin 0.2 with semi-hard mining; BLAS: \(BLAS.configuration)")
        let start = Date()
        var window: [Double] = [], tuples: [Int] = []
        for step in 1...steps {
            let indices = sampler.batches(epoch: step - 1).first ?? []
            let labels = indices.map { train.labels[$0] }
            let embeddings = model(images.rows(indices))
            let mined = miner.mine(embeddings, labels: labels)
            let loss = lossFunction(embeddings, labels: labels, indices: mined)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            let value = loss.item()
            guard value.isFinite else { throw ValidationError("loss became \(value) at step \(step); try a smaller --learning-rate") }
            window.append(value)
            tuples.append(lossFunction.lastTupleCount)
            if step % 25 == 0 || step == 1 || step == steps {
                let mean = window.reduce(0, +) / Double(window.count)
                let active = Double(tuples.reduce(0, +)) / Double(tuples.count)
                let rate = Double(step * batchSize) / Date().timeIntervalSince(start)
                print(String(format: "step %4d/%d  loss %.4f  semi-hard triplets %.0f  (%.0f images/s)", step, steps, mean, active, rate))
                window.removeAll(); tuples.removeAll()
            }
        }
        print(String(format: "trained in %.1f s; embedding the %d test images…", Date().timeIntervalSince(start), test.count))
        model.eval()
        let testImages = test.tensor()
        let embeddings = withoutGradients { () -> Tensor in
            Tensor.concat(stride(from: 0, to: test.count, by: 1000).map { model(testImages.sliced(axis: 0, range: $0..<min($0 + 1000, test.count))) })
        }
        let exclusion = SearchExclusion.leaveOneOut(count: test.count)
        let result = try ExactSearch(distance: .cosine).search(queries: embeddings, gallery: embeddings, k: 5, exclusion: exclusion)
        let relevance = try RankedRelevance(result: result, queryLabels: test.labels, galleryLabels: test.labels, exclusion: exclusion)
        let bootstrap = Bootstrap(resamples: 200, seed: seed)
        print("retrieval on the test split (query = gallery, leave-one-out; 95% bootstrap intervals):")
        for summary in try relevance.summaries(of: [.cmc(at: 1), .precision(at: 5), .averagePrecision(at: 5)], bootstrap: bootstrap) {
            print("  \(summary)")
        }
        print(String(format: "total %.1f s", Date().timeIntervalSince(start)))
    }

    func runSynthetic() throws {
        GlobalRandom.seed(seed)
        var rng = RandomGenerator(seed: seed &+ 1)
        let data = SyntheticImages(classes: 10, generator: &rng)
        let model = EmbeddingCNN(embeddingSize: 64)
        let classifier = Linear(64, 10, bias: false)
        let optimizer = Adam(parameters: model.parameters() + classifier.parameters(), learningRate: 3e-3)
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
