import Foundation
import RealModule

/// CPU kernels. Each works on contiguous or strided views and is generic over ``KFloat``.
enum Kernels {}

/// Calls `body` with the Swift scalar type of `dtype`.
@inline(__always)
func dispatch<R>(_ dtype: DType, _ f32: () -> R, _ f64: () -> R) -> R {
    switch dtype {
    case .float32: return f32()
    case .float64: return f64()
    }
}

/// A scalar function applied elementwise. Kernels take these as concrete generic types, not
/// closures: a closure captured by a parallel chunk is called indirectly per element and stops
/// vectorisation (measured 5× slower).
protocol UnaryFunction {
    associatedtype Scalar: KFloat
    func callAsFunction(_ x: Scalar) -> Scalar
}

/// A scalar function of two arguments applied elementwise (see ``UnaryFunction``).
protocol BinaryFunction {
    associatedtype Scalar: KFloat
    func callAsFunction(_ a: Scalar, _ b: Scalar) -> Scalar
}

/// Elementwise functions, one small type each.
enum Fn {
    struct Negate<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { -x } }
    struct Exp<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { T.exp(x) } }
    struct Log<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { T.log(x) } }
    struct Sqrt<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { x.squareRoot() } }
    struct Abs<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { Swift.abs(x) } }
    struct Sigmoid<T: KFloat>: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: T) -> T { x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x)) }
    }
    struct Tanh<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { T.tanh(x) } }
    // `x < 0 ? 0 : x` so that NaN propagates (as PyTorch), which is how a diverged run is noticed.
    struct Relu<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { x < 0 ? 0 : x } }
    struct Gelu<T: KFloat>: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: T) -> T { x * (1 + Kernels.erf(x * (1 / T.sqrt(2)))) / 2 }
    }
    /// PyTorch's threshold: linear above 20.
    struct Softplus<T: KFloat>: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: T) -> T { x > 20 ? x : T.log(onePlus: T.exp(x)) }
    }
    struct Sin<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { T.sin(x) } }
    struct Cos<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { T.cos(x) } }
    struct Square<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { x * x } }
    struct Reciprocal<T: KFloat>: UnaryFunction { @inline(__always) func callAsFunction(_ x: T) -> T { 1 / x } }
    struct Affine<T: KFloat>: UnaryFunction {
        let scale: T, shift: T
        @inline(__always) func callAsFunction(_ x: T) -> T { x * scale + shift }
    }
    struct Power<T: KFloat>: UnaryFunction {
        let p: T
        @inline(__always) func callAsFunction(_ x: T) -> T { Kernels.power(x, p) }
    }
    struct LeakyRelu<T: KFloat>: UnaryFunction {
        let slope: T
        @inline(__always) func callAsFunction(_ x: T) -> T { x > 0 ? x : x * slope }
    }
    struct Clamp<T: KFloat>: UnaryFunction {
        let lower: T, upper: T
        @inline(__always) func callAsFunction(_ x: T) -> T { x < lower ? lower : (x > upper ? upper : x) }
    }

    struct Add<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a + b } }
    struct Subtract<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a - b } }
    struct Multiply<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a * b } }
    struct Divide<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a / b } }
    struct Pow<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { Kernels.power(a, b) } }
    struct Maximum<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a >= b ? a : b } }
    struct Minimum<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a <= b ? a : b } }
    struct Less<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a < b ? 1 : 0 } }
    struct LessEqual<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a <= b ? 1 : 0 } }
    struct Greater<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a > b ? 1 : 0 } }
    struct GreaterEqual<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a >= b ? 1 : 0 } }
    struct Equal<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a == b ? 1 : 0 } }
    struct NotEqual<T: KFloat>: BinaryFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a != b ? 1 : 0 } }
}

extension Kernels {
    /// `dst[i] = f(src[i])` over `n` elements, in parallel chunks.
    static func map<F: UnaryFunction>(_ src: UnsafePointer<F.Scalar>, _ dst: UnsafeMutablePointer<F.Scalar>, _ n: Int, cost: Int = 1, _ f: F) {
        Parallel.forEachChunk(n, costPerItem: cost) { r in
            for i in r { dst[i] = f(src[i]) }
        }
    }

    /// `dst[i] = f(a[i], b)` for a scalar `b`.
    static func mapRight<F: BinaryFunction>(_ a: UnsafePointer<F.Scalar>, _ b: F.Scalar, _ dst: UnsafeMutablePointer<F.Scalar>, _ n: Int, cost: Int, _ f: F) {
        Parallel.forEachChunk(n, costPerItem: cost) { r in
            for i in r { dst[i] = f(a[i], b) }
        }
    }

    /// `dst[i] = f(a, b[i])` for a scalar `a`.
    static func mapLeft<F: BinaryFunction>(_ a: F.Scalar, _ b: UnsafePointer<F.Scalar>, _ dst: UnsafeMutablePointer<F.Scalar>, _ n: Int, cost: Int, _ f: F) {
        Parallel.forEachChunk(n, costPerItem: cost) { r in
            for i in r { dst[i] = f(a, b[i]) }
        }
    }

    /// `dst[i] = f(a[i], b[i])` over `n` elements, in parallel chunks.
    static func zip<F: BinaryFunction>(_ a: UnsafePointer<F.Scalar>, _ b: UnsafePointer<F.Scalar>, _ dst: UnsafeMutablePointer<F.Scalar>, _ n: Int, cost: Int = 1, _ f: F) {
        Parallel.forEachChunk(n, costPerItem: cost) { r in
            for i in r { dst[i] = f(a[i], b[i]) }
        }
    }

    /// `xʸ` with C's (and PyTorch's) meaning: RealModule's `pow(x, y)` is NaN for any negative
    /// base and for 0⁰, so integral exponents go through its integer overload instead.
    @inline(__always)
    static func power<T: KFloat>(_ x: T, _ y: T) -> T {
        if x <= 0, let n = Int(exactly: y) { return T.pow(x, n) }
        return T.pow(x, y)
    }

    static func erf<T: KFloat>(_ x: T) -> T {
        if T.self == Float.self { return T(Foundation.erff(Float(x))) }
        return T(Foundation.erf(Double(x)))
    }

    static func applyUnary<T: KFloat>(_ op: UnaryOp, _ s: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ n: Int) {
        switch op {
        case .negate: map(s, d, n, Fn.Negate<T>())
        case .exp: map(s, d, n, cost: 8, Fn.Exp<T>())
        case .log: map(s, d, n, cost: 8, Fn.Log<T>())
        case .sqrt: map(s, d, n, cost: 4, Fn.Sqrt<T>())
        case .abs: map(s, d, n, Fn.Abs<T>())
        case .sigmoid: map(s, d, n, cost: 8, Fn.Sigmoid<T>())
        case .tanh: map(s, d, n, cost: 8, Fn.Tanh<T>())
        case .relu: map(s, d, n, Fn.Relu<T>())
        case .gelu: map(s, d, n, cost: 8, Fn.Gelu<T>())
        case .softplus: map(s, d, n, cost: 8, Fn.Softplus<T>())
        case .sin: map(s, d, n, cost: 8, Fn.Sin<T>())
        case .cos: map(s, d, n, cost: 8, Fn.Cos<T>())
        case .square: map(s, d, n, Fn.Square<T>())
        case .reciprocal: map(s, d, n, Fn.Reciprocal<T>())
        case .affine(let a, let b): map(s, d, n, Fn.Affine<T>(scale: T(a), shift: T(b)))
        case .power(let p):
            if p == 2 { map(s, d, n, Fn.Square<T>()) } else if p == 0.5 { map(s, d, n, Fn.Sqrt<T>()) } else {
                map(s, d, n, cost: 16, Fn.Power<T>(p: T(p)))
            }
        case .leakyRelu(let slope): map(s, d, n, Fn.LeakyRelu<T>(slope: T(slope)))
        case .clamp(let lo, let hi): map(s, d, n, Fn.Clamp<T>(lower: T(lo), upper: T(hi)))
        }
    }

    /// Elementwise `op(x)` into a new contiguous tensor.
    static func unary(_ op: UnaryOp, _ x: Tensor) -> Tensor {
        let xc = x.contiguous()
        let out = Tensor.empty(x.shape, dtype: x.dtype)
        let n = x.count
        dispatch(x.dtype, {
            applyUnary(op, xc.pointer(as: Float.self), out.pointer(as: Float.self), n)
        }, {
            applyUnary(op, xc.pointer(as: Double.self), out.pointer(as: Double.self), n)
        })
        return out
    }

    @inline(__always)
    static func applyUnaryBackward<T: KFloat>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ g: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ n: Int) {
        Parallel.forEachChunk(n, costPerItem: 4) { r in
            switch op {
            case .negate: for i in r { d[i] = -g[i] }
            case .exp: for i in r { d[i] = g[i] * y[i] }
            case .log: for i in r { d[i] = g[i] / x[i] }
            case .sqrt: for i in r { d[i] = g[i] / (2 * y[i]) }
            case .abs: for i in r { d[i] = x[i] > 0 ? g[i] : (x[i] < 0 ? -g[i] : 0) }
            case .sigmoid: for i in r { d[i] = g[i] * y[i] * (1 - y[i]) }
            case .tanh: for i in r { d[i] = g[i] * (1 - y[i] * y[i]) }
            case .relu: maskByPositive(g + r.lowerBound, where: x + r.lowerBound, into: d + r.lowerBound, count: r.count)
            case .gelu:
                let r2 = 1 / T.sqrt(2)
                let c = 1 / T.sqrt(2 * T.pi)
                for i in r {
                    let v = x[i]
                    d[i] = g[i] * ((1 + erf(v * r2)) / 2 + v * c * T.exp(-v * v / 2))
                }
            case .softplus:
                for i in r {
                    let v = x[i]
                    d[i] = v > 20 ? g[i] : g[i] / (1 + T.exp(-v))
                }
            case .sin: for i in r { d[i] = g[i] * T.cos(x[i]) }
            case .cos: for i in r { d[i] = -g[i] * T.sin(x[i]) }
            case .square: for i in r { d[i] = 2 * g[i] * x[i] }
            case .reciprocal: for i in r { d[i] = -g[i] * y[i] * y[i] }
            case .affine(let a, _):
                let ta = T(a)
                for i in r { d[i] = g[i] * ta }
            case .power(let p):
                let tp = T(p)
                // d/dx x⁰ = 0 everywhere (0 · x⁻¹ would be NaN at 0), as PyTorch.
                if p == 0 { for i in r { d[i] = 0 } } else { for i in r { d[i] = g[i] * tp * power(x[i], tp - 1) } }
            case .leakyRelu(let slope):
                let ts = T(slope)
                for i in r { d[i] = x[i] > 0 ? g[i] : g[i] * ts }
            case .clamp(let lo, let hi):
                let l = T(lo), h = T(hi)
                for i in r { d[i] = (x[i] >= l && x[i] <= h) ? g[i] : 0 }
            }
        }
    }

    /// Gradient of `op` at input `x` with output `y`, given upstream `g`.
    static func unaryBackward(_ op: UnaryOp, input x: Tensor, output y: Tensor, gradient g: Tensor) -> Tensor {
        let xc = x.contiguous(), yc = y.contiguous(), gc = g.contiguous()
        let out = Tensor.empty(x.shape, dtype: x.dtype)
        dispatch(x.dtype, {
            applyUnaryBackward(op, xc.pointer(as: Float.self), yc.pointer(as: Float.self), gc.pointer(as: Float.self), out.pointer(as: Float.self), x.count)
        }, {
            applyUnaryBackward(op, xc.pointer(as: Double.self), yc.pointer(as: Double.self), gc.pointer(as: Double.self), out.pointer(as: Double.self), x.count)
        })
        return out
    }

    /// `f(a, b)` with NumPy broadcasting into a new contiguous tensor of the broadcast shape.
    static func broadcastZip<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, cost: Int = 1, _ f: F) -> Tensor {
        typealias T = F.Scalar
        guard let shape = Layout.broadcastShape(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let out = Tensor.empty(shape, dtype: a.dtype)
        let d = out.pointer(as: T.self)
        let n = out.count
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            zip(a.pointer(as: T.self), b.pointer(as: T.self), d, n, cost: cost, f)
            return out
        }
        if b.count == 1 && a.shape == shape && a.isContiguous {
            mapRight(a.pointer(as: T.self), b.pointer(as: T.self)[0], d, n, cost: cost, f)
            return out
        }
        if a.count == 1 && b.shape == shape && b.isContiguous {
            mapLeft(a.pointer(as: T.self)[0], b.pointer(as: T.self), d, n, cost: cost, f)
            return out
        }
        let la = a.layout.broadcast(to: shape)!, lb = b.layout.broadcast(to: shape)!
        let (cshape, cstrides) = Strided.coalesce(shape: shape, strides: [la.strides, lb.strides])
        let pa = a.storage.pointer(as: T.self), pb = b.storage.pointer(as: T.self)
        let runs = Strided.runCount(cshape)
        let inner = cshape.last ?? 1
        let sa = cstrides[0].last ?? 1, sb = cstrides[1].last ?? 1
        Parallel.forEachChunk(runs, costPerItem: inner * cost) { range in
            Strided.forEachRun(shape: cshape, strides: cstrides, offsets: [la.offset, lb.offset], outer: range) { o, pos, m in
                let dp = d + o * m
                let ap = pa + pos[0], bp = pb + pos[1]
                if sa == 1 && sb == 1 { for i in 0..<m { dp[i] = f(ap[i], bp[i]) } } else if sa == 1 && sb == 0 {
                    let bv = bp[0]; for i in 0..<m { dp[i] = f(ap[i], bv) }
                } else if sa == 0 && sb == 1 {
                    let av = ap[0]; for i in 0..<m { dp[i] = f(av, bp[i]) }
                } else { for i in 0..<m { dp[i] = f(ap[i * sa], bp[i * sb]) } }
            }
        }
        return out
    }

    static func applyBinary<T: KFloat>(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ t: T.Type) -> Tensor {
        switch op {
        case .add: return broadcastZip(a, b, Fn.Add<T>())
        case .subtract: return broadcastZip(a, b, Fn.Subtract<T>())
        case .multiply: return broadcastZip(a, b, Fn.Multiply<T>())
        case .divide: return broadcastZip(a, b, Fn.Divide<T>())
        case .power: return broadcastZip(a, b, cost: 16, Fn.Pow<T>())
        case .maximum: return broadcastZip(a, b, Fn.Maximum<T>())
        case .minimum: return broadcastZip(a, b, Fn.Minimum<T>())
        }
    }

    /// `op(a, b)` with broadcasting.
    static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.dtype == b.dtype, "\(op): dtypes \(a.dtype) and \(b.dtype) differ; cast one with cast(to:)")
        return dispatch(a.dtype, { applyBinary(op, a, b, Float.self) }, { applyBinary(op, a, b, Double.self) })
    }

    /// The kinds of elementwise comparison.
    enum Comparison { case less, lessEqual, greater, greaterEqual, equal, notEqual }

    /// 1 where the comparison holds, else 0 (broadcast).
    static func compare(_ c: Comparison, _ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.dtype == b.dtype, "comparison: dtypes \(a.dtype) and \(b.dtype) differ")
        func run<T: KFloat>(_: T.Type) -> Tensor {
            switch c {
            case .less: return broadcastZip(a, b, Fn.Less<T>())
            case .lessEqual: return broadcastZip(a, b, Fn.LessEqual<T>())
            case .greater: return broadcastZip(a, b, Fn.Greater<T>())
            case .greaterEqual: return broadcastZip(a, b, Fn.GreaterEqual<T>())
            case .equal: return broadcastZip(a, b, Fn.Equal<T>())
            case .notEqual: return broadcastZip(a, b, Fn.NotEqual<T>())
            }
        }
        return dispatch(a.dtype, { run(Float.self) }, { run(Double.self) })
    }

    /// `condition != 0 ? a : b` with broadcasting of all three.
    static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let s1 = Layout.broadcastShape(a.shape, b.shape), let shape = Layout.broadcastShape(s1, condition.shape) else {
            preconditionFailure("where: shapes \(condition.shape), \(a.shape), \(b.shape) cannot be broadcast together")
        }
        let c = condition.cast(to: a.dtype).expanded(to: shape).contiguous()
        let ac = a.expanded(to: shape).contiguous(), bc = b.expanded(to: shape).contiguous()
        let out = Tensor.empty(shape, dtype: a.dtype)
        func run<T: KFloat>(_: T.Type) {
            let cp = c.pointer(as: T.self), ap = ac.pointer(as: T.self), bp = bc.pointer(as: T.self), d = out.pointer(as: T.self)
            Parallel.forEachChunk(out.count) { r in for i in r { d[i] = cp[i] != 0 ? ap[i] : bp[i] } }
        }
        dispatch(a.dtype, { run(Float.self) }, { run(Double.self) })
        return out
    }

    /// Converts to another dtype (a contiguous copy).
    static func cast(_ x: Tensor, to dtype: DType) -> Tensor {
        let xc = x.contiguous()
        let out = Tensor.empty(x.shape, dtype: dtype)
        let n = x.count
        switch (x.dtype, dtype) {
        case (.float32, .float64):
            let s = xc.pointer(as: Float.self), d = out.pointer(as: Double.self)
            for i in 0..<n { d[i] = Double(s[i]) }
        case (.float64, .float32):
            let s = xc.pointer(as: Double.self), d = out.pointer(as: Float.self)
            for i in 0..<n { d[i] = Float(s[i]) }
        default:
            memcpy(out.storage.base, xc.storage.base + xc.layout.offset * dtype.byteSize, n * dtype.byteSize)
        }
        return out
    }
}

extension Kernels {
    /// `o[i] = y[i] > 0 ? g[i] : 0` (ReLU's backward given its output), branch-free: the signs of
    /// a ReLU's output are close to random, so a branch per element mispredicts about half the time.
    @inline(__always)
    static func maskByPositive<T: KFloat>(_ g: UnsafePointer<T>, where y: UnsafePointer<T>, into o: UnsafeMutablePointer<T>, count n: Int) {
        var i = 0
        if T.self == Float.self {
            // Concrete float32 SIMD (generic SIMD comparisons are not vectorised).
            let gf = UnsafeRawPointer(g), yf = UnsafeRawPointer(y), of = UnsafeMutableRawPointer(o)
            let zero = SIMD16<Float>(repeating: 0)
            while i &+ 16 <= n {
                let gv = gf.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                let yv = yf.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                of.storeBytes(of: zero.replacing(with: gv, where: yv .> zero), toByteOffset: i &* 4, as: SIMD16<Float>.self)
                i &+= 16
            }
        }
        while i < n { o[i] = y[i] > 0 ? g[i] : 0; i &+= 1 }
    }
}
