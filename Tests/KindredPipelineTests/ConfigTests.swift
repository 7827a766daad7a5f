import XCTest
import KindredRetrieval
@testable import KindredPipeline

final class ConfigTests: XCTestCase {
    func error(_ yaml: String, overrides: [String] = []) -> ConfigError? {
        do { _ = try RunConfig(yaml: yaml, overrides: overrides); return nil } catch let e as ConfigError { return e } catch {
            XCTFail("unexpected error \(error)"); return nil
        }
    }

    func testEmptyConfigIsTheReferenceSetup() throws {
        let c = try RunConfig(yaml: "")
        XCTAssertEqual(c, RunConfig())
        XCTAssertEqual(c.model.kind, .referenceCNN)
        XCTAssertEqual(c.sampler.imagesPerBatch, 160)
    }

    func testExampleRecipesParse() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(names.count, 3)
        for name in names {
            let url = examples.appendingPathComponent(name)
            // Configs with a top-level `task:` are generative runs (autoencoders, VAEs, GANs).
            if try GenerativeRunConfig.task(ofConfigAt: url) != nil {
                XCTAssertEqual(try GenerativeRunConfig(contentsOf: url).name + ".yaml", name)
            } else {
                XCTAssertEqual(try RunConfig(contentsOf: url).name + ".yaml", name)
            }
        }
        let triplet = try RunConfig(contentsOf: examples.appendingPathComponent("fashion-mnist-triplet.yaml"))
        XCTAssertEqual(triplet.miner?.tripletType, "semihard")
        XCTAssertEqual(triplet.losses[0].value("margin"), 0.2)
        let arcface = try RunConfig(contentsOf: examples.appendingPathComponent("fashion-mnist-arcface.yaml"))
        XCTAssertEqual(arcface.losses[0].kind, .arcface)
        XCTAssertEqual(arcface.losses[0].value("scale"), 64)
        XCTAssertEqual(arcface.sampler.kind, .shuffle)
    }

    /// A generative config where a metric-learning one is expected (`kindred eval --run` on a VAE
    /// run) names the task and the commands that do take it.
    func testGenerativeConfigIsNamedAsSuch() {
        let e = error("task: vae\nepochs: 2\n")
        XCTAssertEqual(e?.path, "task")
        XCTAssertEqual(e?.line, 1)
        XCTAssertTrue(e?.message.contains("generative run (task: vae)") ?? false, e?.message ?? "")
        XCTAssertTrue(e?.message.contains("kindred generate") ?? false, e?.message ?? "")
    }

    func testUnknownKeyNamesThePathAndSuggests() {
        let e = error("model:\n  embeding_size: 32\n")
        XCTAssertEqual(e?.path, "model.embeding_size")
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("did you mean 'embedding_size'") ?? false, e?.message ?? "")
        XCTAssertTrue(e?.message.contains("allowed here: embedding_size, kind, normalize") ?? false, e?.message ?? "")
    }

    func testParametersOfAnotherLossAreRejected() {
        let e = error("loss:\n  kind: triplet_margin\n  scale: 64\n")
        XCTAssertEqual(e?.path, "loss.scale")
        XCTAssertTrue(e?.message.contains("margin") ?? false)
    }

    func testWrongTypesAndValues() {
        XCTAssertEqual(error("epochs: five\n")?.path, "epochs")
        XCTAssertTrue(error("epochs: five\n")?.message.contains("expected an integer") ?? false)
        XCTAssertEqual(error("epochs: 0\n")?.message, "must be at least 1, found 0")
        let kind = error("model:\n  kind: resnet9000\n")
        XCTAssertEqual(kind?.path, "model.kind")
        XCTAssertTrue(kind?.message.contains("allowed: reference_cnn, mlp") ?? false, kind?.message ?? "")
        XCTAssertEqual(error("model: 3\n")?.path, "model")
        XCTAssertEqual(error("optimizer:\n  lr: -1\n")?.path, "optimizer.lr")
        XCTAssertEqual(error("data:\n  train_classes: [0, x]\n")?.path, "data.train_classes[1]")
        let metric = error("eval:\n  metrics: [precision@1, recall@5]\n")
        XCTAssertEqual(metric?.path, "eval.metrics[1]")
        XCTAssertTrue(metric?.message.contains("recall@5") ?? false, metric?.message ?? "")
        XCTAssertEqual(error("eval:\n  metrics: [precision@1]\n  best_by: map@r\n")?.path, "eval.best_by")
        XCTAssertEqual(error("miner:\n  kind: triplet_margin\n  type: medium\n")?.path, "miner.type")
        XCTAssertEqual(error("data:\n  dataset: csv\n")?.path, "data.path")
        XCTAssertEqual(error("data:\n  transforms: {horizontal_flip: 2}\n")?.path, "data.transforms.horizontal_flip")
        XCTAssertEqual(error("data:\n  transforms: {rotate: 10}\n")?.path, "data.transforms.rotate")
        XCTAssertNotNil(error("model: [unclosed\n"))
    }

    func testEvalIndexPicksTheSearchBackend() throws {
        XCTAssertEqual(try RunConfig(yaml: "").evaluation.index, .exact)
        let c = try RunConfig(yaml: "eval:\n  index: faiss_ivf:lists=64,probes=4\n")
        XCTAssertEqual(c.evaluation.index, .faissIVF(lists: 64, probes: 4))
        let e = error("eval:\n  index: faiss_lsh\n")
        XCTAssertEqual(e?.path, "eval.index")
        XCTAssertTrue(e?.message.contains("unknown index 'faiss_lsh'") ?? false, e?.message ?? "")
    }

    func testOverrides() throws {
        let c = try RunConfig(yaml: "epochs: 5\nloss:\n  kind: triplet_margin\n  margin: 0.2\n",
                              overrides: ["epochs=2", "loss.margin=0.1", "data.train_classes=[0,1,2]", "optimizer.kind=sgd"])
        XCTAssertEqual(c.epochs, 2)
        XCTAssertEqual(c.losses[0].value("margin"), 0.1)
        XCTAssertEqual(c.data.trainClasses, [0, 1, 2])
        XCTAssertEqual(c.optimizer.kind, .sgd)
        XCTAssertEqual(error("", overrides: ["epochs"])?.path, "epochs")
        XCTAssertEqual(error("", overrides: ["model.embeding_size=3"])?.path, "model.embeding_size")
        XCTAssertEqual(error("epochs: 3\n", overrides: ["epochs.x=3"])?.path, "epochs")
    }

    func testWeightedLossList() throws {
        let c = try RunConfig(yaml: """
        sampler: {kind: pk, classes_per_batch: 4, samples_per_class: 4}
        loss:
          - {kind: arcface, margin: 28.6, scale: 64}
          - {kind: triplet_margin, margin: 0.2, weight: 0.1, miner: {kind: batch_hard}}
        """)
        XCTAssertEqual(c.losses.map(\.kind), [.arcface, .tripletMargin])
        XCTAssertEqual(c.losses[1].weight, 0.1)
        XCTAssertEqual(c.losses[1].miner?.kind, .batchHard)
        XCTAssertEqual(error("loss:\n  - {kind: arcface}\n  - {kind: contrastive}\nminer: {kind: batch_hard}\n")?.path, "miner")
    }

    func testResolvedYAMLReadsBackToTheSameConfig() throws {
        for yaml in ["", "loss:\n  - {kind: arcface}\n  - {kind: triplet_margin, weight: 0.1, miner: {kind: curriculum, hard_from_epoch: 2}}\nschedule: {kind: cosine, warmup_steps: 10, min_lr: 0.00001}\n",
                     "model: {kind: mlp, hidden_sizes: [64, 32]}\nsampler: {kind: shuffle, batch_size: 64}\nmemory_bank: {size: 512}\n"] {
            let c = try RunConfig(yaml: yaml)
            let again = try RunConfig(yaml: c.resolvedYAML)
            XCTAssertEqual(c, again, c.resolvedYAML)
        }
    }
}
