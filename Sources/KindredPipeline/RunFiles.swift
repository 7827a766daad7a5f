import Foundation

/// The files of a run directory.
///
/// ```
/// RUN/config.yaml            resolved config (every default filled in)
/// RUN/steps.csv              one row per optimiser step: epoch, step, loss, tuples, lr, images/s
/// RUN/epochs.jsonl           one JSON object per epoch: mean loss, time, metrics with intervals
/// RUN/metrics.json           the final evaluation (and the best epoch's)
/// RUN/checkpoints/last.safetensors, best.safetensors
/// RUN/embeddings.safetensors embeddings of the evaluation split by the final model, with labels
/// RUN/report.html            the visual report
/// ```
public struct RunFiles: Sendable {
    /// The run directory.
    public let directory: URL

    /// The files of `directory`.
    public init(directory: URL) { self.directory = directory }

    /// The resolved config.
    public var config: URL { directory.appendingPathComponent("config.yaml") }
    /// Per-step log.
    public var steps: URL { directory.appendingPathComponent("steps.csv") }
    /// Per-epoch log.
    public var epochs: URL { directory.appendingPathComponent("epochs.jsonl") }
    /// Final metrics.
    public var metrics: URL { directory.appendingPathComponent("metrics.json") }
    /// Checkpoint folder.
    public var checkpoints: URL { directory.appendingPathComponent("checkpoints") }
    /// The latest checkpoint.
    public var lastCheckpoint: URL { checkpoints.appendingPathComponent("last.safetensors") }
    /// The best checkpoint by the selection metric.
    public var bestCheckpoint: URL { checkpoints.appendingPathComponent("best.safetensors") }
    /// Evaluation-split embeddings of the final model.
    public var embeddings: URL { directory.appendingPathComponent("embeddings.safetensors") }
    /// The HTML report.
    public var report: URL { directory.appendingPathComponent("report.html") }

    /// Writes `text` atomically.
    static func writeAtomically(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
    }

    /// Appends lines to a log file (created if needed).
    static func append(_ text: String, to url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            try Data().write(to: url)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Keeps only the lines of a log for which `keep` holds (used on resume to drop the steps of
    /// an interrupted epoch); header lines are kept.
    static func filterLines(of url: URL, keep: (String) -> Bool) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        try writeAtomically(lines.filter(keep).map { $0 + "\n" }.joined(), to: url)
    }
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`; nil elsewhere).
func peakResidentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.split(separator: " ").compactMap { Int($0) }
        return digits.first.map { $0 * 1024 }
    }
    return nil
}
