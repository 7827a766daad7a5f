import Foundation
import KindredRetrieval
import KindredTensor
import XCTest

/// Verification metrics against `Fixtures/verification.json` (scikit-learn, OML, SciPy and plain
/// loops; see `make_verification_fixtures.py`) and against loops written here.
final class VerificationTests: XCTestCase {
    struct Case {
        let name: String
        let pairs: VerificationPairs
        let json: [String: Any]
    }

    func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/verification.json")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap(doc["cases"] as? [[String: Any]]).map { c in
            let kind = try XCTUnwrap(PairScoreKind(rawValue: try XCTUnwrap(c["kind"] as? String)))
            let pairs = try VerificationPairs(scores: try XCTUnwrap(c["scores"] as? [Double]),
                                              isSame: try XCTUnwrap(c["isSame"] as? [Bool]), kind: kind)
            return Case(name: try XCTUnwrap(c["name"] as? String), pairs: pairs, json: c)
        }
    }

    /// A fixture number; "inf" and "-inf" stand for infinities.
    func number(_ any: Any?) throws -> Double {
        if let s = any as? String { return s == "inf" ? .infinity : -.infinity }
        return try XCTUnwrap(any as? Double)
    }

    func testROCCurveAUCAndEERMatchScikitLearnAndSciPy() throws {
        for c in try cases() {
            XCTAssertEqual(c.pairs.auc, try number(c.json["auc"]), accuracy: 1e-12, c.name)
            XCTAssertEqual(c.pairs.equalErrorRate.rate, try number(c.json["eer"]), accuracy: 1e-12, c.name)
            XCTAssertEqual(c.pairs.equalErrorRate.rate, try number(c.json["eerBrentq"]), accuracy: 1e-9, c.name)
            guard let roc = c.json["roc"] as? [String: [Any]] else { continue }
            let curve = c.pairs.rocCurve
            XCTAssertEqual(curve.thresholds, try XCTUnwrap(roc["thresholds"]).map(number), c.name)
            XCTAssertEqual(curve.falseAcceptRates.count, try XCTUnwrap(roc["far"]).count, c.name)
            for (a, b) in zip(curve.falseAcceptRates, try XCTUnwrap(roc["far"] as? [Double])) { XCTAssertEqual(a, b, accuracy: 1e-12) }
            for (a, b) in zip(curve.trueAcceptRates, try XCTUnwrap(roc["tar"] as? [Double])) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
    }

    func testAUCEqualsMannWhitneyLoop() throws {
        for c in try cases() where c.pairs.scores.count < 1000 {
            var wins = 0.0
            let sign: Double = c.pairs.kind == .similarity ? 1 : -1
            for i in c.pairs.scores.indices where c.pairs.isSame[i] {
                for j in c.pairs.scores.indices where !c.pairs.isSame[j] {
                    let a = sign * c.pairs.scores[i], b = sign * c.pairs.scores[j]
                    wins += a > b ? 1 : (a == b ? 0.5 : 0)
                }
            }
            XCTAssertEqual(c.pairs.auc, wins / Double(c.pairs.positiveCount * c.pairs.negativeCount), accuracy: 1e-12, c.name)
        }
    }

    func testTARAtFARAndFNMRAtFMR() throws {
        for c in try cases() {
            let expected = try XCTUnwrap(c.json["tarAtFar"] as? [String: [String: Any]])
            for far in [1e-1, 1e-2, 1e-3, 1e-4] {
                let e = try XCTUnwrap(expected["\(far)"] ?? expected[String(format: "%g", far)], "\(c.name) \(far)")
                let r = try c.pairs.tar(atFAR: far)
                XCTAssertEqual(r.trueAcceptRate, try number(e["tar"]), accuracy: 1e-12, "\(c.name) TAR@\(far)")
                XCTAssertEqual(r.point.falseAcceptRate, try number(e["far"]), accuracy: 1e-12, "\(c.name) FAR@\(far)")
                XCTAssertEqual(r.point.threshold, try number(e["threshold"]), "\(c.name) threshold@\(far)")
                XCTAssertLessThanOrEqual(r.point.falseAcceptRate, far)
                XCTAssertEqual(r.isResolved, Double(c.pairs.negativeCount) * far >= 1)
                // The reported point equals counting at its threshold.
                XCTAssertEqual(c.pairs.operatingPoint(atThreshold: r.point.threshold), r.point, c.name)
            }
            let fnmr = try XCTUnwrap(c.json["fnmrAtFmr"] as? [String: Double])
            for (key, value) in fnmr {
                XCTAssertEqual(try c.pairs.fnmr(atFMR: try XCTUnwrap(Double(key))), value, accuracy: 1e-6, "\(c.name) FNMR@FMR=\(key)")
            }
        }
        let many = try XCTUnwrap(try cases().first { $0.name == "many_negatives" })
        XCTAssertTrue(try many.pairs.tar(atFAR: 1e-4).isResolved)
        XCTAssertEqual(many.pairs.standardTARs.count, 4)
        XCTAssertTrue(try cases()[0].pairs.tar(atFAR: 1e-4).description.contains("unresolved"))
        XCTAssertThrowsError(try many.pairs.tar(atFAR: 0))
        XCTAssertThrowsError(try many.pairs.fnmr(atFMR: 1.5))
    }

    func testBestAccuracyAndTenFoldAccuracy() throws {
        for c in try cases() {
            let best = try XCTUnwrap(c.json["bestAccuracy"] as? [String: Any])
            let point = c.pairs.bestAccuracyThreshold()
            XCTAssertEqual(point.threshold, try number(best["threshold"]), accuracy: 1e-12, c.name)
            XCTAssertEqual(point.accuracy, try number(best["accuracy"]), accuracy: 1e-12, c.name)
            XCTAssertEqual(c.pairs.operatingPoint(atThreshold: point.threshold), point, c.name)
            guard let tenFold = c.json["tenFold"] as? [String: Any] else { continue }
            let cv = try c.pairs.crossValidatedAccuracy(folds: 10)
            let accuracies = try XCTUnwrap(tenFold["accuracies"] as? [Double])
            for (a, b) in zip(cv.foldAccuracies, accuracies) { XCTAssertEqual(a, b, accuracy: 1e-12, c.name) }
            XCTAssertEqual(cv.mean, try number(tenFold["mean"]), accuracy: 1e-12, c.name)
            XCTAssertEqual(cv.standardDeviation, try number(tenFold["std"]), accuracy: 1e-12, c.name)
        }
        let first = try cases()[0].pairs
        XCTAssertEqual(try first.crossValidatedAccuracy(shuffleSeed: 3), try first.crossValidatedAccuracy(shuffleSeed: 3))
        XCTAssertThrowsError(try first.crossValidatedAccuracy(folds: 1))
    }

    func testCalibrationOnValidationAppliedToTest() throws {
        let all = try cases().first { $0.name == "similarity_ties" }!.pairs
        let validation = try all.selecting(Array(0..<300)), test = try all.selecting(Array(300..<620))
        for target in [ThresholdTarget.falseAcceptRate(0.05), .bestAccuracy] {
            let calibrated = try validation.calibrateThreshold(for: target)
            let onTest = try calibrated.applied(to: test)
            // Plain loop on the test pairs.
            var tp = 0, fp = 0, correct = 0
            for (s, same) in zip(test.scores, test.isSame) {
                let accept = s >= calibrated.threshold
                if accept && same { tp += 1 }
                if accept && !same { fp += 1 }
                if accept == same { correct += 1 }
            }
            XCTAssertEqual(onTest.trueAcceptRate, Double(tp) / Double(test.positiveCount), accuracy: 1e-15)
            XCTAssertEqual(onTest.falseAcceptRate, Double(fp) / Double(test.negativeCount), accuracy: 1e-15)
            XCTAssertEqual(onTest.accuracy, Double(correct) / 320, accuracy: 1e-15)
        }
        XCTAssertEqual(try validation.calibrateThreshold(for: .falseAcceptRate(0.05)).validation.threshold,
                       try validation.tar(atFAR: 0.05).point.threshold)
        let distances = try VerificationPairs(scores: [1, 2], isSame: [true, false], kind: .distance)
        XCTAssertThrowsError(try validation.calibrateThreshold(for: .bestAccuracy).applied(to: distances))
    }

    func testDegenerateInputsThrowClearErrors() {
        XCTAssertThrowsError(try VerificationPairs(scores: [0.1, 0.2], isSame: [false, false], kind: .similarity)) {
            XCTAssertTrue("\($0)".contains("no positive"))
        }
        XCTAssertThrowsError(try VerificationPairs(scores: [0.1, 0.2], isSame: [true, true], kind: .similarity)) {
            XCTAssertTrue("\($0)".contains("no negative"))
        }
        XCTAssertThrowsError(try VerificationPairs(scores: [0.1], isSame: [true, false], kind: .similarity))
        XCTAssertThrowsError(try VerificationPairs(scores: [.nan, 0.2], isSame: [true, false], kind: .similarity)) {
            XCTAssertTrue("\($0)".contains("scores[0]"))
        }
    }

    func testPairsFromEmbeddings() throws {
        let x = integerEmbeddings(30, dimension: 5, seed: 2).map { $0.map { $0 + 0.5 } }
        let labels = (0..<30).map { $0 % 4 }
        for distance in SearchDistance.allCases {
            let pairs = try VerificationPairs(embeddings: matrix(x, dtype: .float64), labels: labels, distance: distance)
            XCTAssertEqual(pairs.scores.count, 435)
            XCTAssertEqual(pairs.kind, distance.isSimilarity ? .similarity : .distance)
            var p = 0
            for i in 0..<30 {
                for j in (i + 1)..<30 {
                    XCTAssertEqual(pairs.items?[p], ItemPair(first: i, second: j))
                    XCTAssertEqual(pairs.scores[p], try distance.score(x[i], x[j]))
                    XCTAssertEqual(pairs.isSame[p], labels[i] == labels[j])
                    p += 1
                }
            }
        }
        let all = try VerificationPairs(embeddings: matrix(x, dtype: .float64), labels: labels, distance: .cosine)
        let capped = try VerificationPairs(embeddings: matrix(x, dtype: .float64), labels: labels, distance: .cosine, maximumPairs: 100, seed: 5)
        let items = try XCTUnwrap(capped.items)
        XCTAssertEqual(items.count, 100)
        XCTAssertEqual(Set(items).count, 100)
        XCTAssertEqual(items, items.sorted { ($0.first, $0.second) < ($1.first, $1.second) })
        let index = Dictionary(uniqueKeysWithValues: try XCTUnwrap(all.items).enumerated().map { ($1, $0) })
        for (p, item) in items.enumerated() { XCTAssertEqual(capped.scores[p], all.scores[try XCTUnwrap(index[item])]) }
        XCTAssertEqual(try VerificationPairs(embeddings: matrix(x), labels: labels, distance: .cosine, maximumPairs: 100, seed: 5).items, items)
        XCTAssertThrowsError(try VerificationPairs(embeddings: matrix(x), labels: Array(repeating: 1, count: 30), distance: .cosine))
        XCTAssertThrowsError(try VerificationPairs(embeddings: matrix(x), labels: [1], distance: .cosine))
    }

    func testBootstrapIntervalsOverPairs() throws {
        let pairs = try cases()[0].pairs
        let b = Bootstrap(resamples: 200, level: 0.9, seed: 4)
        let intervals = try pairs.bootstrapIntervals(b)
        XCTAssertEqual(intervals, try pairs.bootstrapIntervals(b))
        XCTAssertTrue(intervals.auc.lower < pairs.auc && pairs.auc < intervals.auc.upper)
        let eer = pairs.equalErrorRate.rate
        XCTAssertTrue(intervals.equalErrorRate.lower < eer && eer < intervals.equalErrorRate.upper)
        XCTAssertLessThan(intervals.auc.upper - intervals.auc.lower, 0.1)
        // Reference: draw the same indices, rebuild the pairs, recompute, take linear quantiles.
        var rng = RandomGenerator(seed: 4)
        var aucs: [Double] = [], eers: [Double] = []
        for _ in 0..<200 {
            let drawn = (0..<pairs.scores.count).map { _ in rng.nextInt(below: pairs.scores.count) }
            let sample = try pairs.selecting(drawn)
            aucs.append(sample.auc)
            eers.append(sample.equalErrorRate.rate)
        }
        func quantile(_ v: [Double], _ p: Double) -> Double {
            let s = v.sorted(), h = p * Double(s.count - 1), lo = Int(h)
            return s[lo] + (h - Double(lo)) * (s[Swift.min(lo + 1, s.count - 1)] - s[lo])
        }
        XCTAssertEqual(intervals.auc.lower, quantile(aucs, 0.05), accuracy: 1e-12)
        XCTAssertEqual(intervals.auc.upper, quantile(aucs, 0.95), accuracy: 1e-12)
        XCTAssertEqual(intervals.equalErrorRate.lower, quantile(eers, 0.05), accuracy: 1e-12)
        XCTAssertEqual(intervals.equalErrorRate.upper, quantile(eers, 0.95), accuracy: 1e-12)
    }

    func testReportCollectsTheMetrics() throws {
        let pairs = try cases()[0].pairs
        let report = try pairs.report(bootstrap: Bootstrap(resamples: 50, seed: 1))
        XCTAssertEqual(report.auc, pairs.auc)
        XCTAssertEqual(report.equalErrorRate, pairs.equalErrorRate)
        XCTAssertEqual(report.tarAtFAR, try [1e-1, 1e-2, 1e-3, 1e-4].map { try pairs.tar(atFAR: $0) })
        XCTAssertEqual(report.fnmrAtFMR.map(\.fmr), [0.1])
        XCTAssertEqual(report.fnmrAtFMR.map(\.fnmr), [try pairs.fnmr(atFMR: 0.1)])
        XCTAssertEqual(report.accuracy, try pairs.crossValidatedAccuracy())
        XCTAssertNotNil(report.intervals)
        XCTAssertTrue(report.description.contains("AUC = ") && report.description.contains("over 10 folds"))
        XCTAssertNil(try VerificationPairs(scores: [1, 0], isSame: [true, false], kind: .similarity).report().accuracy)
    }
}
