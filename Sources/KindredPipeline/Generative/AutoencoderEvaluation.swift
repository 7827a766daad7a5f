import Foundation
import KindredGenerative
import KindredTensor

/// Sums over the evaluation split of an autoencoder-family task, batch by batch.
struct ReconstructionTally {
    /// Images seen.
    private(set) var count = 0
    private var squaredError = 0.0, psnr = 0.0

    /// Adds a batch of reconstructions and their clean targets (pixels in `[0, 1]`, same shape).
    mutating func add(_ reconstruction: Tensor, target: Tensor) throws {
        let perImage = withoutGradients { (reconstruction - target).squared().flattened(startAxis: 1).mean(axis: 1).doubles }
        // ImageQuality.psnr gives +∞ for an exact match; cap it so that one perfect image does not make the mean infinite.
        let psnrs = try ImageQuality.psnr(reconstruction, reference: target)
        for (m, p) in zip(perImage, psnrs) {
            squaredError += m
            psnr += min(p, Self.psnrCap)
        }
        count += perImage.count
    }

    /// Mean squared error per pixel over all images.
    var meanSquaredError: Double { count > 0 ? squaredError / Double(count) : .nan }
    /// Mean over images of each image's PSNR in dB (peak 1; ``ImageQuality/psnr(_:reference:dataRange:)``).
    var meanPSNR: Double { count > 0 ? psnr / Double(count) : .nan }

    /// The largest PSNR counted for one image (dB).
    static let psnrCap = 100.0
}

/// Splits `0..<count` into consecutive ranges of at most `size`.
func batchRanges(count: Int, size: Int) -> [Range<Int>] {
    stride(from: 0, to: count, by: max(1, size)).map { $0..<min($0 + max(1, size), count) }
}

/// `count` indices spread evenly over `0..<total` (the fixed images of the sample grids).
func spreadIndices(count: Int, total: Int) -> [Int] {
    let n = min(count, total)
    return (0..<n).map { $0 * total / max(n, 1) }
}
