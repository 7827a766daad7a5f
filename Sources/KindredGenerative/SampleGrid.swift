import KindredData
import KindredTensor

/// Tiles images into one picture: rows of equal-sized cells separated by a gap (the sample grids
/// of generative runs: inputs above reconstructions, interpolations, prior samples).
///
/// ```swift
/// let grid = try SampleGrid(gap: 2).render(rows: [inputs, reconstructions])  // two tensors [8, 1, 28, 28]
/// try grid.write(to: URL(fileURLWithPath: "samples.png"))
/// ```
public struct SampleGrid: Sendable {
    /// Pixels between cells and around the border.
    public var gap: Int
    /// Value of the gap pixels (in `[0, 1]`).
    public var background: Float

    /// A layout with `gap` pixels of `background` between cells.
    public init(gap: Int = 2, background: Float = 1) {
        self.gap = gap
        self.background = background
    }

    /// One grid row per tensor `[n, C, H, W]` (values in `[0, 1]`, clamped); rows may have
    /// different lengths, all cells share C, H, W.
    ///
    /// - Throws: ``GenerativeModelError`` when a tensor is not `[n, C, H, W]` or the shapes differ.
    public func render(rows: [Tensor]) throws -> Image {
        guard let first = rows.first else { throw GenerativeModelError("sample grid: no rows") }
        guard first.rank == 4 else { throw GenerativeModelError("sample grid: rows must be [n, C, H, W] tensors, found shape \(first.shape)") }
        let (c, h, w) = (first.shape[1], first.shape[2], first.shape[3])
        guard c == 1 || c == 3 else { throw GenerativeModelError("sample grid: images must have 1 or 3 channels, found \(c)") }
        for (i, r) in rows.enumerated() where r.rank != 4 || Array(r.shape.dropFirst()) != [c, h, w] {
            throw GenerativeModelError("sample grid: row \(i) has shape \(r.shape), expected [n, \(c), \(h), \(w)]")
        }
        let columns = rows.map { $0.shape[0] }.max() ?? 0
        let width = columns * (w + gap) + gap, height = rows.count * (h + gap) + gap
        var image = Image(width: width, height: height, channels: c, filledWith: background)
        for (ri, row) in rows.enumerated() {
            let values = withoutGradients { row.scalars }
            for n in 0..<row.shape[0] {
                let x0 = gap + n * (w + gap), y0 = gap + ri * (h + gap)
                for ch in 0..<c {
                    let plane = (n * c + ch) * h * w
                    for y in 0..<h {
                        for x in 0..<w {
                            let v = values[plane + y * w + x]
                            image[x: x0 + x, y: y0 + y, channel: ch] = v.isNaN ? 0 : Swift.min(Swift.max(v, 0), 1)
                        }
                    }
                }
            }
        }
        return image
    }

    /// `images` `[n, C, H, W]` laid out `columns` per row.
    public func render(_ images: Tensor, columns: Int) throws -> Image {
        guard images.rank == 4, images.shape[0] >= 1 else {
            throw GenerativeModelError("sample grid: expected [n, C, H, W] images, found shape \(images.shape)")
        }
        let n = images.shape[0], per = Swift.max(1, columns)
        let rows = stride(from: 0, to: n, by: per).map { start in
            withoutGradients { images.sliced(axis: 0, range: start..<Swift.min(start + per, n)) }
        }
        return try render(rows: rows)
    }
}
