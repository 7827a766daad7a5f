import Foundation
import KindredMetric

// Kindred's side of the metric-learning benchmark (Benchmarks/metric-bench.sh runs this and
// Benchmarks/metric_peers.py — the same work in pytorch-metric-learning — in the same session and
// prints the ratios). One step = mine (where the recipe mines), loss value, backward to the
// embeddings (and ArcFace's class weights). Prints one JSON object: per recipe and batch shape the
// median wall milliseconds, CPU milliseconds per step and the number of mined tuples.
//
//   kindred-metric-bench [--runs N] [--only small|large]

/// Uniform numbers in [-1, 1) from splitmix64 of `seed + k`: the Python twin computes the same.
func sharedUniform(count: Int, seed: UInt64) -> [Double] {
    (0..<count).map { k in
        var z = seed &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53 * 2 - 1
    }
}

/// `n` L2-normalised rows of `d` shared-uniform values, as float32.
func embeddings(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
    var v = sharedUniform(count: n * d, seed: seed)
    for i in 0..<n {
        let norm = (0..<d).reduce(0.0) { $0 + v[i * d + $1] * v[i * d + $1] }.squareRoot()
        for k in 0..<d { v[i * d + k] /= norm }
    }
    return Tensor(doubles: v, shape: [n, d], dtype: .float32)
}

func cpuSeconds() -> Double {
    var u = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &u)
    #else
    getrusage(RUSAGE_SELF, &u)
    #endif
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// (median wall seconds, CPU seconds per run) of `runs` runs after `warm` warm-ups.
func bench(warm: Int, runs: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    for _ in 0..<warm { body() }
    var ts: [Double] = []
    let cpu0 = cpuSeconds()
    for _ in 0..<runs {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        ts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    let cpu = (cpuSeconds() - cpu0) / Double(runs)
    ts.sort()
    return (ts[ts.count / 2], cpu)
}

var runs = 20
var only: String? = nil
var args = Array(CommandLine.arguments.dropFirst())
while !args.isEmpty {
    let a = args.removeFirst()
    if a == "--runs", let s = args.first, let v = Int(s) { runs = v; args.removeFirst() }
    else if a == "--only", let s = args.first { only = s; args.removeFirst() }
}

var result: [String: Any] = ["blas": BLAS.configuration, "threads": Parallel.threadCount]

// (name, batch, dimension, labels, ArcFace classes)
let shapes: [(String, Int, Int, Int, Int)] = [("small", 160, 64, 10, 10), ("large", 1024, 128, 64, 100)]
for (tag, n, d, classes, arcClasses) in shapes where only == nil || only == tag {
    let x = embeddings(n, d, seed: 1).requiringGradient()
    let labels = (0..<n).map { $0 % classes }
    let w = Tensor(doubles: sharedUniform(count: d * arcClasses, seed: 2), shape: [d, arcClasses], dtype: .float32)
    let steps = n > 500 ? Swift.max(3, runs / 4) : runs

    func record(_ name: String, _ step: () -> Int) {
        var tuples = 0
        let r = bench(warm: n > 500 ? 1 : 2, runs: steps) { tuples = step() }
        result["\(name)_\(tag)_ms"] = r.wall * 1e3
        result["\(name)_\(tag)_cpu_ms"] = r.cpu * 1e3
        result["\(name)_\(tag)_tuples"] = tuples
    }

    let semihard = TripletMarginMiner(margin: 0.2, kind: .semihard)
    let triplet = TripletMarginLoss(margin: 0.2)
    record("triplet_semihard") {
        x.grad = nil
        let t = semihard(x, labels: labels)
        triplet(x, labels: labels, indices: t).backward()
        return t.count
    }
    let batchHard = BatchHardMiner()
    record("triplet_batchhard") {
        x.grad = nil
        let t = batchHard(x, labels: labels)
        triplet(x, labels: labels, indices: t).backward()
        return t.count
    }
    let msMiner = MultiSimilarityMiner(epsilon: 0.1)
    let msLoss = MultiSimilarityLoss(alpha: 2, beta: 50, base: 0.5)
    record("multisimilarity") {
        x.grad = nil
        let t = msMiner(x, labels: labels)
        msLoss(x, labels: labels, indices: t).backward()
        return t.count
    }
    let arcface = ArcFaceLoss(numClasses: arcClasses, embeddingSize: d, weight: w)
    record("arcface") {
        x.grad = nil
        arcface.weight.grad = nil
        arcface(x, labels: labels).backward()
        return n
    }
}

let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
