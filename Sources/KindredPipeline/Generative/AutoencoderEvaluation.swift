import Foundation
import KindredGenerative
import KindredTensor

/// Sums over the evaluation split of an autoencoder-family task, batch by batch.
struct ReconstructionTally {
    /// Images seen.
    private(set) var count = 0
    private var squaredError = 0.0, psnr = 0.0, ssim = 0.0
    /// Whether every batch was large enough for SSIM's 11×11 window.
    private var ssimMeasured = true

    /// Adds a batch of reconstructions and their clean targets (pixels in `[0, 1]`, same shape).
    ///
    /// - Parameter structural: also sum SSIM (images smaller than its 11×11 window make the mean NaN).
    mutating func add(_ reconstruction: Tensor, target: Tensor, structural: Bool = false) throws {
        let perImage = withoutGradients { (reconstruction - target).squared().flattened(startAxis: 1).mean(axis: 1).doubles }
        // ImageQuality.psnr gives +∞ for an exact match; cap it so that one perfect image does not make the mean infinite.
        let psnrs = try ImageQuality.psnr(reconstruction, reference: target)
        for (m, p) in zip(perImage, psnrs) {
            squaredError += m
            psnr += min(p, Self.psnrCap)
        }
        if structural {
            if reconstruction.rank == 4, reconstruction.shape[2] >= ImageQuality.ssimWindowSize,
               reconstruction.shape[3] >= ImageQuality.ssimWindowSize {
                ssim += try ImageQuality.ssim(reconstruction, reference: target).reduce(0, +)
            } else {
                ssimMeasured = false
            }
        }
        count += perImage.count
    }

    /// Mean SSIM over all images (NaN when none was measured or the images are smaller than 11×11).
    var meanSSIM: Double { count > 0 && ssimMeasured ? ssim / Double(count) : .nan }

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
