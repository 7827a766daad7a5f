import KindredData
import KindredGenerative
import KindredTensor

extension DataConfig {
    /// Images normalised with this config's `mean`/`std`, back as pixels in `[0, 1]`.
    func pixels(_ images: Tensor) -> Tensor {
        mean == 0 && std == 1 ? images : images * std + mean
    }
}

extension SplitData {
    /// Images `indices` of this split as pixels in `[0, 1]` (`data` says how they were normalised).
    ///
    /// - Throws: ``GenerativeModelError`` when no index is given or naming the first index outside
    ///   the split.
    func pixelImages(_ indices: [Int], data: DataConfig) throws -> Tensor {
        guard !indices.isEmpty else { throw GenerativeModelError("no image indices given") }
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw GenerativeModelError("image index \(bad) is outside the evaluation split (0..<\(count), \(source))")
        }
        return data.pixels(withoutGradients { images.rows(indices) })
    }
}
