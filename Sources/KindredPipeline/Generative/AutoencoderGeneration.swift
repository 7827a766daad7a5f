import Foundation
import KindredData
import KindredGenerative
import KindredTensor

/// A picture made by `kindred generate` and what it shows.
public struct GeneratedGrid {
    /// The grid.
    public var image: Image
    /// One line per row of the grid, top to bottom.
    public var rows: [String]
    /// Numbers worth printing (`psnr` of reconstructions against their inputs, …).
    public var measurements: [NamedValue] = []
}

extension TrainedAutoencoder {
    /// Inputs (pixels in `[0, 1]`, `[N, C, S, S]`) above their reconstructions, with the mean PSNR.
    public func reconstructionGrid(_ images: Tensor) throws -> GeneratedGrid {
        let y = try withoutGradients { try model.reconstruct(images) }
        var tally = ReconstructionTally()
        try tally.add(y, target: images)
        return GeneratedGrid(image: try SampleGrid().render(rows: [images, y]), rows: ["inputs", "reconstructions"],
                             measurements: [NamedValue(name: "mse", value: tally.meanSquaredError), NamedValue(name: "psnr", value: tally.meanPSNR)])
    }

    /// One row per pair: `steps` images decoded along the latent segment from `from[i]` to `to[i]`.
    public func interpolationGrid(from: Tensor, to: Tensor, steps: Int) throws -> GeneratedGrid {
        guard from.shape.first == to.shape.first else {
            throw GenerativeModelError("interpolation needs as many end images as start images (\(from.shape.first ?? 0) vs \(to.shape.first ?? 0))")
        }
        let n = from.shape.first ?? 0
        let rows = try (0..<n).map { i in
            try LatentOperations.interpolate(model, from: from.sliced(axis: 0, range: i..<(i + 1)), to: to.sliced(axis: 0, range: i..<(i + 1)), steps: steps)
        }
        return GeneratedGrid(image: try SampleGrid().render(rows: rows),
                             rows: (0..<n).map { "pair \($0 + 1): start → end in \(steps) steps (latent-space line)" })
    }

    /// Attribute arithmetic: v = mean latent of `group` − mean latent of `minus`; rows: `targets`,
    /// their reconstructions, and the decodings of their latents + s·v for each strength s.
    public func arithmeticGrid(group: Tensor, minus: Tensor, targets: Tensor, strengths: [Double] = [1]) throws -> GeneratedGrid {
        let v = try LatentOperations.attributeVector(model, group: group, minus: minus)
        var rows = [targets, try withoutGradients { try model.reconstruct(targets) }]
        var captions = ["before: the images", "their reconstructions"]
        for s in strengths {
            rows.append(try LatentOperations.apply(model, vector: v, to: targets, strength: s))
            captions.append("after: latent + \(s) × (mean A − mean B)")
        }
        let norm = withoutGradients { v.norm().item() }
        return GeneratedGrid(image: try SampleGrid().render(rows: rows), rows: captions,
                             measurements: [NamedValue(name: "vector_norm", value: norm)])
    }

    /// `count` images decoded from latents drawn from the VAE's prior N(0, I), `columns` per row.
    ///
    /// - Throws: when the run is not a VAE (an autoencoder has no prior to sample).
    public func priorSampleGrid(count: Int, columns: Int, seed: UInt64) throws -> GeneratedGrid {
        guard let vae = model as? VariationalAutoencoder else {
            throw GenerativeModelError("random samples from the prior need a VAE run (task: vae); this run is a \(task.rawValue), whose latent space has no prior")
        }
        guard count >= 1 else { throw GenerativeModelError("--count must be at least 1") }
        var rng = RandomGenerator(seed: seed)
        let samples = withoutGradients { vae.samplePrior(count: count, generator: &rng) }
        return GeneratedGrid(image: try SampleGrid().render(samples, columns: columns),
                             rows: ["\(count) samples from the prior N(0, I), \(columns) per row (seed \(seed))"])
    }

    /// Denoising: rows of the noisy inputs and the model's outputs, and (when the clean images are
    /// known) the clean images first, with PSNRs of the noisy and the denoised images.
    public func denoiseGrid(noisy: Tensor, clean: Tensor?) throws -> GeneratedGrid {
        let y = try withoutGradients { try model.reconstruct(noisy, what: "noisy images") }
        guard let clean else {
            return GeneratedGrid(image: try SampleGrid().render(rows: [noisy, y]), rows: ["noisy inputs", "denoised"])
        }
        var before = ReconstructionTally(), after = ReconstructionTally()
        try before.add(noisy, target: clean)
        try after.add(y, target: clean)
        return GeneratedGrid(image: try SampleGrid().render(rows: [clean, noisy, y]), rows: ["clean", "noisy inputs", "denoised"],
                             measurements: [NamedValue(name: "noisy_psnr", value: before.meanPSNR), NamedValue(name: "denoised_psnr", value: after.meanPSNR),
                                            NamedValue(name: "psnr_gain", value: after.meanPSNR - before.meanPSNR)])
    }

    /// Test images `indices` corrupted with `corruption` (default: the run's) from a generator seeded by `seed`.
    public func corruptedTestImages(_ indices: [Int], corruption: Corruption? = nil, seed: UInt64 = 0) throws -> (clean: Tensor, noisy: Tensor) {
        guard let c = corruption ?? self.corruption else {
            throw GenerativeModelError("this \(task.rawValue) run was trained without corruption; give --sigma (Gaussian noise) or noisy image files")
        }
        let clean = try testImages(indices)
        var rng = RandomGenerator(seed: seed)
        return (clean, c.apply(to: clean, generator: &rng))
    }
}
