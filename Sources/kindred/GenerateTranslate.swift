import ArgumentParser
import Foundation
import KindredPipeline
import KindredTensor

/// `kindred generate translate`: CycleGAN translation between the run's two domains.
struct GenerateTranslate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate images with a trained cyclegan run (A → B or B → A); rows: inputs, translations.")

    enum Direction: String, ExpressibleByArgument, CaseIterable {
        case aToB = "a-to-b", bToA = "b-to-a"
    }

    @OptionGroup var options: GenerateOptions
    @Option(help: "a-to-b or b-to-a.") var direction: Direction = .aToB
    @Option(help: "Evaluation-split image indices (0,1,2 or 0-7).") var indices: String?
    @Option(help: "Instead of indices: the first N evaluation images of the source domain.") var count: Int?
    @Argument(help: "28×28 image files.") var files: [String] = []
    @Option(help: "The PNG to write (default: RUN/generated/translate.png).") var output: String?

    func validate() throws {
        if indices == nil && count == nil && files.isEmpty { throw ValidationError("give --indices, --count or 28×28 image files") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let trained = try options.openGAN()
        let aToB = direction == .aToB
        let images: Tensor
        if !files.isEmpty {
            images = try trained.images(files: files.map { URL(fileURLWithPath: $0) }, size: 28, purpose: "the CycleGAN of this run")
        } else if let indices {
            images = try trained.testImages(try parseIndices(indices))
        } else {
            let label = aToB ? trained.domains.a : trained.domains.b
            let test = try trained.test
            let found = Array(test.labels.indices.filter { test.labels[$0] == label }.prefix(count ?? 8))
            images = try trained.testImages(found)
        }
        try options.write(try trained.translateGrid(images, aToB: aToB), to: options.outputURL(output, default: "translate"))
    }
}
