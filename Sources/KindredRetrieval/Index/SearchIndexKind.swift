import Foundation
import KindredTensor

/// Which ``SearchIndex`` backend a search or an evaluation uses, with its parameters — the value of
/// a configuration's `eval.index`.
///
/// Spelled as a name with optional `key=value` parameters:
///
/// | spelling | index |
/// |---|---|
/// | `exact` | ``ExactIndex`` (Kindred's blocked exact search; the default) |
/// | `faiss_flat` | FAISS `Flat` (exact) |
/// | `faiss_ivf:lists=256,probes=16` | FAISS `IVF<lists>,Flat`, probing `probes` lists per query |
/// | `faiss_hnsw:neighbors=32,ef_construction=40,ef_search=64` | FAISS `HNSW<neighbors>` |
///
/// Parameters left out take the defaults shown.
public enum SearchIndexKind: Sendable, Hashable, CustomStringConvertible {
    /// Kindred's exact search.
    case exact
    /// FAISS's exact flat index.
    case faissFlat
    /// FAISS's inverted-file index over `lists` k-means cells, probing `probes` per query.
    case faissIVF(lists: Int, probes: Int)
    /// FAISS's HNSW graph with `neighbors` links per node.
    case faissHNSW(neighbors: Int, efConstruction: Int, efSearch: Int)

    /// The spelling ``init(parsing:)`` reads.
    public var description: String {
        switch self {
        case .exact: return "exact"
        case .faissFlat: return "faiss_flat"
        case let .faissIVF(lists, probes): return "faiss_ivf:lists=\(lists),probes=\(probes)"
        case let .faissHNSW(m, efc, efs): return "faiss_hnsw:neighbors=\(m),ef_construction=\(efc),ef_search=\(efs)"
        }
    }

    /// Whether the index needs ``SearchIndex/train(_:)`` before vectors are added.
    public var needsTraining: Bool {
        if case .faissIVF = self { return true }
        return false
    }

    /// Reads a spelling such as `faiss_ivf:lists=100,probes=8` (see the table above).
    ///
    /// - Throws: ``RetrievalError/invalidArgument(_:)`` naming the unknown backend or parameter, or
    ///   the value that is not a positive integer.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        var parameters: [String: Int] = [:]
        if parts.count == 2 {
            for item in parts[1].split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, let v = Int(kv[1]), v >= 1 else {
                    throw RetrievalError.invalidArgument("index '\(text)': parameter '\(item)' must be key=positive integer")
                }
                parameters[kv[0]] = v
            }
        }
        func take(_ allowed: [String: Int]) throws -> [String: Int] {
            for key in parameters.keys where allowed[key] == nil {
                throw RetrievalError.invalidArgument(
                    "index '\(text)': unknown parameter '\(key)' (expected \(allowed.keys.sorted().joined(separator: ", ")))")
            }
            return allowed.merging(parameters) { _, given in given }
        }
        switch name {
        case "exact":
            _ = try take([:])
            self = .exact
        case "faiss_flat":
            _ = try take([:])
            self = .faissFlat
        case "faiss_ivf":
            let p = try take(["lists": 256, "probes": 16])
            self = .faissIVF(lists: p["lists", default: 256], probes: p["probes", default: 16])
        case "faiss_hnsw":
            let p = try take(["neighbors": 32, "ef_construction": 40, "ef_search": 64])
            self = .faissHNSW(neighbors: p["neighbors", default: 32], efConstruction: p["ef_construction", default: 40],
                              efSearch: p["ef_search", default: 64])
        default:
            throw RetrievalError.invalidArgument("unknown index '\(name)' (expected exact, faiss_flat, faiss_ivf or faiss_hnsw)")
        }
    }

    /// An empty index of this kind.
    ///
    /// - Throws: ``RetrievalError`` when FAISS rejects the parameters or this build has no FAISS.
    public func makeIndex(dimension: Int, distance: SearchDistance) throws -> any SearchIndex {
        switch self {
        case .exact:
            return try ExactIndex(dimension: dimension, distance: distance)
        case .faissFlat:
            return try FAISSIndex(description: "Flat", dimension: dimension, distance: distance)
        case let .faissIVF(lists, probes):
            let index = try FAISSIndex(description: "IVF\(lists),Flat", dimension: dimension, distance: distance)
            try index.setProbes(probes)
            return index
        case let .faissHNSW(m, efc, efs):
            let index = try FAISSIndex(description: "HNSW\(m)", dimension: dimension, distance: distance)
            try index.setEfConstruction(efc)
            try index.setEfSearch(efs)
            return index
        }
    }

    /// Builds an index of this kind over `gallery` (training it on the gallery when needed).
    ///
    /// - Throws: as ``makeIndex(dimension:distance:)``, ``SearchIndex/train(_:)`` and ``SearchIndex/add(_:)``.
    public func buildIndex(gallery: Tensor, distance: SearchDistance) throws -> any SearchIndex {
        guard gallery.rank == 2 else { throw RetrievalError.badShape(name: "gallery", expected: "[G, D]", actual: gallery.shape) }
        let index = try makeIndex(dimension: gallery.shape[1], distance: distance)
        if needsTraining { try index.train(gallery) }
        try index.add(gallery)
        return index
    }
}
