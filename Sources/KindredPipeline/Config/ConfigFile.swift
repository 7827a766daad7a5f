import Foundation
import Yams

/// Reading config documents, shared by ``RunConfig`` and ``GenerativeRunConfig``: the file's text,
/// the YAML node with `--set` overrides applied, and errors that name the file.
enum ConfigFile {
    /// The text of the config file at `url`.
    static func text(of url: URL) throws -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(path: "", message: "cannot read config file \(url.path): \(error.localizedDescription)")
        }
    }

    /// The YAML document as a node (an empty mapping when the document is empty), with the
    /// `key.path=value` overrides applied in order.
    static func node(yaml: String, overrides: [String]) throws -> Node {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(path: "", message: "not valid YAML: \(error)")
        }
        var node = root ?? Node.mapping(Node.Mapping([]))
        for o in overrides { node = try ConfigOverride(o).applied(to: node) }
        return node
    }

    /// Runs `body`, adding the file's name to any ``ConfigError`` it throws.
    static func naming<T>(_ url: URL, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var e as ConfigError {
            e.message += " [in \(url.lastPathComponent)]"
            throw e
        }
    }
}
