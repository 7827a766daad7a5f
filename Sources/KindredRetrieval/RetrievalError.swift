/// Why a search or an evaluation could not run: every case says what was expected.
public enum RetrievalError: Error, Equatable, CustomStringConvertible {
    /// `k` (a result depth, a metric cut-off or a rank) must be at least 1.
    case nonPositiveK(name: String, value: Int)
    /// The gallery has no items.
    case emptyGallery
    /// A tensor does not have the expected shape.
    case badShape(name: String, expected: String, actual: [Int])
    /// Two collections that must describe the same items have different lengths.
    case lengthMismatch(name: String, expected: Int, actual: Int)
    /// An index lies outside the collection it refers to.
    case indexOutOfRange(name: String, index: Int, count: Int)
    /// Any other argument outside its allowed range.
    case invalidArgument(String)
    /// A search index (FAISS or exact) failed: the operation, the file it concerned (if any) and
    /// the backend's message.
    case indexFailure(operation: String, file: String?, message: String)

    public var description: String {
        switch self {
        case let .nonPositiveK(name, value):
            return "\(name) must be at least 1, got \(value)"
        case .emptyGallery:
            return "the gallery is empty: a search needs at least one gallery item"
        case let .badShape(name, expected, actual):
            return "\(name) must have shape \(expected), got \(actual)"
        case let .lengthMismatch(name, expected, actual):
            return "\(name) must have \(expected) entries (one per item), got \(actual)"
        case let .indexOutOfRange(name, index, count):
            return "\(name) contains index \(index), outside 0..<\(count)"
        case let .invalidArgument(message):
            return message
        case let .indexFailure(operation, file, message):
            return "index \(operation) failed" + (file.map { " for \($0)" } ?? "") + ": \(message)"
        }
    }
}
