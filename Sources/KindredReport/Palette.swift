import KindredData

/// An opaque colour with red, green and blue components in `0...1` (the range of ``KindredData/Image`` pixels).
public struct RGBColor: Sendable, Equatable, Hashable {
    /// Red, `0...1`.
    public var red: Float
    /// Green, `0...1`.
    public var green: Float
    /// Blue, `0...1`.
    public var blue: Float

    /// A colour from components in `0...1`.
    public init(red: Float, green: Float, blue: Float) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from a 24-bit `0xRRGGBB` value, e.g. `RGBColor(hex: 0x1f77b4)`.
    public init(hex: UInt32) {
        self.init(red: Float((hex >> 16) & 0xff) / 255,
                  green: Float((hex >> 8) & 0xff) / 255,
                  blue: Float(hex & 0xff) / 255)
    }

    /// The colour as CSS/SVG `#rrggbb` (components clamped to `0...1`).
    public var hexString: String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for component in [red, green, blue] {
            let byte = Int((Swift.min(Swift.max(component, 0), 1) * 255).rounded())
            text.append(digits[byte >> 4])
            text.append(digits[byte & 15])
        }
        return text
    }

    /// This colour mixed with `other`: `fraction` 0 gives `self`, 1 gives `other`.
    public func blended(with other: RGBColor, fraction: Float) -> RGBColor {
        RGBColor(red: red + (other.red - red) * fraction,
                 green: green + (other.green - green) * fraction,
                 blue: blue + (other.blue - blue) * fraction)
    }

    /// White.
    public static let white = RGBColor(red: 1, green: 1, blue: 1)
    /// Black.
    public static let black = RGBColor(red: 0, green: 0, blue: 0)
}

/// The colours Kindred's grids, charts and reports share.
///
/// Class colours are matplotlib's `tab10` followed by the lighter halves of `tab20`, so the first ten
/// classes look exactly as they would in a matplotlib plot; later classes cycle through the list.
///
/// ```swift
/// let colour = Palette.classColor(3)        // tab10 red
/// ```
public enum Palette {
    /// Twenty distinguishable class colours: `tab10`, then the light colours of `tab20`.
    public static let classColors: [RGBColor] = [
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
        0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94, 0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5,
    ].map { RGBColor(hex: $0) }

    /// The colour of class (or series) `index`, cycling through ``classColors``; negative indices wrap too.
    public static func classColor(_ index: Int) -> RGBColor {
        let n = classColors.count
        return classColors[((index % n) + n) % n]
    }

    /// The frame of a query in a retrieval grid (tab10 blue).
    public static let query = RGBColor(hex: 0x1f77b4)
    /// The frame of a result with the query's label (tab10 green).
    public static let match = RGBColor(hex: 0x2ca02c)
    /// The frame of a result with another label (tab10 red).
    public static let mismatch = RGBColor(hex: 0xd62728)
    /// Axis lines and tick labels in charts.
    public static let axis = RGBColor(hex: 0x555555)
    /// Light grid lines in charts.
    public static let gridLine = RGBColor(hex: 0xe5e5e5)
}
