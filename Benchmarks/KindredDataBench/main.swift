import Foundation
import KindredData
import KindredTensor

// Kindred's side of the data-loading comparison (Benchmarks/data-bench.sh runs this and
// Benchmarks/torch_data_bench.py on the same folder in the same session). Images per second through
// JPEG decode + train augmentations + batching, 2 workers. Prints one JSON object.
//
//   kindred-data-bench FOLDER [--generate N] [--epochs E]
// --generate writes N JPEGs (20 classes, 160×120, smooth colours plus noise) into FOLDER first.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: kindred-data-bench FOLDER [--generate N] [--epochs E]\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[1])
func option(_ name: String) -> Int? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return Int(arguments[i + 1])
}

/// Writes `count` synthetic photos-like JPEGs, one sub-folder per class.
func generate(count: Int, into root: URL) throws {
    var generator = RandomGenerator(seed: 0)
    let classes = 20, (w, h) = (160, 120)
    for i in 0..<count {
        let label = i % classes
        let dir = root.appendingPathComponent(String(format: "class%02d", label))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let base = (0..<3).map { _ in Float(generator.nextUniform()) }
        var pixels = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    let wave = 0.25 * Float(sin(Double(x * (c + 1)) / 9 + Double(y) / 13 + Double(label)))
                    pixels[(y * w + x) * 3 + c] = base[c] * 0.6 + wave + 0.15 * Float(generator.nextUniform())
                }
            }
        }
        try Image(width: w, height: h, channels: 3, pixels: pixels)
            .write(to: dir.appendingPathComponent(String(format: "%05d.jpg", i)), format: .jpeg(quality: 90))
    }
}

do {
    if let n = option("--generate") { try generate(count: n, into: folder) }
    let epochs = option("--epochs") ?? 3
    let table = try RetrievalTable(imageFolder: folder)
    let data = RetrievalDataset(table: table)
    let train = TransformPipeline([
        RandomResizedCrop(size: 112),
        HorizontalFlip(),
        ColorJitter(brightness: 0.2, contrast: 0.2, saturation: 0.2),
        Normalize.imageNet,
    ])
    let sampler = try ShuffledSampler(count: data.count, batchSize: 64, dropLast: false, seed: 0)
    let loader = DataLoader(dataset: data, sampler: sampler, transform: train, workers: 2, prefetch: 4, seed: 0)
    var rates: [Double] = []
    var checksum = 0.0
    for epoch in 0...epochs {  // epoch 0 warms up (page cache, allocator)
        let start = DispatchTime.now().uptimeNanoseconds
        let batches = loader.epoch(epoch)
        var images = 0
        while let batch = try batches.next() {
            images += batch.labels.count
            checksum += Double(batch.images.scalars[0])
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if epoch > 0 { rates.append(Double(images) / seconds) }
    }
    let sorted = rates.sorted()
    let result: [String: Any] = [
        "images": data.count, "workers": 2, "batch": 64, "epochs": epochs,
        "images_per_second": sorted[sorted.count / 2], "checksum": checksum,
    ]
    let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
