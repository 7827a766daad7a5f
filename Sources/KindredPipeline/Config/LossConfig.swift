import Foundation
import Yams

/// One loss of `loss:` (a mapping, or one entry of a list of weighted losses).
///
/// Parameter names and defaults follow pytorch-metric-learning; each kind accepts only its own
/// parameters (``Kind/parameters``), so a misplaced key is an error that lists the right ones.
public struct LossConfig: Sendable, Equatable, ParameterizedConfig {
    /// Loss kinds (PML names in snake case).
    public enum Kind: String, Sendable, CaseIterable {
        case tripletMargin = "triplet_margin", contrastive, multiSimilarity = "multi_similarity", circle
        case ntxent, supcon, nPairs = "n_pairs"
        case arcface, subCenterArcface = "sub_center_arcface", cosface, sphereface
        case normalizedSoftmax = "normalized_softmax", proxyAnchor = "proxy_anchor", proxyNCA = "proxy_nca"

        /// Numeric parameters and their defaults (PML's).
        public var parameters: [(String, Double)] {
            switch self {
            case .tripletMargin: return [("margin", 0.05)]
            case .contrastive: return [("pos_margin", 0), ("neg_margin", 1)]
            case .multiSimilarity: return [("alpha", 2), ("beta", 50), ("base", 0.5)]
            case .circle: return [("m", 0.4), ("gamma", 80)]
            case .ntxent: return [("temperature", 0.07)]
            case .supcon: return [("temperature", 0.1)]
            case .nPairs: return []
            case .arcface: return [("margin", 28.6), ("scale", 64)]
            case .subCenterArcface: return [("margin", 28.6), ("scale", 64), ("sub_centers", 3)]
            case .cosface: return [("margin", 0.35), ("scale", 64)]
            case .sphereface: return [("margin", 4), ("scale", 1)]
            case .normalizedSoftmax: return [("temperature", 0.05)]
            case .proxyAnchor: return [("margin", 0.1), ("alpha", 32)]
            case .proxyNCA: return [("softmax_scale", 1)]
            }
        }

        /// Boolean parameters and their defaults.
        public var flags: [(String, Bool)] {
            self == .tripletMargin ? [("swap", false), ("smooth", false)] : []
        }

        /// Whether the loss has learnable class weights or proxies (trained by the optimiser too).
        public var hasClassWeights: Bool {
            switch self {
            case .arcface, .subCenterArcface, .cosface, .sphereface, .normalizedSoftmax, .proxyAnchor, .proxyNCA: return true
            default: return false
            }
        }
    }

    /// The loss kind.
    public var kind = Kind.tripletMargin
    /// Numeric parameters, every one of the kind's filled in.
    public var parameters: [String: Double] = ["margin": 0.2]
    /// Boolean parameters.
    public var flags: [String: Bool] = ["swap": false, "smooth": false]
    /// Weight in a weighted sum of losses.
    public var weight = 1.0
    /// This loss's own miner (lists of losses only).
    public var miner: MinerConfig? = nil

    /// Triplet margin 0.2 (the reference recipe).
    public init() {}

    init(_ r: ConfigReader, inList: Bool) throws {
        guard r.has("kind") else { throw ConfigError(path: r.path + ".kind", message: "missing; allowed: " + Kind.allCases.map(\.rawValue).joined(separator: ", ")) }
        kind = try r.choice("kind", as: Kind.self) ?? .tripletMargin
        parameters = [:]
        for (name, fallback) in kind.parameters {
            parameters[name] = try r.double(name) ?? fallback
        }
        flags = [:]
        for (name, fallback) in kind.flags { flags[name] = try r.bool(name) ?? fallback }
        if inList {
            if let v = try r.double("weight") { weight = v }
            if r.has("miner") {
                let m = try MinerConfig(try r.child("miner"))
                miner = m.kind == .none ? nil : m
            }
        }
        try r.finish()
    }

    var defaults: [(String, Double)] { kind.parameters }

    var node: Node {
        var pairs = kindAndParameters
        for (name, fallback) in kind.flags { pairs.append((name, ConfigNodes.bool(flags[name] ?? fallback))) }
        if weight != 1 || miner != nil { pairs.append(("weight", ConfigNodes.double(weight))) }
        if let miner { pairs.append(("miner", miner.node)) }
        return ConfigNodes.map(pairs)
    }
}

/// `miner:` — which tuples of a batch the loss sees.
public struct MinerConfig: Sendable, Equatable, ParameterizedConfig {
    /// Miner kinds.
    public enum Kind: String, Sendable, CaseIterable {
        case none, tripletMargin = "triplet_margin", batchHard = "batch_hard", multiSimilarity = "multi_similarity"
        case pairMargin = "pair_margin", distanceWeighted = "distance_weighted"
        /// Semi-hard triplets first, hard ones later (by epoch or by the fraction of active triplets).
        case curriculum

        var parameters: [(String, Double)] {
            switch self {
            case .none, .batchHard: return []
            case .tripletMargin: return [("margin", 0.2)]
            case .multiSimilarity: return [("epsilon", 0.1)]
            case .pairMargin: return [("pos_margin", 0.2), ("neg_margin", 0.8)]
            case .distanceWeighted: return [("cutoff", 0.5), ("nonzero_loss_cutoff", 1.4)]
            case .curriculum: return [("margin", 0.2)]
            }
        }
    }
    /// When the curriculum moves from semi-hard to hard triplets.
    public enum Switch: Sendable, Equatable {
        /// At this epoch (1-based: `hard_from_epoch: 3` mines hard triplets in epochs 3, 4, …).
        case epoch(Int)
        /// Once the fraction of margin-violating triplets stays below `below` for `patience` batches.
        case activeFraction(below: Double, patience: Int)
    }

    /// The miner kind.
    public var kind = Kind.tripletMargin
    /// Numeric parameters.
    public var parameters: [String: Double] = ["margin": 0.2]
    /// Triplet types of the triplet-margin miner.
    public var tripletType = "semihard"
    /// The curriculum's switch.
    public var curriculumSwitch = Switch.epoch(3)

    /// Semi-hard triplet-margin mining with margin 0.2.
    public init() {}

    init(_ r: ConfigReader) throws {
        guard r.has("kind") else { throw ConfigError(path: r.path + ".kind", message: "missing; allowed: " + Kind.allCases.map(\.rawValue).joined(separator: ", ")) }
        kind = try r.choice("kind", as: Kind.self) ?? .none
        parameters = [:]
        for (name, fallback) in kind.parameters { parameters[name] = try r.double(name) ?? fallback }
        if kind == .tripletMargin, let t = try r.string("type") {
            let allowed = ["all", "hard", "semihard", "easy"]
            guard allowed.contains(t) else {
                throw ConfigError(path: r.path + ".type", message: "unknown value '\(t)'; allowed: \(allowed.joined(separator: ", "))")
            }
            tripletType = t
        }
        if kind == .curriculum {
            if let below = try r.double("switch_when_active_below", positive: true) {
                curriculumSwitch = .activeFraction(below: below, patience: try r.int("patience", atLeast: 1) ?? 20)
            } else {
                curriculumSwitch = .epoch(try r.int("hard_from_epoch", atLeast: 1) ?? 3)
            }
        }
        try r.finish()
    }

    var defaults: [(String, Double)] { kind.parameters }

    var node: Node {
        var pairs = kindAndParameters
        if kind == .tripletMargin { pairs.append(("type", Node(tripletType))) }
        if kind == .curriculum {
            switch curriculumSwitch {
            case .epoch(let e): pairs.append(("hard_from_epoch", ConfigNodes.int(e)))
            case let .activeFraction(below, patience):
                pairs += [("switch_when_active_below", ConfigNodes.double(below)), ("patience", ConfigNodes.int(patience))]
            }
        }
        return ConfigNodes.map(pairs)
    }
}

/// A config section with a `kind` and numeric parameters that default by kind (losses, miners).
protocol ParameterizedConfig {
    associatedtype Kind: RawRepresentable where Kind.RawValue == String
    var kind: Kind { get }
    var parameters: [String: Double] { get }
    /// The kind's parameter names and defaults, in order.
    var defaults: [(String, Double)] { get }
}

extension ParameterizedConfig {
    /// A parameter's value (the kind's default if absent).
    public func value(_ name: String) -> Double {
        parameters[name] ?? defaults.first { $0.0 == name }?.1 ?? 0
    }

    /// `kind` and every parameter, for the resolved YAML.
    var kindAndParameters: [(String, Node)] {
        [("kind", Node(kind.rawValue))] + defaults.map { ($0.0, ConfigNodes.double(value($0.0))) }
    }
}
