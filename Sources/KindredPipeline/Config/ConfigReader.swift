import Foundation
import Yams

/// A problem with a run configuration: names the key path (`loss.margin`), the YAML line when
/// known, what was wrong and, for unknown keys and choices, the allowed values.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Dotted key path of the offending entry (`""` for the whole document).
    public var path: String
    /// Line in the YAML file (1-based), when known.
    public var line: Int?
    /// What is wrong and what was expected.
    public var message: String

    /// Creates an error for `path`.
    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let place = path.isEmpty ? "config" : "config key '\(path)'"
        return "\(place)\(line.map { " (line \($0))" } ?? ""): \(message)"
    }
}

/// Reads one YAML mapping of a config, tracking which keys were asked for so that unknown keys
/// (typos) become errors that list the keys allowed at that level.
final class ConfigReader {
    /// Dotted path of this mapping (`""` at the root).
    let path: String
    private let entries: [(key: String, value: Node)]
    private var asked: [String] = []

    /// Reads `node`, which must be a mapping (or null/absent, read as empty).
    init(_ node: Node?, path: String) throws {
        self.path = path
        guard let node else { entries = []; return }
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "null" || s.string == "~" {
            entries = []
            return
        }
        guard let mapping = node.mapping else {
            throw ConfigError(path: path, line: node.mark?.line, message: "expected a mapping of keys to values, found \(ConfigReader.kind(of: node))")
        }
        var seen = Set<String>()
        var list: [(String, Node)] = []
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                throw ConfigError(path: path, line: k.mark?.line, message: "keys must be plain strings")
            }
            guard seen.insert(key).inserted else {
                throw ConfigError(path: Self.join(path, key), line: k.mark?.line, message: "the key appears twice")
            }
            list.append((key, v))
        }
        entries = list
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let s): return "the value '\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Whether the mapping has `key` (and marks it as known).
    func has(_ key: String) -> Bool {
        asked.append(key)
        return entries.contains { $0.key == key }
    }

    /// The raw node of `key`, marking the key as known.
    func node(_ key: String) -> Node? {
        asked.append(key)
        guard let n = entries.first(where: { $0.key == key })?.value else { return nil }
        if case .scalar(let s) = n, s.string == "null" || s.string == "~" || (s.string.isEmpty && s.style == .plain) { return nil }
        return n
    }

    private func scalar(_ key: String, expected: String) throws -> (String, Int?)? {
        guard let n = node(key) else { return nil }
        guard case .scalar(let s) = n else {
            throw ConfigError(path: Self.join(path, key), line: n.mark?.line, message: "expected \(expected), found \(Self.kind(of: n))")
        }
        return (s.string, s.mark?.line)
    }

    /// A string value.
    func string(_ key: String) throws -> String? { try scalar(key, expected: "a string")?.0 }

    /// An integer value, optionally range-checked.
    func int(_ key: String, atLeast minimum: Int? = nil) throws -> Int? {
        guard let (text, line) = try scalar(key, expected: "an integer") else { return nil }
        guard let v = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw ConfigError(path: Self.join(path, key), line: line, message: "expected an integer, found '\(text)'")
        }
        if let minimum, v < minimum {
            throw ConfigError(path: Self.join(path, key), line: line, message: "must be at least \(minimum), found \(v)")
        }
        return v
    }

    /// A floating-point value, optionally required positive.
    func double(_ key: String, positive: Bool = false) throws -> Double? {
        guard let (text, line) = try scalar(key, expected: "a number") else { return nil }
        guard let v = Double(text), v.isFinite else {
            throw ConfigError(path: Self.join(path, key), line: line, message: "expected a number, found '\(text)'")
        }
        if positive, v <= 0 {
            throw ConfigError(path: Self.join(path, key), line: line, message: "must be positive, found \(text)")
        }
        return v
    }

    /// A boolean value (`true`/`false`, `yes`/`no`, `on`/`off`).
    func bool(_ key: String) throws -> Bool? {
        guard let (text, line) = try scalar(key, expected: "true or false") else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError(path: Self.join(path, key), line: line, message: "expected true or false, found '\(text)'")
        }
    }

    /// One of a fixed set of names (an enum's raw values); the error lists them.
    func choice<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type = E.self) throws -> E? where E.RawValue == String {
        guard let (text, line) = try scalar(key, expected: "one of " + E.allCases.map(\.rawValue).joined(separator: ", ")) else { return nil }
        guard let v = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue)
            throw ConfigError(path: Self.join(path, key), line: line,
                              message: "unknown value '\(text)'\(Self.suggestion(for: text, among: allowed)); allowed: \(allowed.joined(separator: ", "))")
        }
        return v
    }

    /// A list of scalars converted by `convert` (which returns nil for a bad element).
    func list<T>(_ key: String, expected: String, _ convert: (String) -> T?) throws -> [T]? {
        guard let n = node(key) else { return nil }
        let items: [Node]
        switch n {
        case .sequence(let seq): items = Array(seq)
        case .scalar: items = [n]  // a single value stands for a one-element list
        default: throw ConfigError(path: Self.join(path, key), line: n.mark?.line, message: "expected a list of \(expected), found \(Self.kind(of: n))")
        }
        return try items.enumerated().map { i, item in
            guard case .scalar(let s) = item, let v = convert(s.string) else {
                throw ConfigError(path: Self.join(path, key) + "[\(i)]", line: item.mark?.line,
                                  message: "expected \(expected), found \(Self.kind(of: item))")
            }
            return v
        }
    }

    /// A nested mapping (empty when absent).
    func child(_ key: String) throws -> ConfigReader {
        try ConfigReader(node(key), path: Self.join(path, key))
    }

    /// Throws for any key that was never asked for, listing the allowed keys.
    func finish() throws {
        let known = Set(asked)
        for (key, value) in entries where !known.contains(key) {
            let allowed = Array(Set(asked)).sorted()
            throw ConfigError(path: Self.join(path, key), line: value.mark?.line,
                              message: "unknown key\(Self.suggestion(for: key, among: allowed)); allowed here: \(allowed.joined(separator: ", "))")
        }
    }

    /// ` (did you mean 'x'?)` for a close match, else empty.
    static func suggestion(for word: String, among candidates: [String]) -> String {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return "" }
        return " (did you mean '\(best.0)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[y.count]
    }
}
