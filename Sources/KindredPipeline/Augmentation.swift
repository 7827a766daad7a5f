import Foundation
import KindredTensor

extension AugmentationConfig {
    /// A randomly augmented copy of a batch `[N, C, H, W]` (float32): per image a left–right
    /// flip, a shift within `random_crop_padding` (the uncovered border is the padding value 0
    /// before normalisation, i.e. `fill`), and Gaussian noise.
    func apply(to batch: Tensor, fill: Float) -> Tensor {
        guard isActive else { return batch }
        let shape = batch.shape
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let source = batch.scalars
        var out = [Float](repeating: fill, count: source.count)
        GlobalRandom.withGenerator { g in
            for i in 0..<n {
                let flip = horizontalFlip > 0 && g.nextUniform() < horizontalFlip
                let p = randomCropPadding
                let dx = p > 0 ? g.nextInt(below: 2 * p + 1) - p : 0
                let dy = p > 0 ? g.nextInt(below: 2 * p + 1) - p : 0
                for ch in 0..<c {
                    let plane = (i * c + ch) * h * w
                    for y in 0..<h {
                        let sy = y + dy
                        guard sy >= 0 && sy < h else { continue }
                        for x in 0..<w {
                            var sx = x + dx
                            guard sx >= 0 && sx < w else { continue }
                            if flip { sx = w - 1 - sx }
                            out[plane + y * w + x] = source[plane + sy * w + sx]
                        }
                    }
                }
                if gaussianNoise > 0 {
                    for j in (i * c * h * w)..<((i + 1) * c * h * w) { out[j] += Float(gaussianNoise * g.nextNormal()) }
                }
            }
        }
        return Tensor(out, shape: shape)
    }
}
