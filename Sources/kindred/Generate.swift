import ArgumentParser
import Foundation
import KindredData
import KindredPipeline

/// `kindred generate`: pictures from a trained generative run.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Use a trained generative run: reconstruct, interpolate, latent arithmetic, sample, denoise (autoencoders/VAE); sample (DCGAN), super-resolve, translate (GANs).",
        discussion: """
        Every subcommand reads a run directory (--run) and writes one PNG grid (--output, written \
        atomically). Images are Fashion-MNIST test indices of the run's evaluation split (--indices) or \
        image files of the model's size (--resize scales others).

        Examples:
          kindred generate reconstruct --run runs/fashion-mnist-autoencoder --indices 0,1,2,3,4,5,6,7
          kindred generate interpolate --run runs/fashion-mnist-vae --from-index 0 --to-index 1 --steps 10
          kindred generate arithmetic --run runs/fashion-mnist-vae --group-class 7 --minus-class 5 --apply-class 5
          kindred generate sample --run runs/fashion-mnist-vae --count 64
          kindred generate denoise --run runs/fashion-mnist-denoising --indices 0,1,2,3,4,5,6,7
          kindred generate sample --run runs/fashion-mnist-dcgan --count 64
          kindred generate super-resolve --run runs/fashion-mnist-super-resolution --indices 0-9
          kindred generate super-resolve --run runs/fashion-mnist-super-resolution small.png
          kindred generate translate --run runs/fashion-mnist-cyclegan --direction a-to-b --count 10
        """,
        subcommands: [GenerateReconstruct.self, GenerateInterpolate.self, GenerateArithmetic.self,
                      GenerateSample.self, GenerateDenoise.self, GenerateSuperResolve.self, GenerateTranslate.self]
    )
}

/// Options every `kindred generate` subcommand takes.
struct GenerateOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: "The trained run directory.") var runDirectory: String
    @Option(help: "Which checkpoint: best or last.") var checkpoint = "best"

    func validate() throws {
        guard ["best", "last"].contains(checkpoint) else { throw ValidationError("--checkpoint must be best or last") }
    }

    /// The run's model.
    func open() throws -> TrainedAutoencoder {
        let files = RunFiles(directory: URL(fileURLWithPath: runDirectory))
        return try TrainedAutoencoder(run: files, checkpoint: checkpoint == "best" ? files.bestCheckpoint : files.lastCheckpoint)
    }

    /// `--output`, or `RUN/generated/<name>.png`.
    func outputURL(_ output: String?, default name: String) -> URL {
        if let output { return URL(fileURLWithPath: output) }
        return URL(fileURLWithPath: runDirectory).appendingPathComponent("generated").appendingPathComponent(name + ".png")
    }

    /// Writes the grid and prints what it shows.
    func write(_ grid: GeneratedGrid, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try grid.image.write(to: url)
        print("wrote \(url.path) (\(grid.image.width)×\(grid.image.height)); rows:")
        for (i, r) in grid.rows.enumerated() { print("  \(i + 1). \(r)") }
        for m in grid.measurements { print(String(format: "  %@ %.4f", m.name, m.value)) }
    }
}

/// Parses `0,1,2` or `0-7` (ranges inclusive) into indices.
func parseIndices(_ text: String) throws -> [Int] {
    var out: [Int] = []
    for part in text.split(separator: ",") {
        let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if bounds.count == 1, let v = bounds[0] { out.append(v) }
        else if bounds.count == 2, let a = bounds[0], let b = bounds[1], a <= b { out += Array(a...b) }
        else { throw ValidationError("'\(part)' is not an index or a range such as 0-7") }
    }
    return out
}
