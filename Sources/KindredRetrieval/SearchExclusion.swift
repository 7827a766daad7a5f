/// Which gallery items a query must never retrieve (and which never count as relevant to it).
///
/// A gallery item `g` is excluded for query `q` when any of these holds:
/// - **self-exclusion**: ``queryItemIDs``[q] == ``galleryItemIDs``[g] — the same item sits in both
///   sets (leave-one-out evaluation, where the gallery is the query set itself);
/// - **sequence exclusion** (OML's `sequence`): ``querySequenceIDs``[q] == ``gallerySequenceIDs``[g]
///   — frames of one video, shots of one session: near-duplicates that would make retrieval trivial;
/// - **ignore mask**: `g` is listed in ``ignoredGalleryIndices``[q].
///
/// Excluded items are skipped by the search and left out of every relevant-item count `R`, exactly as
/// if they were not in the gallery for that query.
///
/// ```swift
/// // Leave-one-out: every embedding is both a query and a gallery item.
/// let exclusion = SearchExclusion.leaveOneOut(count: embeddings.shape[0])
/// ```
public struct SearchExclusion: Sendable, Equatable {
    /// Identifier of each query item (pairs with ``galleryItemIDs``).
    public var queryItemIDs: [Int]?
    /// Identifier of each gallery item (pairs with ``queryItemIDs``).
    public var galleryItemIDs: [Int]?
    /// Sequence (group) of each query item (pairs with ``gallerySequenceIDs``).
    public var querySequenceIDs: [Int]?
    /// Sequence (group) of each gallery item (pairs with ``querySequenceIDs``).
    public var gallerySequenceIDs: [Int]?
    /// For each query, gallery indices it must ignore (any order, duplicates allowed).
    public var ignoredGalleryIndices: [[Int]]?

    /// Excludes nothing.
    public static let none = SearchExclusion()

    /// Creates an exclusion rule; every pair of ID lists must be given together.
    public init(queryItemIDs: [Int]? = nil, galleryItemIDs: [Int]? = nil,
                querySequenceIDs: [Int]? = nil, gallerySequenceIDs: [Int]? = nil,
                ignoredGalleryIndices: [[Int]]? = nil) {
        self.queryItemIDs = queryItemIDs
        self.galleryItemIDs = galleryItemIDs
        self.querySequenceIDs = querySequenceIDs
        self.gallerySequenceIDs = gallerySequenceIDs
        self.ignoredGalleryIndices = ignoredGalleryIndices
    }

    /// Leave-one-out: query `i` is gallery item `i`, for `count` items.
    public static func leaveOneOut(count: Int) -> SearchExclusion {
        let ids = Array(0..<Swift.max(count, 0))
        return SearchExclusion(queryItemIDs: ids, galleryItemIDs: ids)
    }

    /// Checks the lists against the set sizes and indexes them for fast per-query look-up.
    ///
    /// - Throws: ``RetrievalError`` when a list has the wrong length, only half of a pair is given,
    ///   or an ignored index is outside the gallery.
    func prepared(queryCount: Int, galleryCount: Int) throws -> PreparedExclusion {
        func pair(_ q: [Int]?, _ g: [Int]?, _ name: String) throws -> (q: [Int], groups: [Int: [Int]])? {
            switch (q, g) {
            case (nil, nil): return nil
            case let (q?, g?):
                guard q.count == queryCount else { throw RetrievalError.lengthMismatch(name: "query\(name)", expected: queryCount, actual: q.count) }
                guard g.count == galleryCount else { throw RetrievalError.lengthMismatch(name: "gallery\(name)", expected: galleryCount, actual: g.count) }
                var groups: [Int: [Int]] = [:]
                for (i, id) in g.enumerated() { groups[id, default: []].append(i) }
                return (q, groups)
            default:
                throw RetrievalError.invalidArgument("query\(name) and gallery\(name) must be given together")
            }
        }
        let items = try pair(queryItemIDs, galleryItemIDs, "ItemIDs")
        let sequences = try pair(querySequenceIDs, gallerySequenceIDs, "SequenceIDs")
        if let ignored = ignoredGalleryIndices {
            guard ignored.count == queryCount else {
                throw RetrievalError.lengthMismatch(name: "ignoredGalleryIndices", expected: queryCount, actual: ignored.count)
            }
            for list in ignored {
                for g in list where g < 0 || g >= galleryCount {
                    throw RetrievalError.indexOutOfRange(name: "ignoredGalleryIndices", index: g, count: galleryCount)
                }
            }
        }
        return PreparedExclusion(items: items, sequences: sequences, ignored: ignoredGalleryIndices)
    }
}

/// A validated ``SearchExclusion`` with gallery indices grouped by ID.
struct PreparedExclusion: Sendable {
    let items: (q: [Int], groups: [Int: [Int]])?
    let sequences: (q: [Int], groups: [Int: [Int]])?
    let ignored: [[Int]]?

    /// Whether nothing is ever excluded.
    var isEmpty: Bool { items == nil && sequences == nil && ignored == nil }

    /// The gallery indices excluded for `query`, ascending and without duplicates.
    func excluded(forQuery query: Int) -> [Int] {
        var list: [Int] = []
        if let items, let g = items.groups[items.q[query]] { list += g }
        if let sequences, let g = sequences.groups[sequences.q[query]] { list += g }
        if let ignored { list += ignored[query] }
        if list.count <= 1 { return list }
        list.sort()
        var unique: [Int] = [list[0]]
        unique.reserveCapacity(list.count)
        for g in list.dropFirst() where g != unique[unique.count - 1] { unique.append(g) }
        return unique
    }
}
