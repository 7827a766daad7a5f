import Foundation
import KindredGenerative
import KindredNN

// Kindred's side of the DCGAN training-speed comparison (Benchmarks/gan-bench.sh runs this and
// Benchmarks/gan_torch_bench.py alternately and prints the ratio). One training iteration is
// DCGANTrainer.step: noise, discriminator step (real + detached fake), new noise, generator step
// (discriminator frozen). Synthetic real batches in [-1, 1]: data loading is not timed.
// Prints one JSON object. Usage: kindred-gan-bench [steps] [batch] [features]

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let steps = arguments.count > 0 ? arguments[0] : 40
let batch = arguments.count > 1 ? arguments[1] : 128
let features = arguments.count > 2 ? arguments[2] : 64
let epochImages = 60_000

GlobalRandom.seed(0)
var rng = RandomGenerator(seed: 0)
let trainer = DCGANTrainer(generator: DCGANGenerator(latentSize: 100, features: features),
                           discriminator: DCGANDiscriminator(features: features))
let batches = (0..<4).map { _ in Tensor.uniform([batch, 1, 28, 28], low: -1, high: 1, generator: &rng) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

for i in 0..<3 { _ = try trainer.step(realImages: batches[i % 4], generator: &rng) }
var times: [Double] = []
for i in 0..<steps {
    times.append(try seconds { _ = try trainer.step(realImages: batches[i % 4], generator: &rng) })
}
let sorted = times.sorted()
let medianStep = sorted[sorted.count / 2]
let stepsPerEpoch = (epochImages + batch - 1) / batch
let result: [String: Any] = [
    "side": "kindred", "threads": Parallel.threadCount, "batch": batch, "features": features, "steps": steps,
    "step_median_s": medianStep, "step_min_s": sorted[0], "step_mean_s": times.reduce(0, +) / Double(times.count),
    "epoch_s": medianStep * Double(stepsPerEpoch), "steps_per_epoch": stepsPerEpoch,
]
let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
