import Foundation
import XCTest
import KindredNN
import KindredTensor
@testable import KindredGenerative

/// The GAN models against the same networks in PyTorch (`Fixtures/gan_fixtures.json`, made by
/// `Fixtures/make_gan_fixtures.py`): PyTorch's state_dict loads by name, and the forward passes in
/// training mode and the discriminator's smoothed BCE loss agree.
final class GANFixtureTests: XCTestCase {
    private var fixture: [String: Any] = [:]

    override func setUpWithError() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gan_fixtures.json")
        fixture = try XCTUnwrap(try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as? [String: Any])
    }

    private func tensor(_ entry: Any?) throws -> Tensor {
        let e = try XCTUnwrap(entry as? [String: Any])
        return Tensor(doubles: try XCTUnwrap(e["values"] as? [Double]), shape: try XCTUnwrap(e["shape"] as? [Int]), dtype: .float32)
    }

    private func load(_ model: Module, _ key: String) throws {
        let entries = try XCTUnwrap(fixture[key] as? [String: Any])
        var tensors: [String: Tensor] = [:]
        for (name, value) in entries { tensors[name] = try tensor(value) }
        try model.loadStateDict(tensors)
    }

    private func assertClose(_ a: Tensor, _ b: Tensor, _ message: String) {
        XCTAssertEqual(a.shape, b.shape, message)
        for (x, y) in zip(a.doubles, b.doubles) { XCTAssertEqual(x, y, accuracy: 2e-5 * Swift.max(1, Swift.abs(y)), message) }
    }

    func testDCGANMatchesPyTorch() throws {
        let g = DCGANGenerator(latentSize: 8, features: 4), d = DCGANDiscriminator(features: 4)
        try load(g, "generator")
        try load(d, "discriminator")
        let z = try tensor(fixture["z"])
        let fake = withoutGradients { g(z) }
        assertClose(fake, try tensor(fixture["fake"]), "generator")
        let x = try tensor(fixture["x"])
        let (realLogits, fakeLogits) = withoutGradients { (d(x), d(fake)) }
        assertClose(realLogits, try tensor(fixture["real_logits"]), "real logits")
        assertClose(fakeLogits, try tensor(fixture["fake_logits"]), "fake logits")
        let loss = AdversarialLoss.binaryCrossEntropy(logits: realLogits, target: 0.9) + AdversarialLoss.binaryCrossEntropy(logits: fakeLogits, target: 0)
        XCTAssertEqual(loss.item(), try XCTUnwrap(fixture["loss_d_smoothed"] as? Double), accuracy: 1e-5)
    }

    func testUNetMatchesPyTorch() throws {
        let u = UNetGenerator(features: 4)
        try load(u, "unet")
        let x = try tensor(fixture["x"])
        assertClose(withoutGradients { u(x) }, try tensor(fixture["unet_out"]), "U-Net")
    }
}
