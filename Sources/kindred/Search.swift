import ArgumentParser
import Foundation
import KindredData
import KindredPipeline
import KindredReport
import KindredRetrieval
import KindredTensor

/// `kindred search`: nearest gallery items of query images.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the nearest gallery items of query images with a trained run's model, as a table and a picture.",
        discussion: """
        The gallery is the run's evaluation split (its embeddings.safetensors) unless --gallery names an \
        embeddings file written by `kindred embed` (its -items.csv gives the images for the picture).

        Examples:
          kindred search --run runs/fashion-mnist-triplet shoe.png bag.jpg --k 8 --picture results.png
          kindred search --run runs/fashion-mnist-triplet --query-index 17 --query-index 4242
        """)

    @Option(name: .customLong("run"), help: "The trained run directory.") var runDirectory: String
    @Argument(help: "Query image files.") var queries: [String] = []
    @Option(name: .customLong("query-index"), help: "Use item N of the evaluation split as a query (repeatable).") var queryIndices: [Int] = []
    @Option(help: "Gallery embeddings (.safetensors from `kindred embed`); default: the run's evaluation split.") var gallery: String?
    @Option(help: "Results per query.") var k = 10
    @Option(help: "Write a picture of the queries and their results (PNG).") var picture: String?

    func validate() throws {
        guard !queries.isEmpty || !queryIndices.isEmpty else { throw ValidationError("give query image files or --query-index N") }
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
    }

    func run() throws {
        let files = RunFiles(directory: URL(fileURLWithPath: runDirectory))
        let trained = try TrainedModel(run: files)
        // The gallery: embeddings, labels, names and a way to get each item's image.
        let galleryFile: EmbeddingsFile
        var galleryImage: (Int) throws -> Image?
        var galleryName: (Int) -> String
        if let gallery {
            let url = URL(fileURLWithPath: gallery)
            galleryFile = try EmbeddingsFile.read(url)
            let items = try? CSVTable(contentsOf: URL(fileURLWithPath: url.deletingPathExtension().path + "-items.csv"))
            let sources = items?.rows.map { $0.fields.count > 3 ? $0.fields[3] : "" } ?? []
            let names = items?.rows.map { $0.fields.count > 2 ? $0.fields[2] : "" } ?? []
            galleryImage = { i in
                guard i < sources.count, FileManager.default.fileExists(atPath: sources[i]) else { return nil }
                return try Image(contentsOf: URL(fileURLWithPath: sources[i]))
            }
            galleryName = { i in i < names.count && !names[i].isEmpty ? names[i] : String(galleryFile.labels[i]) }
        } else {
            galleryFile = try EmbeddingsFile.read(files.embeddings)
            let test = try trained.test
            galleryImage = { try test.originalImage($0) }
            galleryName = { test.className(test.labels[$0]) }
        }
        // The queries.
        var queryEmbeddings: [Tensor] = [], queryImages: [Image] = [], queryNames: [String] = [], queryLabels: [Int?] = []
        if !queries.isEmpty {
            let urls = queries.map { URL(fileURLWithPath: $0) }
            queryEmbeddings.append(try trained.embed(files: urls))
            queryImages += try urls.map { try Image(contentsOf: $0) }
            queryNames += queries
            queryLabels += queries.map { _ in nil }
        }
        if !queryIndices.isEmpty {
            let test = try trained.test
            for i in queryIndices where i < 0 || i >= test.count {
                throw ValidationError("--query-index \(i) is outside the evaluation split (0..<\(test.count))")
            }
            queryEmbeddings.append(trained.embed(withoutGradients { test.images.rows(queryIndices) }))
            queryImages += try queryIndices.map { try test.originalImage($0) }
            queryNames += queryIndices.map { "item \($0) (\(test.className(test.labels[$0])))" }
            queryLabels += queryIndices.map { test.labels[$0] }
        }
        let q = queryEmbeddings.count == 1 ? queryEmbeddings[0] : Tensor.concat(queryEmbeddings)
        let distance: SearchDistance = trained.config.evaluation.distance == .euclidean ? .euclidean
            : trained.config.evaluation.distance == .dot ? .dotProduct : .cosine
        let depth = min(k, galleryFile.labels.count)
        // A query taken from the run's own gallery does not retrieve itself.
        var ids = queries.indices.map { -1 - $0 }
        ids += queryIndices
        let exclusion = gallery == nil && !queryIndices.isEmpty
            ? SearchExclusion(queryItemIDs: ids, galleryItemIDs: Array(0..<galleryFile.labels.count)) : .none
        let result = try ExactSearch(distance: distance).search(queries: q, gallery: galleryFile.embeddings, k: depth, exclusion: exclusion)
        var rows: [RetrievalGridRow] = []
        for (qi, name) in queryNames.enumerated() {
            print("query \(name):")
            print("  rank  gallery  class                 \(distance.isSimilarity ? "similarity" : "distance")")
            let neighbours = Array(result.neighbors(ofQuery: qi)), scores = Array(result.scores(ofQuery: qi))
            for (r, (g, s)) in zip(neighbours, scores).enumerated() where g >= 0 {
                let cls = galleryName(g).padding(toLength: 20, withPad: " ", startingAt: 0)
                print(String(format: "  %4d  %7d  %@  %.4f", r + 1, g, cls, s))
            }
            if picture != nil {
                let images = try neighbours.filter { $0 >= 0 }.compactMap { try galleryImage($0) }
                guard images.count == neighbours.filter({ $0 >= 0 }).count else { continue }
                let matches = neighbours.filter { $0 >= 0 }.map { g in queryLabels[qi].map { $0 == galleryFile.labels[g] } ?? true }
                rows.append(RetrievalGridRow(query: queryImages[qi], results: images, matches: matches))
            }
        }
        if let picture {
            guard !rows.isEmpty else { throw ValidationError("no gallery images available for the picture (the gallery's -items.csv must list image files)") }
            try RetrievalGrid(cellSize: 64, gap: 4, frame: 3).render(rows).write(to: URL(fileURLWithPath: picture))
            print("wrote \(picture) (one row per query: the query framed blue, then its results\(queryLabels.contains { $0 != nil } ? ", green = same class, red = another" : ""))")
        }
    }
}
