import Foundation

/// The items of a ``RetrievalTable`` (optionally one split) as an ``ImageDataset``: images decoded
/// on demand and cropped to their bounding box, labels and categories mapped to dense integers.
///
/// ```swift
/// let table = try RetrievalTable(contentsOf: root.appendingPathComponent("df.csv"))
/// let train = RetrievalDataset(table: table, split: .train)
/// let sampler = try PKSampler(labels: train.labels, labelsPerBatch: 16, instancesPerLabel: 4)
/// ```
public struct RetrievalDataset: ImageDataset {
    /// The items, in table order.
    public let items: [RetrievalItem]
    /// The dense label (`0..<labelNames.count`) of every item.
    public let labels: [Int]
    /// The table's label for each dense label, in order of first appearance.
    public let labelNames: [String]
    /// The dense category of every item (`-1` for items without one).
    public let categories: [Int]
    /// The table's category for each dense category, in order of first appearance.
    public let categoryNames: [String]
    /// Channels to decode to (3 = RGB by default; 1 = grayscale; `nil` keeps each file's own).
    public let channels: Int?

    /// The data set of `table`'s items in `split` (all items when `nil`).
    public init(table: RetrievalTable, split: DatasetSplit? = nil, channels: Int? = 3) {
        items = table.items.filter { split == nil || $0.split == split }
        var labelIDs: [String: Int] = [:], names: [String] = []
        var categoryIDs: [String: Int] = [:], categoryNames: [String] = []
        var labels: [Int] = [], categories: [Int] = []
        for item in items {
            if labelIDs[item.label] == nil { labelIDs[item.label] = names.count; names.append(item.label) }
            labels.append(labelIDs[item.label]!)
            if let c = item.category {
                if categoryIDs[c] == nil { categoryIDs[c] = categoryNames.count; categoryNames.append(c) }
                categories.append(categoryIDs[c]!)
            } else {
                categories.append(-1)
            }
        }
        self.labels = labels
        self.labelNames = names
        self.categories = categories
        self.categoryNames = categoryNames
        self.channels = channels
    }

    /// The number of items.
    public var count: Int { items.count }

    /// Which items are queries (for retrieval evaluation).
    public var isQuery: [Bool] { items.map(\.isQuery) }
    /// Which items are in the gallery.
    public var isGallery: [Bool] { items.map(\.isGallery) }
    /// The sequence id of every item (`nil` where none): same-sequence pairs are not matches.
    public var sequences: [String?] { items.map(\.sequence) }

    /// Decodes item `index`'s image and crops it to its bounding box.
    ///
    /// - Throws: ``DataError`` naming the file if it cannot be decoded or the box does not fit.
    public func image(at index: Int) throws -> Image {
        let item = items[index]
        let image = try Image(contentsOf: item.path, channels: channels)
        guard let box = item.boundingBox else { return image }
        guard box.x2 <= image.width, box.y2 <= image.height else {
            throw DataError.malformedFile(item.path, reason: "bounding box x \(box.x1)..<\(box.x2), y \(box.y1)..<\(box.y2) is outside the \(image.width)×\(image.height) image")
        }
        return image.cropped(x: box.x1, y: box.y1, width: box.x2 - box.x1, height: box.y2 - box.y1)
    }
}

extension Image {
    /// The `width × height` region whose top-left pixel is (`x`, `y`); parts outside the image are
    /// filled with `fill`.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int, fill: Float = 0) -> Image {
        var out = Image(width: w, height: h, channels: channels, filledWith: fill)
        let c = channels
        let x0 = Swift.max(0, -x), x1 = Swift.min(w, width - x)
        guard x0 < x1 else { return out }
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let sy = y + row
                    guard sy >= 0 && sy < height else { continue }
                    let s = (sy * width + x + x0) * c, d = (row * w + x0) * c
                    for i in 0..<((x1 - x0) * c) { dst[d + i] = src[s + i] }
                }
            }
        }
        return out
    }
}
