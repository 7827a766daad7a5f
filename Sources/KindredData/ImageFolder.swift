import Foundation

extension RetrievalTable {
    /// The file extensions (lower-case) ``init(imageFolder:split:extensions:)`` picks up by default.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "gif", "tga", "ppm", "pgm"]

    /// A table from the image-folder layout: one sub-folder per class, named by its label, holding
    /// that class's images (`root/<label>/<file>`). Sub-folders and files are taken in sorted order;
    /// hidden files and other extensions are ignored.
    ///
    /// Validation items are both query and gallery (every item is searched against all others).
    ///
    /// - Throws: ``DataError`` naming `root` if it cannot be listed or holds no images.
    public init(imageFolder root: URL, split: DatasetSplit = .train,
                extensions: Set<String> = RetrievalTable.imageExtensions) throws {
        let fm = FileManager.default
        let classes: [String]
        do {
            classes = try fm.contentsOfDirectory(atPath: root.path).filter { name in
                var isDirectory: ObjCBool = false
                return !name.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
            }.sorted()
        } catch {
            throw DataError.unreadableFile(root, reason: "cannot list the folder (\(error.localizedDescription))")
        }
        var items: [RetrievalItem] = []
        for label in classes {
            let folder = root.appendingPathComponent(label)
            let files = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files.sorted() where !file.hasPrefix(".") {
                let url = folder.appendingPathComponent(file)
                guard extensions.contains(url.pathExtension.lowercased()) else { continue }
                let validation = split == .validation
                items.append(RetrievalItem(label: label, path: url, split: split, isQuery: validation, isGallery: validation))
            }
        }
        guard !items.isEmpty else {
            throw DataError.malformedFile(root, reason: "no images found (expected one sub-folder per class holding \(extensions.sorted().joined(separator: "/")) files)")
        }
        self.init(items: items)
    }
}
