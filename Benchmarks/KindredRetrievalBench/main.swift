import Foundation
import KindredRetrieval
import KindredTensor

// Retrieval benchmark: exact top-k search on random L2-normalised embeddings, and retrieval metrics
// on a leave-one-out set. Prints one JSON object (seconds are medians of the timed runs; peak RSS
// in MiB is the process's high-water mark, before and after the searches and at the end).
//
//   kindred-retrieval-bench [--queries 10000] [--gallery 60000] [--dim 128] [--k 10]
//                           [--query-block 256] [--gallery-block 2048] [--runs 3]
//                           [--loo 10000] [--classes 100] [--faiss-backend 1]
//   kindred-retrieval-bench --tsne 10000 [--dim 64] [--classes 10] [--iterations 1000]
//       (only Barnes–Hut t-SNE of that many Gaussian-blob points: seconds, KL, 1-NN accuracy in 2-D)

BLAS.relaunchWithFastKernelsIfNeeded()

func option(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count, let v = Int(args[i + 1]) else { return fallback }
    return v
}

/// Process CPU seconds (user + system, all threads) spent in the last ``seconds(_:)`` call.
var lastCPUSeconds = 0.0

func cpuSeconds() -> Double {
    var u = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &u)
    #else
    getrusage(RUSAGE_SELF, &u)
    #endif
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let c0 = cpuSeconds()
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    lastCPUSeconds = cpuSeconds() - c0
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func peakRSSMiB() -> Double {
    var u = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
    #else
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &u)
    #else
    getrusage(RUSAGE_SELF, &u)
    #endif
    return Double(u.ru_maxrss) / (1024 * 1024)
    #endif
}

if option("tsne", 0) > 0 {
    let n = option("tsne", 0), d = option("dim", 64), classes = option("classes", 10)
    var rng = RandomGenerator(seed: 0)
    let centres = Tensor.normal([classes, d], std: 3, generator: &rng)
    let labels = (0..<n).map { $0 % classes }
    let x = centres.rows(labels) + Tensor.normal([n, d], generator: &rng)
    var fitted: (embedding: Tensor, klDivergence: Double)?
    let tsne = TSNE(iterations: option("iterations", 1000), method: .barnesHut(angle: 0.5))
    do {
        let time = try seconds { fitted = try tsne.fit(x) }
        let y = fitted!.embedding
        let nearest = try ExactSearch(distance: .squaredEuclidean).search(queries: y, gallery: y, k: 1, exclusion: .leaveOneOut(count: n))
        let accuracy = Double((0..<n).filter { labels[nearest.indices[$0]] == labels[$0] }.count) / Double(n)
        let report: [String: Any] = ["tsnePoints": n, "dim": d, "iterations": tsne.iterations, "threads": Parallel.threadCount,
                                     "tsneSeconds": time, "kl": fitted!.klDivergence, "oneNNAccuracy2D": accuracy, "peakRSSMiB": peakRSSMiB()]
        print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

let queries = option("queries", 10_000), galleryCount = option("gallery", 60_000), dim = option("dim", 128)
let k = option("k", 10), runs = option("runs", 3)
let looCount = option("loo", 10_000), classes = option("classes", 100)
var rng = RandomGenerator(seed: 0)
let q = Tensor.normal([queries, dim], generator: &rng).l2Normalized()
let g = Tensor.normal([galleryCount, dim], generator: &rng).l2Normalized()
let search = ExactSearch(distance: .dotProduct, queryBlockSize: option("query-block", 256), galleryBlockSize: option("gallery-block", 2048))

var report: [String: Any] = ["loo": looCount, "queries": queries, "gallery": galleryCount, "dim": dim, "k": k, "threads": Parallel.threadCount]
do {
    // High-water mark before any search: the inputs (and their generation); the search adds to it.
    report["peakRSSBeforeSearchMiB"] = peakRSSMiB()
    var times: [Double] = []
    for _ in 0..<runs { times.append(try seconds { _ = try search.search(queries: q, gallery: g, k: k) }) }
    report["searchSeconds"] = median(times)
    report["peakRSSAfterSearchMiB"] = peakRSSMiB()
    if FAISSIndex.isAvailable && option("faiss-backend", 1) == 1 {
        // The same search through Kindred's FAISS backend (the system's libfaiss): build + search.
        var faissTimes: [Double] = []
        for _ in 0..<runs {
            faissTimes.append(try seconds {
                _ = try SearchIndexKind.faissFlat.buildIndex(gallery: g, distance: .dotProduct).search(q, k: k)
            })
        }
        report["faissBackendSeconds"] = median(faissTimes)
    }

    if looCount > 0 {
        // Leave-one-out metrics: `classes` labels, embeddings = class centre + noise.
        let centres = Tensor.normal([classes, dim], generator: &rng)
        let labels = (0..<looCount).map { $0 % classes }
        let noise = Tensor.normal([looCount, dim], std: 1.5, generator: &rng)
        let x = (centres.rows(labels) + noise).l2Normalized()
        let exclusion = SearchExclusion.leaveOneOut(count: looCount)
        // PML's AccuracyCalculator side (k = largest class) and OML's side (k = 5, no MAP@R).
        let metrics: [RankingMetric] = [.cmc(at: 1), .cmc(at: 5), .precision(at: 1), .precision(at: 5),
                                        .averagePrecision(at: 1), .averagePrecision(at: 5), .averagePrecisionAtR]
        let omlMetrics = Array(metrics.dropLast())
        var summaries: [MetricSummary] = []
        // The path the pipelines take: relevance written during the search, ten neighbours kept.
        func evaluate(_ metrics: [RankingMetric], depth: Int, bootstrap: Bootstrap?) throws -> [MetricSummary] {
            let (_, relevance) = try search.searchRelevance(queries: x, queryLabels: labels, gallery: x, galleryLabels: labels,
                                                            depth: depth, keep: 10, exclusion: exclusion)
            return try relevance.summaries(of: metrics, bootstrap: bootstrap)
        }
        var looTimes: [Double] = [], bootTimes: [Double] = [], omlTimes: [Double] = []
        let depth = looCount / classes  // ≥ R = class size − 1
        for _ in 0..<runs {
            looTimes.append(try seconds { summaries = try evaluate(metrics, depth: depth, bootstrap: nil) })
            bootTimes.append(try seconds { _ = try evaluate(metrics, depth: depth, bootstrap: Bootstrap(resamples: 1000, seed: 0)) })
            omlTimes.append(try seconds { _ = try evaluate(omlMetrics, depth: 5, bootstrap: nil) })
        }
        // Where the leave-one-out time goes, step by step (the full depth-R neighbour list kept):
        // the search, relevance flags, metric means.
        var stageTimes: [[Double]] = [[], [], []], stageCPU: [[Double]] = [[], [], []]
        for _ in 0..<runs {
            var result: SearchResult?
            var relevance: RankedRelevance?
            stageTimes[0].append(try seconds { result = try search.search(queries: x, gallery: x, k: depth, exclusion: exclusion) })
            stageCPU[0].append(lastCPUSeconds)
            guard let result else { break }
            stageTimes[1].append(try seconds {
                relevance = try RankedRelevance(result: result, queryLabels: labels, galleryLabels: labels, exclusion: exclusion)
            })
            stageCPU[1].append(lastCPUSeconds)
            guard let relevance else { break }
            stageTimes[2].append(try seconds { _ = try relevance.summaries(of: metrics, bootstrap: nil) })
            stageCPU[2].append(lastCPUSeconds)
        }
        report["leaveOneOutSearchSeconds"] = median(stageTimes[0])
        report["leaveOneOutRelevanceSeconds"] = median(stageTimes[1])
        report["leaveOneOutSummarySeconds"] = median(stageTimes[2])
        report["leaveOneOutSearchCPUSeconds"] = median(stageCPU[0])
        report["leaveOneOutRelevanceCPUSeconds"] = median(stageCPU[1])
        report["leaveOneOutSummaryCPUSeconds"] = median(stageCPU[2])
        report["leaveOneOutMetricsSeconds"] = median(looTimes)
        report["leaveOneOutMetricsBootstrapSeconds"] = median(bootTimes)
        report["omlMetricsSeconds"] = median(omlTimes)
        report["leaveOneOutMetrics"] = Dictionary(uniqueKeysWithValues: summaries.map { ("\($0.metric)", $0.mean) })
    }
    report["peakRSSMiB"] = peakRSSMiB()
    let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
