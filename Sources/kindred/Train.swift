import ArgumentParser
import Foundation
import KindredPipeline

/// `kindred train`: a run from a YAML config.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an embedding model, an autoencoder or a VAE from a YAML config (see Examples/), evaluating and checkpointing as it goes.",
        discussion: """
        The run directory (output_dir/name, or --output) receives config.yaml (resolved), steps.csv, \
        epochs.jsonl, metrics.json, checkpoints/last.safetensors and best.safetensors, \
        embeddings.safetensors (+ .npy) and report.html. A config with a top-level `task:` \
        (autoencoder, denoising_autoencoder, vae) trains a generative model instead and writes a sample \
        grid per epoch to samples/epoch-NNN.png.

        Examples:
          kindred train Examples/fashion-mnist-triplet.yaml
          kindred train Examples/fashion-mnist-arcface.yaml --set epochs=2 --set optimizer.lr=0.0005
          kindred train --resume runs/fashion-mnist-triplet            # continue after an interruption
          kindred train --resume runs/fashion-mnist-triplet --set epochs=10   # train longer
          kindred train Examples/fashion-mnist-vae.yaml                # a VAE (task: vae)
        """)

    @Argument(help: "The run config (YAML). Not needed with --resume.") var config: String?
    @Option(name: .customLong("set"), help: "Override a config value: key.path=value (repeatable), e.g. --set loss.margin=0.1.")
    var overrides: [String] = []
    @Option(help: "Continue the run in this directory from its last checkpoint.") var resume: String?
    @Option(help: "Run directory (default: output_dir/name from the config).") var output: String?

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give a config file, or --resume RUN_DIR") }
        if config != nil && resume != nil { throw ValidationError("give either a config file or --resume RUN_DIR, not both (use --set to change settings when resuming)") }
    }

    func run() throws {
        // A config with a top-level `task:` (autoencoder, vae, …) is a generative run.
        let configFile = resume.map { RunFiles(directory: URL(fileURLWithPath: $0)).config } ?? URL(fileURLWithPath: config ?? "")
        if FileManager.default.fileExists(atPath: configFile.path),
           try GenerativeRunConfig.task(ofConfigAt: configFile, overrides: overrides) != nil {
            try runGenerative()
            return
        }
        let run: TrainingRun
        if let resume {
            run = try TrainingRun.resuming(directory: URL(fileURLWithPath: resume), overrides: overrides)
        } else {
            let cfg = try RunConfig(contentsOf: URL(fileURLWithPath: config ?? ""), overrides: overrides)
            let dir = output ?? (cfg.outputDirectory as NSString).appendingPathComponent(cfg.name)
            run = try TrainingRun(config: cfg, directory: URL(fileURLWithPath: dir))
        }
        let summary = try run.run()
        print("")
        print("final metrics (\(summary.epochs) epochs; 95% bootstrap intervals):")
        for m in summary.finalMetrics { print("  " + m.line) }
        if let e = summary.bestEpoch, let v = summary.bestValue {
            print(String(format: "best %@ = %.4f at epoch %d (checkpoints/best.safetensors)", summary.bestBy, v, e))
        }
        if let bytes = summary.peakMemoryBytes {
            print(String(format: "wall time %.1f s, peak memory %.2f GiB", summary.secondsThisInvocation, Double(bytes) / 1_073_741_824))
        }
        let report = run.files.report
        if FileManager.default.fileExists(atPath: report.path) { print("report: \(report.path)") }
        print("run directory: \(run.files.directory.path)")
    }

    /// Trains (or resumes) a generative run.
    func runGenerative() throws {
        let run: GenerativeRun
        if let resume {
            run = try GenerativeRun.resuming(directory: URL(fileURLWithPath: resume), overrides: overrides)
        } else {
            let cfg = try GenerativeRunConfig(contentsOf: URL(fileURLWithPath: config ?? ""), overrides: overrides)
            let dir = output ?? (cfg.outputDirectory as NSString).appendingPathComponent(cfg.name)
            run = try GenerativeRun(config: cfg, directory: URL(fileURLWithPath: dir))
        }
        let summary = try run.run()
        print("")
        print("final metrics (\(summary.epochs) epochs, evaluation split):")
        for m in summary.finalMetrics { print("  " + m.name.padding(toLength: max(m.name.count + 2, 16), withPad: " ", startingAt: 0) + String(format: "%.4f", m.value)) }
        if let e = summary.bestEpoch, let v = summary.bestValue {
            print(String(format: "best %@ = %.4f at epoch %d (checkpoints/best.safetensors)", summary.bestBy, v, e))
        }
        if let s = summary.secondsPerEpoch { print(String(format: "%.1f s per epoch", s)) }
        if let bytes = summary.peakMemoryBytes {
            print(String(format: "wall time %.1f s, peak memory %.2f GiB", summary.secondsThisInvocation, Double(bytes) / 1_073_741_824))
        }
        print("samples: \(run.files.samples.path)/epoch-NNN.png")
        print("report: \(run.files.report.path)")
    }
}
