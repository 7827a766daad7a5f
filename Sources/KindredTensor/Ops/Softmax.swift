import RealModule

/// Softmax family and losses over class scores.
extension Tensor {
    /// `exp(x) / Σ exp(x)` along `axis` (stable).
    public func softmax(axis: Int = -1) -> Tensor {
        let a = normalizeAxis(axis)
        return Tensor.result(Kernels.softmax(self, axis: a, log: false), .softmax(self, axis: a), inputs: [self])
    }

    /// `x - log Σ exp(x)` along `axis` (stable).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = normalizeAxis(axis)
        return Tensor.result(Kernels.softmax(self, axis: a, log: true), .logSoftmax(self, axis: a), inputs: [self])
    }
}

/// How per-item losses become one number.
public enum LossReduction: String, Sendable, CaseIterable {
    /// Average over items.
    case mean
    /// Sum over items.
    case sum
    /// One loss per item.
    case none
}

extension Tensor {
    /// Applies `reduction` to per-item values.
    public func reduced(_ reduction: LossReduction) -> Tensor {
        switch reduction {
        case .mean: return mean()
        case .sum: return sum()
        case .none: return self
        }
    }
}

/// Cross-entropy of `logits` `[N, C]` against integer class `targets`, with optional label
/// smoothing ε (PyTorch's definition: `(1-ε)·(-log p_y) + ε·mean_c(-log p_c)`).
public func crossEntropy(logits: Tensor, targets: [Int], labelSmoothing: Double = 0, reduction: LossReduction = .mean) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy: logits must be [N, C], got \(logits.shape)")
    let n = logits.shape[0], c = logits.shape[1]
    precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows of logits")
    for t in targets { precondition(t >= 0 && t < c, "crossEntropy: target \(t) is not a class index in 0..<\(c)") }
    let logp = logits.logSoftmax(axis: 1)
    var perItem = -logp.gather(axis: 1, index: targets, shape: [n, 1]).reshaped([n])
    if labelSmoothing > 0 {
        perItem = (1 - labelSmoothing) * perItem - labelSmoothing * logp.mean(axis: 1)
    }
    return perItem.reduced(reduction)
}

extension Kernels {
    static func softmax(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        let last = x.rank - 1
        let moved = axis == last ? x.detached() : x.detached().transposed(axis, last)
        let xc = moved.contiguous()
        let out = Tensor.empty(xc.shape, dtype: x.dtype)
        let n = xc.shape.last ?? 1
        let rows = n == 0 ? 0 : xc.count / n
        func run<T: KFloat>(_: T.Type) {
            let s = xc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(rows, costPerItem: n * 8) { r in
                for row in r {
                    let sp = s + row * n, dp = d + row * n
                    var m = -T.infinity
                    for i in 0..<n where sp[i] > m { m = sp[i] }
                    if !m.isFinite { m = 0 }
                    var z: T = 0
                    for i in 0..<n { let e = T.exp(sp[i] - m); dp[i] = e; z += e }
                    if log {
                        // (x - m) - log z, not x - (log z + m): with large logits the latter rounds
                        // log z to the ulp of m (about 1e-4 for m ≈ 1000 in float32).
                        let lz = T.log(z)
                        for i in 0..<n { dp[i] = (sp[i] - m) - lz }
                    } else {
                        let inv = 1 / z
                        for i in 0..<n { dp[i] *= inv }
                    }
                }
            }
        }
        dispatch(x.dtype, { run(Float.self) }, { run(Double.self) })
        return axis == last ? out : out.transposed(axis, last)
    }
}
