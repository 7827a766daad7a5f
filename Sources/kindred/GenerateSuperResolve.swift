import ArgumentParser
import Foundation
import KindredGenerative
import KindredPipeline

/// `kindred generate super-resolve`: 2× super-resolution with a trained super_resolution run.
struct GenerateSuperResolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "super-resolve",
        abstract: "Super-resolve 14×14 image files (or evaluation images, downsampled first) to 28×28; rows: input, bicubic, output (, real).")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Evaluation-split image indices (0,1,2 or 0-7): downsampled to 14×14, super-resolved, compared with the originals.") var indices: String?
    @Argument(help: "14×14 image files.") var files: [String] = []
    @Option(help: "The PNG to write (default: RUN/generated/super-resolve.png).") var output: String?

    func validate() throws {
        if indices == nil && files.isEmpty { throw ValidationError("give --indices or 14×14 image files") }
    }

    func run() throws {
        let trained = try options.openGAN()
        let grid: GeneratedGrid
        if files.isEmpty {
            let real = try trained.testImages(try parseIndices(indices ?? ""))
            grid = try trained.superResolveGrid(low: try Resampling.areaDownsample(real, factor: 2), real: real)
        } else {
            let low = try trained.images(files: files.map { URL(fileURLWithPath: $0) }, size: 14,
                                         purpose: "the super-resolution model of this run")
            grid = try trained.superResolveGrid(low: low, real: nil)
        }
        try options.write(grid, to: options.outputURL(output, default: "super-resolve"))
    }
}

extension GenerateOptions {
    /// The run's GAN generator(s).
    func openGAN() throws -> TrainedGAN {
        let files = RunFiles(directory: URL(fileURLWithPath: runDirectory))
        return try TrainedGAN(run: files, checkpoint: checkpoint == "best" ? files.bestCheckpoint : files.lastCheckpoint)
    }
}
