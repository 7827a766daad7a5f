/// Escaping and number formatting shared by the SVG and HTML writers.
enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, safe in element content and in
    /// quoted attribute values of both HTML and XML.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `value` rounded to one decimal, without a trailing `.0` (`12.34` → `12.3`, `7.0` → `7`):
    /// short coordinates keep SVGs with thousands of points small.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((value * 10).rounded())
        let whole = tenths / 10, rest = abs(tenths % 10)
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        return rest == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(rest)"
    }

    /// `text` cut to `limit` characters with an ellipsis.
    static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 0))) + "…"
    }
}

/// A small SVG writer: elements are appended as text; all text content is escaped.
struct SVGWriter {
    private(set) var body = ""
    let width: Int
    let height: Int

    /// The system font stack charts use, matching the HTML report.
    static let fontFamily = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Appends raw markup (only for markup built here).
    mutating func raw(_ markup: String) { body += markup }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) {
        body += "<line x1=\"\(Markup.coordinate(x1))\" y1=\"\(Markup.coordinate(y1))\" x2=\"\(Markup.coordinate(x2))\" y2=\"\(Markup.coordinate(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Markup.coordinate(width))\"/>"
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        let strokeAttribute = stroke.map { " stroke=\"\($0)\"" } ?? ""
        body += "<rect x=\"\(Markup.coordinate(x))\" y=\"\(Markup.coordinate(y))\" width=\"\(Markup.coordinate(width))\" height=\"\(Markup.coordinate(height))\" fill=\"\(fill)\"\(strokeAttribute)/>"
    }

    /// Text at (`x`, `y`); `anchor` is `start`, `middle` or `end`; `rotate` turns it about its anchor.
    mutating func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                       weight: String? = nil, fill: String = "#333333", rotate: Double? = nil, baseline: String? = nil) {
        var attributes = "x=\"\(Markup.coordinate(x))\" y=\"\(Markup.coordinate(y))\" font-size=\"\(Markup.coordinate(size))\" fill=\"\(fill)\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if let baseline { attributes += " dominant-baseline=\"\(baseline)\"" }
        if let rotate { attributes += " transform=\"rotate(\(Markup.coordinate(rotate)) \(Markup.coordinate(x)) \(Markup.coordinate(y)))\"" }
        body += "<text \(attributes)>\(Markup.escaped(content))</text>"
    }

    /// The finished standalone SVG document (with the SVG namespace, so it also works as a `.svg` file).
    var document: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"\(Markup.escaped(SVGWriter.fontFamily))\" role=\"img\">"
            + "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>" + body + "</svg>"
    }
}
