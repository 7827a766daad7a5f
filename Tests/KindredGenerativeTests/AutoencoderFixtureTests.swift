import Foundation
import XCTest
import KindredNN
import KindredTensor
@testable import KindredGenerative

/// Reads `Fixtures/autoencoders.json` (made by `Fixtures/make_fixtures.py` with PyTorch).
enum AutoencoderFixtures {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("autoencoders.json")

    static func load() throws -> [String: Any] {
        guard let root = try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as? [String: Any] else {
            throw GenerativeModelError("fixture root is not an object")
        }
        return root
    }

    static func doubles(_ v: Any?) -> [Double] { (v as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }

    /// A PyTorch state dict from the fixture as tensors.
    static func state(_ v: Any?) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (key, entry) in v as? [String: Any] ?? [:] {
            guard let e = entry as? [String: Any] else { continue }
            let shape = (e["shape"] as? [Any] ?? []).map { ($0 as? NSNumber)?.intValue ?? 0 }
            out[key] = Tensor(doubles(e["values"]).map(Float.init), shape: shape)
        }
        return out
    }
}

/// The models and losses against PyTorch with the same weights.
final class AutoencoderFixtureTests: XCTestCase {
    func assertClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-4, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(what): count", file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tolerance * max(1, abs(y)) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)", file: file, line: line)
            return
        }
    }

    func testAutoencoderMatchesPyTorch() throws {
        let f = try AutoencoderFixtures.load()
        let sizes = f["sizes"] as? [String: Int] ?? [:]
        let arch = AutoencoderArchitecture(channels: sizes["channels"] ?? 0, imageSize: sizes["image_size"] ?? 0,
                                           latentSize: sizes["latent"] ?? 0, width: sizes["width"] ?? 0)
        let n = sizes["n"] ?? 0
        let x = Tensor(AutoencoderFixtures.doubles(f["x"]).map(Float.init), shape: [n, arch.channels, arch.imageSize, arch.imageSize])
        let ae = f["ae"] as? [String: Any] ?? [:]
        let model = ConvAutoencoder(arch)
        try model.loadStateDict(AutoencoderFixtures.state(ae["state"]))
        let logits = model(x)
        assertClose(model.encode(x).doubles, AutoencoderFixtures.doubles(ae["latent"]), "latent")
        assertClose(logits.doubles, AutoencoderFixtures.doubles(ae["logits"]), "logits")
        assertClose([ReconstructionLoss.mse.mean(logits: logits, target: x).item()], AutoencoderFixtures.doubles([ae["mse_mean"] as Any]), "mse")
        assertClose([ReconstructionLoss.bce.mean(logits: logits, target: x).item()], AutoencoderFixtures.doubles([ae["bce_mean"] as Any]), "bce")
        assertClose(ReconstructionLoss.bce.perImage(logits: logits, target: x).doubles, AutoencoderFixtures.doubles(ae["bce_per_image"]), "bce per image")
    }

    func testVAEMatchesPyTorch() throws {
        let f = try AutoencoderFixtures.load()
        let sizes = f["sizes"] as? [String: Int] ?? [:]
        let arch = AutoencoderArchitecture(channels: sizes["channels"] ?? 0, imageSize: sizes["image_size"] ?? 0,
                                           latentSize: sizes["latent"] ?? 0, width: sizes["width"] ?? 0)
        let n = sizes["n"] ?? 0
        let x = Tensor(AutoencoderFixtures.doubles(f["x"]).map(Float.init), shape: [n, arch.channels, arch.imageSize, arch.imageSize])
        let v = f["vae"] as? [String: Any] ?? [:]
        let model = VariationalAutoencoder(arch)
        try model.loadStateDict(AutoencoderFixtures.state(v["state"]))
        let (mu, logVar) = model.posterior(x)
        assertClose(mu.doubles, AutoencoderFixtures.doubles(v["mean"]), "mean")
        assertClose(logVar.doubles, AutoencoderFixtures.doubles(v["log_variance"]), "log-variance")
        let eps = Tensor(AutoencoderFixtures.doubles(v["epsilon"]).map(Float.init), shape: mu.shape)
        let z = mu + (logVar * 0.5).exp() * eps
        let logits = model.decodeLogits(z)
        assertClose(logits.doubles, AutoencoderFixtures.doubles(v["logits"]), "logits")
        assertClose(GaussianKL.perItem(mean: mu, logVariance: logVar).doubles, AutoencoderFixtures.doubles(v["kl_per_item"]), "KL")
        assertClose(ReconstructionLoss.bce.perImage(logits: logits, target: x).doubles, AutoencoderFixtures.doubles(v["bce_per_image"]), "BCE")
    }

    func testBCEWithSaturatedLogitsMatchesPyTorch() throws {
        let e = try AutoencoderFixtures.load()["bce_extreme"] as? [String: Any] ?? [:]
        let z = Tensor(doubles: AutoencoderFixtures.doubles(e["logits"]))
        let t = Tensor(doubles: AutoencoderFixtures.doubles(e["targets"]))
        let values = ReconstructionLoss.bce.elementwise(logits: z, target: t).doubles
        assertClose(values, AutoencoderFixtures.doubles(e["values"]), tolerance: 1e-12, "BCE")
        let leaf = z.requiringGradient()
        ReconstructionLoss.bce.elementwise(logits: leaf, target: t).sum().backward()
        XCTAssertTrue(leaf.grad?.doubles.allSatisfy(\.isFinite) ?? false)
    }
}
