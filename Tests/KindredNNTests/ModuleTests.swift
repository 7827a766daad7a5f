import XCTest
import KindredNN

final class ModuleTests: XCTestCase {
    func testReferenceCNNKeysMatchPyTorch() {
        let net = EmbeddingCNN()
        let keys = net.stateDict().map(\.0)
        XCTAssertEqual(Array(keys.prefix(7)), ["c1.weight", "c1.bias", "b1.weight", "b1.bias", "b1.running_mean", "b1.running_var", "b1.num_batches_tracked"])
        XCTAssertEqual(Array(keys.suffix(2)), ["fc.weight", "fc.bias"])
        // Conv 1→32 (288+32), BN 32 (64), Conv 32→64 (18432+64), BN (128), Conv 64→128 (73728+128), BN (256), Linear (8192+64)
        XCTAssertEqual(net.parameterCount, 320 + 64 + 18496 + 128 + 73856 + 256 + 8256)
        XCTAssertEqual(net.namedBuffers().count, 9)
    }

    func testResNet18MatchesTorchvisionLayout() {
        let net = ResNet18()
        // torchvision resnet18: 11,689,512 parameters.
        XCTAssertEqual(net.parameterCount, 11_689_512)
        let keys = Set(net.stateDict().map(\.0))
        for k in ["conv1.weight", "bn1.running_var", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                  "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias", "fc.weight", "fc.bias"] {
            XCTAssertTrue(keys.contains(k), "missing \(k)")
        }
        XCTAssertFalse(keys.contains("layer1.0.downsample.0.weight"))
    }

    func testSequentialNamesChildrenByIndex() {
        let seq = Sequential(Linear(4, 3), ReLU(), Linear(3, 2, bias: false))
        XCTAssertEqual(seq.namedParameters().map(\.0), ["0.weight", "0.bias", "2.weight"])
    }

    func testTrainEvalFreeze() {
        let net = EmbeddingCNN()
        net.eval()
        XCTAssertTrue(net.modules().allSatisfy { !$0.training })
        net.train()
        XCTAssertTrue(net.modules().allSatisfy { $0.training })
        net.c1.freeze()
        XCTAssertEqual(net.trainableParameters().count, net.parameters().count - 2)
        net.unfreeze()
        XCTAssertEqual(net.trainableParameters().count, net.parameters().count)
    }

    func testBatchNormRunningStatisticsLikePyTorch() {
        let bn = BatchNorm1d(2)
        let x = Tensor([1, 10, 2, 20, 3, 30, 6, 0], shape: [4, 2])
        let y = bn(x)
        // Column 0: mean 3, biased var 3.5, unbiased 14/3.
        XCTAssertEqual(bn.runningMean.scalars[0], 0.3, accuracy: 1e-6)
        let unbiased: Float = 14.0 / 3.0
        XCTAssertEqual(bn.runningVar.scalars[0], 0.9 + 0.1 * unbiased, accuracy: 1e-6)
        XCTAssertEqual(bn.numBatchesTracked.item(), 1)
        XCTAssertEqual(y.scalars[0], Float((1 - 3) / (3.5 + 1e-5).squareRoot()), accuracy: 1e-5)
        bn.eval()
        let z = bn(x)
        let runningVar: Double = 0.9 + 0.1 * 14.0 / 3.0
        let expected: Double = 0.7 / (runningVar + 1e-5).squareRoot()
        XCTAssertEqual(Double(z.scalars[0]), expected, accuracy: 1e-5)
    }

    func testDefaultInitialisationBounds() {
        GlobalRandom.seed(3)
        let fc = Linear(100, 50)
        let bound = Float(1 / 10.0)
        XCTAssertLessThanOrEqual(fc.weight.scalars.map(abs).max() ?? 1, bound)
        XCTAssertGreaterThan(fc.weight.scalars.map(abs).max() ?? 0, bound * 0.9)
        XCTAssertLessThanOrEqual(fc.bias?.scalars.map(abs).max() ?? 1, bound)
    }

    func testSequentialFusesBatchNormThenReLU() {
        // Sequential runs BatchNorm2d → ReLU as one fused step: the same outputs, gradients and
        // running statistics as the two layers applied one after the other, in training and eval.
        let fusedNorm = BatchNorm2d(4), plainNorm = BatchNorm2d(4)
        let net = Sequential(fusedNorm, ReLU())
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.normal([5, 4, 3, 3], generator: &rng)
        for training in [true, false] {
            net.train(training)
            plainNorm.train(training)
            let a = x.detached().requiringGradient(), b = x.detached().requiringGradient()
            let ya = net(a), yb = plainNorm(b).relu()
            XCTAssertEqual(ya.scalars, yb.scalars)
            if training {
                ya.sum().backward()
                yb.sum().backward()
                XCTAssertEqual(a.grad?.scalars, b.grad?.scalars)
                XCTAssertEqual(fusedNorm.weight?.grad?.scalars, plainNorm.weight?.grad?.scalars)
                XCTAssertEqual(fusedNorm.runningMean.scalars, plainNorm.runningMean.scalars)
                XCTAssertEqual(fusedNorm.runningVar.scalars, plainNorm.runningVar.scalars)
            }
        }
    }
}
