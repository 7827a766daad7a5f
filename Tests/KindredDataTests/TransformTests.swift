import KindredData
import KindredTensor
import XCTest

final class TransformTests: XCTestCase {
    var generator = RandomGenerator(seed: 1)

    func testResizeGeometry() throws {
        // Constant images stay constant; a 2× downscale averages 2×2 blocks exactly.
        let flat = Image(width: 10, height: 6, channels: 3, filledWith: 0.25)
        let small = flat.resized(width: 4, height: 3)
        XCTAssertEqual([small.width, small.height], [4, 3])
        for v in small.pixels { XCTAssertEqual(v, 0.25, accuracy: 1e-6) }
        let checker = Image(width: 4, height: 2, channels: 1, pixels: [0, 1, 0, 1, 1, 0, 1, 0])
        XCTAssertEqual(checker.resized(width: 2, height: 1).pixels, [0.5, 0.5])
        // Horizontal gradient stays monotonic after upscaling.
        let up = gradientImage(width: 4, height: 4).resized(width: 9, height: 9)
        let row = (0..<9).map { up[x: $0, y: 4, channel: 0] }
        XCTAssertEqual(row, row.sorted())
        let bySide = try Resize(shorterSide: 4).apply(Image(width: 12, height: 6, channels: 1, filledWith: 0), generator: &generator)
        XCTAssertEqual([bySide.width, bySide.height], [8, 4])
        let portrait = try Resize(shorterSide: 5).apply(Image(width: 10, height: 30, channels: 1, filledWith: 0), generator: &generator)
        XCTAssertEqual([portrait.width, portrait.height], [5, 15])
    }

    func testCrops() throws {
        let image = gradientImage(width: 9, height: 7)
        let center = try CenterCrop(size: 3).apply(image, generator: &generator)
        XCTAssertEqual(center[x: 0, y: 0, channel: 0], image[x: 3, y: 2, channel: 0])
        XCTAssertEqual(center[x: 2, y: 2, channel: 1], image[x: 5, y: 4, channel: 1])
        let padded = try CenterCrop(size: 11).apply(image, generator: &generator)
        XCTAssertEqual(padded[x: 0, y: 0, channel: 2], 0)
        XCTAssertEqual(padded[x: 1, y: 2, channel: 0], image[x: 0, y: 0, channel: 0])

        // Random crops with padding stay inside the padded image and are windows of it.
        let crop = RandomCrop(size: 5, padding: 2)
        for _ in 0..<50 {
            let out = try crop.apply(image, generator: &generator)
            XCTAssertEqual([out.width, out.height], [5, 5])
            // Find the offset from a non-padded pixel: x / 8 identifies the column.
            var found = false
            for y in 0..<5 { for x in 0..<5 where out[x: x, y: y, channel: 2] == 0.5 {
                let sx = Int((out[x: x, y: y, channel: 0] * 8).rounded()), sy = Int((out[x: x, y: y, channel: 1] * 6).rounded())
                XCTAssertEqual(out[x: x, y: y, channel: 0], image[x: sx, y: sy, channel: 0])
                found = true
            } }
            XCTAssertTrue(found)
        }

        let rrc = RandomResizedCrop(size: 6, scale: 0.5...1)
        for _ in 0..<20 {
            let out = try rrc.apply(gradientImage(width: 20, height: 16), generator: &generator)
            XCTAssertEqual([out.width, out.height, out.channels], [6, 6, 3])
            let row = (0..<6).map { out[x: $0, y: 3, channel: 0] }
            XCTAssertEqual(row, row.sorted(), "no flip or rotation inside a crop")
        }
    }

    func testFlipAndRotation() throws {
        let image = gradientImage(width: 5, height: 3)
        let flipped = try HorizontalFlip(probability: 1).apply(image, generator: &generator)
        XCTAssertEqual(flipped[x: 0, y: 1, channel: 0], 1)
        XCTAssertEqual(flipped[x: 4, y: 1, channel: 0], 0)
        XCTAssertEqual(try HorizontalFlip(probability: 0).apply(image, generator: &generator), image)
        XCTAssertEqual(flipped.flippedHorizontally(), image)

        // A bright pixel right of centre moves to above centre after a 90° counter-clockwise turn.
        var dot = Image(width: 5, height: 5, channels: 1, filledWith: 0)
        dot[x: 4, y: 2, channel: 0] = 1
        let turned = dot.rotated(degrees: 90)
        XCTAssertEqual(turned[x: 2, y: 0, channel: 0], 1, accuracy: 1e-5)
        XCTAssertEqual(turned.pixels.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(dot.rotated(degrees: 0), dot)
        let small = try RandomRotation(maxDegrees: 10).apply(gradientImage(width: 16, height: 16), generator: &generator)
        XCTAssertEqual(small[x: 8, y: 8, channel: 0], 8 / 15, accuracy: 0.1)
    }

    func testColourTransforms() throws {
        let image = Image(width: 2, height: 1, channels: 3, pixels: [1, 0, 0, 0.2, 0.4, 0.6])
        let gray = try Grayscale().apply(image, generator: &generator)
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels[0], 0.299, accuracy: 1e-6)
        XCTAssertEqual(try Grayscale(outputChannels: 3).apply(image, generator: &generator).channels, 3)

        let noJitter = try ColorJitter().apply(image, generator: &generator)
        XCTAssertEqual(noJitter, image)
        for _ in 0..<20 {
            let out = try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4).apply(image, generator: &generator)
            XCTAssertTrue(out.pixels.allSatisfy { (0...1).contains($0) })
        }
        // Brightness alone scales every value by one factor.
        let bright = try ColorJitter(brightness: 0.5).apply(image, generator: &generator)
        let factor = bright.pixels[5] / image.pixels[5]
        XCTAssertEqual(bright.pixels[3], Swift.min(1, image.pixels[3] * factor), accuracy: 1e-5)

        let normalized = try Normalize(mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1]).apply(image, generator: &generator)
        XCTAssertEqual(Array(normalized.pixels.prefix(3)), [1, -2, -0.5])
        XCTAssertThrowsError(try Normalize.imageNet.apply(gray, generator: &generator))
    }

    func testBlurAndErasing() throws {
        let flat = Image(width: 6, height: 6, channels: 3, filledWith: 0.3)
        for v in flat.blurred(sigma: 1.5, kernelSize: 5).pixels { XCTAssertEqual(v, 0.3, accuracy: 1e-6) }
        var dot = Image(width: 7, height: 7, channels: 1, filledWith: 0)
        dot[x: 3, y: 3, channel: 0] = 1
        let blurred = try GaussianBlur(kernelSize: 5, sigma: 1...1).apply(dot, generator: &generator)
        XCTAssertEqual(blurred.pixels.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertLessThan(blurred[x: 3, y: 3, channel: 0], 1)
        XCTAssertEqual(blurred[x: 2, y: 3, channel: 0], blurred[x: 4, y: 3, channel: 0], accuracy: 1e-6)

        let ones = Image(width: 20, height: 20, channels: 3, filledWith: 1)
        let erased = try RandomErasing(probability: 1, value: 0).apply(ones, generator: &generator)
        let zeros = erased.pixels.filter { $0 == 0 }.count / 3
        XCTAssertGreaterThanOrEqual(zeros, 1)
        XCTAssertLessThanOrEqual(zeros, Int(0.33 * 400) + 20)
        XCTAssertEqual(try RandomErasing(probability: 0).apply(ones, generator: &generator), ones)
    }

    func testPipelinesAreSeedable() throws {
        let pipeline = TransformPipeline([RandomResizedCrop(size: 8), HorizontalFlip(), RandomRotation(maxDegrees: 5),
                                          ColorJitter(brightness: 0.3, contrast: 0.3, saturation: 0.3),
                                          GaussianBlur(kernelSize: 3), Normalize.imageNet, RandomErasing()])
        let image = gradientImage(width: 12, height: 10)
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5), c = RandomGenerator(seed: 6)
        let x = try pipeline.apply(image, generator: &a)
        XCTAssertEqual(x, try pipeline.apply(image, generator: &b))
        XCTAssertNotEqual(x, try pipeline.apply(image, generator: &c))
        XCTAssertEqual([x.width, x.height, x.channels], [8, 8, 3])
    }

    func testStandardPipelinesAndSingleImageTensor() throws {
        let image = gradientImage(width: 40, height: 30)
        let train = try TransformPipeline.training(size: 16).apply(image, generator: &generator)
        XCTAssertEqual([train.width, train.height, train.channels], [16, 16, 3])
        var g1 = RandomGenerator(seed: 1), g2 = RandomGenerator(seed: 99)
        let eval = TransformPipeline.evaluation(size: 16)
        let e1 = try eval.apply(image, generator: &g1)
        XCTAssertEqual(e1, try eval.apply(image, generator: &g2), "evaluation is deterministic")
        XCTAssertEqual([e1.width, e1.height], [16, 16])
        let t = gradientImage(width: 3, height: 2).tensor()
        XCTAssertEqual(t.shape, [1, 3, 2, 3])
        XCTAssertEqual(t.scalars, try Batch.stack([gradientImage(width: 3, height: 2)]).scalars)
    }
}
