import Foundation

/// A progress display for long work: on a terminal, one line redrawn in place
/// (`epoch 2/5 [████████░░░░] 180/375 loss 0.0412 · 2,310 img/s · ETA 0:41`); elsewhere (CI, log
/// files) plain lines at most every ``plainInterval`` seconds and at the end, with no control
/// characters.
public final class ProgressBar {
    /// What the bar counts (`epoch 2/5`, `embedding`).
    public let label: String
    /// Units of work in all.
    public let total: Int
    /// Whether to redraw one line in place (standard output is a terminal).
    public let isInteractive: Bool
    /// Seconds between plain lines when not interactive.
    public var plainInterval: TimeInterval = 15
    /// Where lines go (standard output by default).
    public var write: (String) -> Void = { fputs($0, stdout); fflush(stdout) }
    /// Nothing is shown when true.
    public var isSilent = false

    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastPlain = Date()

    /// A bar over `total` units.
    public init(label: String, total: Int, interactive: Bool = ProgressBar.standardOutputIsTerminal) {
        self.label = label
        self.total = max(total, 1)
        self.isInteractive = interactive
    }

    /// Whether standard output is a terminal.
    public static var standardOutputIsTerminal: Bool { isatty(fileno(stdout)) != 0 }

    /// Reports `done` units and extra fields such as `("loss", "0.0412")`.
    public func update(_ done: Int, _ fields: [(String, String)] = []) {
        guard !isSilent else { return }
        let now = Date()
        if isInteractive {
            guard now.timeIntervalSince(lastDraw) > 0.1 || done >= total else { return }
            lastDraw = now
            write("\r\u{1B}[K" + line(done, fields, now: now, bar: true))
        } else if now.timeIntervalSince(lastPlain) >= plainInterval, done < total {
            lastPlain = now
            write(line(done, fields, now: now, bar: false) + "\n")
        }
    }

    /// Ends the bar with a final line.
    public func finish(_ fields: [(String, String)] = []) {
        guard !isSilent else { return }
        let text = line(total, fields, now: Date(), bar: isInteractive)
        write(isInteractive ? "\r\u{1B}[K" + text + "\n" : text + "\n")
    }

    func line(_ done: Int, _ fields: [(String, String)], now: Date, bar: Bool) -> String {
        let elapsed = now.timeIntervalSince(start)
        var parts = [label]
        if bar {
            let width = 24, filled = min(width, width * done / total)
            parts.append("[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]")
        }
        parts.append("\(done)/\(total)")
        parts += fields.map { "\($0.0) \($0.1)" }
        if done >= total {
            parts.append("in " + Self.clock(elapsed))
        } else if done > 0 {
            parts.append("ETA " + Self.clock(elapsed / Double(done) * Double(total - done)))
        }
        return parts.joined(separator: "  ")
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
