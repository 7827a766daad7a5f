import KindredTensor

/// One candidate of a top-k selection: a key ("smaller is better": `−similarity` or a squared
/// distance) and the gallery index it belongs to. Ordered by key, then by index, so that equal keys
/// keep the lower gallery index first.
struct TopKEntry<T: KFloat>: Comparable {
    var key: T
    var slot: Int32

    @inline(__always)
    static func < (a: TopKEntry, b: TopKEntry) -> Bool {
        a.key < b.key || (a.key == b.key && a.slot < b.slot)
    }

    @inline(__always)
    static func == (a: TopKEntry, b: TopKEntry) -> Bool { a.key == b.key && a.slot == b.slot }
}

/// The running top-k of a block of queries, kept as unsorted candidate buffers with a threshold.
///
/// Each row collects candidates until its buffer (``capacity`` = 2k + 32 entries) is full; then a
/// quickselect keeps the k best and their worst key becomes the row's threshold. From then on an item
/// is looked at only when its key is **strictly below** the threshold: gallery indices arrive in
/// increasing order, so an item whose key equals the threshold would lose the tie anyway. Most items
/// are rejected by one comparison (in ``ExactSearch`` eight or sixteen at a time), the buffer is
/// compacted O(k log(G/k)) / k times per query, and rows are sorted once at the end — cheaper than a
/// heap for large k (MAP@R needs k ≈ the largest class) and no slower for small k.
struct TopKBuffer<T: KFloat> {
    /// Neighbours kept per row.
    let depth: Int
    /// Candidates a row holds before it is compacted to ``depth``.
    let capacity: Int
    /// Rows in the block.
    let rows: Int
    let entries: UnsafeMutablePointer<TopKEntry<T>>
    let counts: UnsafeMutablePointer<Int>
    /// Per row: keys must be strictly below this to enter (`+∞` until the first compaction).
    let thresholds: UnsafeMutablePointer<T>
    /// Per row: whether the threshold is in force (false: every non-NaN key enters).
    let bounded: UnsafeMutablePointer<Bool>

    /// Allocates buffers for `rows` queries keeping `depth` neighbours each.
    init(rows: Int, depth: Int) {
        self.rows = rows
        self.depth = depth
        self.capacity = 2 * depth + 32
        entries = .allocate(capacity: rows * capacity)
        counts = .allocate(capacity: rows)
        thresholds = .allocate(capacity: rows)
        bounded = .allocate(capacity: rows)
        reset()
    }

    /// Frees the buffers (call once, when the worker is done).
    func deallocate() {
        entries.deallocate()
        counts.deallocate()
        thresholds.deallocate()
        bounded.deallocate()
    }

    /// Empties every row.
    func reset() {
        counts.initialize(repeating: 0, count: rows)
        thresholds.initialize(repeating: T.infinity, count: rows)
        bounded.initialize(repeating: false, count: rows)
    }

    /// Offers `(key, slot)` to `row`; the caller has already checked `key < thresholds[row]` (or
    /// that the row is not yet bounded and the key is not NaN).
    @inline(__always)
    func insert(row: Int, key: T, slot: Int) {
        let base = entries + row * capacity
        var n = counts[row]
        base[n] = TopKEntry(key: key, slot: Int32(truncatingIfNeeded: slot))
        n += 1
        if n == capacity {
            Self.select(base, count: n, kth: depth - 1)
            thresholds[row] = base[depth - 1].key
            bounded[row] = true
            n = depth
        }
        counts[row] = n
    }

    /// The `depth` best entries of `row`, sorted best first (fewer when fewer were offered).
    func finish(row: Int) -> UnsafeMutableBufferPointer<TopKEntry<T>> {
        let base = entries + row * capacity
        var n = counts[row]
        if n > depth {
            Self.select(base, count: n, kth: depth - 1)
            n = depth
        }
        var kept = UnsafeMutableBufferPointer(start: base, count: n)
        kept.sort()
        return kept
    }

    /// Quickselect: afterwards `a[kth]` is the entry a full sort would put there, entries before it are
    /// smaller and entries after it larger. Entries are distinct (each gallery index occurs once).
    static func select(_ a: UnsafeMutablePointer<TopKEntry<T>>, count: Int, kth: Int) {
        var lo = 0, hi = count - 1
        while hi > lo {
            if hi - lo < 16 {
                // Insertion sort of the short range.
                for i in (lo + 1)...hi {
                    let x = a[i]
                    var j = i - 1
                    while j >= lo && x < a[j] {
                        a[j + 1] = a[j]
                        j -= 1
                    }
                    a[j + 1] = x
                }
                return
            }
            // Median of three as the pivot, then Hoare partition.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if kth <= j {
                hi = j
            } else if kth >= i {
                lo = i
            } else {
                return
            }
        }
    }
}

extension UnsafeMutablePointer {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
