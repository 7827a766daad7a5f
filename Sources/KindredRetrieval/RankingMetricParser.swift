/// Why a metric expression could not be read: the offending token, where it starts, and the names
/// that would have been accepted.
public struct MetricParseError: Error, Equatable, CustomStringConvertible {
    /// The whole expression.
    public let text: String
    /// The token that could not be used (empty at the end of the text).
    public let token: String
    /// Offset of the token in `text`, in characters from 0.
    public let position: Int
    /// What was wrong.
    public let reason: String

    /// The metric names ``RankingMetric/init(parsing:)`` accepts (`k`, `a`, `b` are integers ≥ 1, `a ≤ b`).
    public static let allowedNames = [
        "cmc@k", "precision@k", "precision@a-b", "textbook_precision@k", "map@k", "map@a-b", "map@r", "map",
        "textbook_map@k", "ndcg@k", "mrr", "r_precision",
    ]

    public var description: String {
        let shown = token.isEmpty ? "end of text" : "\"\(token)\""
        return "\(reason): \(shown) at position \(position) of \"\(text)\"\n  \(text)\n  \(String(repeating: " ", count: position))^\n"
            + "allowed metrics: \(Self.allowedNames.joined(separator: ", ")); combine them as `w1*metric1 + w2*metric2`"
    }
}

extension RankingMetric: LosslessStringConvertible {
    /// Reads a metric or a weighted sum of metrics, e.g. `"map@r"` or `"precision@3 + 0.5*map@4-10"`.
    ///
    /// Grammar (spaces allowed between tokens, names case-insensitive):
    /// `expression = term (("+" | "-") term)*`, `term = ["-"] [number "*"] name`, where `name` is one of
    /// ``MetricParseError/allowedNames`` (every name ``description`` prints). A single name without a
    /// weight gives that metric; anything with an explicit weight or more than one term gives a
    /// ``weightedSum(_:)`` (a term without a weight has weight 1, `-` negates the next weight).
    /// A `-` right after a cut-off starts a rank window when digits follow (`map@4-10`), unless the
    /// digits are a weight (`map@5-0.5*mrr`); put spaces around operators to be plain.
    /// `RankingMetric(parsing: m.description) == m` for every metric except weighted sums nested
    /// inside weighted sums (which ``description`` flattens).
    ///
    /// - Throws: ``MetricParseError`` naming the bad token, its position and the allowed names.
    public init(parsing text: String) throws {
        var parser = MetricExpressionParser(text: text)
        self = try parser.parse()
    }

    /// The metric ``init(parsing:)`` reads from `description`, or `nil` when it is not a valid expression.
    public init?(_ description: String) {
        guard let m = try? RankingMetric(parsing: description) else { return nil }
        self = m
    }
}

/// A recursive-descent reader of metric expressions (see ``RankingMetric/init(parsing:)``).
struct MetricExpressionParser {
    let text: String
    let chars: [Character]
    var i = 0

    init(text: String) {
        self.text = text
        self.chars = Array(text)
    }

    func error(_ reason: String, from start: Int, to end: Int) -> MetricParseError {
        MetricParseError(text: text, token: String(chars[start..<Swift.min(end, chars.count)]), position: start, reason: reason)
    }

    mutating func skipSpaces() {
        while i < chars.count && chars[i].isWhitespace { i += 1 }
    }

    mutating func parse() throws -> RankingMetric {
        var terms: [WeightedMetric] = []
        var explicitWeight = false
        var sign = 1.0
        while true {
            skipSpaces()
            if i < chars.count && (chars[i] == "-" || chars[i] == "+") {
                if chars[i] == "-" { sign = -sign }
                explicitWeight = true
                i += 1
                skipSpaces()
            }
            var weight = 1.0
            if i < chars.count && (chars[i].isNumber || chars[i] == ".") {
                let start = i
                weight = try number()
                skipSpaces()
                guard i < chars.count && chars[i] == "*" else {
                    throw error("expected `*` and a metric name after the weight", from: i, to: tokenEnd(i))
                }
                i += 1
                explicitWeight = true
                guard weight.isFinite else { throw error("weight is not finite", from: start, to: i - 1) }
            }
            terms.append(WeightedMetric(weight: sign * weight, metric: try name()))
            sign = 1
            skipSpaces()
            if i == chars.count { break }
            guard chars[i] == "+" || chars[i] == "-" else {
                throw error("expected `+`, `-` or the end after a metric", from: i, to: tokenEnd(i))
            }
            if chars[i] == "-" { sign = -1 }
            i += 1
        }
        if terms.count == 1 && !explicitWeight { return terms[0].metric }
        return .weightedSum(terms)
    }

    /// End of the token starting at `start`: a run of non-space characters other than `+` and `*`.
    func tokenEnd(_ start: Int) -> Int {
        var e = start
        while e < chars.count && !chars[e].isWhitespace && (e == start || (chars[e] != "+" && chars[e] != "*")) { e += 1 }
        return e
    }

    mutating func number() throws -> Double {
        let start = i
        while i < chars.count && (chars[i].isNumber || chars[i] == ".") { i += 1 }
        if i < chars.count && (chars[i] == "e" || chars[i] == "E") {
            var j = i + 1
            if j < chars.count && (chars[j] == "-" || chars[j] == "+") { j += 1 }
            if j < chars.count && chars[j].isNumber {
                i = j
                while i < chars.count && chars[i].isNumber { i += 1 }
            }
        }
        guard let value = Double(String(chars[start..<i])) else { throw error("not a number", from: start, to: i) }
        return value
    }

    mutating func name() throws -> RankingMetric {
        skipSpaces()
        let start = i
        while i < chars.count && (chars[i].isLetter || chars[i] == "_") { i += 1 }
        let base = String(chars[start..<i]).lowercased()
        guard !base.isEmpty else {
            throw error("expected a metric name", from: start, to: tokenEnd(start))
        }
        var suffix: String?
        if i < chars.count && chars[i] == "@" {
            let s = i + 1
            i = s
            while i < chars.count && (chars[i].isLetter || chars[i].isNumber) { i += 1 }
            // "-" continues a rank window only when digits follow that do not start a weight
            // ("map@4-10" is a window; "map@5-0.5*mrr" subtracts a term).
            if i < chars.count && chars[i] == "-" {
                var j = i + 1
                while j < chars.count && chars[j].isNumber { j += 1 }
                let weightFollows = j < chars.count && (chars[j] == "." || chars[j] == "*" || chars[j] == "e" || chars[j] == "E")
                if j > i + 1 && !weightFollows { i = j }
            }
            suffix = String(chars[s..<i]).lowercased()
        }
        let end = i
        func bad(_ reason: String) -> MetricParseError { error(reason, from: start, to: end) }
        func positive(_ s: Substring) throws -> Int {
            guard let k = Int(s), !s.hasPrefix("+"), !s.hasPrefix("-") else { throw bad("\"\(s)\" is not a whole number") }
            guard k >= 1 else { throw bad("ranks and cut-offs must be at least 1, got \(k)") }
            return k
        }
        func cutoff() throws -> Int {
            guard let suffix else { throw bad("\(base) needs a cut-off, as in \(base)@5") }
            guard !suffix.contains("-") else { throw bad("\(base) takes one cut-off, not a rank window") }
            return try positive(Substring(suffix))
        }
        func window() throws -> ClosedRange<Int>? {
            guard let suffix, suffix.contains("-") else { return nil }
            let parts = suffix.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw bad("a rank window is written a-b, as in @4-10") }
            let a = try positive(parts[0]), b = try positive(parts[1])
            guard a <= b else { throw bad("rank window \(a)-\(b) is empty: the first rank must not exceed the last") }
            return a...b
        }
        switch base {
        case "cmc": return .cmc(at: try cutoff())
        case "textbook_precision": return .textbookPrecision(at: try cutoff())
        case "textbook_map": return .textbookAveragePrecision(at: try cutoff())
        case "ndcg": return .ndcg(at: try cutoff())
        case "precision":
            if let w = try window() { return .windowPrecision(ranks: w) }
            return .precision(at: try cutoff())
        case "map":
            if suffix == nil { return .averagePrecisionOfRanking }
            if suffix == "r" { return .averagePrecisionAtR }
            if let w = try window() { return .windowAveragePrecision(ranks: w) }
            return .averagePrecision(at: try cutoff())
        case "mrr", "r_precision":
            guard suffix == nil else { throw bad("\(base) takes no cut-off") }
            return base == "mrr" ? .reciprocalRank : .rPrecision
        default:
            throw bad("unknown metric")
        }
    }
}
