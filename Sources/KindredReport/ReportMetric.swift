/// One row of a report's metric table: a retrieval metric with its bootstrap interval and how many
/// queries it was computed over.
///
/// Plain numbers, so the report does not depend on the retrieval module:
///
/// ```swift
/// ReportMetric(name: "cmc@1", value: 0.8271, lower: 0.8198, upper: 0.8347,
///              evaluatedQueries: 10_000, droppedQueries: 0)
/// ```
public struct ReportMetric: Sendable, Equatable {
    /// The metric's name, e.g. `map@5`.
    public var name: String
    /// The metric's value.
    public var value: Double
    /// The lower end of its 95% confidence interval, if one was computed.
    public var lower: Double?
    /// The upper end of its 95% confidence interval, if one was computed.
    public var upper: Double?
    /// How many queries the value averages over, if known.
    public var evaluatedQueries: Int?
    /// How many queries were left out (e.g. no positives in the gallery), if known.
    public var droppedQueries: Int?

    /// A metric row; leave out what was not computed (it shows as "—").
    public init(name: String, value: Double, lower: Double? = nil, upper: Double? = nil,
                evaluatedQueries: Int? = nil, droppedQueries: Int? = nil) {
        self.name = name
        self.value = value
        self.lower = lower
        self.upper = upper
        self.evaluatedQueries = evaluatedQueries
        self.droppedQueries = droppedQueries
    }
}

/// Number formatting for report tables.
enum ReportNumber {
    /// `value` with `decimals` digits after the point; "NaN"/"∞" for non-finite values.
    static func decimal(_ value: Double, decimals: Int) -> String {
        let decimals = min(max(decimals, 0), 12)
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        let scale = pow10(decimals)
        let scaled = (abs(value) * scale).rounded()
        // Integer arithmetic avoids locale-dependent formatting and keeps output deterministic.
        guard scaled < 9e15 else { return String(describing: value) }
        let units = Int64(scaled)
        let whole = units / Int64(scale), fraction = units % Int64(scale)
        var text = grouped(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return (value < 0 && units != 0 ? "−" : "") + text
    }

    /// `count` with comma grouping: `10000` → `10,000`.
    static func integer(_ count: Int) -> String {
        (count < 0 ? "−" : "") + grouped(Int64(count.magnitude))
    }

    private static func grouped(_ value: Int64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= 10 }
        return result
    }
}
