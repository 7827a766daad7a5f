import ArgumentParser
import Foundation
import KindredPipeline

/// `kindred generate reconstruct`: images and their reconstructions.
struct GenerateReconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Encode and decode images: a grid of the inputs above their reconstructions (and their PSNR).")

    @OptionGroup var options: GenerateOptions
    @Option(help: "Evaluation-split image indices (0,1,2 or 0-7).") var indices: String?
    @Argument(help: "Image files of the model's size.") var files: [String] = []
    @Flag(help: "Scale image files of another size to the model's.") var resize = false
    @Option(help: "The PNG to write (default: RUN/generated/reconstruct.png).") var output: String?

    func validate() throws {
        if indices == nil && files.isEmpty { throw ValidationError("give --indices or image files") }
    }

    func run() throws {
        let trained = try options.open()
        let images = try files.isEmpty ? trained.testImages(try parseIndices(indices ?? ""))
            : trained.images(files: files.map { URL(fileURLWithPath: $0) }, resize: resize)
        try options.write(try trained.reconstructionGrid(images), to: options.outputURL(output, default: "reconstruct"))
    }
}
