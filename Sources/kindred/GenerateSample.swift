import ArgumentParser
import Foundation
import KindredPipeline

/// `kindred generate sample`: random images from a VAE's prior.
struct GenerateSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Random samples: latents drawn from the VAE's prior N(0, I), decoded into a grid (or a DCGAN's G(z), z ~ N(0, I)).")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Number of samples.") var count = 64
    @Option(help: "Samples per row.") var columns = 8
    @Option(help: "Seed of the latent draws.") var seed: UInt64 = 0
    @Option(help: "The PNG to write (default: RUN/generated/sample.png).") var output: String?

    func validate() throws {
        guard count >= 1, columns >= 1 else { throw ValidationError("--count and --columns must be at least 1") }
    }

    func run() throws {
        let config = RunFiles(directory: URL(fileURLWithPath: options.runDirectory)).config
        if FileManager.default.fileExists(atPath: config.path), try GenerativeRunConfig.task(ofConfigAt: config) == .dcgan {
            let gan = try options.openGAN()
            try options.write(try gan.sampleGrid(count: count, columns: columns, seed: seed), to: options.outputURL(output, default: "sample"))
            return
        }
        let trained = try options.open()
        try options.write(try trained.priorSampleGrid(count: count, columns: columns, seed: seed), to: options.outputURL(output, default: "sample"))
    }
}
