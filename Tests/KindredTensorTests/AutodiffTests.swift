import Foundation
import KindredTensor
import XCTest

/// Semantics of the tape: accumulation, recording rules, detaching, custom ops, explicit seeds,
/// memory release, and the gradient checker itself.
final class AutodiffTests: XCTestCase {
    func testTensorUsedTwiceAccumulates() {
        let x = Tensor(doubles: [1, -2, 3]).requiringGradient()
        (x * x).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [2, -4, 6])
        x.zeroGrad()
        (x + x + x).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [3, 3, 3])
        // Diamond: y feeds two branches that meet again.
        x.zeroGrad()
        let y = x * 2
        (y * y + y.sin()).sum().backward()
        assertClose(x.grad, [1, -2, 3].map { 8 * $0 + 2 * Foundation.cos(2 * $0) }, tol: 1e-15)
    }

    func testGradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor(doubles: [1, 2]).requiringGradient()
        (x * 3).sum().backward()
        (x * x).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [3 + 2, 3 + 4])
        x.zeroGrad()
        XCTAssertNil(x.grad)
        // The same graph can be differentiated twice.
        let loss = (x.exp() * 2).sum()
        loss.backward()
        loss.backward()
        assertClose(x.grad, [4 * Foundation.exp(1), 4 * Foundation.exp(2)], tol: 1e-15)
    }

    func testNoGraphWhenNotNeeded() {
        let a = Tensor(doubles: [1, 2, 3]), b = Tensor(doubles: [4, 5, 6])
        XCTAssertFalse((a * b).exp().sum().tracksGradient, "no input requires a gradient")
        let x = a.requiringGradient()
        XCTAssertTrue(x.tracksGradient)
        XCTAssertTrue((x * b).tracksGradient)
        XCTAssertTrue(isRecordingGradients)
        let inside = withoutGradients { () -> Tensor in
            XCTAssertFalse(isRecordingGradients)
            // Nested scopes restore the outer (off) state.
            withoutGradients { XCTAssertFalse(isRecordingGradients) }
            XCTAssertFalse(isRecordingGradients)
            return (x * b + x.softmax()).reshaped([1, 3]).matmul(x.reshaped([3, 1])).relu()
        }
        XCTAssertTrue(isRecordingGradients, "recording resumes after the scope")
        XCTAssertFalse(inside.tracksGradient)
        XCTAssertEqual(inside.shape, [1, 1], "values are still computed")
        // Ops of every family record nothing inside the scope.
        withoutGradients {
            let img = Tensor.ones([1, 1, 4, 4], dtype: .float64).requiringGradient()
            let w = Tensor.ones([1, 1, 3, 3], dtype: .float64).requiringGradient()
            let results: [Tensor] = [
                img.conv2d(weight: w), img.maxPool2d(kernel: (2, 2)), img.avgPool2d(kernel: (2, 2)), img.adaptiveAvgPool2d(),
                img.batchNormTraining(weight: nil, bias: nil).output, img.transposed(2, 3), img.sliced(axis: 2, range: 0..<2),
                img.reshaped([16]).indexSelect(axis: 0, indices: [1, 1]), img.sum(), img.max(), img.cast(to: .float32),
                Tensor.concat([img, img]), img.padded([(1, 1)]), crossEntropy(logits: img.reshaped([4, 4]), targets: [0, 1, 2, 3]),
            ]
            for (i, r) in results.enumerated() { XCTAssertFalse(r.tracksGradient, "result \(i)") }
        }
        // Recording resumes on this thread even if the body throws.
        struct Boom: Error {}
        XCTAssertThrowsError(try withoutGradients { () throws -> Int in throw Boom() })
        XCTAssertTrue(isRecordingGradients)
    }

    func testRecordingIsPerThread() {
        let x = Tensor(doubles: [1, 2]).requiringGradient()
        final class Flag: @unchecked Sendable { var value = false }
        withoutGradients {
            let tracked = Flag()
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                tracked.value = (x * 2).tracksGradient
                done.signal()
            }
            done.wait()
            XCTAssertTrue(tracked.value, "another thread keeps recording")
        }
    }

    func testDetachedStopsGradients() {
        let x = Tensor(doubles: [1, 2, 3]).requiringGradient()
        let d = x.detached()
        XCTAssertFalse(d.tracksGradient)
        XCTAssertTrue(d.storage === x.storage, "detached shares values")
        (x.detached() * x).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [1, 2, 3], "only the attached factor contributes")
        // A detached intermediate cuts the graph above it.
        x.zeroGrad()
        let y = (x * 2).detached().requiringGradient()
        (y * x).sum().backward()
        XCTAssertEqual(x.grad?.doubles, [2, 4, 6])
        XCTAssertEqual(y.grad?.doubles, [1, 2, 3])
    }

    func testOnlyLeavesGetGradients() {
        let x = Tensor(doubles: [1, 2]).requiringGradient()
        let constant = Tensor(doubles: [5, 7])
        let mid = x * constant
        (mid * mid).sum().backward()
        XCTAssertNil(mid.grad, "intermediates keep no gradient")
        XCTAssertNil(constant.grad)
        XCTAssertEqual(x.grad?.doubles, [50, 196])
        XCTAssertEqual(x.grad?.shape, x.shape)
        XCTAssertTrue(x.grad?.isContiguous ?? false)
        XCTAssertFalse(x.grad?.tracksGradient ?? true, "gradients are plain values")
    }

    func testBackwardWithExplicitGradient() {
        let x = Tensor(doubles: [1, 2, 3, 4], shape: [2, 2]).requiringGradient()
        let y = x.squared()
        y.backward(Tensor(doubles: [1, 0, 0.5, 2], shape: [2, 2]))
        XCTAssertEqual(x.grad?.doubles, [2, 0, 3, 16])
        // A leaf differentiated directly gets the seed itself.
        let z = Tensor(doubles: [1, 2]).requiringGradient()
        z.backward(Tensor(doubles: [3, 4]))
        XCTAssertEqual(z.grad?.doubles, [3, 4])
    }

    func testLeafGradientsDoNotAliasEachOtherOrTheSeed() {
        // Gradients are tensors the caller may modify in place (fill, assign): no two leaves may
        // share a gradient buffer, and none may share the caller's seed.
        let a = Tensor(doubles: [1, 2]).requiringGradient(), b = Tensor(doubles: [3, 4]).requiringGradient()
        let seed = Tensor(doubles: [1, 1])
        (a + b).backward(seed)
        guard let ga = a.grad, let gb = b.grad else { return XCTFail("missing gradients") }
        XCTAssertFalse(ga.storage === gb.storage)
        XCTAssertFalse(ga.storage === seed.storage)
        ga.fill(0)
        XCTAssertEqual(gb.doubles, [1, 1])
        XCTAssertEqual(seed.doubles, [1, 1])
        // The same through a reshape and a sum.
        let c = Tensor(doubles: [1, 2, 3, 4], shape: [2, 2]).requiringGradient(), d = Tensor(doubles: [1, 2, 3, 4]).requiringGradient()
        (c.reshaped([4]) - d).sum().backward()
        guard let gc = c.grad, let gd = d.grad else { return XCTFail("missing gradients") }
        XCTAssertFalse(gc.storage === gd.storage)
        gc.fill(5)
        XCTAssertEqual(gd.doubles, [-1, -1, -1, -1])
    }

    func testCustomOp() {
        // f(a, b) = a·b² with a hand-written backward; b gets no gradient when it is constant.
        func f(_ a: Tensor, _ b: Tensor) -> Tensor {
            let value = withoutGradients { a * b * b }
            return Tensor.custom(name: "ab2", inputs: [a, b], value: value) { g in [g * b * b, g * 2 * a * b] }
        }
        let a = Tensor(doubles: [1, 2]).requiringGradient(), b = Tensor(doubles: [3, -1]).requiringGradient()
        let y = f(a, b)
        XCTAssertTrue(y.tracksGradient)
        XCTAssertEqual(y.doubles, [9, 2])
        (y * 2).sum().backward()
        XCTAssertEqual(a.grad?.doubles, [18, 2])
        XCTAssertEqual(b.grad?.doubles, [12, -8])
        assertGradients([randomTensor([3], seed: 210), randomTensor([3], seed: 211)]) { f($0[0], $0[1]) }
        XCTAssertFalse(f(Tensor(doubles: [1]), Tensor(doubles: [2])).tracksGradient)
        // A nil gradient entry means "no gradient for this input".
        let c = Tensor(doubles: [1, 2]).requiringGradient()
        Tensor.custom(name: "half", inputs: [c, a], value: withoutGradients { c * 0.5 }) { g in [g * 0.5, nil] }.sum().backward()
        XCTAssertEqual(c.grad?.doubles, [0.5, 0.5])
    }

    func testGradientCheckerCatchesWrongGradients() {
        // The checker itself: a custom op whose backward is off by a factor 2 must fail it.
        let x = randomTensor([4], seed: 212)
        let wrong = gradientCheck(inputs: [x]) { t in
            Tensor.custom(name: "wrong", inputs: [t[0]], value: withoutGradients { t[0].squared() }) { g in [g * t[0] * 4] }
        }
        XCTAssertGreaterThan(wrong.maxError, 0.1)
        let right = gradientCheck(inputs: [x]) { t in
            Tensor.custom(name: "right", inputs: [t[0]], value: withoutGradients { t[0].squared() }) { g in [g * t[0] * 2] }
        }
        XCTAssertLessThan(right.maxError, 1e-8)
        // Inputs are copied: the caller's tensors are untouched.
        XCTAssertEqual(x.doubles, randomTensor([4], seed: 212).doubles)
        XCTAssertNil(x.grad)
    }

    func testLongChainAndGraphRelease() {
        // A long chain backpropagates without recursion limits, and the graph is freed with the loss.
        let baseline = Storage.liveBytes
        do {
            let x = Tensor(doubles: [0.5, -0.25]).requiringGradient()
            var y = x
            for _ in 0..<5000 { y = y * 1.0001 + 0.0 }
            y.sum().backward()
            assertClose(x.grad, [Foundation.pow(1.0001, 5000), Foundation.pow(1.0001, 5000)], tol: 1e-9)
        }
        XCTAssertEqual(Storage.liveBytes, baseline, "graph and gradients are released")
        // Releasing a very long recorded chain must not recurse once per op (that overflowed the
        // stack at about 60 000 ops).
        do {
            let x = Tensor(doubles: [1]).requiringGradient()
            var y = x
            for _ in 0..<200_000 { y = y + 1 }
            XCTAssertEqual(y.item(), 200_001)
        }
        XCTAssertEqual(Storage.liveBytes, baseline)
        // A training-like step leaks nothing once its tensors go out of scope.
        let before = Storage.liveBytes
        do {
            let w = randomTensor([16, 8], seed: 213, dtype: .float32).requiringGradient()
            let inputs = randomTensor([32, 16], seed: 214, dtype: .float32)
            let logits = inputs.matmul(w).relu()
            crossEntropy(logits: logits, targets: (0..<32).map { $0 % 8 }).backward()
            XCTAssertNotNil(w.grad)
        }
        XCTAssertEqual(Storage.liveBytes, before)
    }

    func testGradientThroughDtypeAndViewsReachesLeafShape() {
        // Leaves that are views (a non-contiguous leaf) get gradients of their own shape.
        let base = Tensor(doubles: (0..<12).map(Double.init), shape: [3, 4])
        let leaf = base.transposed(0, 1).requiringGradient()
        XCTAssertFalse(leaf.isContiguous)
        (leaf * Tensor(doubles: (0..<12).map(Double.init), shape: [4, 3])).sum().backward()
        XCTAssertEqual(leaf.grad?.shape, [4, 3])
        XCTAssertEqual(leaf.grad?.doubles, (0..<12).map(Double.init))
        // float32 leaf through float64 computation.
        let f = Tensor([1, 2], shape: [2]).requiringGradient()
        (f.cast(to: .float64) * Tensor(doubles: [3, 4])).sum().backward()
        XCTAssertEqual(f.grad?.dtype, .float32)
        XCTAssertEqual(f.grad?.doubles, [3, 4])
    }
}
