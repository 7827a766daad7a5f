import Foundation
import KindredNN

// Kindred's side of the peer comparison (Benchmarks/run.sh runs this and Benchmarks/torch_bench.py
// in the same session and prints the ratios). Prints one JSON object.

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func time(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// Process CPU seconds (user + system), all threads.
func cpuSeconds() -> Double {
    var u = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &u)
    #else
    getrusage(RUSAGE_SELF, &u)
    #endif
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// CPU seconds per run of the last `bench` (a load-insensitive figure for tuning).
var lastCPUPerRun = 0.0

/// Median seconds of `n` runs after `warm` warm-ups.
func bench(warm: Int, n: Int, _ body: () -> Void) -> (median: Double, min: Double) {
    var ts: [Double] = []
    var cpu0 = 0.0
    for i in 0..<(warm + n) {
        if i == warm { cpu0 = cpuSeconds() }
        let t = time(body)
        if i >= warm { ts.append(t) }
    }
    lastCPUPerRun = (cpuSeconds() - cpu0) / Double(n)
    return (median(ts), ts.min() ?? 0)
}

var rng = RandomGenerator(seed: 0)
GlobalRandom.seed(0)
var result: [String: Any] = ["blas": BLAS.configuration, "threads": Parallel.threadCount]
let only = CommandLine.arguments.dropFirst().first

// sgemm 1024³
if only == nil || only == "sgemm" {
    let n = 1024
    let a = Tensor.normal([n, n], generator: &rng), b = Tensor.normal([n, n], generator: &rng)
    let r = bench(warm: 3, n: 20) { _ = a.matmul(b) }
    result["sgemm_gflops"] = 2 * pow(Double(n), 3) / r.median / 1e9
}

func stepBench(_ model: some Layer, input: Tensor, warm: Int = 10, n: Int = 50, loss: (Tensor) -> Tensor) -> (Double, Double) {
    let opt = Adam(parameters: model.parameters(), learningRate: 1e-3)
    model.train()
    let r = bench(warm: warm, n: n) {
        let l = loss(model(input))
        model.zeroGrad()
        l.backward()
        opt.step()
    }
    return (r.median * 1e3, r.min * 1e3)
}

if only == "ops" {
    let x = Tensor.normal([160, 32, 28, 28], generator: &rng)
    var r = bench(warm: 3, n: 20) { _ = x.maxPool2d(kernel: (2, 2)) }
    result["maxpool_ms"] = r.median * 1e3
    result["maxpool_cpu_ms"] = lastCPUPerRun * 1e3
    r = bench(warm: 3, n: 20) { _ = x.relu() }
    result["relu_ms"] = r.median * 1e3
    result["relu_cpu_ms"] = lastCPUPerRun * 1e3
    r = bench(warm: 3, n: 20) { _ = x * 2.0 }
    result["scale_ms"] = r.median * 1e3
    r = bench(warm: 3, n: 20) { _ = x + x }
    result["add_ms"] = r.median * 1e3
    r = bench(warm: 3, n: 20) { _ = x.exp() }
    result["exp_ms"] = r.median * 1e3
}

if only == "layers" {
    // Forward and backward of each layer of the reference CNN's step, one at a time (min of runs:
    // robust to a busy machine). For tuning kernels; not part of the peer comparison.
    let pick = ProcessInfo.processInfo.environment["KINDRED_BENCH_LAYER"]
    func layer(_ name: String, _ shape: [Int], _ f: (Tensor) -> Tensor) {
        if let pick, !name.hasPrefix(pick) { return }
        let x = Tensor.normal(shape, generator: &rng).requiringGradient()
        var y = f(x)
        let gy = Tensor.normal(y.shape, generator: &rng)
        let fwd = bench(warm: 3, n: 30) { y = f(x) }.min
        let fwdCPU = lastCPUPerRun
        let bwd = bench(warm: 3, n: 30) { x.grad = nil; y = f(x); y.backward(gy) }.min - fwd
        result[name + "_fwd_ms"] = fwd * 1e3
        result[name + "_bwd_ms"] = bwd * 1e3
        result[name + "_fwd_cpu_ms"] = fwdCPU * 1e3
        result[name + "_bwd_cpu_ms"] = (lastCPUPerRun - fwdCPU) * 1e3
    }
    for (i, (cin, cout, hw)) in [(1, 32, 28), (32, 64, 14), (64, 128, 7)].enumerated() {
        let w = Tensor.normal([cout, cin, 3, 3], generator: &rng).requiringGradient()
        let bias = Tensor.normal([cout], generator: &rng).requiringGradient()
        layer("conv\(i + 1)", [160, cin, hw, hw]) { $0.conv2d(weight: w, bias: bias, padding: (1, 1)) }
        let bn = BatchNorm2d(cout)
        layer("bn\(i + 1)", [160, cout, hw, hw]) { bn($0) }
        layer("relu\(i + 1)", [160, cout, hw, hw]) { $0.relu() }
        if i < 2 { layer("pool\(i + 1)", [160, cout, hw, hw]) { $0.maxPool2d(kernel: (2, 2)) } }
    }
    layer("gap", [160, 128, 7, 7]) { $0.adaptiveAvgPool2d().flattened() }
}

if only == "resnet-eval" {
    let x = Tensor.normal([32, 3, 64, 64], generator: &rng)
    let net = ResNet18()
    net.eval()
    result["resnet18_fwd_eval_ms"] = bench(warm: 3, n: 20) { withoutGradients { _ = net(x) } }.median * 1e3
    result["resnet18_fwd_eval_cpu_ms"] = lastCPUPerRun * 1e3
}

if only == "cnn-eval" {
    let x = Tensor.normal([160, 1, 28, 28], generator: &rng)
    let net = EmbeddingCNN()
    net.eval()
    result["cnn_fwd_eval_ms"] = bench(warm: 5, n: 30) { withoutGradients { _ = net(x) } }.median * 1e3
    result["cnn_fwd_eval_cpu_ms"] = lastCPUPerRun * 1e3
}

if only == nil || only == "cnn" {
    let x = Tensor.normal([160, 1, 28, 28], generator: &rng)
    let net = EmbeddingCNN()
    let (med, mn) = stepBench(net, input: x) { e in e.squared().sum() * 0 + e.sliced(axis: 1, range: 0..<1).mean() }
    result["cnn_step_ms"] = med
    result["cnn_step_min_ms"] = mn
    result["cnn_step_cpu_ms"] = lastCPUPerRun * 1e3
    net.eval()
    result["cnn_fwd_eval_ms"] = bench(warm: 5, n: 30) { withoutGradients { _ = net(x) } }.median * 1e3
}

if only == nil || only == "conv" {
    // conv2d forward+backward throughput on the reference CNN's middle layer shape.
    let x = Tensor.normal([160, 32, 14, 14], generator: &rng).requiringGradient()
    let w = Tensor.normal([64, 32, 3, 3], generator: &rng).requiringGradient()
    let flopCount: Int = 3 * 2 * 160 * 64 * 32 * 9 * 14 * 14
    let flops = Double(flopCount)
    let r = bench(warm: 3, n: 20) {
        let y = x.conv2d(weight: w, padding: (1, 1))
        y.backward(Tensor.ones(y.shape))
    }
    result["conv_fwd_bwd_gflops"] = flops / r.median / 1e9
}

if only == nil || only == "resnet" {
    let x = Tensor.normal([32, 3, 64, 64], generator: &rng)
    let labels = (0..<32).map { _ in rng.nextInt(below: 1000) }
    let net = ResNet18()
    result["resnet18_params"] = net.parameterCount
    let (med, mn) = stepBench(net, input: x) { crossEntropy(logits: $0, targets: labels) }
    result["resnet18_step_ms"] = med
    result["resnet18_step_min_ms"] = mn
    result["resnet18_step_cpu_ms"] = lastCPUPerRun * 1e3
    net.eval()
    result["resnet18_fwd_eval_ms"] = bench(warm: 3, n: 20) { withoutGradients { _ = net(x) } }.median * 1e3
}

let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
