import Foundation
import KindredNN
import XCTest

/// `block.conv1`: gives the PyTorch-style key `layer1.0.conv1.weight`.
private final class Block: Module {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    init(kernel: Int) {
        conv1 = Conv2d(3, 4, kernelSize: kernel, bias: false)
        bn1 = BatchNorm2d(4)
    }
}

private final class Net: Module {
    let layer1: [Module]
    let fc = Linear(4, 2)
    init(kernel: Int = 3) { layer1 = [Block(kernel: kernel)] }
}

final class StateLoadingTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try SafetensorsTestSupport.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func values(_ module: Module) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: module.stateDict().map { ($0.0, $0.1.scalars) })
    }

    func testStateDictKeysArePyTorchStyle() {
        XCTAssertEqual(Net().stateDict().map(\.0), [
            "layer1.0.conv1.weight",
            "layer1.0.bn1.weight", "layer1.0.bn1.bias",
            "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked",
            "fc.weight", "fc.bias",
        ])
    }

    func testLoadsPyTorchStyleFileWithInt64Buffer() throws {
        let model = Sequential(Linear(3, 2), BatchNorm1d(2))
        let report = try model.loadStateDict(from: SafetensorsTestSupport.fixture("tiny_model.safetensors"))
        XCTAssertTrue(report.isComplete, "\(report)")
        XCTAssertEqual(report.loadedKeys.count, 7)
        let v = values(model)
        XCTAssertEqual(v["0.weight"], [0.5, -1, 2, 0.25, 0, -0.75])
        XCTAssertEqual(v["0.bias"], [0.1, -0.2])
        XCTAssertEqual(v["1.weight"], [1.5, 0.5])
        XCTAssertEqual(v["1.bias"], [-1, 1])
        XCTAssertEqual(v["1.running_mean"], [0.3, -0.4])
        XCTAssertEqual(v["1.running_var"], [2, 0.5])
        XCTAssertEqual(v["1.num_batches_tracked"], [5])

        // The loaded weights drive the forward pass (eval mode uses the loaded running statistics).
        model.eval()
        let y = withoutGradients { model(Tensor([1, 2, 3], shape: [1, 3])) }.scalars
        let linear: [Float] = [0.5 - 2 + 6 + 0.1, 0.25 + 0 - 2.25 - 0.2]
        let expected = [
            (linear[0] - 0.3) / (2 + 1e-5).squareRoot() * 1.5 - 1,
            (linear[1] + 0.4) / (0.5 + 1e-5).squareRoot() * 0.5 + 1,
        ]
        XCTAssertEqual(y[0], expected[0], accuracy: 1e-5)
        XCTAssertEqual(y[1], expected[1], accuracy: 1e-5)
    }

    func testSaveThenLoadRestoresParametersAndBuffers() throws {
        let source = Net()
        // Make the buffers differ from a fresh model's.
        for (key, t) in source.namedBuffers() {
            t.assign(Tensor(doubles: (0..<t.count).map { Double($0) + 0.5 + Double(key.count) }, shape: t.shape, dtype: t.dtype))
        }
        let url = directory.appendingPathComponent("net.safetensors")
        try source.saveStateDict(to: url, metadata: ["arch": "Net"])
        XCTAssertEqual(try SafetensorsFile(contentsOf: url).metadata, ["arch": "Net"])

        let target = Net()
        XCTAssertNotEqual(values(target), values(source))
        let params = target.parameters()
        let report = try target.loadStateDict(from: url)
        XCTAssertEqual(report, LoadReport(loadedKeys: target.stateDict().map(\.0), missingKeys: [], unexpectedKeys: []))
        XCTAssertEqual(values(target), values(source))
        // In place: the same tensor objects, still trainable.
        XCTAssertTrue(zip(params, target.parameters()).allSatisfy { $0 === $1 })
        XCTAssertTrue(target.parameters().allSatisfy(\.requiresGrad))
    }

    func testNonStrictReportsMissingAndUnexpectedKeys() throws {
        let model = Sequential(Linear(3, 2), BatchNorm1d(2))
        let weight = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let report = try model.loadStateDict(["0.weight": weight, "0.bias": Tensor([7, 8], shape: [2]), "head.weight": Tensor([1], shape: [1])], strict: false)
        XCTAssertEqual(report.loadedKeys, ["0.weight", "0.bias"])
        XCTAssertEqual(report.missingKeys, ["1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"])
        XCTAssertEqual(report.unexpectedKeys, ["head.weight"])
        XCTAssertFalse(report.isComplete)
        XCTAssertEqual(values(model)["0.weight"], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(values(model)["0.bias"], [7, 8])
        XCTAssertTrue("\(report)".contains("unexpected 1: head.weight"), "\(report)")
    }

    func testStrictModeThrowsNamingKeysAndLeavesModelUnchanged() throws {
        let model = Sequential(Linear(3, 2))
        let before = values(model)
        XCTAssertThrowsError(try model.loadStateDict(["0.weight": Tensor.zeros([2, 3]), "0.extra": Tensor.zeros([1])])) { error in
            XCTAssertEqual(error as? StateDictError, .keyMismatch(source: nil, missing: ["0.bias"], unexpected: ["0.extra"]))
            XCTAssertEqual("\(error)", "strict load failed: missing keys (in the model, not the state dict): 0.bias; "
                + "unexpected keys (in the state dict, not the model): 0.extra")
        }
        XCTAssertEqual(values(model), before)
    }

    func testStrictLoadFromFileNamesTheFile() throws {
        let url = directory.appendingPathComponent("extra.safetensors")
        let model = Sequential(Linear(3, 2))
        try Safetensors.write(model.stateDict() + [("0.scale", Tensor([2], shape: [1]))], to: url)
        XCTAssertThrowsError(try model.loadStateDict(from: url)) { error in
            XCTAssertEqual(error as? StateDictError, .keyMismatch(source: url.path, missing: [], unexpected: ["0.scale"]))
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): strict load failed: unexpected keys (in the file, not the model): 0.scale"), "\(error)")
        }
        let report = try model.loadStateDict(from: url, strict: false)
        XCTAssertEqual(report.unexpectedKeys, ["0.scale"])
        XCTAssertEqual(report.loadedKeys, ["0.weight", "0.bias"])
    }

    func testShapeMismatchThrowsEvenWhenNotStrict() throws {
        let url = directory.appendingPathComponent("k3.safetensors")
        try Net(kernel: 3).saveStateDict(to: url)
        let model = Net(kernel: 7)
        let before = values(model)
        for strict in [true, false] {
            XCTAssertThrowsError(try model.loadStateDict(from: url, strict: strict)) { error in
                XCTAssertEqual(error as? StateDictError,
                               .shapeMismatch(source: url.path, key: "layer1.0.conv1.weight", sourceShape: [4, 3, 3, 3], moduleShape: [4, 3, 7, 7]))
                XCTAssertEqual("\(error)", "\(url.path): layer1.0.conv1.weight: file has [4, 3, 3, 3], model expects [4, 3, 7, 7]")
            }
        }
        // Nothing was copied, not even the tensors whose shapes match (fc, the BatchNorm).
        XCTAssertEqual(values(model), before)

        XCTAssertThrowsError(try Sequential(Linear(3, 2)).loadStateDict(["0.weight": Tensor.zeros([3, 2]), "0.bias": Tensor.zeros([2])])) { error in
            XCTAssertEqual("\(error)", "0.weight: state dict has [3, 2], model expects [2, 3]")
        }
    }

    func testLoadConvertsDTypes() throws {
        let url = directory.appendingPathComponent("f64.safetensors")
        try Safetensors.write([("0.weight", Tensor(doubles: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape: [2, 3])),
                               ("0.bias", Tensor(doubles: [1, 2], shape: [2]))], to: url)
        let model = Sequential(Linear(3, 2))
        try model.loadStateDict(from: url)
        XCTAssertEqual(model.parameters()[0].dtype, .float32)
        XCTAssertEqual(values(model)["0.weight"], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map { Float($0) })
        try model.loadStateDict(["0.weight": Tensor(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3]), "0.bias": Tensor([3, 4], shape: [2])])
        XCTAssertEqual(values(model)["0.weight"], [1, 2, 3, 4, 5, 6])
    }

    func testLoadingAnInvalidFileThrowsSafetensorsError() throws {
        let url = directory.appendingPathComponent("bad.safetensors")
        try Data([1, 2, 3]).write(to: url)
        XCTAssertThrowsError(try Sequential(Linear(3, 2)).loadStateDict(from: url)) { error in
            XCTAssertEqual(error as? SafetensorsError, .fileTooShort(file: url.path, size: 3))
        }
    }
}
