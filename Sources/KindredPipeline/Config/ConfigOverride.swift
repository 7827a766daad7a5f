import Foundation
import Yams

/// One `--set key.path=value` override: replaces (or adds) the value at a dotted key path before
/// the config is read, so it is checked like a value in the file. The value is YAML, so lists
/// work (`--set data.train_classes=[0,1,2]`); list entries are addressed as `loss[1].weight`.
struct ConfigOverride {
    let segments: [(key: String, index: Int?)]
    let path: String
    let value: Node

    init(_ text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigError(path: text, message: "an override must look like key.path=value (e.g. --set optimizer.lr=0.0005)")
        }
        path = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: eq)...])
        var segs: [(String, Int?)] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var key = String(part), index: Int? = nil
            if let open = key.firstIndex(of: "["), key.hasSuffix("]") {
                guard let i = Int(key[key.index(after: open)..<key.index(before: key.endIndex)]), i >= 0 else {
                    throw ConfigError(path: path, message: "a list index must be a non-negative integer, as in loss[1].weight")
                }
                index = i
                key = String(key[..<open])
            }
            guard !key.isEmpty else { throw ConfigError(path: path, message: "empty key in the override path") }
            segs.append((key, index))
        }
        segments = segs
        do {
            value = try Yams.compose(yaml: raw) ?? Node("")
        } catch {
            throw ConfigError(path: path, message: "the value '\(raw)' is not valid YAML")
        }
    }

    /// `root` with the value set at the path (intermediate mappings are created as needed).
    func applied(to root: Node) throws -> Node {
        try set(in: root, at: 0, walked: "")
    }

    private func set(in node: Node?, at depth: Int, walked: String) throws -> Node {
        guard depth < segments.count else { return value }
        let (key, index) = segments[depth]
        let here = walked.isEmpty ? key : walked + "." + key
        var pairs: [(Node, Node)] = []
        if let node, case .mapping(let m) = node {
            pairs = m.map { ($0.key, $0.value) }
        } else if let node, !(node.scalar.map { $0.string.isEmpty || $0.string == "null" } ?? false) {
            throw ConfigError(path: walked, message: "cannot set '\(path)': '\(walked)' is not a mapping")
        }
        let position = pairs.firstIndex { $0.0.scalar?.string == key }
        let current = position.map { pairs[$0].1 }
        let updated: Node
        if let index {
            guard let current, case .sequence(var seq) = current else {
                throw ConfigError(path: here, message: "cannot index '\(here)[\(index)]': it is not a list")
            }
            guard index < seq.count else {
                throw ConfigError(path: here, message: "index \(index) is out of range: the list has \(seq.count) entries")
            }
            seq[index] = try set(in: seq[index], at: depth + 1, walked: "\(here)[\(index)]")
            updated = .sequence(seq)
        } else {
            updated = try set(in: current, at: depth + 1, walked: here)
        }
        if let position { pairs[position].1 = updated } else { pairs.append((Node(key), updated)) }
        return Node(pairs)
    }
}
