import ArgumentParser
import Foundation
import KindredGenerative
import KindredPipeline

/// `kindred generate denoise`: a denoising autoencoder on noisy images.
struct GenerateDenoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "denoise",
        abstract: "Denoise noisy image files, or evaluation-split images corrupted with the run's corruption (then with PSNRs).")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Evaluation-split image indices (0,1,2 or 0-7), corrupted before denoising.") var indices: String?
    @Option(help: "With --indices: Gaussian noise σ instead of the run's corruption.") var sigma: Double?
    @Option(help: "Seed of the corruption.") var seed: UInt64 = 0
    @Argument(help: "Noisy image files of the model's size.") var files: [String] = []
    @Flag(help: "Scale image files of another size to the model's.") var resize = false
    @Option(help: "The PNG to write (default: RUN/generated/denoise.png).") var output: String?

    func validate() throws {
        if indices == nil && files.isEmpty { throw ValidationError("give --indices or noisy image files") }
        if let sigma, sigma <= 0 { throw ValidationError("--sigma must be positive") }
    }

    func run() throws {
        let trained = try options.open()
        let grid: GeneratedGrid
        if files.isEmpty {
            let corruption = sigma.map { Corruption(kind: .gaussian(sigma: $0)) }
            let (clean, noisy) = try trained.corruptedTestImages(try parseIndices(indices ?? ""), corruption: corruption, seed: seed)
            grid = try trained.denoiseGrid(noisy: noisy, clean: clean)
        } else {
            grid = try trained.denoiseGrid(noisy: try trained.images(files: files.map { URL(fileURLWithPath: $0) }, resize: resize), clean: nil)
        }
        if trained.task != .denoisingAutoencoder { print("note: this is a \(trained.task.rawValue) run, not trained to denoise") }
        try options.write(grid, to: options.outputURL(output, default: "denoise"))
    }
}
