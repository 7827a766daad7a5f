/// Reverse-mode differentiation over the recorded graph: one topological sort and one `switch`.
enum Backprop {
    /// Gradients of the inputs of `op`, given the output `out` and its gradient `g`
    /// (same shape as `out`). Runs with recording off. One entry per `op.inputs` (nil = none).
    static func inputGradients(of op: Op, output out: Tensor, gradient g: Tensor) -> [Tensor?] {
        switch op {
        case .unary(let u, let x):
            return [Kernels.unaryBackward(u, input: x, output: out, gradient: g)]

        case .binary(let b, let x, let y):
            let gx: Tensor?, gy: Tensor?
            switch b {
            case .add: gx = g; gy = g
            case .subtract: gx = g; gy = -g
            case .multiply: gx = x.tracksGradient ? g * y : nil; gy = y.tracksGradient ? g * x : nil
            case .divide:
                gx = x.tracksGradient ? g / y : nil
                gy = y.tracksGradient ? -(g * out / y) : nil
            case .power:
                // d/dx x^y = y x^(y-1);  d/dy x^y = x^y log x  (0 where x = 0)
                gx = x.tracksGradient ? g * y * x.pow(y - 1) : nil
                gy = y.tracksGradient ? g * out * Tensor.where(x .> 0, x.log(), Tensor.zeros([], dtype: x.dtype)) : nil
            case .maximum, .minimum:
                // The larger (smaller) input takes the gradient; ties split it evenly like PyTorch.
                let pick = b == .maximum ? (x .> y) : (x .< y)
                let tie = x .== y
                let wx = pick + tie * 0.5
                gx = g * wx
                gy = g * (1 - wx)
            }
            return [gx.map { $0.sumTo(x.shape) }, gy.map { $0.sumTo(y.shape) }]

        case .select(let c, let a, let b):
            let zero = Tensor.zeros([], dtype: g.dtype)
            return [Tensor.where(c, g, zero).sumTo(a.shape), Tensor.where(c, zero, g).sumTo(b.shape)]

        case .sum(let x):
            return [g.expanded(to: x.shape)]

        case .extremum(let x, let axis, let indices):
            return [Kernels.scatterAlongAxis(g, axis: axis, indices: indices, into: x.shape)]

        case .matmul(let a, let b):
            let ga = a.tracksGradient ? g.matmul(b.transposed(-1, -2)).sumTo(a.shape) : nil
            let gb = b.tracksGradient ? a.transposed(-1, -2).matmul(g).sumTo(b.shape) : nil
            return [ga, gb]

        case .reshape(let x):
            return [g.reshaped(x.shape)]

        case .permute(_, let perm):
            var inverse = [Int](repeating: 0, count: perm.count)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            return [g.permuted(inverse)]

        case .expand(let x):
            return [g.sumTo(x.shape)]

        case .slice(let x, let axis, let start, let step):
            return [Kernels.unslice(g, axis: axis, start: start, step: step, into: x.shape)]

        case .concat(let xs, let axis):
            var start = 0
            return xs.map { x in
                defer { start += x.shape[axis] }
                return x.tracksGradient ? g.sliced(axis: axis, range: start..<(start + x.shape[axis])) : nil
            }

        case .pad(let x, let widths):
            var v = g
            for (axis, w) in widths.enumerated() where w.0 != 0 || w.1 != 0 {
                v = v.sliced(axis: axis, range: w.0..<(w.0 + x.shape[axis]))
            }
            return [v]

        case .gather(let x, let axis, let index):
            return [Tensor.zeros(x.shape, dtype: g.dtype).scatterAdd(axis: axis, index: index, source: g)]

        case .indexSelect(let x, let axis, let indices):
            return [Kernels.indexAdd(g, axis: axis, indices: indices, into: x.shape)]

        case .scatterAdd(let x, let axis, let index, let source):
            return [x.tracksGradient ? g : nil, source.tracksGradient ? g.gather(axis: axis, index: index, shape: source.shape) : nil]

        case .softmax(_, let axis):
            // dx = y * (g - Σ g y)
            return [out * (g - (g * out).sum(axes: [axis], keepDims: true))]

        case .logSoftmax(_, let axis):
            // dx = g - softmax(x) Σ g
            return [g - out.exp() * g.sum(axes: [axis], keepDims: true)]

        case .cast(let x):
            return [g.cast(to: x.dtype)]

        case .conv2d(let x, let w, let bias, let config, let columns):
            let r = Kernels.conv2dBackward(input: x, weight: w, gradient: g, config: config, columns: columns,
                                           needInput: x.tracksGradient, needWeight: w.tracksGradient,
                                           needBias: bias?.tracksGradient ?? false)
            return [r.input, r.weight] + (bias != nil ? [r.bias] : [])

        case .convTranspose2d(let x, let w, let bias, let config):
            let r = Kernels.convTranspose2dBackward(input: x, weight: w, gradient: g, config: config,
                                                    needInput: x.tracksGradient, needWeight: w.tracksGradient)
            return [r.input, r.weight] + (bias != nil ? [g.sum(axes: [0, 2, 3])] : [])

        case .maxPool2d(let x, let argmax):
            return [Kernels.maxPool2dBackward(gradient: g, argmax: argmax, inputShape: x.shape)]

        case .avgPool2d(let x, let config):
            return [Kernels.avgPool2dBackward(gradient: g, inputShape: x.shape, config: config)]

        case .adaptiveAvgPool2d(let x):
            return [Kernels.adaptiveAvgPool2dBackward(gradient: g, inputShape: x.shape)]

        case .batchNorm(let x, let w, let b, let mean, let invStd, let relu):
            let r = Kernels.batchNormBackward(input: x, weight: w, mean: mean, invStd: invStd, gradient: g, reluOutput: relu ? out : nil)
            return [r.input] + (w != nil ? [r.weight] : []) + (b != nil ? [r.bias] : [])

        case .pairwiseDistance(let a, let b):
            // D_ij = |a_i - b_j|;  ∂D_ij/∂a_i = (a_i - b_j)/D_ij (0 where D_ij = 0)
            let w = Tensor.where(out .> 0, g / out.clamped(min: 1e-30), Tensor.zeros([], dtype: g.dtype))
            let ga = a.tracksGradient ? a * w.sum(axes: [1], keepDims: true) - w.matmul(b) : nil
            let gb = b.tracksGradient ? b * w.sum(axes: [0], keepDims: true).transposed(0, 1) - w.transposed(0, 1).matmul(a) : nil
            return [ga, gb]

        case .custom(_, _, let backward):
            return backward(g)
        }
    }

    /// Tensors reachable from `root` through recorded ops, inputs before outputs.
    static func topologicalOrder(from root: Tensor) -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(root, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let op = t.op {
                for x in op.inputs where x.tracksGradient && !visited.contains(ObjectIdentifier(x)) {
                    stack.append((x, false))
                }
            }
        }
        return order
    }
}

extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires one, and
    /// adds it to that leaf's ``grad``.
    ///
    /// - Parameter gradient: ∂L/∂self; defaults to 1 for a one-element tensor (a loss).
    ///
    /// The graph is not kept alive by the gradients: once this tensor is released, so is the graph.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(tracksGradient, madeWithoutGradientBy.map {
            "backward(): this tensor was made by '\($0)', which has no gradient"
        } ?? "backward(): this tensor does not depend on any tensor that requires a gradient (did you call requiringGradient(), or compute it inside withoutGradients?)")
        let seed: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "backward(): gradient shape \(gradient.shape) does not match tensor shape \(shape)")
            seed = gradient.detached()
        } else {
            precondition(count == 1, "backward() without a gradient needs a one-element tensor (a loss), got shape \(shape)")
            seed = Tensor.ones(shape, dtype: dtype)
        }
        withoutGradients {
            let order = Backprop.topologicalOrder(from: self)
            var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
            // Storages already given to a leaf (or owned by the caller's seed): a gradient that
            // flows unchanged to two leaves (as through `a + b`) is copied for the second, so no
            // two `.grad`s share memory.
            var handedOut: Set<ObjectIdentifier> = [ObjectIdentifier(seed.storage)]
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                if t.requiresGrad {
                    let gc = g.shape == t.shape ? g : g.reshaped(t.shape)
                    if let existing = t.grad {
                        t.grad = existing + gc
                    } else {
                        let owned = gc.contiguous(copy: handedOut.contains(ObjectIdentifier(gc.storage)) || gc.storage === t.storage)
                        handedOut.insert(ObjectIdentifier(owned.storage))
                        t.grad = owned
                    }
                }
                guard let op = t.op else { continue }
                let inputs = op.inputs
                let inputGrads = Backprop.inputGradients(of: op, output: t, gradient: g)
                for (x, gx) in zip(inputs, inputGrads) {
                    guard let gx, x.tracksGradient else { continue }
                    precondition(gx.shape == x.shape, "internal: gradient of '\(op.name)' has shape \(gx.shape), input has \(x.shape)")
                    let id = ObjectIdentifier(x)
                    if let acc = grads[id] { grads[id] = acc + gx } else { grads[id] = gx }
                }
            }
        }
    }
}
