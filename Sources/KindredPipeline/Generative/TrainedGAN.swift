import Foundation
import KindredData
import KindredGenerative
import KindredNN
import KindredTensor

/// A trained GAN reopened from its run directory — what `kindred generate sample` (DCGAN),
/// `super-resolve` and `translate` work with: the run's config and the generator(s) with a
/// checkpoint's weights, in evaluation mode.
public final class TrainedGAN {
    /// The tasks whose runs this opens.
    public static let tasks: [GenerativeTask] = [.dcgan, .superResolution, .cycleGAN]

    /// The run's resolved config.
    public let config: GenerativeRunConfig
    /// The DCGAN generator (dcgan runs).
    public private(set) var dcganGenerator: DCGANGenerator?
    /// The super-resolution generator (super_resolution runs).
    public private(set) var superResolutionGenerator: UNetGenerator?
    /// The CycleGAN generators A → B and B → A (cyclegan runs).
    public private(set) var cycleGenerators: (ab: ResnetGenerator, ba: ResnetGenerator)?
    /// Class labels of the CycleGAN domains A and B.
    public let domains: (a: Int, b: Int)
    var cachedTest: SplitData?

    /// Opens `checkpoint` (default: the best one) of the GAN run in `run`.
    ///
    /// - Throws: ``CheckpointError`` when the directory is not a GAN run (naming the task it is),
    ///   or the checkpoint is missing, of another task, or does not fit; ``ConfigError``.
    public init(run: RunFiles, checkpoint: URL? = nil) throws {
        // The embedding run of a dcgan's metrics is not needed to generate.
        let task: GenerativeTask
        (config, task) = try GenerativeRunConfig.opening(run, tasks: Self.tasks)
        guard let s = config.settings as? GANSettings else {
            throw CheckpointError(file: run.config, message: "internal: no GAN settings")
        }
        domains = (s.domainA, s.domainB)
        let c = config.data.channels
        let modules: [(name: String, module: Module)]
        switch task {
        case .dcgan:
            let g = DCGANGenerator(latentSize: s.latentSize, features: s.generatorFeatures, channels: c)
            dcganGenerator = g
            modules = [("generator", g)]
        case .superResolution:
            let g = UNetGenerator(features: s.generatorFeatures, channels: c)
            superResolutionGenerator = g
            modules = [("generator", g)]
        default:
            let ab = ResnetGenerator(features: s.generatorFeatures, blocks: s.residualBlocks, channels: c)
            let ba = ResnetGenerator(features: s.generatorFeatures, blocks: s.residualBlocks, channels: c)
            cycleGenerators = (ab, ba)
            modules = [("generator_ab", ab), ("generator_ba", ba)]
        }
        let url = checkpoint ?? run.bestCheckpoint
        let file = try GenerativeCheckpoint.open(url, expecting: [task])
        try GenerativeCheckpoint.load(file, url: url, into: modules)
        for (_, m) in modules { m.eval() }
    }

    /// The task of the run.
    public var task: GenerativeTask { config.task }

    /// The run's evaluation split.
    public var test: SplitData {
        get throws {
            if let cachedTest { return cachedTest }
            let split = try RunData.load(config.data).test
            cachedTest = split
            return split
        }
    }

    /// Evaluation-split images `indices` as pixels in `[0, 1]`.
    public func testImages(_ indices: [Int]) throws -> Tensor {
        try test.pixelImages(indices, data: config.data)
    }

    /// Image files as pixels in `[0, 1]` `[N, C, size, size]`; a file of another size is an error naming it and both sizes.
    public func images(files: [URL], size: Int, purpose: String) throws -> Tensor {
        guard !files.isEmpty else { throw GenerativeModelError("no image files given") }
        let c = config.data.channels
        var values: [Float] = []
        for url in files {
            let image = try Image(contentsOf: url, channels: c)
            guard image.width == size, image.height == size else {
                throw GenerativeModelError("\(url.path): the image is \(image.width)×\(image.height), but \(purpose) takes \(size)×\(size) images")
            }
            let plane = size * size
            var planar = [Float](repeating: 0, count: c * plane)
            for p in 0..<plane { for ch in 0..<c { planar[ch * plane + p] = image.pixels[p * c + ch] } }
            values += planar
        }
        return Tensor(values, shape: [files.count, c, size, size])
    }

    private func requireTask(_ wanted: GenerativeTask, for action: String) throws {
        guard task == wanted else {
            throw GenerativeModelError("\(action) needs a \(wanted.rawValue) run; this is a \(task.rawValue) run")
        }
    }

    /// `count` DCGAN samples from noise drawn with `seed`, `columns` per row.
    public func sampleGrid(count: Int, columns: Int, seed: UInt64) throws -> GeneratedGrid {
        try requireTask(.dcgan, for: "sampling a GAN")
        guard let g = dcganGenerator else { throw GenerativeModelError("internal: no generator") }
        var rng = RandomGenerator(seed: seed)
        let samples = withoutGradients { DCGANTask.toPixels(g(g.noise(count: count, generator: &rng))) }
        return GeneratedGrid(image: try SampleGrid().render(samples, columns: columns),
                             rows: ["\(count) samples G(z), z ~ N(0, I) (seed \(seed)), \(columns) per row"])
    }

    /// Low-resolution images (`[N, C, 14, 14]` pixels) enlarged, bicubic-upsampled and super-resolved;
    /// with `real` (the 28×28 originals) also PSNR/SSIM of both against them.
    public func superResolveGrid(low: Tensor, real: Tensor?) throws -> GeneratedGrid {
        try requireTask(.superResolution, for: "super-resolution")
        guard let g = superResolutionGenerator else { throw GenerativeModelError("internal: no generator") }
        try GANInputError.checkImages(low, name: "low-resolution images", channels: g.channels, size: g.imageSize / 2)
        let bicubic = try Resampling.bicubic(low, scale: 2)
        let output = withoutGradients { DCGANTask.toPixels(g(bicubic * 2 - 1)) }
        let s = low.shape
        let enlarged = low.reshaped([s[0], s[1], s[2], 1, s[3], 1]).expanded(to: [s[0], s[1], s[2], 2, s[3], 2])
            .contiguous().reshaped([s[0], s[1], 2 * s[2], 2 * s[3]])
        var rows = [enlarged, bicubic.clamped(min: 0, max: 1), output]
        var names = ["14×14 inputs (enlarged)", "bicubic upsampling", "super-resolved by the generator"]
        var measurements: [NamedValue] = []
        if let real {
            rows.append(real)
            names.append("real 28×28 images")
            let model = try ImageQuality.compare(output, reference: real)
            let base = try ImageQuality.compare(bicubic.clamped(min: 0, max: 1), reference: real)
            measurements = [NamedValue(name: "psnr", value: model.meanPSNR), NamedValue(name: "ssim", value: model.meanSSIM),
                            NamedValue(name: "bicubic_psnr", value: base.meanPSNR), NamedValue(name: "bicubic_ssim", value: base.meanSSIM)]
        }
        return GeneratedGrid(image: try SampleGrid().render(rows: rows), rows: names, measurements: measurements)
    }

    /// Images (`[N, C, 28, 28]` pixels) above their CycleGAN translation (`aToB`: A → B, else B → A).
    public func translateGrid(_ images: Tensor, aToB: Bool) throws -> GeneratedGrid {
        try requireTask(.cycleGAN, for: "translation")
        guard let (ab, ba) = cycleGenerators else { throw GenerativeModelError("internal: no generators") }
        let g = aToB ? ab : ba
        try GANInputError.checkImages(images, name: "images", channels: g.channels, size: g.imageSize)
        let out = withoutGradients { DCGANTask.toPixels(g(images * 2 - 1)) }
        let test = try? self.test
        let a = test?.className(domains.a) ?? "class \(domains.a)", b = test?.className(domains.b) ?? "class \(domains.b)"
        return GeneratedGrid(image: try SampleGrid().render(rows: [images, out]),
                             rows: ["inputs (\(aToB ? a : b))", "translated \(aToB ? "A → B" : "B → A") (to \(aToB ? b : a))"])
    }
}
