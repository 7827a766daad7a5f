import ArgumentParser
import Foundation
import KindredPipeline
import KindredTensor

/// `kindred generate interpolate`: a latent-space line between two images.
struct GenerateInterpolate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Decode evenly spaced points on the latent-space line between two images (one row per pair).")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Start images: evaluation-split indices (0,1,2).") var fromIndex: String?
    @Option(help: "End images: evaluation-split indices, one per start image.") var toIndex: String?
    @Option(help: "Start image file.") var from: String?
    @Option(help: "End image file.") var to: String?
    @Option(help: "Images per row, ends included.") var steps = 10
    @Flag(help: "Scale image files of another size to the model's.") var resize = false
    @Option(help: "The PNG to write (default: RUN/generated/interpolate.png).") var output: String?

    func validate() throws {
        let byIndex = fromIndex != nil && toIndex != nil, byFile = from != nil && to != nil
        guard byIndex != byFile else { throw ValidationError("give --from-index and --to-index, or --from and --to image files") }
        guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
    }

    func run() throws {
        let trained = try options.open()
        let a, b: Tensor
        if let from, let to {
            a = try trained.images(files: [URL(fileURLWithPath: from)], resize: resize)
            b = try trained.images(files: [URL(fileURLWithPath: to)], resize: resize)
        } else {
            a = try trained.testImages(try parseIndices(fromIndex ?? ""))
            b = try trained.testImages(try parseIndices(toIndex ?? ""))
        }
        try options.write(try trained.interpolationGrid(from: a, to: b, steps: steps), to: options.outputURL(output, default: "interpolate"))
    }
}
