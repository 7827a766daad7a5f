import Foundation

/// A named number (a loss or a metric) as logged by generative runs.
public struct NamedValue: Codable, Sendable, Equatable {
    /// The name (`reconstruction`, `psnr`).
    public var name: String
    /// The value.
    public var value: Double

    /// A named value.
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}

/// One epoch of a generative run as logged in `epochs.jsonl`.
public struct GenerativeEpochRecord: Codable, Sendable, Equatable {
    /// Epoch number (1-based).
    public var epoch: Int
    /// Mean training losses of the epoch.
    public var losses: [NamedValue]
    /// Evaluation after the epoch (empty when not evaluated).
    public var metrics: [NamedValue]
    /// Training time of the epoch in seconds.
    public var seconds: Double
    /// The epoch's sample grid, relative to the run directory.
    public var samples: String?

    /// A record.
    public init(epoch: Int, losses: [NamedValue], metrics: [NamedValue], seconds: Double, samples: String?) {
        self.epoch = epoch
        self.losses = losses
        self.metrics = metrics
        self.seconds = seconds
        self.samples = samples
    }

    /// The record as one JSON line.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    /// Parses a JSON line (nil if it is not a record).
    public init?(jsonLine: String) {
        guard let r = try? JSONDecoder().decode(GenerativeEpochRecord.self, from: Data(jsonLine.utf8)) else { return nil }
        self = r
    }

    /// Every record of an `epochs.jsonl` file (empty if it is missing).
    public static func read(from url: URL) -> [GenerativeEpochRecord] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { GenerativeEpochRecord(jsonLine: String($0)) }
    }

    /// The value of metric `name`, if evaluated.
    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
}

/// The outcome of a generative run, written to `metrics.json`.
public struct GenerativeRunSummary: Codable, Sendable {
    /// Run name and task.
    public var name: String, task: String
    /// Epochs and optimiser steps completed.
    public var epochs: Int, steps: Int
    /// The last evaluation.
    public var finalMetrics: [NamedValue]
    /// The selection metric, the best epoch by it and its value.
    public var bestBy: String, bestEpoch: Int?, bestValue: Double?
    /// Mean training seconds per epoch in this invocation.
    public var secondsPerEpoch: Double?
    /// Wall time of this invocation in seconds.
    public var secondsThisInvocation: Double
    /// Peak resident memory of the process in bytes (where the system reports it).
    public var peakMemoryBytes: Int?

    /// Pretty-printed JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}

extension RunFiles {
    /// Folder of a generative run's per-epoch sample grids.
    public var samples: URL { directory.appendingPathComponent("samples") }

    /// The sample grid of `epoch` (`samples/epoch-003.png`).
    public func sampleGrid(epoch: Int) -> URL { samples.appendingPathComponent(String(format: "epoch-%03d.png", epoch)) }
}
