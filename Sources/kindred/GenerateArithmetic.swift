import ArgumentParser
import Foundation
import KindredPipeline

/// `kindred generate arithmetic`: attribute vectors in latent space.
struct GenerateArithmetic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arithmetic",
        abstract: "Latent arithmetic: add (mean latent of group A − mean latent of group B) to other images' latents; a before/after grid.",
        discussion: """
        Groups are classes of the run's evaluation split (the seminar's "smile vector" with labels instead \
        of smiles). Rows: the images, their reconstructions, then one row per --strength.

        Example (Fashion-MNIST: 7 sneaker, 5 sandal, 9 ankle boot):
          kindred generate arithmetic --run runs/fashion-mnist-vae --group-class 9 --minus-class 7 --apply-class 7
        """)

    @OptionGroup var options: GenerateOptions
    @Option(help: "Class of group A.") var groupClass: Int
    @Option(help: "Class of group B.") var minusClass: Int
    @Option(help: "Class of the images the vector is added to (default: group B's).") var applyClass: Int?
    @Option(help: "Evaluation-split indices of the images the vector is added to (instead of --apply-class).") var applyIndices: String?
    @Option(help: "Images per group used for the mean latents.") var groupSize = 500
    @Option(help: "Images the vector is added to.") var count = 8
    @Option(help: "Multiples of the vector to add, one row each (1 or 0.5,1,1.5).") var strength = "1"
    @Option(help: "The PNG to write (default: RUN/generated/arithmetic.png).") var output: String?

    func run() throws {
        let strengths = try strength.split(separator: ",").map { s -> Double in
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--strength: '\(s)' is not a number") }
            return v
        }
        let trained = try options.open()
        let group = try trained.testImages(try trained.testIndices(ofClass: groupClass, limit: groupSize))
        let minus = try trained.testImages(try trained.testIndices(ofClass: minusClass, limit: groupSize))
        let targetIndices: [Int]
        if let applyIndices {
            targetIndices = try parseIndices(applyIndices)
        } else {
            // Images of the class that are not among the ones averaged, when there are enough.
            let pool = try trained.testIndices(ofClass: applyClass ?? minusClass, limit: groupSize + count)
            targetIndices = Array(pool.count > groupSize + count - 1 ? pool.suffix(count) : pool.prefix(count))
        }
        let grid = try trained.arithmeticGrid(group: group, minus: minus, targets: try trained.testImages(targetIndices), strengths: strengths)
        print("vector: mean latent of class \(groupClass) (\(try trained.className(groupClass))) − class \(minusClass) (\(try trained.className(minusClass))), \(group.shape[0]) and \(minus.shape[0]) images")
        try options.write(grid, to: options.outputURL(output, default: "arithmetic"))
    }
}
