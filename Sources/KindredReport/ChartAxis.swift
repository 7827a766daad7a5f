import Foundation

/// How a chart axis maps values to positions.
public enum ChartScale: Sendable, Equatable {
    /// Evenly spaced values.
    case linear
    /// Evenly spaced powers of ten; values ≤ 0 cannot be drawn and are left out.
    case logarithmic
}

/// One axis of a chart: its data domain, its ticks and the mapping onto pixels.
struct ChartAxis {
    /// The drawn range (already widened to tick boundaries), in data units.
    var lower: Double
    var upper: Double
    var scale: ChartScale
    /// Tick positions in data units with their labels.
    var ticks: [(value: Double, label: String)]

    /// An axis covering `values` (finite; positive for a log scale) with about `count` "nice" ticks
    /// (steps of 1, 2 or 5 × 10ⁿ, or powers of ten on a log scale).
    ///
    /// Without `padding` a linear axis is widened to the ticks just outside the data (good for curves
    /// starting at 0); with `padding` it spans the data plus that fraction of its range on each side,
    /// with ticks only inside (good for scatter plots, as in matplotlib).
    init(covering values: [Double], scale: ChartScale, tickCount count: Int = 5, padding: Double? = nil) {
        self.scale = scale
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        switch scale {
        case .linear:
            if low == high {
                let pad = low == 0 ? 1 : abs(low) * 0.1
                low -= pad
                high += pad
            }
            if let padding {
                let pad = (high - low) * padding
                low -= pad
                high += pad
            }
            let step = ChartAxis.niceNumber((high - low) / Double(max(count - 1, 1)), rounding: true)
            lower = padding == nil ? (low / step).rounded(.down) * step : low
            upper = padding == nil ? (high / step).rounded(.up) * step : high
            let decimals = max(0, -Int((log10(step)).rounded(.down)))
            var ticks: [(Double, String)] = []
            var i = (lower / step - 1e-9).rounded(.up)
            while true {
                let value = i * step
                if value > upper + step * 1e-9 { break }
                ticks.append((value, ChartAxis.label(value, decimals: decimals)))
                i += 1
            }
            self.ticks = ticks
        case .logarithmic:
            if values.isEmpty { (low, high) = (1, 10) }
            let e0 = Int(log10(low).rounded(.down))
            var e1 = Int(log10(high).rounded(.up))
            if e0 == e1 { e1 += 1 }
            lower = pow(10, Double(e0))
            upper = pow(10, Double(e1))
            var ticks: [(Double, String)] = []
            // Few decades: label 1, 2 and 5 of each; many: thin out to every n-th power.
            let decades = e1 - e0
            let every = max(1, Int((Double(decades) / Double(max(count, 2))).rounded(.up)))
            for e in e0...e1 where (e - e0) % every == 0 || e == e1 {
                let base = pow(10, Double(e))
                ticks.append((base, ChartAxis.powerLabel(e)))
                if decades <= 2 && e < e1 {
                    ticks.append((2 * base, ChartAxis.label(2 * base, decimals: max(0, -e))))
                    ticks.append((5 * base, ChartAxis.label(5 * base, decimals: max(0, -e))))
                }
            }
            self.ticks = ticks.sorted { $0.0 < $1.0 }
        }
    }

    /// The position of `value` along the axis as a fraction of its length (0 at `lower`, 1 at `upper`).
    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear: return (value - lower) / (upper - lower)
        case .logarithmic: return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    /// Whether `value` can be drawn on this axis (finite, and positive on a log scale).
    func canDraw(_ value: Double) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    /// 1, 2, 5 or 10 times a power of ten near `x` (Heckbert's "nice numbers").
    static func niceNumber(_ x: Double, rounding: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let nice: Double
        if rounding {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// `value` with `decimals` digits after the point; very large or small magnitudes in `1e5` form.
    static func label(_ value: Double, decimals: Int) -> String {
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude >= 1e6 || decimals > 5) {
            return compactExponent(String(format: "%.3g", value))
        }
        let text = String(format: "%.\(decimals)f", value)
        return text == "-0" || text.hasPrefix("-0.") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// `10^e` as plain digits for moderate exponents, else `1e-6`.
    static func powerLabel(_ e: Int) -> String {
        if e >= 0 && e <= 5 { return "1" + String(repeating: "0", count: e) }
        if e < 0 && e >= -4 { return "0." + String(repeating: "0", count: -e - 1) + "1" }
        return "1e\(e)"
    }

    /// `1.5e+06` → `1.5e6`, `2e-07` → `2e-7`.
    static func compactExponent(_ text: String) -> String {
        guard let e = text.firstIndex(of: "e") else { return text }
        let mantissa = text[..<e]
        var exponent = String(text[text.index(after: e)...])
        let negative = exponent.hasPrefix("-")
        exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
        return "\(mantissa)e\(negative ? "-" : "")\(exponent.isEmpty ? "0" : exponent)"
    }
}
