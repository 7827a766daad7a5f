import Foundation

/// What ``Module/loadStateDict(from:strict:)`` did: which keys it loaded and which did not match.
public struct LoadReport: Sendable, Equatable, CustomStringConvertible {
    /// Keys copied into the module, in the module's ``Module/stateDict()`` order.
    public let loadedKeys: [String]
    /// Keys the module has but the source lacks (left unchanged), in ``Module/stateDict()`` order.
    public let missingKeys: [String]
    /// Keys the source has but the module lacks (ignored): file order for a file, sorted for a dictionary.
    public let unexpectedKeys: [String]

    /// Creates a report.
    public init(loadedKeys: [String], missingKeys: [String], unexpectedKeys: [String]) {
        self.loadedKeys = loadedKeys
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
    }

    /// Whether every key matched: nothing missing, nothing unexpected.
    public var isComplete: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty }

    /// A one-line summary, listing the keys that did not match.
    public var description: String {
        var parts = ["loaded \(loadedKeys.count) tensors"]
        if !missingKeys.isEmpty { parts.append("missing \(missingKeys.count): \(StateDictError.list(missingKeys))") }
        if !unexpectedKeys.isEmpty { parts.append("unexpected \(unexpectedKeys.count): \(StateDictError.list(unexpectedKeys))") }
        return parts.joined(separator: "; ")
    }
}

/// Why weights could not be loaded into a module. Loading checks everything before it copies
/// anything, so after this error the module is unchanged.
public enum StateDictError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Strict loading found keys in the module but not the source (`missing`), or the reverse
    /// (`unexpected`). `source` is the file's path, or nil for a dictionary.
    case keyMismatch(source: String?, missing: [String], unexpected: [String])
    /// The source's tensor for `key` has a different shape from the module's.
    case shapeMismatch(source: String?, key: String, sourceShape: [Int], moduleShape: [Int])
    /// The module's tensor for `key` is a non-contiguous view, which cannot be filled in place.
    case nonContiguousDestination(key: String)

    /// What went wrong, naming the keys (and the file).
    public var description: String {
        switch self {
        case let .keyMismatch(source, missing, unexpected):
            var parts: [String] = []
            let what = source == nil ? "state dict" : "file"
            if !missing.isEmpty { parts.append("missing keys (in the model, not the \(what)): \(Self.list(missing))") }
            if !unexpected.isEmpty { parts.append("unexpected keys (in the \(what), not the model): \(Self.list(unexpected))") }
            return "\(source.map { "\($0): " } ?? "")strict load failed: " + parts.joined(separator: "; ")
        case let .shapeMismatch(source, key, sourceShape, moduleShape):
            let what = source == nil ? "state dict" : "file"
            return "\(source.map { "\($0): " } ?? "")\(key): \(what) has \(sourceShape), model expects \(moduleShape)"
        case let .nonContiguousDestination(key):
            return "\(key): the model's tensor is a non-contiguous view and cannot be loaded in place"
        }
    }

    /// Up to 20 keys, then a count of the rest.
    static func list(_ keys: [String]) -> String {
        let shown = keys.prefix(20).joined(separator: ", ")
        return keys.count > 20 ? "\(shown), … (\(keys.count - 20) more)" : shown
    }
}

extension Module {
    /// Loads parameters and buffers from a safetensors file, in place, by their dotted
    /// ``stateDict()`` keys (`layer1.0.conv1.weight`, `bn.running_mean`).
    ///
    /// Each value is converted to the module tensor's dtype: a PyTorch file's `F16`/`BF16` weights
    /// and its `I64` BatchNorm `num_batches_tracked` load as floats. Tensors are read straight from
    /// the memory-mapped file one at a time.
    ///
    /// Every key and shape is checked before anything is copied, so on error the module is unchanged.
    ///
    /// - Parameter strict: when true (the default), any missing or unexpected key is an error;
    ///   when false they are only reported.
    /// - Returns: the keys loaded, missing and unexpected.
    /// - Throws: ``SafetensorsError`` when the file is unreadable or invalid;
    ///   ``StateDictError/keyMismatch(source:missing:unexpected:)`` in strict mode;
    ///   ``StateDictError/shapeMismatch(source:key:sourceShape:moduleShape:)`` always when shapes differ.
    @discardableResult
    public func loadStateDict(from url: URL, strict: Bool = true) throws -> LoadReport {
        let file = try SafetensorsFile(contentsOf: url)
        return try loadState(source: file.fileName, names: file.names, shape: { file.info(named: $0)?.shape },
                             read: { try file.tensor(named: $0, as: $1) }, strict: strict)
    }

    /// Loads parameters and buffers from tensors keyed by dotted ``stateDict()`` name, in place
    /// (values are copied and converted to each module tensor's dtype).
    ///
    /// Every key and shape is checked before anything is copied, so on error the module is unchanged.
    ///
    /// - Parameter strict: when true (the default), any missing or unexpected key is an error.
    /// - Returns: the keys loaded, missing and unexpected (sorted).
    /// - Throws: ``StateDictError`` on key mismatch (strict mode) or any shape mismatch.
    @discardableResult
    public func loadStateDict(_ tensors: [String: Tensor], strict: Bool = true) throws -> LoadReport {
        try loadState(source: nil, names: tensors.keys.sorted(), shape: { tensors[$0]?.shape },
                      // Only keys with a shape (present in `tensors`) are read.
                      read: { name, _ in tensors[name] ?? Tensor.zeros([0]) }, strict: strict)
    }

    /// Saves ``stateDict()`` (parameters and buffers) to a safetensors file, atomically.
    ///
    /// `float32` tensors are stored as `F32`, `float64` ones as `F64`; `metadata` goes into the
    /// header's `__metadata__`. PyTorch's `safetensors.torch.load_file` reads the result (BatchNorm's
    /// `num_batches_tracked` is stored as a float, which `load_state_dict` accepts).
    ///
    /// - Throws: ``SafetensorsError`` when the file cannot be written.
    public func saveStateDict(to url: URL, metadata: [String: String]? = nil) throws {
        try Safetensors.write(stateDict(), metadata: metadata, to: url)
    }

    private func loadState(
        source: String?, names: [String], shape: (String) -> [Int]?,
        read: (String, DType) throws -> Tensor, strict: Bool
    ) throws -> LoadReport {
        var destinations: [(String, Tensor)] = []
        var moduleKeys = Set<String>()
        for (key, tensor) in stateDict() where moduleKeys.insert(key).inserted {
            destinations.append((key, tensor))
        }
        let sourceKeys = Set(names)
        let missing = destinations.map(\.0).filter { !sourceKeys.contains($0) }
        let unexpected = names.filter { !moduleKeys.contains($0) }
        if strict && !(missing.isEmpty && unexpected.isEmpty) {
            throw StateDictError.keyMismatch(source: source, missing: missing, unexpected: unexpected)
        }
        var loads: [(String, Tensor)] = []
        for (key, destination) in destinations {
            guard let sourceShape = shape(key) else { continue }
            guard sourceShape == destination.shape else {
                throw StateDictError.shapeMismatch(source: source, key: key, sourceShape: sourceShape, moduleShape: destination.shape)
            }
            guard destination.isContiguous else { throw StateDictError.nonContiguousDestination(key: key) }
            loads.append((key, destination))
        }
        for (key, destination) in loads {
            destination.assign(try read(key, destination.dtype))
        }
        return LoadReport(loadedKeys: loads.map(\.0), missingKeys: missing, unexpectedKeys: unexpected)
    }
}
