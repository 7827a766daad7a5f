import Foundation

/// A labelled collection of images, the input to samplers and the ``DataLoader``.
///
/// `labels[i]` is the class of item `i` (dense integers `0..<classCount` are conventional but not
/// required). ``image(at:)`` is called from the loader's worker threads, so it must be thread-safe.
public protocol ImageDataset: Sendable {
    /// The number of items.
    var count: Int { get }
    /// The label of every item, in item order.
    var labels: [Int] { get }
    /// Loads (decodes) item `index`'s image.
    ///
    /// - Throws: ``DataError`` naming the file if the image cannot be read or decoded.
    func image(at index: Int) throws -> Image
}
